"""Volunteering's figures for `stats`, /stats and the year-end report: the year's volunteer
calls, shifts, filled shifts, sign-ups, attended shifts, volunteers and hours, in total and per
municipality, theme and association of the call (storage/volunteer_stats.py says what counts).

A call in two municipalities or with two themes counts in each, so the per-municipality lines
add up to more than the total; the total line is the network's own. Calls without an
association (a coordinator's, the network's) are one association line of their own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.config import Config
from bot.core.i18n import Texts
from bot.core.places import PlaceCatalog
from bot.core.sheets import csv_bytes
from storage import volunteer_stats
from storage.db import Database
from storage.volunteer_stats import Figures

__all__ = [
    "Line",
    "VolunteerFigures",
    "caption",
    "collect",
    "csv_report",
    "line_name",
    "plain",
    "render",
    "to_json",
]

_TOP = 10  # lines per section in the /stats message (the files have them all)


@dataclass(frozen=True, slots=True)
class Line:
    code: str  # municipality code, theme id, listing id; '' for calls without an association
    name: str  # '' for calls without an association: each renderer names them in its language
    figures: Figures


@dataclass(frozen=True, slots=True)
class VolunteerFigures:
    total: Figures
    municipalities: tuple[Line, ...]  # most hours first
    themes: tuple[Line, ...]
    associations: tuple[Line, ...]

    @property
    def empty(self) -> bool:
        return self.total.calls == 0


def _ranked(lines: list[Line]) -> tuple[Line, ...]:
    return tuple(sorted(lines, key=lambda x: (-x.figures.hours, -x.figures.shifts, x.name, x.code)))


async def collect(
    db: Database, config: Config, catalog: PlaceCatalog, since: int, until: int, language: str
) -> VolunteerFigures:
    """The figures of the shifts of published calls starting in [since, until)."""
    places = await volunteer_stats.by_dimension(db, "municipality", since, until)
    themes = await volunteer_stats.by_dimension(db, "theme", since, until)
    listings = await volunteer_stats.by_dimension(db, "association", since, until)
    return VolunteerFigures(
        await volunteer_stats.totals(db, since, until),
        _ranked(
            [
                Line(f.key, p.name(language) if (p := catalog.municipality(f.key)) else f.key, f)
                for f in places
            ]
        ),
        _ranked(
            [
                Line(f.key, x.name(language) if (x := config.bot.theme(f.key)) else f.key, f)
                for f in themes
            ]
        ),
        _ranked([Line(f.key, f.name or (f.key and f"#{f.key}"), f) for f in listings]),
    )


def _hours(value: float) -> str:
    return f"{value:.1f}"


def _plain_line(line: Line) -> str:
    f = line.figures
    name = f"{line.name} ({line.code})" if line.code else line.name or "network (no association)"
    return (
        f"  {name}: {f.calls} calls, {f.shifts_filled}/{f.shifts} shifts filled, "
        f"{f.volunteers} volunteers, {_hours(f.hours)} hours"
    )


def plain(figures: VolunteerFigures, year: int) -> list[str]:
    """Lines for the operator's plain-text summary (English, like the rest of it)."""
    f = figures.total
    lines = [
        f"volunteering {year}: {f.calls} calls, {f.shifts_filled} of {f.shifts} shifts filled "
        f"({f.signups} of {f.places} places taken), {f.attended} attended shifts by "
        f"{f.volunteers} volunteers, {_hours(f.hours)} hours",
    ]
    for title, section in (
        ("municipality", figures.municipalities),
        ("theme", figures.themes),
        ("association", figures.associations),
    ):
        lines.append(f"volunteering by {title}:")
        lines += [_plain_line(line) for line in section]
    return lines


def _counts(f: Figures) -> dict[str, Any]:
    return {
        "calls": f.calls,
        "shifts": f.shifts,
        "shifts_filled": f.shifts_filled,
        "places": f.places,
        "signups": f.signups,
        "attended": f.attended,
        "volunteers": f.volunteers,
        "hours": round(f.hours, 2),
    }


def to_json(figures: VolunteerFigures) -> dict[str, Any]:
    return {
        "volunteering": {
            **_counts(figures.total),
            "by_municipality": [
                {"code": x.code, "name": x.name, **_counts(x.figures)}
                for x in figures.municipalities
            ],
            "by_theme": [
                {"id": x.code, "name": x.name, **_counts(x.figures)} for x in figures.themes
            ],
            "by_association": [
                {
                    "listing_id": int(x.code) if x.code else None,
                    "name": x.name or None,
                    **_counts(x.figures),
                }
                for x in figures.associations
            ],
        }
    }


