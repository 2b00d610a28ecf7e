"""A poll's results: counts and percentages per option, the response rate, splits by
municipality, theme and association, free-text answers; the coordinator's message, a CSV, a PNG
chart, and the short summary respondents may get when the poll closes.

Who is a respondent: a person (their user id) in a private chat or, in a group where each member
answers, in that group; or an association that answers once in its group. The response rate
counts the chats asked that gave at least one answer (a private chat anonymised by /forget or
retention still counts: see `storage.polls.asked_count` and `answered_count`).

Anonymity (anonymous polls; named polls show everything to the poll's coordinators only):
- the answers are read without user ids (`storage.polls.answers(with_people=False)`);
- a split group with fewer than `MIN_GROUP` respondents is merged into "others", by the same
  rule as the feedback results (`bot.feedback.report.safe_groups`); a theme split counts a
  respondent under every theme their chat follows;
- free-text answers are listed in alphabetical order, never in the order they came;
- the CSV has one row per respondent and question without names or chat ids, sorted by content,
  with rare municipality / association combinations generalized (`feedback_report.generalized`).
"""

from __future__ import annotations

import csv
import functools
import html
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.config_values import Theme
from bot.core.i18n import N_, Html, Texts, shorten
from bot.core.places import PlaceCatalog
from bot.feedback.report import MIN_GROUP, generalized, safe_groups
from storage import polls
from storage.db import Database, Writer
from storage.polls import AnswerRow, Poll, Question
from storage.privacy import ANONYMOUS_CHAT
from storage.subscriptions import ALL_THEMES

__all__ = [
    "KIND_NAMES",
    "GroupRow",
    "OptionCount",
    "QuestionResult",
    "Results",
    "Split",
    "answers_csv",
    "build",
    "chart_png",
    "compute",
    "has_splits",
    "render",
    "splits",
    "summary_text",
]

KIND_NAMES = {
    "single": N_("one choice"),
    "multiple": N_("several choices"),
    "scale": N_("scale 1–5"),
    "text": N_("free text"),
}
MESSAGE_BUDGET = 3900  # Telegram allows 4096 characters
# What the message shows when everything fits, and the shorter layouts tried when not: the
# biggest groups of each split and characters of free text (the CSV has everything).
_LAYOUTS = ((8, 1500), (4, 500), (0, 1500))
_BAR_WIDTH = 10
Respondent = tuple[int, int]  # (chat id, respondent)


@dataclass(frozen=True, slots=True)
class OptionCount:
    label: str  # the option's text, or the scale value
    count: int
    share: float  # of the question's respondents, 0–1 (several choices can add up to more)
    names: tuple[str, ...] = ()  # named polls only


@dataclass(frozen=True, slots=True)
class GroupRow:
    key: str  # municipality code, theme id or association name; '' = not known
    respondents: int
    counts: tuple[int, ...]  # per option (scale: per value 1–5)


@dataclass(frozen=True, slots=True)
class Split:
    rows: tuple[GroupRow, ...]
    others: GroupRow | None
    too_small: bool  # every group (even merged) is under MIN_GROUP: nothing shown


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question: Question
    respondents: int
    options: tuple[OptionCount, ...]  # empty for free text
    average: float | None  # scale questions
    texts: tuple[tuple[str, str | None], ...]  # (answer, name on named polls)
    by_municipality: Split | None
    by_theme: Split | None
    by_association: Split | None


@dataclass(frozen=True, slots=True)
class Results:
    poll: Poll
    asked: int
    answered_chats: int
    respondents: int
    questions: tuple[QuestionResult, ...]
    rows: tuple[AnswerRow, ...]
    names: dict[int, str]  # user id → name (named polls only)

    @property
    def rate(self) -> float:
        return self.answered_chats / self.asked if self.asked else 0.0


async def build(db: Database | Writer, poll: Poll) -> Results:
    rows = await polls.answers(db, poll.id, with_people=not poll.anonymous)
    names: dict[int, str] = {}
    if not poll.anonymous:
        names = await polls.people(db, [r.user_id for r in rows if r.user_id is not None])
    return compute(poll, await polls.asked_count(db, poll.id), rows, names)


def _values(question: Question) -> int:
    return 5 if question.kind == "scale" else len(question.options)


