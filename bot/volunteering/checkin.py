"""Check-in for a volunteer shift: "📍 I'm here" goes to those holding a place 30 minutes before
the start (a scheduled job of kind 'shift_checkin', ref_id = the shift), and a tap from then
until the shift's end records attendance with the shift's length as the hours (an organiser
may correct them, or mark someone who could not tap).

Refused, with nothing stored: a tap before the window or after the end, by someone not holding a
place on the shift, on a cancelled or removed call, and a second tap (the first check-in stands).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton

from bot.core.callbacks import button, claim
from bot.core.i18n import Texts
from bot.environment import Environment
from bot.events.service import texts_for_chat
from bot.volunteering.cards import shift_when, signature
from storage import outbox, shift_signups, volunteer_calls
from storage.db import Writer
from storage.outbox import NewMessage
from storage.schedule import Job, PlannedJob
from storage.volunteer_calls import Call, Shift

__all__ = [
    "AREA",
    "OPENS_BEFORE",
    "CheckIn",
    "Problem",
    "button_for",
    "check_in",
    "checkin_key",
    "plan",
    "run_checkin",
    "shift_hours",
    "window_open",
]

# Its own area: the card's area (bot/volunteering/cards.py) routes every other action to the
# sign-up rules; the signature is the card's, for the action "in".
AREA = claim("vk", __name__)
OPENS_BEFORE = 30 * 60  # the check-in window opens this many seconds before the start
Problem = Literal["gone", "closed", "shift_cancelled", "not_signed_up", "early", "ended", "already"]


def checkin_key(shift_id: int) -> str:
    return f"shift_checkin:{shift_id}"


def shift_hours(shift: Shift) -> float:
    """The hours a shift earns: its length, to a minute's precision."""
    return round((shift.ends_at - shift.starts_at) / 3600, 2)


def plan(shifts: list[Shift], now: int) -> list[PlannedJob]:
    """One check-in message per shift at the window's opening (at once when that has passed)."""
    return [
        PlannedJob(
            checkin_key(s.id), "shift_checkin", max(s.starts_at - OPENS_BEFORE, now), ref_id=s.id
        )
        for s in shifts
        if s.ends_at > now
    ]


def window_open(shift: Shift, now: int) -> bool:
    return shift.starts_at - OPENS_BEFORE <= now < shift.ends_at


def button_for(t: Texts, key: bytes, shift_id: int, chat_id: int) -> InlineKeyboardButton:
    """ "📍 I'm here", signed for the chat it is sent to."""
    return button(t._("📍 I'm here"), AREA, shift_id, signature(key, "in", shift_id, chat_id))


@dataclass(frozen=True, slots=True)
class CheckIn:
    call: Call | None
    shift: Shift | None = None
    problem: Problem | None = None
    at: int | None = None  # when the person checked in (now, or earlier with "already")
    hours: float | None = None


async def check_in(env: Environment, shift_id: int, user_id: int) -> CheckIn:
    now = env.db.now()
    return await env.db.write(
        lambda raw: _check_in_sync(raw, shift_id, user_id, now), inline=True, serialised=False
    )


def _check_in_sync(raw: sqlite3.Connection, shift_id: int, user_id: int, now: int) -> CheckIn:
    found = volunteer_calls.locked_shift_sync(raw, shift_id)  # beside a cancel of the place
    if found is None:
        return CheckIn(None, problem="gone")
    shift, call = found
    if call.state != "published":
        return CheckIn(call, shift, problem="closed")
    if shift.cancelled_at is not None:
        return CheckIn(call, shift, problem="shift_cancelled")
    current = shift_signups.get_sync(raw, shift_id, user_id)
    if current is None or current.status != "yes":
        return CheckIn(call, shift, problem="not_signed_up")
    if current.checked_in_at is not None:
        return CheckIn(call, shift, problem="already", at=current.checked_in_at)
    if not window_open(shift, now):
        return CheckIn(call, shift, problem="early" if now < shift.ends_at else "ended")
    hours = shift_hours(shift)
    shift_signups.check_in_sync(raw, shift_id, user_id, now, hours)
    return CheckIn(call, shift, at=now, hours=hours)


async def run_checkin(env: Environment, tx: Writer, job: Job, now: int) -> str | None:
    """Send "📍 I'm here" to everyone holding a place on the shift who has not checked in, in
    their private chat when usable; a note (the job is skipped) when there is nothing to do."""
    if job.ref_id is None:
        return "no shift"
    return await tx.run(lambda raw: _send_sync(raw, env, job.ref_id or 0, now))


def _send_sync(raw: sqlite3.Connection, env: Environment, shift_id: int, now: int) -> str | None:
    live = volunteer_calls.live_shift_sync(raw, shift_id)
    if live is None:
        return "call gone or closed"
    shift, call = live
    if now >= shift.ends_at:
        return "shift over"
    messages = []
    for signup in shift_signups.yes_for_shift_sync(raw, shift_id):
        if signup.checked_in_at is not None:
            continue
        reach = shift_signups.reach_sync(raw, signup.user_id, signup.chat_id)
        t = texts_for_chat(env, reach)
        text = t._(
            "📍 Your shift {when} in <b>{title}</b> starts soon. When you have arrived, tap "
            "“📍 I'm here” — it records your hours.",
            when=shift_when(shift, t),
            title=call.title,
        )
        here = button_for(t, env.key, shift_id, reach.chat_id)
        markup = {"inline_keyboard": [[here.to_dict()]]}
        params = {"text": text, "parse_mode": "HTML", "reply_markup": markup}
        # Urgent: held for quiet hours, it would come when the window is closed (an evening
        # or early shift); the person asked for this shift at this hour.
        messages.append(NewMessage(reach.chat_id, "reminder", "sendMessage", params, urgent=True))
    outbox.enqueue_sync(raw, messages, now=now)
    return None
