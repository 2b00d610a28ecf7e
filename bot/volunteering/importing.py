"""Volunteer calls from a CSV sheet, one row per shift (`python -m bot calls import`).

The header is COLUMNS in any order, optionally with OPTIONAL_COLUMNS. Rows with the same `call`
key form one call; its title, municipalities, themes, skills, description and reminders come
from its first row. Times, municipality
names and the row checks are the events import's (bot/events/importing.py): every problem of
every row is reported, one line naming the row, and calls come back only from a clean file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.config_values import Theme
from bot.core.dates import parse_datetime
from bot.core.place_search import PlaceIndex
from bot.events.fields import FieldError, check_description, check_title, parse_end
from bot.events.importing import (
    ImportProblem,
    RowCheck,
    read_sheet,
    row_municipalities,
    split_cells,
)
from bot.volunteering.calls import DEFAULT_REMINDERS, MAX_PLACES, MAX_SHIFTS, NewCall, NewShift
from bot.volunteering.reminder_offsets import MAX_OFFSETS, read_offsets

__all__ = ["COLUMNS", "OPTIONAL_COLUMNS", "ImportedCall", "parse_calls", "read_calls"]

COLUMNS = (
    "call",
    "title",
    "municipalities",
    "themes",
    "skills",
    "description",
    "start",
    "end",
    "places",
)
# Added after sheets with exactly COLUMNS were in use, so those keep working unchanged.
OPTIONAL_COLUMNS = ("reminders",)
_REMINDERS_FORM = (
    f"give at most {MAX_OFFSETS} times before each shift, each 15 min–14 days, "
    "e.g. 1 d, 2 h (- for none)"
)
_DATE_FORM = "use e.g. 2026-12-03 10:00 or 3.12.2026 10.00 (local time)"
MAX_SKILLS = 300


@dataclass(frozen=True, slots=True)
class ImportedCall:
    key: str
    rows: tuple[int, ...]  # CSV line numbers of its shifts (the header is line 1)
    call: NewCall


def _places(text: str) -> int:
    value = text.strip()
    if not value.isdigit():
        raise FieldError("format")
    number = int(value)
    if number < 1:
        raise FieldError("too_small", 1)
    if number > MAX_PLACES:
        raise FieldError("too_big", MAX_PLACES)
    return number


def _skills(text: str) -> str:
    skills = " ".join(text.split())
    if len(skills) > MAX_SKILLS:
        raise FieldError("too_long", MAX_SKILLS)
    return skills


def _reminders(text: str) -> tuple[int, ...]:
    """The wizard's "⏰ Change reminders" syntax; an empty cell keeps /newcall's default."""
    if not text.strip():
        return DEFAULT_REMINDERS
    offsets = read_offsets(text)
    if offsets is None:
        raise FieldError("format")
    return offsets


def _shift(row: RowCheck, cells: dict[str, str], now: datetime, tz: ZoneInfo) -> NewShift | None:
    start = row.check(
        "start", cells["start"], lambda t: parse_datetime(t, now, tz), None, _DATE_FORM
    )
    end = None
    if start is not None:
        hint = "give a time (12.00), a date and time or a duration (2 h)"
        end = row.check("end", cells["end"], lambda t: parse_end(t, start, tz), None, hint)
    places = row.check("places", cells["places"], _places, 0, f"give a number 1–{MAX_PLACES}")
    if start is None or end is None or not places:
        return None
    return NewShift(start, end, places)


@dataclass(slots=True)
class _Building:
    key: str
    first: dict[str, str]
    rows: list[int]
    shifts: list[NewShift]
    municipalities: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    reminders: tuple[int, ...] = DEFAULT_REMINDERS


def _first_row(
    row: RowCheck,
    cells: dict[str, str],
    building: _Building,
    index: PlaceIndex,
    themes: Sequence[Theme],
) -> None:
    """The call's own fields, checked on its first row."""
    row.check("title", cells["title"], check_title, "")
    row.check("description", cells["description"], check_description, "")
    row.check("skills", cells["skills"], _skills, "")
    building.reminders = row.check(
        "reminders", cells["reminders"], _reminders, DEFAULT_REMINDERS, _REMINDERS_FORM
    )
    building.municipalities = row_municipalities(row, cells["municipalities"], index)
    known = {theme.id.lower(): theme.id for theme in themes}
    for theme in split_cells(cells["themes"]):
        if theme.lower() not in known:
            row.problem(f"themes: {theme!r} is not a theme id; use {', '.join(known.values())}")
    building.themes = tuple(
        dict.fromkeys(known[t.lower()] for t in split_cells(cells["themes"]) if t.lower() in known)
    )


def parse_calls(
    text: str, *, now: datetime, tz: ZoneInfo, index: PlaceIndex, themes: Sequence[Theme]
) -> tuple[list[ImportedCall], list[ImportProblem]]:
    """The calls of a sheet (comma or semicolon delimited), or every problem in it."""
    sheet, problems = read_sheet(text, COLUMNS, OPTIONAL_COLUMNS)
    if problems:
        return [], problems
    calls: dict[str, _Building] = {}
    for row, found in sheet:
        cells = {column: found.get(column) or "" for column in (*COLUMNS, *OPTIONAL_COLUMNS)}
        key = cells["call"].strip()
        if not key:
            row.problem("call is required: the key that groups a call's rows")
        building = calls.get(key)
        if building is None and key:
            building = calls[key] = _Building(key, cells, [], [])
            _first_row(row, cells, building, index, themes)
        shift = _shift(row, cells, now, tz)
        if building is not None:
            _add_shift(row, building, shift)
        problems.extend(row.problems)
    if not calls and not problems:
        problems.append(ImportProblem(0, "the file has no shifts after the header"))
    if problems:
        return [], problems
    return [_built(b) for b in calls.values()], []


def _add_shift(row: RowCheck, building: _Building, shift: NewShift | None) -> None:
    building.rows.append(row.number)
    key = building.key
    if shift is not None and any(
        (s.starts_at, s.ends_at) == (shift.starts_at, shift.ends_at) for s in building.shifts
    ):
        row.problem(f"call {key!r} already has this shift; give it once with all places")
    elif shift is not None:
        building.shifts.append(shift)
        if len(building.shifts) == MAX_SHIFTS + 1:
            row.problem(
                f"call {key!r} has more than {MAX_SHIFTS} shifts (the most one call's "
                "buttons can show)"
            )


def _built(building: _Building) -> ImportedCall:
    cells = building.first
    call = NewCall(
        title=check_title(cells["title"]),
        description=check_description(cells["description"]),
        skills=_skills(cells["skills"]),
        municipalities=building.municipalities,
        themes=building.themes,
        shifts=tuple(sorted(building.shifts, key=lambda s: (s.starts_at, s.ends_at))),
        reminders=building.reminders,
    )
    return ImportedCall(building.key, tuple(building.rows), call)


def read_calls(
    path: Path, *, now: datetime, tz: ZoneInfo, index: PlaceIndex, themes: Sequence[Theme]
) -> tuple[list[ImportedCall], list[ImportProblem]]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return [], [ImportProblem(0, "the file is not UTF-8 text; in Excel save it as 'CSV UTF-8'")]
    return parse_calls(text, now=now, tz=tz, index=index, themes=themes)