def _index(question: Question, choice: int) -> int | None:
    """The position in the counts of a stored choice (scale values are 1–5)."""
    index = choice - 1 if question.kind == "scale" else choice
    return index if 0 <= index < _values(question) else None


def _split(labelled: Sequence[tuple[str, tuple[int, ...]]], width: int, min_group: int) -> Split:
    shown, rest = safe_groups(labelled, min_group)

    def row(key: str, items: list[tuple[int, ...]]) -> GroupRow:
        counts = [0] * width
        for chosen in items:
            for index in chosen:
                counts[index] += 1
        return GroupRow(key, len(items), tuple(counts))

    rows = tuple(row(key, items) for key, items in shown)
    if not rows:
        return Split((), None, too_small=bool(rest))
    return Split(rows, row("", rest) if rest else None, too_small=False)


def _person(row: AnswerRow, poll: Poll, names: dict[int, str]) -> str | None:
    if poll.anonymous or row.user_id is None:
        return None
    name = names.get(row.user_id, str(row.user_id))
    if row.respondent == polls.ASSOCIATION and row.association:
        return f"{row.association} ({name})"
    return name


def compute(
    poll: Poll, asked: int, rows: Sequence[AnswerRow], names: dict[int, str] | None = None
) -> Results:
    """The results from the answer rows (CPU only; bench/poll_results.py times this)."""
    names = names or {}
    min_group = MIN_GROUP if poll.anonymous else 1
    by_question: dict[int, list[AnswerRow]] = defaultdict(list)
    everyone: set[Respondent] = set()
    # An answering chat; a private chat anonymised since (/forget, retention) is its pseudonym
    # in the anonymous chat (as `storage.polls.answered_count` counts).
    chats: set[Respondent] = set()
    for row in rows:
        by_question[row.question].append(row)
        everyone.add((row.chat_id, row.respondent))
        chats.add((row.chat_id, row.respondent if row.chat_id == ANONYMOUS_CHAT else 0))
    results = []
    for question in poll.questions:
        answers = by_question.get(question.position, [])
        if question.kind == "text":
            texts = sorted(
                ((r.text, _person(r, poll, names)) for r in answers if r.text),
                key=lambda item: (item[0].casefold(), item[0], item[1] or ""),
            )
            respondents = len({(r.chat_id, r.respondent) for r in answers})
            results.append(
                QuestionResult(question, respondents, (), None, tuple(texts), None, None, None)
            )
            continue
        width = _values(question)
        chosen: dict[Respondent, list[int]] = defaultdict(list)
        first: dict[Respondent, AnswerRow] = {}
        counts = [0] * width
        voters: list[list[str]] = [[] for _ in range(width)]
        for r in answers:
            index = _index(question, r.choice)
            if index is None:
                continue
            key = (r.chat_id, r.respondent)
            chosen[key].append(index)
            first.setdefault(key, r)
            counts[index] += 1
            person = _person(r, poll, names)
            if person is not None:
                voters[index].append(person)
        respondents = len(chosen)
        labels = (
            [str(n) for n in range(1, 6)] if question.kind == "scale" else list(question.options)
        )
        options = tuple(
            OptionCount(
                label,
                counts[i],
                counts[i] / respondents if respondents else 0.0,
                tuple(sorted(voters[i], key=str.casefold)),
            )
            for i, label in enumerate(labels)
        )
        average = None
        if question.kind == "scale" and respondents:
            average = sum((i + 1) * n for i, n in enumerate(counts)) / respondents
        items = [(first[key], tuple(indexes)) for key, indexes in chosen.items()]
        by_municipality = _split(
            [(r.municipality_code or "", c) for r, c in items], width, min_group
        )
        by_theme = _split(
            [(theme, c) for r, c in items for theme in (r.themes or ("",))], width, min_group
        )
        by_association = _split([(r.association or "", c) for r, c in items], width, min_group)
        results.append(
            QuestionResult(
                question,
                respondents,
                options,
                average,
                (),
                by_municipality,
                by_theme,
                by_association,
            )
        )
    return Results(
        poll=poll,
        asked=asked,
        answered_chats=len(chats),
        respondents=len(everyone),
        questions=tuple(results),
        rows=tuple(rows),
        names=names,
    )


