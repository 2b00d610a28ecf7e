"""The year-end participation report for the network's annual review: per municipality, theme
and association, a CSV and a PNG chart. `python -m bot report YEAR --out DIR` and the admins'
`/report [YEAR]` both build it here.

What is counted (published events starting in the calendar year, in the bot's time zone):
- municipality / theme: the events held there / about it (an event in two municipalities or with
  two themes counts in both), the people who answered those events, who are coming (yes, with
  their +1s), maybe, and the feedback ratings;
- association: the association people answered for (a group's profile); "individuals" for
  everyone else. Events = events with someone of the association coming or maybe.
- the average rating is left empty for fewer than `MIN_GROUP` ratings (as /feedback does), so a
  small association's average cannot be traced to a person.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.config import Config
from bot.core.i18n import N_, Texts, shorten
from bot.core.places import PlaceCatalog
from bot.core.sheets import csv_bytes, header
from bot.feedback.report import MIN_GROUP
from bot.feedback.report import _drawable as drawable
from bot.ops import volunteer_figures
from bot.ops.figures import year_bounds
from bot.ops.volunteer_figures import VolunteerFigures
from storage import ops
from storage.db import Database

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["SECTIONS", "Line", "Report", "build", "chart_figure", "chart_png", "report_csv"]

SECTIONS = ("municipality", "theme", "association")
_CHART_ROWS = 15


@dataclass(frozen=True, slots=True)
class Line:
    section: str
    code: str
    name: str
    events: int
    answers: int
    coming: int
    maybe: int
    feedback_answers: int
    average: float | None  # None below MIN_GROUP ratings


@dataclass(frozen=True, slots=True)
class Report:
    year: int
    lines: tuple[Line, ...]

    def section(self, name: str) -> list[Line]:
        return [line for line in self.lines if line.section == name]

    @property
    def empty(self) -> bool:
        return not self.lines


def _name(section: str, key: str, config: Config, catalog: PlaceCatalog, t: Texts) -> str:
    if section == "municipality":
        place = catalog.municipality(key)
        return place.name(t.language) if place else key
    if section == "theme":
        theme = config.bot.theme(key)
        return theme.name(t.language) if theme else key
    return key or t._("individuals")


async def build(db: Database, config: Config, catalog: PlaceCatalog, t: Texts, year: int) -> Report:
    since, until = year_bounds(year, config.bot.timezone)
    lines: list[Line] = []
    for section in SECTIONS:
        rows = await ops.participation(db, section, since, until)
        found = [
            Line(
                section=section,
                code=row.key,
                name=_name(section, row.key, config, catalog, t),
                events=row.events,
                answers=row.answers,
                coming=row.coming,
                maybe=row.maybe,
                feedback_answers=row.feedback_answers,
                average=(
                    row.rating_sum / row.feedback_answers
                    if row.feedback_answers >= MIN_GROUP
                    else None
                ),
            )
            for row in rows
        ]
        lines += sorted(found, key=lambda line: (-line.coming, -line.events, line.name))
    return Report(year, tuple(lines))


_COLUMNS = (
    N_("year"),
    N_("section"),
    N_("code"),
    N_("name"),
    N_("events"),
    N_("answers"),
    N_("coming"),
    N_("maybe"),
    N_("feedback_answers"),
    N_("average_rating"),
)
_SECTION_WORDS = {
    "municipality": N_("municipality"),
    "theme": N_("theme"),
    "association": N_("association"),
}


def report_csv(report: Report, t: Texts) -> bytes:
    """One row per line of the report; column names and sections in the reader's language."""
    return csv_bytes(
        header(t, _COLUMNS),
        (
            [
                report.year,
                t._(_SECTION_WORDS[line.section]),
                line.code,
                line.name,
                line.events,
                line.answers,
                line.coming,
                line.maybe,
                line.feedback_answers,
                "" if line.average is None else f"{line.average:.2f}",
            ]
            for line in report.lines
        ),
    )


def _plain(text: str) -> str:
    # t._ escapes placeholder values for Telegram HTML; the chart is not HTML.
    return drawable(html.unescape(text))


