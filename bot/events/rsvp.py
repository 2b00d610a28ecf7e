"""One RSVP tap: the rules for coming / maybe / can't, headcount, "for our association",
capacity with a waiting list, and promotion from the list when a place frees up. An event with
breakout sessions (storage/sessions.py) counts places and keeps a waiting list per session too:
"coming" is then always for one session, picked with action "s".

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
from bot.events.seats import Seats
from bot.events.service import texts_for_chat
from storage import organisers, outbox, rsvps, sessions
from storage.events import Event
from storage.outbox import NewMessage
from storage.row_locks import lock_row_sync
from storage.rsvps import Counts, Rsvp

__all__ = ["ACTIONS", "MAX_HEADCOUNT", "Outcome", "Tap", "answer"]

# "s": coming to the breakout session `Tap.session_id` (the session picker's buttons).
Action = Literal["y", "m", "n", "p", "q", "a", "s"]
ACTIONS: frozenset[str] = frozenset({"y", "m", "n", "p", "q", "a"})
MAX_HEADCOUNT = 20
Problem = Literal[
    "gone",
    "cancelled",
    "closed",
    "not_answered",
    "no_association",
    "full_for_more",
    "max_people",
    "choose_session",  # "coming" to an event with sessions: which one? Nothing stored.
    "no_session",  # a session that is not (or no longer) the event's
]


@dataclass(frozen=True, slots=True)
class Outcome:
    event: Event | None
    rsvp: Rsvp | None = None
    problem: Problem | None = None
    waitlist_position: int | None = None
    promoted: int = 0
    counts: Counts | None = None  # the event's counts as this tap committed them
    organisers: tuple[str, ...] = ()  # the co-organising associations, for the redrawn card


@dataclass(frozen=True, slots=True)
class Tap:
    """One person's tap on a card."""

    event_id: int
    user_id: int
    chat_id: int  # where the card was tapped
    action: Action
    # The group's (name, municipality) when tapped in an association group.
    association: tuple[str, str | None] | None = None
    session_id: int | None = None  # with action "s"


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
    offered = sessions.for_event_sync(raw, event_id)
    wanted, problem = _apply(current, tap, now)
    if problem is None and wanted is not None:
        problem = _session_problem(wanted, offered, tap)
    if problem is not None or wanted is None:
        return Outcome(event, current, problem=problem)
    seats = Seats(
        event.capacity,
        state.taken_by_others,
        {s.id: s.capacity for s in offered},
        sessions.taken_sync(raw, event_id, user_id) if offered else {},
    )
    wanted, problem = _fit(seats, current, wanted, now)
    if problem is not None:
        return Outcome(event, current, problem=problem)
    if wanted.status == "waitlist" and _joins_line(current, wanted):
        # Strictly after everyone already waiting, also within one second: a place number once
        # told never moves back (same-second joins would otherwise sort by user id).
        last = rsvps.last_queued_sync(raw, event_id)
        if last is not None and last >= now:
            wanted = replace(wanted, queued_at=last + 1)
    if wanted.status == "yes":
        seats.take(wanted)
    # Only the head of the list can move up: at most one person per free place, one more to see
    # that the next does not fit, and one for the tapper's own row, left out here. With sessions
    # a place freed in one session may go to someone far down the event's list: all of it.
    head = None if event.capacity is None or offered else max(event.capacity - seats.taken, 0) + 2
    waiting = sorted(
        [r for r in rsvps.waitlist_head_sync(raw, event_id, head) if r.user_id != user_id]
        + ([wanted] if wanted.status == "waitlist" else []),
        key=rsvps.waitlist_key,
    )
    promoted = _promotions(seats, waiting, now)
    if promoted:
        told = [_promoted_message_sync(raw, env, event, r) for r in promoted]
        outbox.enqueue_sync(raw, told, now=now)
    stored = next((r for r in promoted if r.user_id == user_id), wanted)
    changed = promoted if stored is not wanted else [wanted, *promoted]
    counts = rsvps.store_tap_sync(raw, event_id, changed)
    position = rsvps.waitlist_position_sync(raw, stored)
    names = organisers.names_sync(raw, event_id)  # the card redrawn after the tap shows them
    return Outcome(event, stored, None, position, len(promoted), counts, names)


def _apply(current: Rsvp | None, tap: Tap, now: int) -> tuple[Rsvp | None, Problem | None]:
    action, association = tap.action, tap.association
    base = current or Rsvp(
        tap.event_id, tap.user_id, tap.chat_id, "no", 1, None, None, None, now, now
    )
    base = replace(base, chat_id=tap.chat_id, updated_at=now)
    if action == "s":
        if base.status in ("yes", "waitlist") and base.session_id == tap.session_id:
            return base, None
        # Another session (or none before): a new place there, or its waiting list.
        return replace(base, status="yes", session_id=tap.session_id, queued_at=None), None
    if action == "y":
        if base.status == "waitlist":
            return base, None
        return replace(base, status="yes"), None
    if action == "m":
        return replace(base, status="maybe", queued_at=None, session_id=None), None
    if action == "n":
        return replace(base, status="no", queued_at=None, session_id=None), None
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


def _session_problem(wanted: Rsvp, offered: list[sessions.Session], tap: Tap) -> Problem | None:
    """With sessions a place is always in one of them: a yes without one asks which, and a
    session must be one of this event's (a stale or rewritten button names another)."""
    if tap.action == "s" and all(s.id != tap.session_id for s in offered):
        return "no_session"
    if offered and (
        tap.action == "y" or (wanted.status in ("yes", "waitlist") and wanted.session_id is None)
    ):
        return "choose_session"
    return None


def _joins_line(current: Rsvp | None, wanted: Rsvp) -> bool:
    """Whether the answer is new on a waiting list (the event's, or another session's)."""
    return (
        current is None or current.status != "waitlist" or current.session_id != wanted.session_id
    )


def _fit(seats: Seats, current: Rsvp | None, wanted: Rsvp, now: int) -> tuple[Rsvp, Problem | None]:
    """Capacity: a yes that does not fit (the event or its session) joins the waiting list;
    more people on an existing yes that do not fit are refused (the place already held is
    kept). `seats`: the places everyone else's yes holds."""
    if not seats.limited or wanted.status not in ("yes", "waitlist"):
        return replace(wanted, queued_at=None) if wanted.status != "waitlist" else wanted, None
    fits = seats.fits(wanted)
    if wanted.status == "yes" and not fits:
        if (
            current is not None
            and current.status == "yes"
            and current.session_id == wanted.session_id
        ):
            return wanted, "full_for_more"
        return replace(wanted, status="waitlist", queued_at=now), None
    if wanted.status == "waitlist" and current is not None and _joins_line(current, wanted):
        return replace(wanted, queued_at=now), None
    return wanted, None


def _promotions(seats: Seats, waiting: list[Rsvp], now: int) -> list[Rsvp]:
    """First in line gets the freed places, strictly in order, while they fit. `waiting` is the
    waiting list after this tap, first in line first; `seats` the places yes answers hold.
    With sessions the order is strict within each session: one who does not fit their session
    stops the rest of that session's line, not the others'."""
    promoted: list[Rsvp] = []
    blocked: set[int | None] = set()
    for candidate in waiting:
        if candidate.session_id in blocked:
            continue
        if not seats.event_fits(candidate):
            break
        if not seats.fits(candidate):
            blocked.add(candidate.session_id)
            continue
        promoted.append(replace(candidate, status="yes", queued_at=None, updated_at=now))
        seats.take(candidate)
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
