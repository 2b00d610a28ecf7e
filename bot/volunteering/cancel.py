"""Cancelling a volunteer call: its state, its shifts' scheduled jobs and one notice to each
person signed up or waiting, all in one transaction, so a call is never cancelled without its
notices (nor its reminders still sent).

Card taps on a cancelled call answer "This call is closed." (bot/volunteering/signup.py); the
reminders check the state too, and their jobs are cancelled here so nothing is left pending.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Literal

from bot.environment import Environment
from bot.events.service import texts_for_chat
from bot.volunteering.cards import shift_when
from storage import call_roster, outbox, privacy, schedule, shift_signups, volunteer_calls
from storage.call_roster import Target
from storage.outbox import NewMessage
from storage.volunteer_calls import Call, Shift

__all__ = ["cancel_call", "has_begun"]


def has_begun(shifts: Sequence[Shift], now: int) -> bool:
    """Once a shift has started, the call is work being done: its attendance, hours and
    thanks must stay, so it can no longer be cancelled as a whole."""
    return any(s.starts_at <= now for s in shifts)


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
