"""Reading an annual calendar (vuosikello) of events from a CSV sheet or an .ics file.

Each VEVENT of an .ics is first turned into the same cells a CSV row has, so both go through one
validator, which uses the wizard's field rules (bot/event_fields). Every problem of every row is
reported, so the operator can fix the sheet in one go; events come back only from a clean file.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from icalendar import Calendar, vDDDTypes

from bot.core.config_values import Theme
from bot.core.dates import DateError, parse_datetime
from bot.core.place_search import PlaceIndex, normalise
from bot.core.places import load_catalog
from bot.events.calendar import CAPACITY_PROPERTY, KIND_PROPERTY, MUNICIPALITIES_PROPERTY
from bot.events.fields import (
    KINDS,
    EventFields,
    EventKind,
    FieldError,
    check_capacity,
    check_deadline,
    check_description,
    check_kind,
    check_online_url,
    check_place,
    check_title,
    parse_end,
)
from bot.events.for_whom import check_programme, parse_for_whom

__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "ImportProblem",
    "ImportedEvent",
    "RowCheck",
    "parse_csv",
    "parse_ics",
    "read_events",
    "read_sheet",
    "row_municipalities",
    "split_cells",
]

COLUMNS = (
    "title",
    "kind",
    "start",
    "end",
    "place",
    "online_url",
    "municipalities",
    "themes",
    "capacity",
    "rsvp_deadline",
    "description",
)
# Optional: a sheet without them imports as before (no groups named, no programme).
OPTIONAL_COLUMNS = ("for_whom", "programme")
KIND_ALIASES: dict[str, EventKind] = {
    "foorumi": "forum",
    "järjestöfoorumi": "forum",
    "yhdistysilta": "association_evening",
    "kumppanuusilta": "partnership_evening",
    "työpaja": "workshop",
    "teematyöpaja": "workshop",
    "koulutus": "training",
    "arviointityöpaja": "evaluation_workshop",
    "muu": "other",
}
# What an .ics reader sees instead of the CSV column names.
_ICS_NAMES = {
    "title": "SUMMARY",
    "kind": KIND_PROPERTY,
    "start": "DTSTART",
    "end": "DTEND",
    "place": "LOCATION",
    "online_url": "URL",
    "municipalities": MUNICIPALITIES_PROPERTY,
    "capacity": CAPACITY_PROPERTY,
    "description": "DESCRIPTION",
}
_DATE_FORM = "use e.g. 2026-12-01 18:00 or 1.12.2026 18.00 (local time)"
_SPLIT = re.compile(r"[;,]")
_POSTAL_CODE = re.compile(r"^\d{5}\s+")
_REASONS = {
    "empty": "is required",
    "too_long": "is longer than {limit} characters",
    "format": "is not in an accepted form",
    "invalid": "is not a real date or time",
    "past": "is in the past",
    "ambiguous": "has a weekday that does not match the date",
    "before_start": "is not after the start",
    "after_start": "is after the start",
    "too_small": "is smaller than {limit}",
    "too_big": "is larger than {limit}",
    "not_url": "is not a web address; use an http:// or https:// link",
}


@dataclass(frozen=True, slots=True)
class ImportedEvent:
    row: int  # CSV line number (the header is line 1) or the VEVENT's 1-based position
    fields: EventFields


@dataclass(frozen=True, slots=True)
class ImportProblem:
    row: int  # 0: the whole file
    message: str


@dataclass(frozen=True, slots=True)
class _Setup:
    now: datetime
    tz: ZoneInfo
    index: PlaceIndex
    themes: Sequence[Theme]
    reminders: tuple[int, ...]


_T = TypeVar("_T")


@dataclass(slots=True)
class _Row:
    """One row's checks; a failing check records a message and gives a fallback value."""

    number: int
    names: Mapping[str, str]  # column → the name shown in messages
    problems: list[ImportProblem] = field(default_factory=list)
    reported: set[str] = field(default_factory=set)  # columns whose problem is already told

    def problem(self, message: str) -> None:
        self.problems.append(ImportProblem(self.number, message))

    def check(
        self, column: str, value: str, checker: Callable[[str], _T], fallback: _T, hint: str = ""
    ) -> _T:
        """The checked value, or `fallback` after recording why the value is not fine."""
        if column in self.reported:
            return fallback
        try:
            return checker(value)
        except (FieldError, DateError) as exc:
            limit = getattr(exc, "limit", None)
            reason = _REASONS.get(exc.reason, exc.reason).format(limit=limit)
            if not value.strip():
                reason = _REASONS["empty"]
            if exc.reason == "too_long" and limit is None:
                reason = "is over 14 days after the start"
            shown = f" {value.strip()[:60]!r}" if value.strip() else ""
            self.problem(
                f"{self.names.get(column, column)}{shown} {reason}" + (f"; {hint}" * bool(hint))
            )
            self.reported.add(column)
            return fallback


