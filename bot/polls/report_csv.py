"""A poll's answers as CSV for the coordinators: one row per respondent and question; on
anonymous polls without names or chat ids, sorted by content, with rare municipality /
association combinations generalized (`bot.feedback.report.generalized`)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator, Sequence

from bot.core.config_values import Theme
from bot.core.i18n import Texts
from bot.core.places import PlaceCatalog
from bot.feedback.report import generalized
from bot.polls.report import Results, index_of, person
from bot.polls.report_text import association_name, municipality_name, theme_name
from storage.poll_answers import AnswerRow
from storage.polls import Question

_Entry = tuple[Question, AnswerRow, str]


def _cell(value: str) -> str:
    # Text starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


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
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if results.poll.anonymous:
        writer.writerow(["question", "question_text", "answer", "municipality", "association"])
        writer.writerows(sorted(_anonymous_rows(entries, t, catalog)))
    else:
        writer.writerow(
            [
                "question",
                "question_text",
                "answer",
                "name",
                "municipality",
                "association",
                "themes",
                "chat_id",
            ]
        )
        writer.writerows(sorted(_named_rows(entries, results, t, catalog, themes)))
    # BOM: Excel, where coordinators open this, then reads the ä and ö right.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


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
            _cell(question.text),
            _cell(answer),
            municipality,
            _cell(association),
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
            _cell(question.text),
            _cell(answer),
            _cell(person(first, results.poll, results.names) or ""),
            municipality_name(first.municipality_code or "", t, catalog),
            _cell(association_name(first.association or "", t)),
            "; ".join(theme_name(theme, t, themes) for theme in first.themes),
            str(first.chat_id),
        )
