"""One RSVP tap: the rules for coming / maybe / can't, headcount, "for our association",
capacity with a waiting list, and promotion from the list when a place frees up.

Every tap is one transaction: the answer, the promotions it causes and their notifications
(outbox rows) are stored together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from bot.event_cards import time_line
from bot.events import EventEnv, texts_for_chat
from storage import chats, events, outbox, rsvps
from storage.db import Writer
from storage.events import Event
from storage.outbox import NewMessage
from storage.rsvps import Rsvp

__all__ = ["ACTIONS", "MAX_HEADCOUNT", "Outcome", "answer"]

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


async def answer(
    env: EventEnv,
    event_id: int,
    user_id: int,
    chat_id: int,
    action: Action,
    *,
    association: tuple[str, str | None] | None,
) -> Outcome:
    """`association` is the group's (name, municipality) when tapped in an association group."""
    now = env.db.now()
    async with env.db.transaction() as tx:
        event = await events.get(tx, event_id)
        if event is None:
            return Outcome(None, problem="gone")
        if event.state == "cancelled":
            return Outcome(event, problem="cancelled")
        if not event.answers_open(now):
            return Outcome(event, problem="closed")
        current = await rsvps.get(tx, event_id, user_id)
        wanted, problem = _apply(current, action, association, event_id, user_id, chat_id, now)
        if problem is not None or wanted is None:
            return Outcome(event, current, problem=problem)
        wanted, problem = await _fit(tx, event, current, wanted, now)
        if problem is not None:
            return Outcome(event, current, problem=problem)
        await rsvps.save(tx, wanted)
        promoted = await _promote(env, tx, event, now)
        stored = await rsvps.get(tx, event_id, user_id)
        position = await rsvps.waitlist_position(tx, stored) if stored else None
    return Outcome(event, stored, waitlist_position=position, promoted=promoted)


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


async def _fit(
    tx: Writer, event: Event, current: Rsvp | None, wanted: Rsvp, now: int
) -> tuple[Rsvp, Problem | None]:
    """Capacity: a yes that does not fit joins the waiting list; more people on an existing
    yes that do not fit are refused (the place already held is kept)."""
    if event.capacity is None or wanted.status not in ("yes", "waitlist"):
        return replace(wanted, queued_at=None) if wanted.status != "waitlist" else wanted, None
    taken = await rsvps.taken_places(tx, event.id, except_user=wanted.user_id)
    fits = taken + wanted.headcount <= event.capacity
    if wanted.status == "yes" and not fits:
        if current is not None and current.status == "yes":
            return wanted, "full_for_more"
        return replace(wanted, status="waitlist", queued_at=now), None
    if wanted.status == "waitlist" and current is not None and current.status != "waitlist":
        return replace(wanted, queued_at=now), None
    return wanted, None


async def _promote(env: EventEnv, tx: Writer, event: Event, now: int) -> int:
    """First in line gets the freed places, strictly in order, while they fit."""
    promoted = 0
    taken = await rsvps.taken_places(tx, event.id, except_user=None)
    for waiting in await rsvps.promote_candidates(tx, event.id):
        if event.capacity is not None and taken + waiting.headcount > event.capacity:
            break
        await rsvps.save(tx, replace(waiting, status="yes", queued_at=None, updated_at=now))
        await _tell_promoted(env, tx, event, waiting, now)
        taken += waiting.headcount
        promoted += 1
    return promoted


async def _tell_promoted(env: EventEnv, tx: Writer, event: Event, waiting: Rsvp, now: int) -> None:
    private = await chats.get(tx, waiting.user_id)
    target = waiting.user_id if private is not None and private.active else waiting.chat_id
    info = await chats.recipients(tx, [target])
    t = texts_for_chat(env, info.get(target))
    text = t._(
        "🎉 A place freed up: you are now coming to <b>{title}</b>, {when}.",
        title=event.title,
        when=time_line(event, t),
    )
    await outbox.enqueue(
        tx,
        [NewMessage(target, "reminder", "sendMessage", {"text": text, "parse_mode": "HTML"})],
        now=now,
    )
