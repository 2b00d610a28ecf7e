"""Finnish-style date input: "31.12.2026", "31.12.", "31.12.26", "2026-12-31"."""

from __future__ import annotations

import contextlib
import re
from datetime import date, datetime, time, timedelta, tzinfo

__all__ = ["DateError", "parse_date", "parse_datetime", "parse_time"]

_FINNISH = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
RECENTLY_PASSED = timedelta(days=31)


class DateError(ValueError):
    """Why the text is not a usable date: 'format', 'invalid', 'past' or 'ambiguous' (a weekday
    that does not match the date)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_date(
    text: str, today: date, *, allow_past: bool = False, recent_is_past: bool = True
) -> date:
    """A day without a year means its next occurrence (today included), except a day that passed
    within the last month (`RECENTLY_PASSED`, across the turn of the year too): "24.11." typed
    on 25.11. is a slip, not a date a year ahead, so it means the day that passed (refused as
    'past' unless `allow_past`). `recent_is_past=False` always takes the next occurrence (the
    end of a repeating event, which is read ahead of its first date)."""
    cleaned = text.strip().rstrip(",")
    year: int | None
    if match := _FINNISH.match(cleaned):
        day, month = int(match.group(1)), int(match.group(2))
        raw_year = match.group(3)
        year = None if raw_year is None else int(raw_year) + (2000 if len(raw_year) == 2 else 0)
    elif match := _ISO.match(cleaned):
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    else:
        raise DateError("format")
    if year is None:
        result = _yearless(today, month, day, recent_is_past=recent_is_past)
    else:
        try:
            result = date(year, month, day)
        except ValueError:
            raise DateError("invalid") from None
    if result < today and not allow_past:
        raise DateError("past")
    return result


def _yearless(today: date, month: int, day: int, *, recent_is_past: bool) -> date:
    # Last year's to catch a slip over the turn of the year; up to four years ahead for 29.2.
    found: list[date] = []
    for year in range(today.year - 1, today.year + 5):
        with contextlib.suppress(ValueError):
            found.append(date(year, month, day))
    if not found:
        raise DateError("invalid")
    if recent_is_past:
        recent = [d for d in found if today - RECENTLY_PASSED <= d < today]
        if recent:
            return recent[-1]
    return next(d for d in found if d >= today)


_TIME = re.compile(r"^(?:klo\s*|kl\.?\s*|at\s*)?(\d{1,2})(?:[.:](\d{2}))?$", re.IGNORECASE)
# Weekday abbreviations in Finnish, Swedish and English, Monday first.
_WEEKDAY_NAMES = (
    ("ma", "maanantai", "må", "måndag", "mon", "monday"),
    ("ti", "tiistai", "tis", "tisdag", "tue", "tuesday"),
    ("ke", "keskiviikko", "on", "ons", "onsdag", "wed", "wednesday"),
    ("to", "torstai", "tor", "torsdag", "thu", "thursday"),
    ("pe", "perjantai", "fr", "fre", "fredag", "fri", "friday"),
    ("la", "lauantai", "lö", "lör", "lördag", "sat", "saturday"),
    ("su", "sunnuntai", "sö", "sön", "söndag", "sun", "sunday"),
)
_WEEKDAYS = {name: number for number, names in enumerate(_WEEKDAY_NAMES) for name in names}


def parse_time(text: str) -> time:
    """ "18", "18.00", "klo 17:30"."""
    match = _TIME.match(text.strip())
    if not match:
        raise DateError("format")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise DateError("invalid")
    return time(hour, minute)


def parse_datetime(text: str, now: datetime, tz: tzinfo) -> datetime:
    """ "26.11.2026 18.00", "26.11. klo 18", "ti 1.12. 17:30", "2026-12-01 18:00" in the given
    zone; must be in the future (DateError 'past'); a weekday that does not fit the date is
    'ambiguous'; otherwise 'format' or 'invalid'."""
    parts = text.strip().replace(",", " ").split(None, 1)
    weekday: int | None = None
    if parts and parts[0].lower().rstrip(".") in _WEEKDAYS:
        weekday = _WEEKDAYS[parts[0].lower().rstrip(".")]
        parts = parts[1].split(None, 1) if len(parts) == 2 else []
    if len(parts) != 2:
        raise DateError("format")
    local_now = now.astimezone(tz)
    day = parse_date(parts[0], local_now.date(), allow_past=True)
    if weekday is not None and day.weekday() != weekday:
        raise DateError("ambiguous")
    moment = datetime.combine(day, parse_time(parts[1]), tz)
    if moment <= now:
        raise DateError("past")
    return moment
