"""Finnish-style date input: "31.12.2026", "31.12.", "31.12.26", "2026-12-31"."""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo

__all__ = ["DateError", "parse_date", "parse_datetime"]

_FINNISH = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


class DateError(ValueError):
    """Why the text is not a usable date: 'format', 'invalid' or 'past'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_date(text: str, today: date, *, allow_past: bool = False) -> date:
    """A day without a year means its next occurrence (today included)."""
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
    try:
        if year is None:
            result = date(today.year, month, day)
            if result < today:
                result = date(today.year + 1, month, day)
        else:
            result = date(year, month, day)
    except ValueError:
        raise DateError("invalid") from None
    if result < today and not allow_past:
        raise DateError("past")
    return result


_TIME = re.compile(r"^(?:klo\s*|kl\.?\s*|at\s*)?(\d{1,2})(?:[.:](\d{2}))?$", re.IGNORECASE)


def parse_datetime(text: str, now: datetime, tz: tzinfo) -> datetime:
    """ "26.11.2026 18.00", "26.11. klo 18", "2026-12-01 18:00" in the given zone; must be in the
    future (DateError 'past'), 'format' or 'invalid' otherwise."""
    parts = text.strip().split(None, 1)
    if len(parts) != 2:
        raise DateError("format")
    local_now = now.astimezone(tz)
    day = parse_date(parts[0], local_now.date(), allow_past=True)
    match = _TIME.match(parts[1].strip())
    if not match:
        raise DateError("format")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise DateError("invalid")
    moment = datetime.combine(day, time(hour, minute), tz)
    if moment <= now:
        raise DateError("past")
    return moment
