"""The one-message relay between a person and a contact person ("✉️ Write to them", "↩️ Reply").

Sent directly, not through the outbox: one message whose answer matters to the person waiting
for it (was it delivered?). Each relayed message is a contact_messages row, so that its reply
button can name the row instead of anybody's Telegram id; a message Telegram refuses leaves no
row behind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from telegram import Bot
from telegram.error import BadRequest, Forbidden

from bot.contacts.rules import MESSAGE_LIMIT
from bot.contacts.texts import relayed_text, reply_keyboard
from bot.core.i18n import Texts, pick_language
from bot.environment import Environment
from storage import chats, contacts, users

__all__ = ["Outcome", "Target", "first_name", "relay", "reply_target", "texts_for_user"]

log = logging.getLogger(__name__)

Outcome = Literal["sent", "undeliverable", "too_long", "empty"]


@dataclass(frozen=True, slots=True)
class Target:
    """Whom a draft writes to: a contact person (by their listing's ref), or the other side of
    a relayed message (the row being answered)."""

    user_id: int
    reply_to: int | None  # the contact_messages row answered
    title: str | None  # the contact person's title, on a first message to them


async def texts_for_user(env: Environment, user_id: int) -> Texts:
    """The language of a person the bot writes to unprompted (their private chat)."""
    chosen, client = await chats.language_hints(env.db, user_id)
    return env.translator.texts(pick_language(chosen, client, env.config.bot.default_language))


async def first_name(env: Environment, user_id: int) -> str:
    """What the other side is called: their first name only."""
    found = await users.get(env.db, user_id)
    return found.first_name if found is not None else "?"


async def reply_target(env: Environment, message_id: int, user_id: int) -> Target | None:
    """The asker of a relayed message `user_id` received (None: gone, or not theirs)."""
    found = await contacts.message(env.db, message_id)
    if found is None or found.to_user_id != user_id:
        return None
    return Target(found.from_user_id, found.id, None)


async def relay(
    env: Environment, bot: Bot, sender_id: int, target: Target, text: str | None
) -> Outcome:
    """Deliver one message to the target's private chat with a reply button for them."""
    body = (text or "").strip()
    if not body:
        return "empty"
    if len(body) > MESSAGE_LIMIT:
        return "too_long"
    name = await first_name(env, sender_id)
    row = await contacts.record_message(env.db, sender_id, target.user_id, target.reply_to)
    t = await texts_for_user(env, target.user_id)
    try:
        await bot.send_message(
            target.user_id,
            relayed_text(t, name, body, reply=target.reply_to is not None, title=target.title),
            reply_markup=reply_keyboard(t, env.key, row, target.user_id),
        )
    except (Forbidden, BadRequest) as exc:
        # Blocked the bot, deleted their account, never opened the chat: nothing arrived.
        log.info("relayed message not delivered: %s", type(exc).__name__)
        await contacts.remove_message(env.db, row)
        return "undeliverable"
    except BaseException:
        await contacts.remove_message(env.db, row)
        raise
    return "sent"