def _split(text: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(text) if part.strip()]


def _municipalities(row: _Row, text: str, index: PlaceIndex) -> tuple[str, ...]:
    name = row.names.get("municipalities", "municipalities")
    places = [] if "municipalities" in row.reported else _split(text)
    if not places and "municipalities" not in row.reported:
        row.problem(f"{name} is required; give municipality names or 3-digit codes separated by ;")
    codes: list[str] = []
    for place in places:
        ref = index.search(place).exact
        if ref is None or ref.kind != "municipality":
            what = (
                "not a known municipality" if ref is None else f"a {ref.kind}, not a municipality"
            )
            row.problem(f"{name}: {place!r} is {what}; use municipality names or 3-digit codes")
        elif ref.code not in codes:
            codes.append(ref.code)
    return tuple(codes)


def _deadline(text: str, start: datetime | None, setup: _Setup) -> datetime:
    deadline = parse_datetime(text, setup.now, setup.tz)
    return deadline if start is None else check_deadline(deadline, start)


def _for_whom(row: _Row, text: str) -> tuple[str, ...]:
    try:
        return parse_for_whom(text)
    except FieldError as exc:
        row.problem(
            f"for_whom: {exc.value!r} is not a group; use staff, volunteers, public_sector or "
            "everyone (or henkilöstö, vapaaehtoiset, kunta, kaikki) separated by ;"
        )
        return ()


def _programme(row: _Row, text: str) -> tuple[str, ...]:
    try:
        return check_programme(text)
    except FieldError as exc:
        line = exc.value[:60]
        if exc.reason == "too_many":
            row.problem(f"programme has more than {exc.limit} lines")
        elif exc.reason == "too_long":
            row.problem(f"programme line {line!r} is longer than {exc.limit} characters")
        elif exc.reason == "html":
            row.problem(f"programme line {line!r} contains HTML; the programme is plain text")
        else:
            row.problem(f"programme line {line!r} has control characters")
        return ()


def _validate(row: _Row, cells: Mapping[str, str], setup: _Setup) -> EventFields | None:
    def cell(column: str) -> str:
        return cells.get(column, "")

    csv_hint = "" if row.names else _DATE_FORM  # .ics times are not typed in by hand
    title = row.check("title", cell("title"), check_title, "")
    kind_text = cell("kind").strip().lower()
    try:
        kind = KIND_ALIASES.get(kind_text) or check_kind(kind_text or "other")
    except FieldError:
        kind = "other"
        kinds = ", ".join([*KINDS, *KIND_ALIASES])
        row.problem(
            f"{row.names.get('kind', 'kind')} {kind_text!r} is not known; use one of {kinds}"
        )
    start = row.check(
        "start", cell("start"), lambda t: parse_datetime(t, setup.now, setup.tz), None, csv_hint
    )
    end = None
    if start is not None and cell("end").strip():
        hint = "give a time (20.00), a date and time or a duration (2 h)" if csv_hint else ""
        end = row.check("end", cell("end"), lambda t: parse_end(t, start, setup.tz), None, hint)
    place = row.check("place", cell("place"), check_place, "-")
    url = row.check("online_url", cell("online_url"), check_online_url, "-")
    if place == url == "":
        both = f"{row.names.get('place', 'place')} and {row.names.get('online_url', 'online_url')}"
        row.problem(f"{both} are both empty; give at least one of them")
    known = {theme.id.lower(): theme.id for theme in setup.themes}
    for theme in _split(cell("themes")):
        if theme.lower() not in known:
            row.problem(f"themes: {theme!r} is not a theme id; use {', '.join(known.values())}")
    themes = [known[t.lower()] for t in _split(cell("themes")) if t.lower() in known]
    capacity = row.check("capacity", cell("capacity"), check_capacity, None, "or leave it empty")
    deadline = None
    if cell("rsvp_deadline").strip():
        deadline = row.check(
            "rsvp_deadline", cell("rsvp_deadline"), lambda t: _deadline(t, start, setup), None
        )
    description = row.check("description", cell("description"), check_description, "")
    municipalities = _municipalities(row, cell("municipalities"), setup.index)
    for_whom, programme = _for_whom(row, cell("for_whom")), _programme(row, cell("programme"))
    if row.problems or start is None:
        return None
    return EventFields(
        kind=kind,
        title=title,
        starts_at=start,
        ends_at=end,
        place=place,
        online_url=url,
        municipalities=municipalities,
        themes=tuple(dict.fromkeys(themes)),
        description=description,
        capacity=capacity,
        rsvp_deadline=deadline,
        reminders=setup.reminders,
        for_whom=for_whom,
        programme=programme,
    )


