"""The coordinator's view of an event's feedback: response rate, distribution, average, attended,
comments and splits by municipality and by association; a CSV and a PNG bar chart.

Anonymity rules (coordinators must not learn who gave which answer):
- nothing here ever sees a user id: the storage queries select none;
- comments are listed sorted by their text, never in the order they came in;
- a split group with fewer than `MIN_GROUP` answers is not shown: it goes to "others", and if
  "others" would itself be that small, the smallest shown groups join it (otherwise the total
  minus the shown groups would give the hidden ones away); if even that is too small, the split
  only says that every group has fewer than `MIN_GROUP` answers;
- the CSV has one row per answer (rating, attended, comment, municipality, association) without
  ids or names, sorted by content. Municipality and association follow the same rule, and a
  combination of the two that fewer than `MIN_GROUP` answers share is generalized (first the
  association, then the municipality, becomes "others"; a remainder that is still too small
  takes in the smallest groups). Comments are the respondents' own
  words: what they write about themselves cannot be hidden.
"""

from __future__ import annotations

import html
import io
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from bot.core.i18n import N_, Texts, shorten
from bot.core.places import PlaceCatalog
from bot.core.sheets import csv_bytes, header, yes_no
from storage import feedback
from storage.db import Database
from storage.events import Event
from storage.feedback import AnonymousAnswer, Round, Totals

__all__ = [
    "MIN_GROUP",
    "Results",
    "Split",
    "SplitRow",
    "answers_csv",
    "build",
    "chart_png",
    "generalized",
    "render",
    "safe_groups",
    "split",
]

MIN_GROUP = 3
T = TypeVar("T")
_BAR_WIDTH = 12
_COMMENTS_BUDGET = 2500  # characters of comments in the message; the CSV has all of them


@dataclass(frozen=True, slots=True)
class Results:
    round: Round | None
    totals: Totals
    answers: tuple[AnonymousAnswer, ...]  # sorted by content, no authors

    @property
    def comments(self) -> list[str]:
        return sorted(
            (a.comment for a in self.answers if a.comment), key=lambda c: (c.casefold(), c)
        )


@dataclass(frozen=True, slots=True)
class SplitRow:
    label: str
    answers: int
    average: float


@dataclass(frozen=True, slots=True)
class Split:
    rows: tuple[SplitRow, ...]  # groups with at least MIN_GROUP answers, largest first
    others: SplitRow | None  # the merged small groups, when they are MIN_GROUP or more
    too_small: bool  # every group (even merged) is under MIN_GROUP: nothing shown


async def build(db: Database, event: Event) -> Results:
    return Results(
        round=await feedback.get_round(db, event.id),
        totals=await feedback.totals(db, event.id),
        answers=tuple(await feedback.anonymous_answers(db, event.id)),
    )


def _average(ratings: Sequence[int]) -> float:
    return sum(ratings) / len(ratings)


def safe_groups(
    labelled: Sequence[tuple[str, T]], min_group: int = MIN_GROUP
) -> tuple[list[tuple[str, list[T]]], list[T]]:
    """(label, item) pairs → the groups safe to show (at least `min_group` items each, largest
    first) and the rest merged into "others". A rest smaller than `min_group` takes in the
    smallest shown groups (otherwise the total minus the shown groups would give it away); when
    nothing can be shown, every item is in the rest."""
    groups: dict[str, list[T]] = defaultdict(list)
    for label, item in labelled:
        groups[label].append(item)
    shown = sorted(
        ((label, items) for label, items in groups.items() if len(items) >= min_group),
        key=lambda group: (-len(group[1]), group[0]),
    )
    rest = [item for items in groups.values() if len(items) < min_group for item in items]
    while 0 < len(rest) < min_group and shown:
        _label, items = shown.pop()  # the smallest shown group joins the others
        rest += items
    return shown, rest


def split(labelled: Sequence[tuple[str, int]], others_label: str) -> Split:
    """(label, rating) pairs → groups safe to show (see the module's anonymity rules)."""
    shown, rest = safe_groups(labelled)
    rows = tuple(SplitRow(label, len(r), _average(r)) for label, r in shown)
    if not rows:
        return Split((), None, too_small=bool(rest))
    others = SplitRow(others_label, len(rest), _average(rest)) if rest else None
    return Split(rows, others, too_small=False)


