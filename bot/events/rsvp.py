"""One RSVP tap: the rules for coming / maybe / can't, headcount, "for our association",
capacity with a waiting list, and promotion from the list when a place frees up.

Every tap is one transaction: the answer, the promotions it causes and their notifications
(outbox rows) are stored together or not at all. The rules are plain functions, run inside that
transaction (one `Database.write` block).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from typing import Literal

from bot.environment import Environment
from bot.events.cards import time_line
from bot.events.service import texts_for_chat
from storage import outbox, rsvps
from storage.events import Event
from storage.outbox import NewMessage
from storage.row_locks import lock_row_sync
from storage.rsvps import Counts, Rsvp

__all__ = ["ACTIONS", "MAX_HEADCOUNT", "Outcome", "Tap", "answer"]

Action = Literal["y", "m", "n", "p", "q", "a"]
ACTIONS: frozenset[str] = frozenset({"y", "m", "n", "p", "q", "a"})
MAX_HEADCOUNT = 20
Problem = Literal[
    "gone", "cancelled", "closed", "not_answered", "no_association", "full_for_more", "max_people"
]


@dataclass(frozen=True, slots=True)
class Outcome:
    event: Event | None
    rsvp: Rsvp | None = None
    problem: Problem | None = None
    waitlist_position: int | None = None
    promoted: int = 0
    counts: Counts | None = None  # the event's counts as this tap committed them


@dataclass(frozen=True, slots=True)
class Tap:
    """One person's tap on a card."""

    event_id: int
    user_id: int
    chat_id: int  # where the card was tapped
    action: Action
    # The group's (name, municipality) when tapped in an association group.
    association: tuple[str, str | None] | None = None


async def answer(env: Environment, tap: Tap) -> Outcome:
    """The whole tap is one transaction in one block (`Database.write`): under a burst of taps no
    tap waits for the event loop's turns between another's reads and writes. A few indexed
    statements, so it runs inline when the connection is idle."""
    now = env.db.now()
    # Not in the global order of writes: the block locks the event's row first, so taps on one
    # event take turns and everything else (taps elsewhere, other processes' writes) runs beside.
    return await env.db.write(
        lambda raw: _answer_sync(raw, env, tap, now), inline=True, serialised=False
    )


def _answer_sync(raw: sqlite3.Connection, env: Environment, tap: Tap, now: int) -> Outcome:
    """The tap, inside its transaction: read, decide, write, count."""
    event_id, user_id = tap.event_id, tap.user_id
    lock_row_sync(raw, "events", event_id)  # the places are counted, then taken
    state = rsvps.read_tap_sync(raw, event_id, user_id)
    event, current = state.event, state.current
    if event is None:
        return Outcome(None, problem="gone")
    if event.state == "cancelled":
        return Outcome(event, problem="cancelled")
    if not event.answers_open(now):
        return Outcome(event, problem="closed")
    wanted, problem = _apply(
        current, tap.action, tap.association, event_id, user_id, tap.chat_id, now
    )
    if problem is not None or wanted is None:
        return Outcome(event, current, problem=problem)
    wanted, problem = _fit(event, current, wanted, state.taken_by_others, now)
    if problem is not None:
        return Outcome(event, current, problem=problem)
    if wanted.status == "waitlist" and (current is None or current.status != "waitlist"):
        # Strictly after everyone already waiting, also within one second: a place number once
        # told never moves back (same-second joins would otherwise sort by user id).
        last = rsvps.last_queued_sync(raw, event_id)
        if last is not None and last >= now:
            wanted = replace(wanted, queued_at=last + 1)
    taken = state.taken_by_others + (wanted.headcount if wanted.status == "yes" else 0)
    # Only the head of the list can move up: at most one person per free place, one more to see
    # that the next does not fit, and one for the tapper's own row, left out here.
    head = None if event.capacity is None else max(event.capacity - taken, 0) + 2
    waiting = sorted(
        [r for r in rsvps.waitlist_head_sync(raw, event_id, head) if r.user_id != user_id]
        + ([wanted] if wanted.status == "waitlist" else []),
        key=rsvps.waitlist_key,
    )
    promoted = _promotions(event, waiting, taken, now)
    if promoted:
        told = [_promoted_message_sync(raw, env, event, r) for r in promoted]
        outbox.enqueue_sync(raw, told, now=now)
    stored = next((r for r in promoted if r.user_id == user_id), wanted)
    changed = promoted if stored is not wanted else [wanted, *promoted]
    counts = rsvps.store_tap_sync(raw, event_id, changed)
    position = rsvps.waitlist_position_sync(raw, stored)
    return Outcome(event, stored, waitlist_position=position, promoted=len(promoted), counts=counts)


