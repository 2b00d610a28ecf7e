"""Finnish-style date input: "31.12.2026", "31.12.", "31.12.26", "2026-12-31"."""

from __future__ import annotations

import re
from datetime import date

__all__ = ["DateError", "parse_date"]

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
