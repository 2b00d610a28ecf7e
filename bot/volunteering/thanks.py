"""The thank-you after a volunteer shift: an hour after its end (kind 'shift_thanks', ref_id =
the shift; the hour leaves the organiser time to mark those who could not tap "📍 I'm here"),
everyone who attended hears their hours for the shift and their total this year, with a
pointer to /myvolunteering for the certificate."""

from __future__ import annotations

import sqlite3

from bot.environment import Environment
from bot.events.service import texts_for_chat
from bot.ops.figures import current_year, year_bounds
from bot.volunteering.cards import shift_when
from storage import outbox, schedule, shift_signups, volunteer_calls
from storage.db import Writer
from storage.outbox import NewMessage
from storage.schedule import Job, PlannedJob
from storage.volunteer_calls import Shift

__all__ = ["AFTER_END", "plan", "run_thanks", "thank_late", "thanks_key"]

AFTER_END = 60 * 60


def thanks_key(shift_id: int) -> str:
    return f"shift_thanks:{shift_id}"


def plan(shifts: list[Shift], now: int) -> list[PlannedJob]:
    return [
        PlannedJob(thanks_key(s.id), "shift_thanks", max(s.ends_at + AFTER_END, now), ref_id=s.id)
        for s in shifts
    ]


async def run_thanks(env: Environment, tx: Writer, job: Job, now: int) -> str | None:
    if job.ref_id is None:
        return "no shift"
    return await tx.run(lambda raw: _thank_sync(raw, env, job.ref_id or 0, now))


def _thank_sync(
    raw: sqlite3.Connection, env: Environment, shift_id: int, now: int, only: int | None = None
) -> str | None:
    live = volunteer_calls.live_shift_sync(raw, shift_id)
    if live is None:
        return "call gone or closed"
    shift, call = live
    attended = shift_signups.attended_for_shift_sync(raw, shift_id)
    if only is not None:
        attended = [a for a in attended if a.user_id == only]
    if not attended:
        return "nobody checked in"
    tz = env.config.bot.timezone
    since, until = year_bounds(current_year(shift.starts_at, tz), tz)
    messages = []
    for person in attended:
        reach = shift_signups.reach_sync(raw, person.user_id, person.chat_id)
        t = texts_for_chat(env, reach)
        values = {"when": shift_when(shift, t), "title": call.title}
        text = t._(
            "🙏 Thank you for your shift {when} in <b>{title}</b>! Hours recorded: {hours} h.",
            hours=t.number(person.hours),
            **values,
        )
        if reach.chat_id == person.user_id:  # else said in a group: without their year
            total = shift_signups.hours_between_sync(raw, person.user_id, since, until)
            text = t._(
                "🙏 Thank you for your shift {when} in <b>{title}</b>! Hours recorded: {hours} h. "
                "Your hours this year: {total} h in total. /myvolunteering shows your shifts and "
                "makes a certificate.",
                hours=t.number(person.hours),
                total=t.number(total),
                **values,
            )
        params = {"text": text, "parse_mode": "HTML"}
        messages.append(NewMessage(reach.chat_id, "reminder", "sendMessage", params))
    outbox.enqueue_sync(raw, messages, now=now)
    return None


async def thank_late(env: Environment, shift: Shift, user_id: int) -> bool:
    """Someone an organiser marked as there after the shift's thanks went out is thanked on
    their own; False while the thanks job is still to run (also late: it will include them)."""
    job = await schedule.get(env.db, thanks_key(shift.id))
    now = env.db.now()
    still_to_run = job.state == "pending" if job is not None else now < shift.ends_at + AFTER_END
    if still_to_run:
        return False
    await env.db.write(lambda raw: _thank_sync(raw, env, shift.id, now, only=user_id))
    return True
