"""When an event's scheduled work is due: reminders, the nudge, the feedback round and, for the
later dates of a series, the invitation. Pure functions of the event and the config.

Whole-day offsets ("7d", "1d") are counted in the event's local calendar, so a reminder "one
day before" an 18:00 event comes at 18:00 the day before even across a daylight-saving change;
hour and minute offsets are exact durations.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.config import Config
from storage.events import Event
from storage.schedule import PlannedJob

__all__ = [
    "ASSUMED_LENGTH",
    "SERIES_INVITE_AHEAD",
    "before_start",
    "feedback_due",
    "invitation_waits",
    "plan",
    "reminder_key",
]

DAY = 86400
# The later dates of a series are announced this long before they start, not all at once.
SERIES_INVITE_AHEAD = timedelta(days=30)
# An event without an end is taken to last this long (for the feedback round).
ASSUMED_LENGTH = timedelta(hours=2)


def reminder_key(event_id: int, offset: int) -> str:
    return f"reminder:{event_id}:{offset}"


def before_start(event: Event, offset: int) -> int:
    """The moment `offset` seconds before the start; whole days in local wall-clock time."""
    if offset % DAY:
        return event.starts_at - offset
    tz = ZoneInfo(event.timezone)
    local = datetime.fromtimestamp(event.starts_at, tz)
    # Aware arithmetic in one zone is wall-clock arithmetic; timestamp() maps back to UTC.
    return int((local - timedelta(days=offset // DAY)).timestamp())


def feedback_due(event: Event, config: Config) -> int:
    end = (
        event.ends_at
        if event.ends_at is not None
        else event.starts_at + int(ASSUMED_LENGTH.total_seconds())
    )
    return end + int(config.feedback.delay.total_seconds())


def invitation_waits(event: Event, now: int) -> bool:
    """A later date of a series whose invitation is not due yet."""
    return event.starts_at - SERIES_INVITE_AHEAD.total_seconds() > now


def plan(event: Event, config: Config, now: int) -> list[PlannedJob]:
    """Every job the event should have; empty for an event that is not published."""
    if event.state != "published":
        return []
    jobs = [
        PlannedJob(
            reminder_key(event.id, offset), "reminder", before_start(event, offset), event.id
        )
        for offset in event.reminders
    ]
    nudge = config.reminders.nudge
    if nudge is not None:
        due = before_start(event, int(nudge.total_seconds()))
        jobs.append(PlannedJob(f"nudge:{event.id}", "nudge", due, event.id))
    jobs.append(
        PlannedJob(f"feedback:{event.id}", "feedback", feedback_due(event, config), event.id)
    )
    if event.broadcast_id is None and invitation_waits(event, now):
        due = event.starts_at - int(SERIES_INVITE_AHEAD.total_seconds())
        jobs.append(PlannedJob(f"invitation:{event.id}", "invitation", due, event.id))
    return jobs