# Rendering


def _percent(t: Texts, share: float) -> str:
    return _percent_of(t, round(100 * share))


@functools.lru_cache(maxsize=512)
def _percent_of(t: Texts, percent: int) -> str:
    # Thousands of split cells share a hundred values; Babel's formatting is the slow part.
    return t._("{percent} %", percent=t.number(percent))


def _moment(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _municipality(code: str, t: Texts, catalog: PlaceCatalog) -> str:
    place = catalog.municipality(code) if code else None
    return place.name(t.language) if place else t._("not known")


def _theme(theme_id: str, t: Texts, themes: Sequence[Theme]) -> str:
    if theme_id == ALL_THEMES:
        return t._("all themes")
    for theme in themes:
        if theme.id == theme_id:
            return theme.name(t.language)
    return theme_id or t._("not known")


def _association(name: str, t: Texts) -> str:
    return name or t._("no association")


def _group_line(row: GroupRow, label: str, result: QuestionResult, t: Texts) -> str:
    question = result.question
    if question.kind == "scale":
        average = sum((i + 1) * n for i, n in enumerate(row.counts)) / max(row.respondents, 1)
        detail = t._("average {average}", average=t.number(round(average, 1)))
    else:
        detail = ", ".join(
            f"{option.label} {_percent(t, n / max(row.respondents, 1))}"
            for option, n in zip(result.options, row.counts, strict=True)
        )
    return t._("• {name} ({n}): {detail}", name=label, n=row.respondents, detail=Html(detail))


def _split_lines(
    title: str,
    split: Split | None,
    result: QuestionResult,
    t: Texts,
    names: dict[str, str],
    limit: int,
) -> list[str]:
    if split is None or (not split.rows and not split.too_small):
        return []
    lines = [title]
    if split.too_small:
        lines.append(t._("• Not shown: fewer than 3 answers per group."))
        return lines
    for row in split.rows[:limit]:
        lines.append(_group_line(row, names[row.key], result, t))
    hidden = split.rows[limit:]
    if hidden:
        lines.append(
            t.n_(
                "• … and {n} more group ({answers} answers): the CSV has every answer.",
                "• … and {n} more groups ({answers} answers): the CSV has every answer.",
                len(hidden),
                answers=sum(row.respondents for row in hidden),
            )
        )
    if split.others is not None:
        lines.append(
            _group_line(split.others, t._("Others (groups with fewer than 3 answers)"), result, t)
        )
    return lines


def _status(poll: Poll, t: Texts, now: int) -> str:
    privacy = t._("🙈 anonymous") if poll.anonymous else t._("👤 named")
    if poll.is_open(now):
        when = t._("open until {when}", when=t.when(_moment(poll.closes_at)))
    else:
        when = t._("closed {when}", when=t.when(_moment(poll.closed_at or poll.closes_at)))
    return f"{privacy} · {when}"


def _question_lines(
    result: QuestionResult,
    poll: Poll,
    t: Texts,
    catalog: PlaceCatalog,
    themes: Sequence[Theme],
    *,
    split_rows: int,
    text_budget: int,
) -> list[str]:
    question = result.question
    number = question.position + 1
    lines = [
        t._(
            "<b>{number}. {question}</b> ({kind})",
            number=number,
            question=question.text,
            kind=t._(KIND_NAMES[question.kind]),
        ),
        t.n_("{n} answer", "{n} answers", result.respondents),
    ]
    if question.kind == "text":
        if not result.texts:
            return lines
        used = 0
        for shown, (text, name) in enumerate(result.texts):
            if used + len(text) > text_budget and shown:
                lines.append(
                    t.n_(
                        "… and {n} more answer: the CSV has them all.",
                        "… and {n} more answers: the CSV has them all.",
                        len(result.texts) - shown,
                    )
                )
                break
            if name is None:
                lines.append(t._("• “{text}”", text=text))
            else:
                lines.append(t._("• “{text}” — {name}", text=text, name=name))
            used += len(text) + 6
        return lines
    most = max((o.count for o in result.options), default=0) or 1
    for option in result.options:
        bar = "█" * round(_BAR_WIDTH * option.count / most) if option.count else "·"
        lines.append(
            t._(
                "{option}: {count} ({percent}) {bar}",
                option=option.label,
                count=option.count,
                percent=_percent(t, option.share),
                bar=bar,
            )
        )
        if option.names:
            lines.append(t._("   {names}", names=", ".join(option.names)))
    if result.average is not None:
        lines.append(t._("Average: {average} / 5", average=t.number(round(result.average, 1))))
    if question.kind == "multiple":
        lines.append(t._("(Several choices: the shares are of those who answered.)"))
    if split_rows and result.respondents:
        lines += _split_lines(
            t._("<i>By municipality</i>"),
            result.by_municipality,
            result,
            t,
            {
                r.key: _municipality(r.key, t, catalog)
                for r in _rows(result.by_municipality)[:split_rows]
            },
            split_rows,
        )
        lines += _split_lines(
            t._("<i>By theme</i>"),
            result.by_theme,
            result,
            t,
            {r.key: _theme(r.key, t, themes) for r in _rows(result.by_theme)[:split_rows]},
            split_rows,
        )
        lines += _split_lines(
            t._("<i>By association</i>"),
            result.by_association,
            result,
            t,
            {r.key: _association(r.key, t) for r in _rows(result.by_association)[:split_rows]},
            split_rows,
        )
    return lines


def _rows(split: Split | None) -> tuple[GroupRow, ...]:
    return split.rows if split is not None else ()


def _head(results: Results, t: Texts, now: int) -> list[str]:
    poll = results.poll
    return [
        t._("<b>Poll {id}: {title}</b>", id=poll.id, title=poll.title),
        _status(poll, t, now),
        t._(
            "Answered: {answered} of {asked} chats asked ({percent}); respondents: "
            "{respondents} (people or associations)",
            answered=results.answered_chats,
            asked=results.asked,
            percent=_percent(t, results.rate),
            respondents=results.respondents,
        ),
    ]


def render(
    results: Results,
    t: Texts,
    catalog: PlaceCatalog,
    themes: Sequence[Theme],
    *,
    now: int,
    full: bool = False,
) -> str:
    """The coordinator's results message (HTML), within one Telegram message: when everything
    does not fit, fewer split groups and less free text are shown, then no splits (`splits`
    renders them question by question), and last the end is cut. `full`: everything, however
    long (the command line)."""
    layouts = ((10**9, 10**9),) if full else _LAYOUTS
    for split_rows, text_budget in layouts:
        lines = _head(results, t, now)
        for result in results.questions:
            lines.append("")
            lines += _question_lines(
                result,
                results.poll,
                t,
                catalog,
                themes,
                split_rows=split_rows,
                text_budget=text_budget,
            )
        if not split_rows:
            lines.append("")
            lines.append(t._("The splits by municipality, theme and association: 🔎 Splits."))
        text = "\n".join(lines)
        if full or len(text) <= MESSAGE_BUDGET:
            return text
    cut = text[:MESSAGE_BUDGET].rsplit("\n", 1)[0]
    return cut + "\n" + t._("… (the CSV has everything)")


def has_splits(results: Results) -> bool:
    return any(r.question.kind != "text" and r.respondents for r in results.questions)


def splits(
    results: Results,
    t: Texts,
    catalog: PlaceCatalog,
    themes: Sequence[Theme],
) -> list[str]:
    """One message per choice or scale question with its splits (the biggest groups)."""
    messages = []
    for result in results.questions:
        if result.question.kind == "text" or not result.respondents:
            continue
        for split_rows, _budget in _LAYOUTS:
            lines = [t._("<b>Poll {id}: {title}</b>", id=results.poll.id, title=results.poll.title)]
            lines += _question_lines(
                result, results.poll, t, catalog, themes, split_rows=split_rows, text_budget=0
            )
            text = "\n".join(lines)
            if len(text) <= MESSAGE_BUDGET or not split_rows:
                break
        messages.append(text[:MESSAGE_BUDGET])
    return messages


def summary_text(results: Results, t: Texts) -> str:
    """What respondents get at closing: totals only, no names, no free text, no splits."""
    poll = results.poll
    lines = [
        t._("📊 <b>Results: {title}</b>", title=poll.title),
        t.n_(
            "The poll is closed; {n} respondent answered. Thank you!",
            "The poll is closed; {n} respondents answered. Thank you!",
            results.respondents,
        ),
    ]
    for result in results.questions:
        if result.question.kind == "text":
            continue
        lines.append("")
        if len(poll.questions) > 1:
            lines.append(t._("<b>{question}</b>", question=result.question.text))
        for option in result.options:
            lines.append(
                t._(
                    "• {option}: {percent}",
                    option=option.label,
                    percent=_percent(t, option.share),
                )
            )
        if result.average is not None:
            lines.append(t._("Average: {average} / 5", average=t.number(round(result.average, 1))))
    return "\n".join(lines)[:MESSAGE_BUDGET]


# CSV


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
    poll = results.poll
    grouped: dict[tuple[int, int, int], list[AnswerRow]] = defaultdict(list)
    for row in results.rows:
        grouped[(row.question, row.chat_id, row.respondent)].append(row)
    entries = []
    for (position, _chat, _respondent), rows in grouped.items():
        question = poll.question(position)
        if question is None:
            continue
        first = rows[0]
        indexes = [i for r in rows if (i := _index(question, r.choice)) is not None]
        text = next((r.text for r in rows if r.choice < 0), "")
        if question.kind == "scale":
            indexes = [i + 1 for i in indexes]
        entries.append((question, first, _answer_text(question, indexes, text)))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if poll.anonymous:
        other = t._("others")
        pairs = generalized(
            [
                (
                    _municipality(first.municipality_code or "", t, catalog),
                    _association(first.association or "", t),
                )
                for _q, first, _a in entries
            ],
            other,
        )
        writer.writerow(["question", "question_text", "answer", "municipality", "association"])
        writer.writerows(
            sorted(
                (
                    str(question.position + 1),
                    _cell(question.text),
                    _cell(answer),
                    municipality,
                    _cell(association),
                )
                for (question, _first, answer), (municipality, association) in zip(
                    entries, pairs, strict=True
                )
            )
        )
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
        writer.writerows(
            sorted(
                (
                    str(question.position + 1),
                    _cell(question.text),
                    _cell(answer),
                    _cell(_person(first, poll, results.names) or ""),
                    _municipality(first.municipality_code or "", t, catalog),
                    _cell(_association(first.association or "", t)),
                    "; ".join(_theme(theme, t, themes) for theme in first.themes),
                    str(first.chat_id),
                )
                for question, first, answer in entries
            )
        )
    # BOM: Excel, where coordinators open this, then reads the ä and ö right.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# Chart


def chart_png(results: Results, t: Texts) -> bytes:
    """Horizontal bars per choice or scale question (shares of its respondents). CPU-bound: run
    it in a thread from async code; matplotlib is imported here so start-up stays fast."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from bot.feedback.report import _drawable

    charted = [r for r in results.questions if r.question.kind != "text"]
    rows = max(len(charted), 1)
    figure = Figure(figsize=(7.0, 1.2 + 2.3 * rows), dpi=100)
    FigureCanvasAgg(figure)
    if not charted:
        axes = figure.add_subplot()
        axes.axis("off")
        axes.text(0.5, 0.5, _drawable(html.unescape(t._("No choice questions."))), ha="center")
    for number, result in enumerate(charted, start=1):
        axes = figure.add_subplot(rows, 1, number)
        labels = [_drawable(shorten(o.label, 40)) or "?" for o in result.options]
        shares = [100 * o.share for o in result.options]
        positions = list(range(len(labels)))[::-1]
        bars = axes.barh(positions, shares, color="#2a7ab0", height=0.6)
        axes.bar_label(
            bars,
            labels=[
                f"{t.number(round(s))} % ({t.number(o.count)})"
                for s, o in zip(shares, result.options, strict=True)
            ],
            padding=2,
        )
        axes.set_yticks(positions, labels)
        axes.set_xlim(0, 115)
        axes.spines[["top", "right"]].set_visible(False)
        title = t.n_(
            "{question} — {n} answer",
            "{question} — {n} answers",
            result.respondents,
            question=shorten(result.question.text, 70),
        )
        axes.set_title(_drawable(html.unescape(title)), parse_math=False, fontsize=10)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
