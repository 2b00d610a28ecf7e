"""A poll's answers as CSV for the coordinators: one row per respondent and question; on
anonymous polls without names or chat ids, sorted by content, with rare municipality /
association combinations generalized (`bot.feedback.report.generalized`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from bot.core.config_values import Theme
from bot.core.i18n import N_, Texts
from bot.core.places import PlaceCatalog
from bot.core.sheets import csv_bytes, header
from bot.feedback.report import generalized
from bot.polls.report import Results, index_of, person
from bot.polls.report_text import association_name, municipality_name, theme_name
from storage.poll_answers import AnswerRow
from storage.polls import Question

_Entry = tuple[Question, AnswerRow, str]


_ANONYMOUS_COLUMNS: tuple[str, ...] = (
    N_("question"),
    N_("question_text"),
    N_("answer"),
    N_("municipality"),
    N_("association"),
)
_NAMED_COLUMNS: tuple[str, ...] = (
    N_("question"),
    N_("question_text"),
    N_("answer"),
    N_("name"),
    N_("municipality"),
    N_("association"),
    N_("themes"),
    N_("chat_id"),
)


def _answer_text(question: Question, indexes: Sequence[int], text: str) -> str:
    if question.kind == "text":
        return text
    if question.kind == "scale":
        return "; ".join(str(i) for i in sorted(indexes))
    return "; ".join(question.options[i] for i in sorted(indexes) if i < len(question.options))


def answers_csv(
    results: Results, t: Texts, catalog: PlaceCatalog, themes: Sequence[Theme]
) -> bytes:
    """One row per respondent and question. Anonymous polls: no names, no ids, sorted by content,
    rare municipality / association combinations generalized; named polls: with the name."""
    entries = _entries(results)
    if results.poll.anonymous:
        columns = _ANONYMOUS_COLUMNS
        rows = sorted(_anonymous_rows(entries, t, catalog))
    else:
        columns = _NAMED_COLUMNS
        rows = sorted(_named_rows(entries, results, t, catalog, themes))
    return csv_bytes(header(t, columns), rows)


def _entries(results: Results) -> list[_Entry]:
    """(question, the respondent's first row, their answer as text) per respondent and question."""
    grouped: dict[tuple[int, int, int], list[AnswerRow]] = defaultdict(list)
    for row in results.rows:
        grouped[(row.question, row.chat_id, row.respondent)].append(row)
    entries = []
    for (position, _chat, _respondent), rows in grouped.items():
        question = results.poll.question(position)
        if question is None:
            continue
        indexes = [i for r in rows if (i := index_of(question, r.choice)) is not None]
        text = next((r.text for r in rows if r.choice < 0), "")
        if question.kind == "scale":
            indexes = [i + 1 for i in indexes]
        entries.append((question, rows[0], _answer_text(question, indexes, text)))
    return entries


def _anonymous_rows(
    entries: Sequence[_Entry], t: Texts, catalog: PlaceCatalog
) -> Iterator[tuple[str, ...]]:
    pairs = generalized(
        [
            (
                municipality_name(first.municipality_code or "", t, catalog),
                association_name(first.association or "", t),
            )
            for _q, first, _a in entries
        ],
        t._("others"),
    )
    for (question, _first, answer), (municipality, association) in zip(entries, pairs, strict=True):
        yield (
            str(question.position + 1),
            question.text,
            answer,
            municipality,
            association,
        )


def _named_rows(
    entries: Sequence[_Entry],
    results: Results,
    t: Texts,
    catalog: PlaceCatalog,
    themes: Sequence[Theme],
) -> Iterator[tuple[str, ...]]:
    for question, first, answer in entries:
        yield (
            str(question.position + 1),
            question.text,
            answer,
            person(first, results.poll, results.names) or "",
            municipality_name(first.municipality_code or "", t, catalog),
            association_name(first.association or "", t),
            "; ".join(theme_name(theme, t, themes) for theme in first.themes),
            str(first.chat_id),
        )
