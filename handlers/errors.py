"""The global error handler: log what helps debugging (never the token or message texts)."""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import NetworkError

from bot.context import AppContext
from bot.permissions import AdminCheckFailed
from handlers.common import texts_for

__all__ = ["on_error"]

log = logging.getLogger("jarjestobotti.errors")


async def on_error(update: object, context: AppContext) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    chat = update.effective_chat if isinstance(update, Update) else None
    chat_id = chat.id if chat is not None else None
    if isinstance(error, AdminCheckFailed):
        # Logged where it failed; the person learns why nothing changed.
        await _tell(update, context, "could_not_check")
        return
    if isinstance(error, NetworkError):
        # Telegram did not answer (a stall, a 5xx, a reply past its deadline): not a bug of
        # ours, so one line and no traceback; an apology would meet the same Telegram.
        kind = f"{type(error).__name__}: {error.message.split(':')[0]}"
        what = f"update {update_id}: reply dropped" if update_id is not None else "a request"
        log.warning(
            "%s, no answer from Telegram (%s) (chat %s)",
            what,
            kind,
            chat_id,
            extra={"update_id": update_id, "chat_id": chat_id},
        )
        return
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
    await _tell(update, context, "sorry")


async def _tell(update: object, context: AppContext, what: str) -> None:
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        t = await texts_for(context, update)
        if what == "could_not_check":
            text = t._(
                "I could not check your administrator rights just now; try again in a minute."
            )
        else:
            text = t._(
                "Sorry, something went wrong on my side. Please try again in a moment; if it "
                "keeps happening, tell the people who run this bot."
            )
        if update.callback_query is not None:
            await update.callback_query.answer(text[:200], show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, text)
    except Exception as exc:  # whatever it is, the failure itself is logged already
        log.warning(
            "could not tell chat %d about the failure of update %d: %s",
            update.effective_chat.id,
            update.update_id,
            type(exc).__name__,
        )
