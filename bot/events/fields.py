"""What an event is made of, and the rules every way of creating one applies (the /newevent
wizard, editing, and the CSV / .ics import): one checker per field, each raising FieldError
with a reason the caller turns into a localized message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Literal, get_args
from urllib.parse import urlsplit

from bot.core.dates import DateError, parse_datetime, parse_time

__all__ = [
    "KINDS",
    "MAX_CAPACITY",
    "MAX_DESCRIPTION",
    "MAX_PLACE",
    "MAX_TITLE",
    "EventFields",
    "EventKind",
    "FieldError",
    "check_capacity",
    "check_deadline",
    "check_description",
    "check_kind",
    "check_online_url",
    "check_place",
    "check_title",
    "parse_end",
]

EventKind = Literal[
    "forum",
    "association_evening",
    "partnership_evening",
    "workshop",
    "training",
    "evaluation_workshop",
    "other",
]
# The order of the /newevent buttons (the type's order); "other" stays last.
KINDS: tuple[EventKind, ...] = get_args(EventKind)
# The card (title, time, place, description, counts) must fit one 4096-character message, and
# update notices carry title and place in a 1024-character caption.
MAX_TITLE = 150
MAX_PLACE = 200
MAX_URL = 300
MAX_DESCRIPTION = 2000
MAX_CAPACITY = 100_000
MAX_DURATION = timedelta(days=14)


class FieldError(ValueError):
    """`reason` names the rule broken: empty, too_long, format, invalid, past, ambiguous,
    before_start, after_start, too_small, too_big, not_url (and for the programme and "for
    whom": too_many, html, unknown); `value` is the part at fault, when it helps to show it."""

    def __init__(self, reason: str, limit: int | None = None, value: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.limit = limit
        self.value = value


@dataclass(frozen=True, slots=True)
class EventFields:
    """A complete, validated event as the coordinator described it."""

    kind: EventKind
    title: str
    starts_at: datetime  # aware
    ends_at: datetime | None
    place: str
    online_url: str
    municipalities: tuple[str, ...]  # municipality codes
    themes: tuple[str, ...]  # theme ids; empty: every theme
    description: str = ""
    capacity: int | None = None
    rsvp_deadline: datetime | None = None
    reminders: tuple[int, ...] = ()  # seconds before the start
    for_whom: tuple[str, ...] = ()  # bot/events/for_whom.py codes; empty: everyone
    programme: tuple[str, ...] = ()


def _clean(text: str) -> str:
    # Control characters other than newlines would reach every recipient's screen.
    return "".join(ch for ch in text if ch == "\n" or ch >= " ").strip()


def check_kind(text: str) -> EventKind:
    value = text.strip().lower().replace(" ", "_").replace("-", "_")
    for kind in KINDS:
        if value == kind:
            return kind
    raise FieldError("invalid")


def check_title(text: str) -> str:
    title = " ".join(_clean(text).split())
    if not title:
        raise FieldError("empty")
    if len(title) > MAX_TITLE:
        raise FieldError("too_long", MAX_TITLE)
    return title


def check_place(text: str) -> str:
    place = " ".join(_clean(text).split())
    if len(place) > MAX_PLACE:
        raise FieldError("too_long", MAX_PLACE)
    return place


def check_online_url(text: str) -> str:
    url = text.strip()
    if not url:
        return ""
    if len(url) > MAX_URL:
        raise FieldError("too_long", MAX_URL)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise FieldError("not_url")
    return url


def check_description(text: str) -> str:
    description = _clean(text)
    if len(description) > MAX_DESCRIPTION:
        raise FieldError("too_long", MAX_DESCRIPTION)
    return description


def check_capacity(text: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    if not re.fullmatch(r"[+-]?\d{1,7}", value):
        raise FieldError("format")
    number = int(value)
    if number < 1:
        raise FieldError("too_small", 1)
    if number > MAX_CAPACITY:
        raise FieldError("too_big", MAX_CAPACITY)
    return number


_DURATION = re.compile(
    r"^(\d{1,3}(?:[.,]\d{1,2})?)\s*"
    r"(h|t|tunti|tuntia|hour|hours|timme|timmar|min|m|minuutti|minuuttia|minute|minutes|minuter)$",
    re.IGNORECASE,
)


def parse_end(text: str, start: datetime, tz: tzinfo) -> datetime:
    """The end as a time on the start's day ("20.00"), a full date and time, or a duration
    ("2 h", "90 min", "1,5 h")."""
    value = text.strip()
    if match := _DURATION.match(value):
        amount = float(match.group(1).replace(",", "."))
        unit = match.group(2).lower()
        minutes = amount if unit.startswith("m") else amount * 60
        end = start + timedelta(minutes=minutes)
    else:
        try:
            clock = parse_time(value)
        except DateError:
            clock = None
        if clock is not None:
            local = start.astimezone(tz)
            end = datetime.combine(local.date(), clock, tz)
        else:
            try:
                end = parse_datetime(value, start, tz)
            except DateError as exc:
                raise FieldError("before_start" if exc.reason == "past" else exc.reason) from None
    if end <= start:
        raise FieldError("before_start")
    if end - start > MAX_DURATION:
        raise FieldError("too_long")
    return end


def check_deadline(deadline: datetime, start: datetime) -> datetime:
    if deadline > start:
        raise FieldError("after_start")
    return deadline
