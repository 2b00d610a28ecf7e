"""An outbox row's Bot API call, as the delivery worker makes it."""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardMarkup, Message
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.delivery.ratelimit import worker_requests
from storage.outbox import OutboxRow
from storage.relay import RELAY_REF

__all__ = ["ALLOWED_METHODS", "call_stored"]

ALLOWED_METHODS = frozenset(
    {
        "send_message",
        "send_document",
        "send_photo",
        "send_poll",
        "edit_message_text",
        "edit_message_reply_markup",
        "delete_message",
        "stop_poll",
    }
)


async def call_stored(
    bot: ExtBot[int], row: OutboxRow, params: dict[str, Any], read_timeout: float
) -> object:
    """The stored Bot API call through python-telegram-bot's typed method of that name; a
    relayed reply as it was given, answered with Telegram's JSON. The caller holds the send
    permit: the limiter lets these requests through (`worker_requests`)."""
    method = row.method
    if row.ref == RELAY_REF:
        # Lower case: Bot API names are case-insensitive, and PTB warns on its own names.
        with worker_requests():
            return await bot.do_api_request(
                method.lower(), api_kwargs=params, read_timeout=read_timeout
            )
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", method).lower()
    if name not in ALLOWED_METHODS:
        raise TelegramError(f"method {method} is not allowed in the outbox")
    if name == "send_poll":
        # PTB's send_poll adds the bot's default parse_mode, which sendPoll does not take
        # (PTB 22.8, checked 2026-12-04: explicit None parse modes for the question and
        # options do not remove it, and the stand-in refuses the unknown parameter), so the
        # stored parameters go as they are. Bot API method names are case-insensitive; the
        # lower-case name is not PTB's own method, which do_api_request would warn about.
        with worker_requests():
            return await bot.do_api_request(
                "sendpoll", api_kwargs=params, return_type=Message, read_timeout=read_timeout
            )
    if isinstance(params.get("reply_markup"), dict):
        params["reply_markup"] = InlineKeyboardMarkup.de_json(params["reply_markup"], bot)
    call = getattr(bot, name)
    with worker_requests():
        return await call(**params, read_timeout=read_timeout)
