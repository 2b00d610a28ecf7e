"""The global error handler: log what helps debugging (never the token or message texts)."""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import TelegramError

from bot.context import AppContext
from handlers.common import texts_for

__all__ = ["on_error"]

log = logging.getLogger("jarjestobotti.errors")


async def on_error(update: object, context: AppContext) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    chat = update.effective_chat if isinstance(update, Update) else None
    chat_id = chat.id if chat is not None else None
    # Only the exception type and the code locations: an exception's message may quote user
    # text or a request URL that contains the token.
    where = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    log.error(
        "update %s failed: %s (chat %s)\n%s",
        update_id,
        type(error).__name__,
        chat_id,
        where.rstrip(),
        extra={"update_id": update_id, "chat_id": chat_id},
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        t = await texts_for(context, update)
        sorry = t._(
            "Sorry, something went wrong on my side. Please try again in a moment; if it keeps "
            "happening, tell the people who run this bot."
        )
        if update.callback_query is not None:
            await update.callback_query.answer(sorry[:200], show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, sorry)
    except (TelegramError, RuntimeError) as exc:
        log.warning(
            "could not tell chat about the failure of update %s: %s", update_id, type(exc).__name__
        )