def parse_csv(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    index: PlaceIndex,
    themes: Sequence[Theme],
    reminders: tuple[int, ...],
) -> tuple[list[ImportedEvent], list[ImportProblem]]:
    """A sheet with the COLUMNS header (and any OPTIONAL_COLUMNS) in any order, comma or
    semicolon delimited."""
    setup = _Setup(now, tz, index, themes, reminders)
    rows, problems = read_sheet(text, COLUMNS, OPTIONAL_COLUMNS)
    events: list[ImportedEvent] = []
    for row, cells in rows:
        fields = _validate(row, cells, setup)
        problems.extend(row.problems)
        if fields is not None:
            events.append(ImportedEvent(row.number, fields))
    if not events and not problems:
        problems.append(ImportProblem(0, "the file has no events after the header"))
    return ([] if problems else events), problems


def read_sheet(
    text: str, columns: Sequence[str], optional: Sequence[str] = ()
) -> tuple[list[tuple[RowCheck, dict[str, str]]], list[ImportProblem]]:
    """A CSV sheet (comma or semicolon, a BOM allowed) with exactly these columns in any order:
    each non-empty row's checker (numbered by the line it starts on) and its cells, or the
    header's problems. Shared by every sheet import (events, grant calls)."""
    text = text.removeprefix("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    names = [cell.strip().lower() for cell in next(reader, [])]
    missing = [column for column in columns if column not in names]
    unknown = [name for name in names if name and name not in (*columns, *optional)]
    doubled = sorted({name for name in names if name and names.count(name) > 1})
    problems = [
        ImportProblem(1, f"header: {label} column(s) {', '.join(values)}")
        for label, values in (("missing", missing), ("unknown", unknown), ("repeated", doubled))
        if values
    ]
    if problems:
        also = f" (optionally also {','.join(optional)})" if optional else ""
        return [], [*problems, ImportProblem(1, f"the header must be {','.join(columns)}{also}")]
    rows: list[tuple[RowCheck, dict[str, str]]] = []
    line = reader.line_num
    for cells in reader:
        # A quoted cell may span lines; the row is numbered by the line it starts on.
        number, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        row = _Row(number, {})
        # Excel keeps cells under columns without a header; they are fine only when empty.
        if any(c.strip() for i, c in enumerate(cells) if i >= len(names) or not names[i]):
            row.problem("the row has values outside the named columns")
        rows.append((row, dict(zip(names, cells, strict=False))))
    return rows, []


# For other sheet imports: a row's checks and the municipalities column.
RowCheck = _Row
split_cells = _split
row_municipalities = _municipalities


@functools.cache
def _municipality_names() -> frozenset[str]:
    catalog = load_catalog()
    return frozenset(normalise(n) for m in catalog.municipalities for n in (m.name_fi, m.name_sv))


def _location_municipalities(location: str) -> str:
    """Parts of "Koskikatu 5, 80100 Joensuu" that are exactly a municipality's name; near misses
    are not taken, as a venue ("Sali") would otherwise become a town ("Salo")."""
    parts = (_POSTAL_CODE.sub("", part.strip()) for part in location.split(","))
    return ";".join(part for part in parts if normalise(part) in _municipality_names())


def _text(vevent: Any, name: str) -> str:
    value = vevent.get(name)
    if isinstance(value, list):
        value = value[0]
    # Unknown X- properties come back with their iCalendar escapes.
    return "" if value is None else str(value).replace("\\;", ";").replace("\\,", ",")


def _local(row: _Row, name: str, value: Any, tz: ZoneInfo) -> datetime | None:
    moment = value.dt if isinstance(value, vDDDTypes) else None
    if isinstance(moment, datetime):
        # Floating times are the configured zone's; minutes are all the wizard keeps.
        return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)
    if isinstance(moment, date):
        row.problem(f"{name} {moment.isoformat()} is a whole day; the event needs a start time")
    elif value is not None:
        row.problem(f"{name} {str(value)!r} is not a date and time")
    return None


