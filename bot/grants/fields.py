"""What a grant call is made of and the rules every way of creating one applies (the /newgrant
wizard, /editgrant and the CSV import): one checker per field, raising the events' FieldError
(bot/events/fields.py) with a reason the caller turns into a localized message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from bot.core.dates import DateError, parse_date, parse_datetime
from bot.events.fields import FieldError, check_description, check_online_url, check_title

__all__ = [
    "MAX_AMOUNT",
    "MAX_FUNDER",
    "GrantFields",
    "check_amount",
    "check_description",
    "check_funder",
    "check_link",
    "check_title",
    "parse_deadline",
    "parse_opens",
]

MAX_FUNDER = 150
MAX_AMOUNT = 100
# A deadline given as a day only: the end of that day, local time.
END_OF_DAY = time(23, 59)


@dataclass(frozen=True, slots=True)
class GrantFields:
    """A complete, validated grant call as the coordinator described it."""

    title: str
    funder: str
    municipalities: tuple[str, ...]
    themes: tuple[str, ...]  # empty: every theme
    deadline: datetime  # aware
    opens: date | None = None
    amount: str = ""
    link: str = ""
    description: str = ""


def _one_line(text: str, limit: int) -> str:
    value = " ".join("".join(ch for ch in text if ch >= " ").split())
    if len(value) > limit:
        raise FieldError("too_long", limit)
    return value


def check_funder(text: str) -> str:
    funder = _one_line(text, MAX_FUNDER)
    if not funder:
        raise FieldError("empty")
    return funder


def check_amount(text: str) -> str:
    return _one_line(text, MAX_AMOUNT)


def check_link(text: str) -> str:
    return check_online_url(text)


def parse_deadline(text: str, now: datetime, tz: tzinfo) -> datetime:
    """A date and time ("15.1.2027 16.00"), or a day alone ("15.1.2027": 23.59 that day); a
    moment already past is refused (FieldError 'past')."""
    try:
        return parse_datetime(text, now, tz)
    except DateError as exc:
        if exc.reason != "format":
            raise FieldError(exc.reason) from None
    try:
        day = parse_date(text, now.astimezone(tz).date())
    except DateError as exc:
        raise FieldError(exc.reason) from None
    moment = datetime.combine(day, END_OF_DAY, tz)
    if moment <= now:
        raise FieldError("past")
    return moment


def parse_opens(text: str, now: datetime, tz: tzinfo) -> date:
    """The day applications open; it may have passed already."""
    try:
        return parse_date(text, now.astimezone(tz).date(), allow_past=True)
    except DateError as exc:
        raise FieldError(exc.reason) from None