def _municipality(code: str | None, t: Texts, catalog: PlaceCatalog) -> str:
    place = catalog.municipality(code) if code else None
    return place.name(t.language) if place else t._("not known")


def _association(name: str | None, t: Texts) -> str:
    return name or t._("no association")


def _splits(results: Results, t: Texts, catalog: PlaceCatalog) -> tuple[Split, Split]:
    rated = [a for a in results.answers if a.rating is not None]
    others = t._("others")
    by_place = split(
        [(_municipality(a.municipality_code, t, catalog), a.rating or 0) for a in rated], others
    )
    by_association = split([(_association(a.association, t), a.rating or 0) for a in rated], others)
    return by_place, by_association


def _decimal(t: Texts, value: float) -> str:
    return t.number(round(value, 1))


def _split_lines(title: str, result: Split, t: Texts) -> list[str]:
    lines = [title]
    if result.too_small or not result.rows:
        lines.append(t._("• Not shown: fewer than 3 answers per group."))
        return lines
    rows = list(result.rows)
    for row in rows:
        lines.append(
            t.n_(
                "• {name}: {n} answer, average {average}",
                "• {name}: {n} answers, average {average}",
                row.answers,
                name=row.label,
                average=_decimal(t, row.average),
            )
        )
    if result.others is not None:
        lines.append(
            t.n_(
                "• Others (groups with fewer than 3 answers): {n} answer, average {average}",
                "• Others (groups with fewer than 3 answers): {n} answers, average {average}",
                result.others.answers,
                average=_decimal(t, result.others.average),
            )
        )
    return lines


def render(
    event: Event,
    results: Results,
    t: Texts,
    catalog: PlaceCatalog,
    *,
    now: int,
    due_at: int | None = None,
) -> str:
    """The results message (HTML). `due_at`: when the questionnaire goes out, if it has not."""
    lines = [t._("<b>Feedback on event {id}: {title}</b>", id=event.id, title=event.title)]
    round_ = results.round
    if round_ is None:
        if due_at is None:
            lines.append(t._("The questionnaire has not been sent."))
        else:
            lines.append(
                t._(
                    "The questionnaire has not been sent yet; it goes out {when}.",
                    when=t.when(datetime.fromtimestamp(due_at, UTC)),
                )
            )
        return "\n".join(lines)
    lines += _totals_lines(results, round_.asked, t)
    by_place, by_association = _splits(results, t, catalog)
    lines.append("")
    lines += _split_lines(t._("<b>By municipality</b>"), by_place, t)
    lines += _split_lines(t._("<b>By association</b>"), by_association, t)
    lines.append("")
    lines += _comment_lines(results.comments, t)
    closes = datetime.fromtimestamp(round_.closes_at, UTC)
    lines.append("")
    if round_.is_open(now):
        lines.append(t._("The questionnaire is open until {when}.", when=t.when(closes)))
    else:
        lines.append(t._("The questionnaire closed {when}.", when=t.when(closes)))
    return "\n".join(lines)


def _totals_lines(results: Results, asked: int, t: Texts) -> list[str]:
    totals = results.totals
    rate = round(100 * totals.responses / asked) if asked else 0
    lines = [
        t._(
            "Answers: {responses} of {asked} asked ({rate} %)",
            responses=totals.responses,
            asked=asked,
            rate=rate,
        )
    ]
    if totals.average is not None:
        lines.append(t._("Average: {average} / 5", average=_decimal(t, totals.average)))
    lines.append("")
    lines.append(t._("<b>How useful was it?</b> (1 = not useful, 5 = very useful)"))
    most = max(totals.distribution) or 1
    for rating in range(5, 0, -1):
        n = totals.distribution[rating - 1]
        bar = "█" * round(_BAR_WIDTH * n / most) if n else "·"
        lines.append(f"{rating} {bar} {t.number(n)}")
    lines.append(
        t._(
            "Attended: {yes} yes, {no} no",
            yes=totals.attended_yes,
            no=totals.attended_no,
        )
    )
    return lines


