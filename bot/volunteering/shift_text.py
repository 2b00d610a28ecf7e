"""Shifts typed as text: "3.12. 10–12, 4 places; 12–14, 4 places".

One shift per part; parts are separated by ";" or by lines. A part is an optional date
("3.12.", "3.12.2026", "2026-12-03"; a day without a year is its next occurrence, as an event's
start), an optional "klo", a start–end time (an en dash or a hyphen; "10", "10.30", "10:30") and
the number of places, optionally followed by a word for them ("places", "paikkaa", "platser" …).
A part without a date takes the previous part's date, so a day's shifts are written once.

Parsing gives either the shifts or one localized line per part that could not be read; the rules
on what the shifts may be (not past, ends after it starts, places, how many) are
bot/volunteering/calls.py `shift_problems`, applied by `read_shifts` after a clean parse.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, tzinfo

from bot.core.dates import DateError, parse_date, parse_time
from bot.core.i18n import Texts
from bot.volunteering.calls import NewShift, shift_problems

__all__ = ["PLACE_WORDS", "parse_shifts", "read_shifts", "repeated"]

# Words for "places" a person may type after the number, in the three languages.
PLACE_WORDS = frozenset(
    {
        "place",
        "places",
        "spot",
        "spots",
        "people",
        "persons",
        "paikka",
        "paikkaa",
        "hlö",
        "henkeä",
        "henkilöä",
        "plats",
        "platser",
        "personer",
        "pers",
    }
)
_PART = re.compile(
    r"""^(?:(?P<date>\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})?|\d{4}-\d{1,2}-\d{1,2})\s+)?
    (?:klo\.?\s*|kl\.?\s*)?
    (?P<start>\d{1,2}(?:[.:]\d{2})?)\s*[–—-]\s*(?:klo\.?\s*|kl\.?\s*)?(?P<end>\d{1,2}(?:[.:]\d{2})?)
    \s*,?\s*(?P<places>\d+)?\s*(?P<word>[^\W\d_]+\.?)?$""",
    re.VERBOSE | re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[;\n]")
_SHOWN = 40  # characters of a part quoted back in a problem


def _parts(text: str) -> list[str]:
    return [" ".join(part.split()) for part in _SEPARATORS.split(text) if part.strip()]


def _day(t: Texts, part: str, text: str, today: date) -> date | str:
    try:
        return parse_date(text, today, allow_past=True)
    except DateError:
        return t._("“{part}”: {date} is not a date; write it like 3.12.", part=part, date=text)


def parse_shifts(
    t: Texts, text: str, now: datetime, tz: tzinfo
) -> tuple[tuple[NewShift, ...], list[str]]:
    """The shifts in `text` (local times in `tz`; `now` decides which year a day without one
    is), or the problems, one localized line per unreadable part (then no shifts)."""
    shifts: list[NewShift] = []
    problems: list[str] = []
    today = now.astimezone(tz).date()
    day: date | None = None
    for part in _parts(text):
        shown = part[:_SHOWN]
        match = _PART.match(part)
        if match is None:
            problems.append(
                t._("“{part}” is not a shift; write it like 3.12. 10–12, 4 places", part=shown)
            )
            continue
        if match["date"]:
            found = _day(t, shown, match["date"], today)
            if isinstance(found, str):
                problems.append(found)
                continue
            day = found
        if day is None:
            problems.append(
                t._("“{part}” has no date; give the date before the first time.", part=shown)
            )
            continue
        try:
            start, end = parse_time(match["start"]), parse_time(match["end"])
        except DateError:
            problems.append(t._("“{part}” has a time that does not exist.", part=shown))
            continue
        word = (match["word"] or "").lower().rstrip(".")
        if match["places"] is None or (word and word not in PLACE_WORDS):
            problems.append(
                t._(
                    "“{part}”: give the number of places after the times, like 10–12, 4 places",
                    part=shown,
                )
            )
            continue
        shifts.append(_shift(day, start, end, int(match["places"]), tz))
    if not shifts and not problems:
        problems.append(t._("Send at least one shift, like 3.12. 10–12, 4 places"))
    return (() if problems else tuple(shifts)), problems


def _shift(day: date, start: time, end: time, places: int, tz: tzinfo) -> NewShift:
    # The end is on the shift's day: a shift past midnight is two shifts (or an end before
    # its start, which shift_problems reports).
    return NewShift(datetime.combine(day, start, tz), datetime.combine(day, end, tz), places)


def repeated(t: Texts, shifts: Sequence[NewShift]) -> list[str]:
    """The same start and end given twice is a slip (one shift with more places was meant)."""
    seen: set[tuple[datetime, datetime]] = set()
    problems = []
    for shift in shifts:
        key = (shift.starts_at, shift.ends_at)
        if key in seen:
            problems.append(
                t._(
                    "The shift {when} is given twice; give it once with all its places.",
                    when=t.when(shift.starts_at),
                )
            )
        seen.add(key)
    return problems


def read_shifts(
    t: Texts, text: str, now: datetime, tz: tzinfo
) -> tuple[tuple[NewShift, ...], list[str]]:
    """`parse_shifts`, then the rules on the shifts themselves (calls.shift_problems) and
    repeated shifts: the shifts only when there is no problem at all."""
    shifts, problems = parse_shifts(t, text, now, tz)
    if problems:
        return (), problems
    problems = [*shift_problems(t, shifts, now), *repeated(t, shifts)]
    return (() if problems else shifts), problems
