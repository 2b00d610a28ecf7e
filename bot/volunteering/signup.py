"""One tap on a shift: sign up, join the shift's waiting list, cancel, or confirm; and the
promotion of the first waiting when a place frees up.

Rules: a tap on a shift signs you up, or onto its waiting list (with your place in line) when
it is full; a second tap on it, ❌ in "📋 My shifts" or "❌ I can't after all" on a reminder
cancels. A person may hold several shifts of one call, never two that overlap. Cancelling a
place gives it at once to the first waiting for that shift (arrival order), who is told.

Exactness: each tap is one write transaction (`Database.write`, one trip) that first locks the
call's row (storage/row_locks.py), then counts and writes, so places are never oversold and two
taps of one person cannot take two overlapping shifts, also on PostgreSQL with several
processes. Taps on other calls run beside.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from typing import Literal

from bot.environment import Environment
from bot.events.service import texts_for_chat
from bot.volunteering.cards import shift_when
from storage import outbox, shift_signups, volunteer_calls
from storage.outbox import NewMessage
from storage.shift_signups import Signup
from storage.volunteer_calls import Call, Shift

__all__ = ["Outcome", "Problem", "TapKind", "tap"]

# take: the card's shift button (a toggle); cancel: ❌ in my shifts or on a reminder;
# confirm: "✅ I'll be there".
TapKind = Literal["take", "cancel", "confirm"]
Problem = Literal["gone", "closed", "shift_cancelled", "started", "overlap", "not_signed_up"]


@dataclass(frozen=True, slots=True)
class Outcome:
    call: Call | None
    shift: Shift | None = None
    signup: Signup | None = None  # as stored by the tap
    problem: Problem | None = None
    position: int | None = None  # in the waiting list
    other: Shift | None = None  # the overlapping shift, with problem "overlap"
    promoted: int | None = None  # the user promoted from the waiting list
    taken: dict[int, int] | None = None  # places held per shift after the tap


async def tap(
    env: Environment, kind: TapKind, shift_id: int, user_id: int, chat_id: int
) -> Outcome:
    now = env.db.now()
    return await env.db.write(
        lambda raw: _tap_sync(raw, env, kind, shift_id, user_id, chat_id, now),
        inline=True,
        serialised=False,
    )


def _tap_sync(
    raw: sqlite3.Connection,
    env: Environment,
    kind: TapKind,
    shift_id: int,
    user_id: int,
    chat_id: int,
    now: int,
) -> Outcome:
    found = volunteer_calls.locked_shift_sync(raw, shift_id)  # places counted, then taken
    if found is None:
        return Outcome(None, problem="gone")
    shift, call = found
    if call.state != "published":
        return Outcome(call, shift, problem="closed")
    if shift.cancelled_at is not None:
        # Its sign-ups were cancelled with it; the card redraws without it.
        return Outcome(call, shift, problem="shift_cancelled")
    current = shift_signups.get_sync(raw, shift_id, user_id)
    active = current is not None and current.status in ("yes", "waitlist")
    if kind == "confirm":
        if current is None or current.status != "yes":
            return Outcome(call, shift, current, problem="not_signed_up")
        stored = replace(current, confirmed_at=now, updated_at=now)
        shift_signups.save_sync(raw, [stored])
        return Outcome(call, shift, stored, taken=shift_signups.taken_sync(raw, call.id))
    if active and current is not None:
        if current.status == "yes" and shift.starts_at <= now:
            # Once the shift is on, a place held is attendance to record, not one to free.
            return Outcome(call, shift, current, problem="started")
        return _cancel(raw, env, call, shift, current, now)
    if kind == "cancel":
        return Outcome(call, shift, current, problem="not_signed_up")
    if shift.starts_at <= now:
        return Outcome(call, shift, current, problem="started")
    return _take(raw, call, shift, current, user_id, chat_id, now)


def _overlapping(raw: sqlite3.Connection, call: Call, shift: Shift, user_id: int) -> Shift | None:
    mine = [s.shift_id for s in shift_signups.active_for_call_sync(raw, call.id, user_id)]
    held = volunteer_calls.by_ids_sync(raw, [i for i in mine if i != shift.id])
    for other in sorted(held.values(), key=lambda s: s.position):
        if other.starts_at < shift.ends_at and shift.starts_at < other.ends_at:
            return other
    return None


def _take(
    raw: sqlite3.Connection,
    call: Call,
    shift: Shift,
    current: Signup | None,
    user_id: int,
    chat_id: int,
    now: int,
) -> Outcome:
    other = _overlapping(raw, call, shift, user_id)
    if other is not None:
        return Outcome(call, shift, current, problem="overlap", other=other)
    taken = shift_signups.taken_sync(raw, call.id)
    created = current.created_at if current is not None else now
    signup = Signup(shift.id, user_id, chat_id, "yes", None, None, created, now)
    if taken.get(shift.id, 0) >= shift.places:
        # Strictly after everyone already waiting, also within one second: a place in line once
        # told never moves back (storage/rsvps.py keeps events' lists the same way).
        last = shift_signups.last_queued_sync(raw, shift.id)
        queued = now if last is None or last < now else last + 1
        signup = replace(signup, status="waitlist", queued_at=queued)
    else:
        taken[shift.id] = taken.get(shift.id, 0) + 1
    shift_signups.save_sync(raw, [signup])
    position = shift_signups.position_sync(raw, signup)
    return Outcome(call, shift, signup, position=position, taken=taken)


def _cancel(
    raw: sqlite3.Connection, env: Environment, call: Call, shift: Shift, current: Signup, now: int
) -> Outcome:
    stored = replace(current, status="cancelled", queued_at=None, updated_at=now)
    # A check-in (allowed from 30 minutes before the start) goes with the place given back:
    # taking the shift again later must not count as attended.
    shift_signups.clear_check_in_sync(raw, shift.id, current.user_id)
    changed = [stored]
    promoted = None
    taken = shift_signups.taken_sync(raw, call.id)
    if current.status == "yes":
        taken[shift.id] = taken.get(shift.id, 1) - 1
        first = shift_signups.first_waiting_sync(raw, shift.id)
        if first is not None and taken[shift.id] < shift.places:
            changed.append(replace(first, status="yes", queued_at=None, updated_at=now))
            taken[shift.id] += 1
            promoted = first.user_id
            outbox.enqueue_sync(raw, [_promoted_message(raw, env, call, shift, first)], now=now)
    shift_signups.save_sync(raw, changed)
    return Outcome(call, shift, stored, promoted=promoted, taken=taken)


def _promoted_message(
    raw: sqlite3.Connection, env: Environment, call: Call, shift: Shift, signup: Signup
) -> NewMessage:
    reach = shift_signups.reach_sync(raw, signup.user_id, signup.chat_id)
    t = texts_for_chat(env, reach)
    text = t._(
        "🎉 A place freed up: you now have the shift {when} of <b>{title}</b>.",
        when=shift_when(shift, t),
        title=call.title,
    )
    return NewMessage(
        reach.chat_id, "reminder", "sendMessage", {"text": text, "parse_mode": "HTML"}
    )
