"""A poll's results as messages: the coordinator's results (fitted into one Telegram message),
the splits question by question, and the short summary respondents may get at closing."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.core.config_values import Theme
from bot.core.i18n import Html, Texts
from bot.core.places import PlaceCatalog
from bot.polls.report import KIND_NAMES, GroupRow, QuestionResult, Results, Split
from storage.polls import Poll
from storage.subscriptions import ALL_THEMES

MESSAGE_BUDGET = 3900  # Telegram allows 4096 characters
# What the message shows when everything fits, and the shorter layouts tried when not: the
# biggest groups of each split and characters of free text (the CSV has everything).
_LAYOUTS = ((8, 1500), (4, 500), (0, 1500))
_BAR_WIDTH = 10


def _percent(t: Texts, share: float) -> str:
    return _percent_of(t, round(100 * share))


@functools.lru_cache(maxsize=512)
def _percent_of(t: Texts, percent: int) -> str:
    # Thousands of split cells share a hundred values; Babel's formatting is the slow part.
    return t._("{percent} %", percent=t.number(percent))


def _moment(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def municipality_name(code: str, t: Texts, catalog: PlaceCatalog) -> str:
    place = catalog.municipality(code) if code else None
    return place.name(t.language) if place else t._("not known")


def theme_name(theme_id: str, t: Texts, themes: Sequence[Theme]) -> str:
    if theme_id == ALL_THEMES:
        return t._("all themes")
    for theme in themes:
        if theme.id == theme_id:
            return theme.name(t.language)
    return theme_id or t._("not known")


def association_name(name: str, t: Texts) -> str:
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
    lines = [
        t._(
            "<b>{number}. {question}</b> ({kind})",
            number=question.position + 1,
            question=question.text,
            kind=t._(KIND_NAMES[question.kind]),
        ),
        t.n_("{n} answer", "{n} answers", result.respondents),
    ]
    if question.kind == "text":
        return lines + _text_lines(result, t, text_budget)
    lines += _option_lines(result, t)
    if split_rows and result.respondents:
        lines += _all_split_lines(result, t, catalog, themes, split_rows)
    return lines


def _text_lines(result: QuestionResult, t: Texts, text_budget: int) -> list[str]:
    lines: list[str] = []
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


def _option_lines(result: QuestionResult, t: Texts) -> list[str]:
    lines = []
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
    if result.question.kind == "multiple":
        lines.append(t._("(Several choices: the shares are of those who answered.)"))
    return lines


def _all_split_lines(
    result: QuestionResult,
    t: Texts,
    catalog: PlaceCatalog,
    themes: Sequence[Theme],
    split_rows: int,
) -> list[str]:
    by_municipality = _rows(result.by_municipality)[:split_rows]
    by_theme = _rows(result.by_theme)[:split_rows]
    by_association = _rows(result.by_association)[:split_rows]
    return (
        _split_lines(
            t._("<i>By municipality</i>"),
            result.by_municipality,
            result,
            t,
            {r.key: municipality_name(r.key, t, catalog) for r in by_municipality},
            split_rows,
        )
        + _split_lines(
            t._("<i>By theme</i>"),
            result.by_theme,
            result,
            t,
            {r.key: theme_name(r.key, t, themes) for r in by_theme},
            split_rows,
        )
        + _split_lines(
            t._("<i>By association</i>"),
            result.by_association,
            result,
            t,
            {r.key: association_name(r.key, t) for r in by_association},
            split_rows,
        )
    )


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