@dataclass(frozen=True, slots=True)
class _Panel:
    title: str
    labels: list[str]
    values: list[float]
    value_labels: list[str]
    color: str
    headroom: float  # the x axis past the longest bar, for its label


def _event_panels(report: Report, t: Texts) -> list[_Panel]:
    titles = {
        "municipality": t._("People coming, by municipality of the event"),
        "theme": t._("People coming, by theme of the event"),
        "association": t._("People coming, by association"),
    }
    panels = []
    for section in SECTIONS:
        rows = report.section(section)[:_CHART_ROWS]
        panels.append(
            _Panel(
                titles[section],
                [_plain(shorten(row.name, 32)) or row.code or "?" for row in rows],
                [row.coming for row in rows],
                [t.number(row.coming) for row in rows],
                "#2a7ab0",
                1.15,
            )
        )
    return panels


def _volunteer_panels(figures: VolunteerFigures, t: Texts) -> list[_Panel]:
    """Hours volunteered (with the volunteers) per municipality, theme and association of the
    call, as the events' panels are per the event's; a section with no line gets no panel."""
    if figures.empty:
        return []
    panels = []
    for title, lines in (
        (t._("Volunteer hours, by municipality of the call"), figures.municipalities),
        (t._("Volunteer hours, by theme of the call"), figures.themes),
        (t._("Volunteer hours, by association"), figures.associations),
    ):
        rows = lines[:_CHART_ROWS]
        if not rows:
            continue
        panels.append(
            _Panel(
                title,
                [_plain(shorten(volunteer_figures.line_name(x, t), 32)) or "?" for x in rows],
                [x.figures.hours for x in rows],
                [
                    _plain(
                        t.n_(
                            "{hours} h, {n} volunteer",
                            "{hours} h, {n} volunteers",
                            x.figures.volunteers,
                            hours=t.number(round(x.figures.hours, 1)),
                        )
                    )
                    for x in rows
                ],
                "#3d8f5a",
                1.6,  # "7.5 h, 3 volunteers" is wider than a number
            )
        )
    return panels


def chart_png(report: Report, t: Texts, volunteering: VolunteerFigures | None = None) -> bytes:
    """The chart_figure as PNG bytes (the same bytes for the same report and matplotlib).

    CPU-bound: run it in a thread from async code."""
    buffer = io.BytesIO()
    chart_figure(report, t, volunteering).savefig(buffer, format="png")
    return buffer.getvalue()


def chart_figure(report: Report, t: Texts, volunteering: VolunteerFigures | None = None) -> Figure:
    """Three horizontal bar charts of the people coming (most first, at most 15 rows each), then,
    when the year had volunteer calls, those of the hours volunteered.

    matplotlib is imported here so that starting the bot stays fast; the Figure API with the Agg
    canvas never touches pyplot or a display."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    volunteer = _volunteer_panels(volunteering, t) if volunteering is not None else []
    # A year of volunteer calls without events: the hours alone, not three "No events" panels.
    panels = volunteer if report.empty and volunteer else _event_panels(report, t) + volunteer
    heights = [max(len(panel.values), 1) for panel in panels]
    figure = Figure(figsize=(8.0, 2.0 + 0.32 * sum(heights) + 1.2 * len(panels)), dpi=100)
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(len(panels), 1, height_ratios=[h + 2 for h in heights])
    for index, panel in enumerate(panels):
        axes = figure.add_subplot(grid[index])
        axes.set_title(_plain(panel.title), loc="left", parse_math=False)
        axes.spines[["top", "right"]].set_visible(False)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        if not panel.values:
            axes.set_yticks([])
            axes.text(0.5, 0.5, _plain(t._("No events")), ha="center", transform=axes.transAxes)
            continue
        positions = list(range(len(panel.values)))
        bars = axes.barh(positions, panel.values, color=panel.color, height=0.6)
        axes.bar_label(bars, labels=panel.value_labels, padding=2)
        axes.set_yticks(positions, labels=panel.labels)
        axes.invert_yaxis()
        axes.set_xlim(0, max(max(panel.values), 1) * panel.headroom)
    figure.suptitle(_plain(t._("Participation in {year}", year=report.year)), fontsize=14)
    figure.tight_layout()
    return figure
