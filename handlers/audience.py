"""The audience step that /announce and /poll share: the question with its "everyone" button,
the coordinator's typed municipalities, regions, counties, themes or "event N" (names that are
not recognised are said back), and the checks of the choice (the coordinator's scope, their own
events, somebody to reach). Each wizard words its question and refusals for what it sends."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from telegram import Message

from bot.audience.access import audience_problem, within_scope
from bot.audience.codec import spec_from_json, spec_to_json
from bot.audience.parsing import AudienceChoice, parse_audience
from bot.audience.recipients import count
from bot.context import AppContext
from bot.core.callbacks import button, keyboard
from bot.core.i18n import Texts

__all__ = [
    "ask_audience",
    "audience_size",
    "choice_from_json",
    "choice_to_json",
    "read_audience",
]


async def ask_audience(message: Message, t: Texts, question: str, area: str) -> None:
    """The audience question with the "everyone" button (`area`:everyone)."""
    everyone = button(t._("Everyone subscribed"), area, "everyone")
    await message.reply_text(question, reply_markup=keyboard([[everyone]]))


async def read_audience(
    message: Message, context: AppContext, t: Texts, text: str
) -> AudienceChoice | None:
    """The audience in `text`; None (after asking for it again) when a name is not known. A role
    without places is made the sender's scope."""
    env = context.env
    choice = parse_audience(text, env.place_index, env.config.bot.themes)
    if message.from_user is not None:
        choice = replace(choice, spec=await within_scope(env, message.from_user.id, choice.spec))
    if choice.unknown:
        await message.reply_text(
            t._(
                "I did not recognise: {names}. Send the audience again.",
                names=", ".join(choice.unknown),
            )
        )
        return None
    return choice


async def audience_size(
    message: Message,
    context: AppContext,
    t: Texts,
    user_id: int,
    choice: AudienceChoice,
    *,
    not_own_event: str,
    nobody: str,
) -> int | None:
    """How many chats the choice reaches; None (after saying why, `not_own_event` or `nobody`
    in the wizard's words) when the coordinator may not use it or nobody would get anything."""
    env = context.env
    problem = await audience_problem(env, user_id, choice.spec)
    if problem == "event":
        await message.reply_text(not_own_event)
        return None
    if problem == "scope":
        await message.reply_text(
            t._("That audience is outside the areas you coordinate. Send another audience.")
        )
        return None
    size = await count(env.db, env.catalog, choice.spec)
    if size == 0:
        await message.reply_text(nobody)
        return None
    return size


def choice_to_json(choice: AudienceChoice | None) -> dict[str, Any] | None:
    """The chosen audience for a stored draft (the names not recognised are not kept)."""
    return None if choice is None else spec_to_json(choice.spec)


def choice_from_json(value: dict[str, Any] | None) -> AudienceChoice | None:
    return None if value is None else AudienceChoice(spec_from_json(value), ())
