"""Reminders to those signed up for a shift: when they are due (one job per shift and offset,
kind 'shift_reminder', ref_id = the shift), and what they say, with "✅ I'll be there / ❌ I
can't after all" (the taps: bot/volunteering/signup.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.environment import Environment
from storage.schedule import PlannedJob
from storage.volunteer_calls import Call, Shift

__all__ = ["DAY", "before_start", "plan", "reminder_key"]

DAY = 86400


def reminder_key(shift_id: int, offset: int) -> str:
    return f"shift_reminder:{shift_id}:{offset}"


def before_start(starts_at: int, offset: int, env: Environment) -> int:
    """`offset` seconds before a start; whole days in the bot's local wall-clock time (as event
    reminders, bot/events/schedule.py), so "a day before" a 10:00 shift is 10:00 across DST."""
    if offset % DAY:
        return starts_at - offset
    local = datetime.fromtimestamp(starts_at, UTC).astimezone(env.config.bot.timezone)
    return int((local - timedelta(days=offset // DAY)).timestamp())


def plan(call: Call, shifts: Sequence[Shift], env: Environment, now: int) -> list[PlannedJob]:
    """The shifts' reminders still ahead (one passed at publishing is never sent late)."""
    jobs = []
    for shift in shifts:
        for offset in call.reminders:
            due = before_start(shift.starts_at, offset, env)
            if due > now:
                jobs.append(
                    PlannedJob(
                        reminder_key(shift.id, offset), "shift_reminder", due, ref_id=shift.id
                    )
                )
    return jobs