def line_name(line: Line, t: Texts) -> str:
    """A line's name in the reader's language (calls without an association are one line)."""
    return line.name or t._("the network (no association)")


def render(figures: VolunteerFigures, year: int, t: Texts) -> list[str]:
    """Lines of the admin's /stats message (HTML), in the reader's language."""
    f = figures.total
    lines = ["", t._("<b>Volunteering in {year}</b>", year=year)]
    if figures.empty:
        return [*lines, t._("No volunteer call had a shift in {year}.", year=year)]
    lines += [
        t._(
            "Calls: {calls}; shifts filled: {filled} of {shifts} ({signups} of {places} places "
            "taken)",
            calls=t.number(f.calls),
            filled=t.number(f.shifts_filled),
            shifts=t.number(f.shifts),
            signups=t.number(f.signups),
            places=t.number(f.places),
        ),
        t.n_(
            "Attended shifts: {attended} by {n} volunteer; hours: {hours}",
            "Attended shifts: {attended} by {n} volunteers; hours: {hours}",
            f.volunteers,
            attended=t.number(f.attended),
            hours=t.number(round(f.hours, 1)),
        ),
    ]
    for title, section in (
        (t._("<b>Volunteer hours by municipality</b>"), figures.municipalities),
        (t._("<b>Volunteer hours by theme</b>"), figures.themes),
        (t._("<b>Volunteer hours by association</b>"), figures.associations),
    ):
        lines += ["", title]
        lines += [
            t.n_(
                "• {name}: {hours} h, {n} volunteer, {filled}/{shifts} shifts filled",
                "• {name}: {hours} h, {n} volunteers, {filled}/{shifts} shifts filled",
                line.figures.volunteers,
                name=line_name(line, t),
                hours=t.number(round(line.figures.hours, 1)),
                filled=t.number(line.figures.shifts_filled),
                shifts=t.number(line.figures.shifts),
            )
            for line in section[:_TOP]
        ]
    return lines


def caption(figures: VolunteerFigures, year: int, t: Texts) -> str:
    """The year-end report's volunteering summary (the caption of its file in /report)."""
    f = figures.total
    return t.n_(
        "Volunteering in {year}: {calls} calls, {filled} of {shifts} shifts filled, {hours} "
        "hours by {n} volunteer; by municipality, theme and association.",
        "Volunteering in {year}: {calls} calls, {filled} of {shifts} shifts filled, {hours} "
        "hours by {n} volunteers; by municipality, theme and association.",
        f.volunteers,
        year=year,
        calls=t.number(f.calls),
        filled=t.number(f.shifts_filled),
        shifts=t.number(f.shifts),
        hours=t.number(round(f.hours, 1)),
    )


def _row(year: int, section: str, code: str, name: str, f: Figures) -> list[object]:
    return [year, section, code, name, f.calls, f.shifts, f.shifts_filled, f.places, f.signups,
            f.attended, f.volunteers, f"{f.hours:.2f}"]  # fmt: skip


def csv_report(figures: VolunteerFigures, year: int, t: Texts) -> bytes:
    """The year-end report's volunteering file: the total, then one row per municipality, theme
    and association (most hours first)."""
    # "volunteering column: …" keeps these apart from other CSV files' headers in the catalogs.
    header = [
        t._("volunteering column: year"),
        t._("volunteering column: section"),
        t._("volunteering column: code"),
        t._("volunteering column: name"),
        t._("volunteering column: calls"),
        t._("volunteering column: shifts"),
        t._("volunteering column: shifts_filled"),
        t._("volunteering column: places"),
        t._("volunteering column: signups"),
        t._("volunteering column: attended"),
        t._("volunteering column: volunteers"),
        t._("volunteering column: hours"),
    ]
    rows = [_row(year, t._("volunteering section: total"), "", "", figures.total)]
    for word, section in (
        (t._("municipality"), figures.municipalities),
        (t._("theme"), figures.themes),
        (t._("association"), figures.associations),
    ):
        rows += [_row(year, word, x.code, line_name(x, t), x.figures) for x in section]
    return csv_bytes(header, rows)