def _ics_cells(row: _Row, vevent: Any, setup: _Setup) -> dict[str, str]:
    if "RRULE" in vevent or "RDATE" in vevent:
        row.problem(
            "repeating events (RRULE/RDATE) are not supported; give each date its own VEVENT"
        )
    if _text(vevent, "STATUS").upper() == "CANCELLED":
        row.problem("STATUS is CANCELLED; remove the event from the file")
    cells = {column: _text(vevent, name) for column, name in _ICS_NAMES.items()}
    cells["start"] = cells["end"] = ""
    start = _local(row, "DTSTART", vevent.get("DTSTART"), setup.tz)
    end = _local(row, "DTEND", vevent.get("DTEND"), setup.tz)
    duration = vevent.get("DURATION")
    if start is not None:
        cells["start"] = f"{start:%Y-%m-%d %H:%M}"
        if end is None and isinstance(duration, vDDDTypes) and isinstance(duration.dt, timedelta):
            end = start + duration.dt
    elif "DTSTART" in vevent:
        row.reported.add("start")
    if end is not None:
        cells["end"] = f"{end.astimezone(setup.tz):%Y-%m-%d %H:%M}"
    if not cells["municipalities"]:
        cells["municipalities"] = _location_municipalities(cells["place"])
        if not cells["municipalities"]:
            row.problem(
                f"no municipality: add {MUNICIPALITIES_PROPERTY} (names or codes separated by ;) "
                "or end LOCATION with one, e.g. 'Koskikatu 5, 80100 Joensuu'"
            )
            row.reported.add("municipalities")
    lookup = {
        name.lower(): theme.id
        for theme in setup.themes
        for name in (theme.id, theme.fi, theme.sv, theme.en)
    }
    categories = (
        [str(c).strip().lower() for c in vevent.categories] if "CATEGORIES" in vevent else []
    )
    cells["themes"] = ";".join(lookup[c] for c in categories if c in lookup)
    return cells


def parse_ics(
    data: bytes,
    *,
    now: datetime,
    tz: ZoneInfo,
    index: PlaceIndex,
    themes: Sequence[Theme],
    reminders: tuple[int, ...],
) -> tuple[list[ImportedEvent], list[ImportProblem]]:
    """Each VEVENT of an iCalendar file. Themes come from CATEGORIES (ids or names; others are
    ignored), municipalities from X-JARJESTOBOTTI-MUNICIPALITIES or else from LOCATION."""
    setup = _Setup(now, tz, index, themes, reminders)
    try:
        data.decode("utf-8")
        calendar = Calendar.from_ical(data)
    except UnicodeDecodeError:
        return [], [ImportProblem(0, "the file is not UTF-8 text; save it as UTF-8")]
    except ValueError as exc:
        return [], [ImportProblem(0, f"the file is not an iCalendar file: {exc}")]
    events: list[ImportedEvent] = []
    problems: list[ImportProblem] = []
    for number, vevent in enumerate(calendar.walk("VEVENT"), start=1):
        row = _Row(number, _ICS_NAMES)
        fields = _validate(row, _ics_cells(row, vevent, setup), setup)
        problems.extend(row.problems)
        if fields is not None:
            events.append(ImportedEvent(number, fields))
    if not events and not problems:
        problems.append(ImportProblem(0, "the file has no VEVENT"))
    return ([] if problems else events), problems


def read_events(
    path: Path,
    *,
    now: datetime,
    tz: ZoneInfo,
    index: PlaceIndex,
    themes: Sequence[Theme],
    reminders: tuple[int, ...],
) -> tuple[list[ImportedEvent], list[ImportProblem]]:
    """An .ics/.ical file as iCalendar, anything else as CSV. Events come back only when there
    are no problems at all, so nothing is ever half-imported."""
    data = path.read_bytes()
    if path.suffix.lower() in (".ics", ".ical"):
        return parse_ics(data, now=now, tz=tz, index=index, themes=themes, reminders=reminders)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        message = "the file is not UTF-8 text; in Excel save it as 'CSV UTF-8'"
        return [], [ImportProblem(0, message)]
    return parse_csv(text, now=now, tz=tz, index=index, themes=themes, reminders=reminders)
