"""Feedback after an event, as a service: the scheduler opens the round (one questionnaire per
chat of those who answered yes or maybe), and each tap or comment is checked and stored here.

Problems are values, not exceptions: the handler turns them into a localized answer. Every tap
is checked again from the database (event, round, the person's RSVP), whatever the button says.

Buttons: `fb:<event>:<action>:<sig>` with actions `r1`…`r5` (rating), `ay`/`an` (attended yes or
no) and `c` (comment, private chats; in a group the comment button is a link to the private chat,
`start=fbc_<event>`). The signature is the RSVP cards' one for (event, chat), so a button copied
to another chat, or rewritten to another event, is refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.callbacks import button, claim, keyboard, sign
from bot.core.i18n import Texts
from bot.environment import Environment
from bot.events.service import texts_for_chat
from storage import chats, events, outbox, rsvps
from storage import feedback as stored
from storage.db import Writer
from storage.events import Event
from storage.feedback import Answer
from storage.outbox import NewMessage

__all__ = [
    "AREA",
    "COMMENT_LIMIT",
    "DEEP_LINK_PREFIX",
    "Outcome",
    "Problem",
    "drop_comment",
    "follow_up_keyboard",
    "open_round",
    "question_keyboard",
    "question_text",
    "rate",
    "save_attended",
    "save_comment",
    "start_comment",
]

AREA = claim("fb", __name__)
DEEP_LINK_PREFIX = "fbc_"
COMMENT_LIMIT = 1000  # also a CHECK in the schema
# not_open: no round yet; closed: the round is over (or the event was cancelled).
Problem = Literal["gone", "not_open", "closed", "not_invited", "too_long", "empty", "no_draft"]


@dataclass(frozen=True, slots=True)
class Outcome:
    event: Event | None
    answer: Answer | None = None
    problem: Problem | None = None


def question_text(event: Event, t: Texts) -> str:
    return t._(
        "📝 <b>How useful was {title}?</b>\nTap a number: 1 = not useful, 5 = very useful.",
        title=event.title,
    )


def _rating_row(key: bytes, event_id: int, chat_id: int) -> list[InlineKeyboardButton]:
    sig = sign(key, event_id, chat_id)
    return [button(str(n), AREA, event_id, f"r{n}", sig) for n in range(1, 6)]


def question_keyboard(key: bytes, event_id: int, chat_id: int) -> InlineKeyboardMarkup:
    return keyboard([_rating_row(key, event_id, chat_id)])


def follow_up_keyboard(
    t: Texts, key: bytes, event_id: int, chat_id: int, *, private: bool, bot_username: str
) -> InlineKeyboardMarkup:
    """Ratings (to change one's mind), "did you attend?" and the comment button: a callback in a
    private chat, a link to the private chat in a group (comments are written there)."""
    sig = sign(key, event_id, chat_id)
    if private:
        comment = button(t._("💬 Add a comment"), AREA, event_id, "c", sig)
    else:
        comment = InlineKeyboardButton(
            t._("💬 Add a comment"),
            url=f"https://t.me/{bot_username}?start={DEEP_LINK_PREFIX}{event_id}",
        )
    return keyboard(
        [
            _rating_row(key, event_id, chat_id),
            [
                button(t._("✅ I attended"), AREA, event_id, "ay", sig),
                button(t._("❌ I did not attend"), AREA, event_id, "an", sig),
            ],
            [comment],
        ]
    )


async def open_round(env: Environment, tx: Writer, event: Event, now: int) -> int:
    """Open the event's feedback round inside the caller's transaction and queue one
    questionnaire per chat of those who answered yes or maybe; returns the rows queued.

    Idempotent: an event that has a round already gets nothing (0), and so does an event
    that is not (or no longer) published."""
    if event.state != "published":
        return 0
    asked = await stored.asked_count(tx, event.id)
    closes_at = now + int(env.config.feedback.open_for.total_seconds())
    if not await stored.create_round(tx, event.id, opened_at=now, closes_at=closes_at, asked=asked):
        return 0
    targets = await rsvps.notify_chats(tx, event.id, ("yes", "maybe"))
    info = await chats.recipients(tx, targets)
    rows = []
    for chat_id in targets:
        t = texts_for_chat(env, info.get(chat_id))
        params = {
            "text": question_text(event, t),
            "parse_mode": "HTML",
            "reply_markup": question_keyboard(env.key, event.id, chat_id).to_dict(),
        }
        rows.append(NewMessage(chat_id, "feedback", "sendMessage", params))
    return await outbox.enqueue(tx, rows, now=now)


async def _check(
    tx: Writer, event_id: int, user_id: int, now: int
) -> tuple[Event | None, rsvps.Rsvp | None, Problem | None]:
    event = await events.get(tx, event_id)
    if event is None:
        return None, None, "gone"
    round_ = await stored.get_round(tx, event_id)
    if round_ is None:
        return event, None, "not_open"
    if not round_.is_open(now) or event.state == "cancelled":
        return event, None, "closed"
    rsvp = await rsvps.get(tx, event_id, user_id)
    if rsvp is None or rsvp.status not in ("yes", "maybe"):
        return event, None, "not_invited"
    return event, rsvp, None


async def _answer(
    env: Environment,
    event_id: int,
    user_id: int,
    save: Callable[[Writer, rsvps.Rsvp, int], Awaitable[None]],
) -> Outcome:
    """Check the person may answer now, then `save` (with their RSVP, for the splits) in the
    same transaction."""
    now = env.db.now()
    async with env.db.transaction() as tx:
        event, rsvp, problem = await _check(tx, event_id, user_id, now)
        if problem is not None or rsvp is None:
            return Outcome(event, problem=problem)
        await save(tx, rsvp, now)
        answer = await stored.get_answer(tx, event_id, user_id)
    return Outcome(event, answer)


async def rate(env: Environment, event_id: int, user_id: int, rating: int) -> Outcome:
    """Store a 1–5 rating; a second one replaces the first."""
    if not 1 <= rating <= 5:
        raise ValueError(f"rating out of range: {rating}")

    async def save(tx: Writer, rsvp: rsvps.Rsvp, now: int) -> None:
        await stored.save_rating(
            tx,
            event_id,
            user_id,
            rating,
            association=rsvp.association,
            municipality_code=rsvp.municipality_code,
            now=now,
        )

    return await _answer(env, event_id, user_id, save)


async def save_attended(env: Environment, event_id: int, user_id: int, attended: bool) -> Outcome:
    async def save(tx: Writer, rsvp: rsvps.Rsvp, now: int) -> None:
        await stored.save_attended(
            tx,
            event_id,
            user_id,
            attended,
            association=rsvp.association,
            municipality_code=rsvp.municipality_code,
            now=now,
        )

    return await _answer(env, event_id, user_id, save)


async def start_comment(env: Environment, event_id: int, user_id: int) -> Outcome:
    """After the checks, the person's next private message is their comment."""

    async def save(tx: Writer, _rsvp: rsvps.Rsvp, now: int) -> None:
        await stored.start_draft(tx, user_id, event_id, now)

    return await _answer(env, event_id, user_id, save)


async def save_comment(env: Environment, user_id: int, text: str | None) -> Outcome:
    """The message that follows "add a comment". A refused comment (too long, empty) keeps the
    draft so that the next message can be the shorter one; anything else ends it."""
    now = env.db.now()
    async with env.db.transaction() as tx:
        draft = await stored.get_draft(tx, user_id)
        if draft is None:
            return Outcome(None, problem="no_draft")
        comment = (text or "").strip()
        if not comment:
            return Outcome(await events.get(tx, draft.event_id), problem="empty")
        if len(comment) > COMMENT_LIMIT:
            return Outcome(await events.get(tx, draft.event_id), problem="too_long")
        event, rsvp, problem = await _check(tx, draft.event_id, user_id, now)
        await stored.clear_draft(tx, user_id)
        if problem is not None or rsvp is None:
            return Outcome(event, problem=problem)
        await stored.save_comment(
            tx,
            draft.event_id,
            user_id,
            comment,
            association=rsvp.association,
            municipality_code=rsvp.municipality_code,
            now=now,
        )
        answer = await stored.get_answer(tx, draft.event_id, user_id)
    return Outcome(event, answer)


async def drop_comment(env: Environment, user_id: int) -> bool:
    """End a comment draft (a command was sent instead); True when there was one."""
    return await stored.clear_draft(env.db, user_id)
