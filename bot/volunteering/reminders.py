"""Reminders to those signed up for a shift: when they are due (one job per shift and offset,
kind 'shift_reminder', ref_id = the shift), and what they say, with "✅ I'll be there / ❌ I
can't after all" (the taps: bot/volunteering/signup.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.environment import Environment
from bot.events.service import texts_for_chat
from bot.volunteering.cards import shift_when, signed
from storage import outbox, shift_signups, volunteer_calls
from storage.db import Writer
from storage.outbox import NewMessage
from storage.schedule import Job, PlannedJob
from storage.volunteer_calls import Call, Shift

__all__ = ["DAY", "before_start", "plan", "reminder_key", "run_shift_reminder"]

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


async def run_shift_reminder(env: Environment, tx: Writer, job: Job, now: int) -> str | None:
    """One reminder round for a shift: to everyone holding a place, in their private chat when
    usable, with "✅ I'll be there / ❌ I can't after all" signed for that chat. A note (the job
    is skipped) when there is nothing to remind of."""
    if job.ref_id is None:
        return "no shift"
    return await tx.run(lambda raw: _remind_sync(raw, env, job.ref_id or 0, now))


def _remind_sync(raw: sqlite3.Connection, env: Environment, shift_id: int, now: int) -> str | None:
    live = volunteer_calls.live_shift_sync(raw, shift_id)
    if live is None:
        return "call gone or closed"
    shift, call = live
    messages = []
    for signup in shift_signups.yes_for_shift_sync(raw, shift_id):
        reach = shift_signups.reach_sync(raw, signup.user_id, signup.chat_id)
        t = texts_for_chat(env, reach)
        text = t._(
            "⏰ Reminder: your shift {when} in <b>{title}</b>.",
            when=shift_when(shift, t),
            title=call.title,
        )
        buttons = [
            [signed(t._("✅ I'll be there"), env.key, "ok", shift_id, reach.chat_id)],
            [signed(t._("❌ I can't after all"), env.key, "no", shift_id, reach.chat_id)],
        ]
        markup = {"inline_keyboard": [[b.to_dict() for b in row] for row in buttons]}
        params = {"text": text, "parse_mode": "HTML", "reply_markup": markup}
        messages.append(NewMessage(reach.chat_id, "reminder", "sendMessage", params))
    outbox.enqueue_sync(raw, messages, now=now)
    return None
