"""Topic suggestions' rules: which events take them, until when, and what a suggestion may be.

Until when: the coordinator's own date (`Event.topics_until`), else seven days before the
start; an event published later than that (less than a week before its start) takes them until
a day before the start, so that a late forum still gets a few days of suggestions.
Problems are values, not exceptions: handlers turn them into a localized answer.
"""

from __future__ import annotations

from datetime import datetime, time, tzinfo
from typing import Literal

from bot.core.dates import DateError, parse_date, parse_datetime
from storage.events import Event
from storage.topics import MAX_TEXT

__all__ = [
    "DEFAULT_AHEAD",
    "KINDS",
    "LATE_AHEAD",
    "MAX_TEXT",
    "Problem",
    "check_text",
    "closes_at",
    "is_open",
    "offered",
    "parse_until",
]

# Forums and workshops are shaped with the associations; an evening or a training is not.
KINDS = frozenset({"forum", "workshop", "evaluation_workshop"})
DEFAULT_AHEAD = 7 * 86400
LATE_AHEAD = 86400

# HTML and Markdown are refused as in the directory (bot/directory/fields.py check_markup).
Problem = Literal["empty", "too_long"]


def offered(event: Event) -> bool:
    """The event's kind takes suggestions at all."""
    return event.kind in KINDS


def closes_at(event: Event) -> int:
    """The moment suggestions close."""
    if event.topics_until is not None:
        return min(event.topics_until, event.starts_at)  # an edit may move the start earlier
    default = event.starts_at - DEFAULT_AHEAD
    if event.published_at is not None and event.published_at >= default:
        return event.starts_at - LATE_AHEAD
    return default


def is_open(event: Event, now: int) -> bool:
    """The "💡 Suggest a topic" button is on the card, and a suggestion is taken."""
    return event.state == "published" and offered(event) and now < closes_at(event)


def check_text(text: str | None) -> tuple[str, Problem | None]:
    """The suggestion as stored (surrounding space trimmed) and what is wrong with it."""
    value = (text or "").strip()
    if not value:
        return value, "empty"
    if len(value) > MAX_TEXT:
        return value, "too_long"
    return value, None


def parse_until(text: str, event: Event, now: datetime, tz: tzinfo) -> datetime:
    """A coordinator's "until" date: "20.11." (until 23.59 that day) or a date and time
    ("20.11. klo 16"); in the future and before the start, else DateError ('format',
    'invalid', 'past', 'ambiguous' or 'after_start')."""
    try:
        moment = parse_datetime(text, now, tz)
    except DateError as exc:
        if exc.reason != "format":
            raise
        day = parse_date(text, now.astimezone(tz).date())
        moment = datetime.combine(day, time(23, 59), tz)
        if moment <= now:
            raise DateError("past") from None
    if moment.timestamp() > event.starts_at:
        raise DateError("after_start")
    return moment
