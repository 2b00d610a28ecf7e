"""Cancelling a volunteer call, or one shift of it: the state, the shifts' scheduled jobs and
one notice to each person signed up or waiting, all in one transaction, so nothing is cancelled
without its notices (nor its reminders still sent).

A whole call can be cancelled until its first shift (still on) starts; after that its attendance
and hours are work done. A single shift can be cancelled until it starts, as long as another
shift of the call stays on (otherwise the call itself is what to cancel).

Card taps on a cancelled call answer "This call is closed." (bot/volunteering/signup.py); the
reminders check the state too, and their jobs are cancelled here so nothing is left pending.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.environment import Environment
from bot.events.service import texts_for_chat
from bot.volunteering.cards import shift_when
from storage import call_roster, outbox, privacy, schedule, shift_signups, volunteer_calls
from storage.call_roster import Target
from storage.outbox import NewMessage
from storage.volunteer_calls import Call, Shift

__all__ = [
    "ShiftCancel",
    "ShiftRefusal",
    "cancel_call",
    "cancel_shift",
    "has_begun",
    "shift_refusal",
]

# Why a shift cannot be cancelled: the call is not published any more, the shift is already
# cancelled or has started, or it is the call's last shift still on.
ShiftRefusal = Literal["gone", "closed", "already", "started", "last"]


@dataclass(frozen=True, slots=True)
class ShiftCancel:
    notified: int = 0
    refused: ShiftRefusal | None = None


def has_begun(shifts: Sequence[Shift], now: int) -> bool:
    """Once a shift has started, the call is work being done: its attendance, hours and
    thanks must stay, so it can no longer be cancelled as a whole. A shift cancelled before it
    started does not count."""
    return any(s.starts_at <= now and s.cancelled_at is None for s in shifts)


def shift_refusal(
    call: Call, shifts: Sequence[Shift], shift: Shift, now: int
) -> ShiftRefusal | None:
    """Why the shift cannot be cancelled now; None when it can."""
    if call.state != "published":
        return "closed"
    if shift.cancelled_at is not None:
        return "already"
    if shift.starts_at <= now:
        return "started"
    if not any(s.id != shift.id and s.cancelled_at is None for s in shifts):
        return "last"
    return None


async def cancel_shift(env: Environment, shift_id: int) -> ShiftCancel:
    """Cancel one shift (see the module's rules); the notices are in the outbox when this
    returns."""
    now = env.db.now()
    async with env.db.transaction() as tx:
        # The call's row locked: a sign-up tap on this shift waits and then finds it cancelled.
        found = await tx.run(lambda raw: volunteer_calls.locked_shift_sync(raw, shift_id))
        if found is None:
            return ShiftCancel(refused="gone")
        shift, call = found
        shifts = await volunteer_calls.shifts(tx, call.id)
        refused = shift_refusal(call, shifts, shift, now)
        if refused is not None:
            return ShiftCancel(refused=refused)
        people = [p for p in await call_roster.targets(tx, call.id) if p.shift_id == shift.id]
        await call_roster.cancel_shift(tx, shift.id, now)
        for key in await call_roster.pending_shift_jobs(tx, [shift.id]):
            await schedule.cancel_key(tx, key, now)
        messages = await tx.run(lambda raw: _shift_notices_sync(raw, env, call, shift, people))
        await outbox.enqueue(tx, messages, now=now)
    env.changed()  # the scheduler drops the cancelled jobs it holds
    return ShiftCancel(notified=len(messages))


async def cancel_call(env: Environment, call_id: int) -> int | Literal["begun"] | None:
    """Cancel a published call; how many notices are on their way, "begun" when a shift has
    started, None when it was not published any more (already cancelled, or gone)."""
    now = env.db.now()
    async with env.db.transaction() as tx:
        shifts = await volunteer_calls.shifts(tx, call_id)
        if has_begun(shifts, now):
            return "begun"
        if not await call_roster.cancel_call(tx, call_id, now):
            return None
        call = await volunteer_calls.get(tx, call_id)
        assert call is not None
        for key in await call_roster.pending_shift_jobs(tx, [s.id for s in shifts]):
            await schedule.cancel_key(tx, key, now)
        people = await call_roster.targets(tx, call_id)
        messages = await tx.run(lambda raw: _notices_sync(raw, env, call, shifts, people))
        await outbox.enqueue(tx, messages, now=now)
    env.changed()  # the scheduler drops the cancelled jobs it holds
    return len(messages)


def _notices_sync(
    raw: sqlite3.Connection,
    env: Environment,
    call: Call,
    shifts: Sequence[Shift],
    people: Sequence[Target],
) -> list[NewMessage]:
    """One notice per person (all their shifts of the call in it), in their language, where
    they hear of their shifts; nobody anonymised by /forget is written to."""
    by_id = {s.id: s for s in shifts}
    theirs: dict[int, list[Target]] = {}
    for person in people:
        if not privacy.is_pseudonym(person.user_id):
            theirs.setdefault(person.user_id, []).append(person)
    messages = []
    for user_id, held in theirs.items():
        reach = shift_signups.reach_sync(raw, user_id, held[0].chat_id)
        t = texts_for_chat(env, reach)
        when = ", ".join(shift_when(by_id[p.shift_id], t) for p in held)
        text = t.n_(
            "❌ The volunteer call <b>{title}</b> was cancelled; your shift {when} is off.",
            "❌ The volunteer call <b>{title}</b> was cancelled; your shifts {when} are off.",
            len(held),
            title=call.title,
            when=when,
        )
        params = {"text": text, "parse_mode": "HTML"}
        # Urgent: quiet hours do not hold back a cancellation (as an event's).
        messages.append(NewMessage(reach.chat_id, "reminder", "sendMessage", params, urgent=True))
    return messages


def _shift_notices_sync(
    raw: sqlite3.Connection,
    env: Environment,
    call: Call,
    shift: Shift,
    people: Sequence[Target],
) -> list[NewMessage]:
    """One urgent notice to each person who held a place or waited for the shift."""
    messages = []
    for person in people:
        if privacy.is_pseudonym(person.user_id):
            continue
        reach = shift_signups.reach_sync(raw, person.user_id, person.chat_id)
        t = texts_for_chat(env, reach)
        text = t._(
            "❌ The shift {when} of the volunteer call <b>{title}</b> was cancelled by its "
            "organiser, so your sign-up for it is off. The call's other shifts go on.",
            when=shift_when(shift, t),
            title=call.title,
        )
        params = {"text": text, "parse_mode": "HTML"}
        messages.append(NewMessage(reach.chat_id, "reminder", "sendMessage", params, urgent=True))
    return messages
