"""Reading Telegram's answers to the delivery worker's sends."""

from __future__ import annotations

from telegram import Message

__all__ = ["answered", "file_id_of", "forbidden_reason"]


def forbidden_reason(message: str) -> str:
    """Why Telegram refuses a chat (403): the user blocked the bot, deleted their account, or
    the bot is no longer in the group."""
    text = message.lower()
    if "deactivated" in text:
        return "deactivated"
    if "kicked" in text or "not a member" in text:
        return "kicked"
    return "blocked"


def answered(statuses: list[int]) -> bool:
    """Whether the last request made got a 2xx answer from the server."""
    return bool(statuses) and 200 <= statuses[-1] < 300


def file_id_of(message: Message) -> str | None:
    """The file id Telegram gave an uploaded document or photo, for sending it again by id."""
    if message.document is not None:
        return message.document.file_id
    if message.photo:
        return message.photo[-1].file_id
    return None