def _comment_lines(comments: Sequence[str], t: Texts) -> list[str]:
    """Comments in alphabetical order, as many as fit the budget (the CSV has them all)."""
    if not comments:
        return [t._("No comments yet.")]
    lines = [t._("<b>Comments</b> (anonymous, in alphabetical order)")]
    used = 0
    shown = 0
    for comment in comments:
        if used + len(comment) > _COMMENTS_BUDGET and shown:
            break
        lines.append(t._("• “{comment}”", comment=comment))
        used += len(comment)
        shown += 1
    if shown < len(comments):
        lines.append(
            t.n_(
                "… and {n} more comment: the CSV has them all.",
                "… and {n} more comments: the CSV has them all.",
                len(comments) - shown,
            )
        )
    return lines


def _kept(labels: Sequence[str]) -> set[str]:
    result = split([(label, 0) for label in labels], "")
    return {row.label for row in result.rows}


def _generalized(pairs: list[tuple[str, str]], other: str) -> list[tuple[str, str]]:
    municipalities = _kept([m for m, _ in pairs])
    associations = _kept([a for _, a in pairs])
    out = [
        (m if m in municipalities else other, a if a in associations else other) for m, a in pairs
    ]
    counts = Counter(out)
    out = [(m, a) if counts[(m, a)] >= MIN_GROUP else (m, other) for m, a in out]
    counts = Counter(out)
    out = [(m, a) if counts[(m, a)] >= MIN_GROUP else (other, other) for m, a in out]
    # A small fully generalized remainder would be given away by the groups around it: the
    # smallest groups join it until it is big enough (or all is "others").
    counts = Counter(out)
    while 0 < counts[(other, other)] < MIN_GROUP and len(counts) > 1:
        smallest = min((n, pair) for pair, n in counts.items() if pair != (other, other))[1]
        out = [(other, other) if pair == smallest else pair for pair in out]
        counts = Counter(out)
    return out


def generalized(pairs: list[tuple[str, str]], other: str) -> list[tuple[str, str]]:
    """(municipality, association) labels with the rare ones generalized to `other` (see the
    module's anonymity rules); one pair per answer, in the same order."""
    return _generalized(pairs, other)


def answers_csv(results: Results, t: Texts, catalog: PlaceCatalog) -> bytes:
    """One row per answer, without ids, names or times; see the module's anonymity rules."""
    other = t._("others")
    pairs = _generalized(
        [
            (_municipality(a.municipality_code, t, catalog), _association(a.association, t))
            for a in results.answers
        ],
        other,
    )
    rows = sorted(
        (
            "" if a.rating is None else str(a.rating),
            yes_no(t, a.attended),
            a.comment,
            municipality,
            association,
        )
        for a, (municipality, association) in zip(results.answers, pairs, strict=True)
    )
    columns = (N_("rating"), N_("attended"), N_("comment"), N_("municipality"), N_("association"))
    return csv_bytes(header(t, columns), rows)


def chart_png(event: Event, totals: Totals, t: Texts) -> bytes:
    """A bar chart of the 1–5 distribution. CPU-bound: run it in a thread from async code.

    matplotlib is imported here, not at the top, so that starting the bot stays fast; the
    Figure API with the Agg canvas never touches pyplot's global state or a display."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(6.4, 4.0), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bars = axes.bar(range(1, 6), totals.distribution, color="#2a7ab0", width=0.6)
    axes.bar_label(bars, labels=[t.number(n) for n in totals.distribution], padding=2)
    axes.set_xticks(range(1, 6))
    axes.set_ylim(0, max(max(totals.distribution), 1) * 1.2)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_xlabel(_drawable(t._("1 = not useful, 5 = very useful")), parse_math=False)
    axes.set_ylabel(_drawable(t._("Answers")), parse_math=False)
    average = _decimal(t, totals.average) if totals.average is not None else "–"
    title = t.n_(
        "{title}\n{n} answer, average {average}",
        "{title}\n{n} answers, average {average}",
        totals.responses,
        title=shorten(event.title, 60),
        average=average,
    )
    # t._ escapes for Telegram HTML; the chart is not HTML.
    axes.set_title(_drawable(html.unescape(title)), parse_math=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _drawable(text: str) -> str:
    """Without characters the chart font has no glyph for (emoji), which would draw as boxes."""
    from matplotlib import font_manager, ft2font

    font = ft2font.FT2Font(font_manager.findfont(font_manager.FontProperties()))
    return "".join(ch for ch in text if ch == "\n" or font.get_char_index(ord(ch)) != 0).strip()