def _apply(
    current: Rsvp | None,
    action: Action,
    association: tuple[str, str | None] | None,
    event_id: int,
    user_id: int,
    chat_id: int,
    now: int,
) -> tuple[Rsvp | None, Problem | None]:
    base = current or Rsvp(event_id, user_id, chat_id, "no", 1, None, None, None, now, now)
    base = replace(base, chat_id=chat_id, updated_at=now)
    if action == "y":
        if base.status == "waitlist":
            return base, None
        return replace(base, status="yes"), None
    if action == "m":
        return replace(base, status="maybe", queued_at=None), None
    if action == "n":
        return replace(base, status="no", queued_at=None), None
    if action == "p":
        if current is None or current.status == "no":
            return replace(base, status="yes", headcount=2), None
        if base.headcount >= MAX_HEADCOUNT:
            return None, "max_people"
        return replace(base, headcount=base.headcount + 1), None
    if action == "q":
        if current is None:
            return None, "not_answered"
        return replace(base, headcount=max(1, base.headcount - 1)), None
    # "a": answer for the association of this group, or take that back.
    if association is None:
        return None, "no_association"
    if current is None:
        return None, "not_answered"
    if base.association is not None:
        return replace(base, association=None, municipality_code=None), None
    return replace(base, association=association[0], municipality_code=association[1]), None


def _fit(
    event: Event, current: Rsvp | None, wanted: Rsvp, taken: int, now: int
) -> tuple[Rsvp, Problem | None]:
    """Capacity: a yes that does not fit joins the waiting list; more people on an existing
    yes that do not fit are refused (the place already held is kept). `taken`: the places
    everyone else's yes holds."""
    if event.capacity is None or wanted.status not in ("yes", "waitlist"):
        return replace(wanted, queued_at=None) if wanted.status != "waitlist" else wanted, None
    fits = taken + wanted.headcount <= event.capacity
    if wanted.status == "yes" and not fits:
        if current is not None and current.status == "yes":
            return wanted, "full_for_more"
        return replace(wanted, status="waitlist", queued_at=now), None
    if wanted.status == "waitlist" and current is not None and current.status != "waitlist":
        return replace(wanted, queued_at=now), None
    return wanted, None


def _promotions(event: Event, waiting: list[Rsvp], taken: int, now: int) -> list[Rsvp]:
    """First in line gets the freed places, strictly in order, while they fit. `waiting` is the
    waiting list after this tap, first in line first; `taken` the places yes answers hold."""
    promoted: list[Rsvp] = []
    for candidate in waiting:
        if event.capacity is not None and taken + candidate.headcount > event.capacity:
            break
        promoted.append(replace(candidate, status="yes", queued_at=None, updated_at=now))
        taken += candidate.headcount
    return promoted


def _promoted_message_sync(
    raw: sqlite3.Connection, env: Environment, event: Event, promoted: Rsvp
) -> NewMessage:
    recipient = rsvps.reach_sync(raw, promoted)
    t = texts_for_chat(env, recipient)
    text = t._(
        "🎉 A place freed up: you are now coming to <b>{title}</b>, {when}.",
        title=event.title,
        when=time_line(event, t),
    )
    return NewMessage(
        recipient.chat_id, "reminder", "sendMessage", {"text": text, "parse_mode": "HTML"}
    )
