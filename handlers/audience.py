"""The audience step that /announce and /poll share: the coordinator types municipalities,
regions, counties, themes or "event N"; names that are not recognised are said back."""

from __future__ import annotations

from typing import Any

from telegram import Message

from bot.announcements.service import AudienceChoice, parse_audience
from bot.audience.codec import spec_from_json, spec_to_json
from bot.context import AppContext
from bot.core.i18n import Texts

__all__ = ["choice_from_json", "choice_to_json", "read_audience"]


async def read_audience(
    message: Message, context: AppContext, t: Texts, text: str
) -> AudienceChoice | None:
    """The audience in `text`; None (after asking for it again) when a name is not known."""
    env = context.env
    choice = parse_audience(text, env.place_index, env.config.bot.themes)
    if choice.unknown:
        await message.reply_text(
            t._(
                "I did not recognise: {names}. Send the audience again.",
                names=", ".join(choice.unknown),
            )
        )
        return None
    return choice


def choice_to_json(choice: AudienceChoice | None) -> dict[str, Any] | None:
    """The chosen audience for a stored draft (the names not recognised are not kept)."""
    return None if choice is None else spec_to_json(choice.spec)


def choice_from_json(value: dict[str, Any] | None) -> AudienceChoice | None:
    return None if value is None else AudienceChoice(spec_from_json(value), ())
