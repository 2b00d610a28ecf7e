"""Volunteer calls as a service: the rules for a call's shifts, its audience, and publishing
(the call, its shifts, municipalities and themes, one card per recipient in the outbox and the
shifts' reminders, all in one transaction).

Who hears of a call: the active chats whose subscriptions match its municipalities and themes
(bot/audience/recipients.py, the same matching as events), plus the people whose /volunteer
profile matches (storage/volunteer_profiles.py `matching_users`), in their private chat with the
bot; each chat once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.audience.recipients import AudienceSpec, count, resolve
from bot.core.i18n import Texts
from bot.environment import Environment
from bot.events.service import texts_for_chat
from bot.volunteering import checkin, reminders, thanks
from bot.volunteering.cards import card_keyboard, card_text
from storage import chats, outbox, schedule, volunteer_calls, volunteer_profiles
from storage.db import Writer
from storage.outbox import NewMessage
from storage.volunteer_calls import Call, NewCallRow, NewShiftRow, Shift

__all__ = [
    "DEFAULT_REMINDERS",
    "MAX_PLACES",
    "MAX_SHIFTS",
    "NewCall",
    "NewShift",
    "audience_size",
    "card_message",
    "publish",
    "publish_in",
    "recipients",
    "shift_problems",
]

# Every shift is one full-width row of the card's keyboard (its label: day, time, places left)
# and "📋 My shifts" one more. 20 rows is about as tall a keyboard as a phone shows with a
# little scrolling; Telegram itself refuses a keyboard over 100 buttons, so a longer event is
# better split into calls per day.
MAX_SHIFTS = 20
MAX_PLACES = 500
DEFAULT_REMINDERS: tuple[int, ...] = (86400, 7200)  # a day and two hours before a shift


@dataclass(frozen=True)
class NewShift:
    starts_at: datetime
    ends_at: datetime
    places: int


@dataclass(frozen=True)
class NewCall:
    title: str
    description: str
    skills: str
    municipalities: tuple[str, ...]
    themes: tuple[str, ...]
    shifts: tuple[NewShift, ...]
    listing_id: int | None = None  # the association organising (a group admin's call)
    reminders: tuple[int, ...] = DEFAULT_REMINDERS  # seconds before each shift


def shift_problems(t: Texts, shifts: Sequence[NewShift], now: datetime) -> list[str]:
    """What is wrong with a call's shifts, in the reader's language; empty when nothing is."""
    problems = []
    if not shifts:
        problems.append(t._("A call needs at least one shift."))
    if len(shifts) > MAX_SHIFTS:
        problems.append(
            t._(
                "At most {max} shifts in one call (one button row each fits Telegram's "
                "keyboard); this one has {n}. Split it into several calls.",
                max=MAX_SHIFTS,
                n=len(shifts),
            )
        )
    for number, shift in enumerate(shifts, start=1):
        if shift.ends_at <= shift.starts_at:
            problems.append(t._("Shift {n} ends before it starts.", n=number))
        if shift.starts_at <= now:
            problems.append(t._("Shift {n} lies in the past.", n=number))
        if not 1 <= shift.places <= MAX_PLACES:
            problems.append(t._("Shift {n}: places must be 1–{max}.", n=number, max=MAX_PLACES))
    return problems


def _spec(municipalities: Sequence[str], themes: Sequence[str]) -> AudienceSpec:
    return AudienceSpec(municipalities=frozenset(municipalities), themes=frozenset(themes))


async def recipients(
    env: Environment,
    db: Writer,
    municipalities: Sequence[str],
    themes: Sequence[str],
    skills: str,
) -> list[int]:
    """The call's audience: subscribed chats and matching volunteer profiles' private chats
    (only those usable: the person has started the bot and not blocked it), each once."""
    subscribed = await resolve(db, env.catalog, _spec(municipalities, themes))
    people = await volunteer_profiles.matching_users(db, municipalities, themes, skills)
    reachable = set(await volunteer_calls.reachable(db, people))
    return sorted(set(subscribed) | reachable)


async def audience_size(
    env: Environment, municipalities: Sequence[str], themes: Sequence[str], skills: str = ""
) -> int:
    """How many chats a call would go to (the preview)."""
    if not municipalities:
        return await count(env.db, env.catalog, _spec(municipalities, themes))
    async with env.db.transaction() as tx:
        return len(await recipients(env, tx, municipalities, themes, skills))


async def publish(env: Environment, call: NewCall, created_by: int) -> tuple[int, int]:
    """Store and publish a call; (call id, chats it goes to)."""
    async with env.db.transaction() as tx:
        result = await publish_in(env, tx, call, created_by, now=env.db.now())
    env.changed()
    return result


def _row(call: NewCall) -> NewCallRow:
    return NewCallRow(
        title=call.title,
        description=call.description,
        skills=call.skills,
        municipalities=tuple(sorted(set(call.municipalities))),
        themes=tuple(sorted(set(call.themes))),
        shifts=tuple(
            NewShiftRow(int(s.starts_at.timestamp()), int(s.ends_at.timestamp()), s.places)
            for s in call.shifts
        ),
        listing_id=call.listing_id,
        reminders=call.reminders,
    )


async def publish_in(
    env: Environment, tx: Writer, call: NewCall, created_by: int | None, now: int
) -> tuple[int, int]:
    """`publish` inside the caller's transaction (the CSV import publishes several calls)."""
    row = _row(call)
    call_id = await volunteer_calls.create(tx, row, created_by=created_by, now=now)
    stored = await volunteer_calls.get(tx, call_id)
    assert stored is not None
    shifts = await volunteer_calls.shifts(tx, call_id)
    targets = await recipients(env, tx, row.municipalities, row.themes, row.skills)
    info = await chats.recipients(tx, targets)
    texts: dict[str, str] = {}
    messages = []
    for chat_id in targets:
        t = texts_for_chat(env, info.get(chat_id))
        if t.language not in texts:
            texts[t.language] = card_text(stored, t, env.catalog, env.themes)
        messages.append(card_message(env, stored, shifts, {}, t, chat_id, texts[t.language]))
    await outbox.enqueue(tx, messages, now=now)
    jobs = reminders.plan(stored, shifts, env, now) + checkin.plan(shifts, now)
    await schedule.upsert(tx, jobs + thanks.plan(shifts, now), now)
    return call_id, len(targets)


def card_message(
    env: Environment,
    call: Call,
    shifts: Sequence[Shift],
    taken: dict[int, int],
    t: Texts,
    chat_id: int,
    text: str,
) -> NewMessage:
    """The card as an outbox row (priority like event invitations)."""
    params: dict[str, object] = {"text": text, "parse_mode": "HTML"}
    markup = card_keyboard(call, shifts, taken, t, env.key, chat_id)
    if markup is not None:
        params["reply_markup"] = markup.to_dict()
    return NewMessage(chat_id, "invitation", "sendMessage", params)
