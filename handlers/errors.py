"""The global error handler: log what helps debugging (never the token or message texts)."""

from __future__ import annotations

import logging
import traceback
from collections import OrderedDict

from telegram import Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.context import AppContext
from bot.core.i18n import pick_language
from bot.roles.permissions import AdminCheckFailed
from handlers.common import texts_for
from storage.schema import DatabaseError

__all__ = ["on_error"]

log = logging.getLogger("jarjestobotti.errors")

# Telegram not answering (NetworkError, TimedOut), or refusing a reply for a reason of its own
# (Forbidden: the person blocked the bot or removed it; a refused token; flood control). Not a bug
# of ours, and an apology would meet the same Telegram. BadRequest, a NetworkError to
# python-telegram-bot, is Telegram refusing what we sent (HTML it cannot parse, say): ours.
_NOT_OURS = (NetworkError, InvalidToken, Forbidden, RetryAfter)

# An update whose tracking failed fails again in its feature handler when the database is down:
# one apology per update (a callback query can be answered only once anyway). The last few
# updates told are kept themselves, so no other update can reuse the id of one remembered.
_TOLD: OrderedDict[int, Update] = OrderedDict()
_TOLD_KEEP = 64


def _first_time(update: Update) -> bool:
    if id(update) in _TOLD:
        return False
    _TOLD[id(update)] = update
    while len(_TOLD) > _TOLD_KEEP:
        _TOLD.popitem(last=False)
    return True


async def on_error(update: object, context: AppContext) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    chat = update.effective_chat if isinstance(update, Update) else None
    chat_id = chat.id if chat is not None else None
    if isinstance(error, AdminCheckFailed):
        # Logged where it failed; the person learns why nothing changed.
        await _tell(update, context, "could_not_check")
        return
    if isinstance(error, DatabaseError):
        # The database unreachable or out of connections for a moment (PostgreSQL restarting, a
        # locked file): one line, and the person is asked to try again; nothing was changed.
        log.warning(
            "update %s failed: database unavailable (%s) (chat %s)",
            update_id,
            error,
            chat_id,
            extra={"update_id": update_id, "chat_id": chat_id},
        )
        await _tell(update, context, "sorry")
        return
    if isinstance(error, _NOT_OURS) and not isinstance(error, BadRequest):
        # One line, no traceback, no apology.
        what = f"update {update_id}: reply dropped" if update_id is not None else "a request"
        why = "no answer from" if isinstance(error, NetworkError) else "refused by"
        log.warning(
            "%s, %s Telegram (%s) (chat %s)",
            what,
            why,
            _kind(error),
            chat_id,
            extra={"update_id": update_id, "chat_id": chat_id},
        )
        return
    # Only the exception type and the code locations: an exception's message may quote user
    # text or a request URL that contains the token.
    # Telegram's refusal of what we sent (a BadRequest) also says what it refused.
    where = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    log.error(
        "update %s failed: %s (chat %s)\n%s",
        update_id,
        _kind(error) if isinstance(error, TelegramError) else type(error).__name__,
        chat_id,
        where.rstrip(),
        extra={"update_id": update_id, "chat_id": chat_id},
    )
    await _tell(update, context, "sorry")


def _kind(error: TelegramError) -> str:
    """The error's type and Telegram's text up to the first colon (what follows may quote a
    message); a Forbidden's reason is Telegram's own fixed phrase ("bot was blocked by the
    user"), kept whole."""
    if isinstance(error, Forbidden):
        return f"Forbidden: {error.message.removeprefix('Forbidden: ')}"
    # Nor the body python-telegram-bot quotes when an error answer is not JSON (a proxy's page).
    text = error.message.split(":")[0].split(". Parsing the server response")[0]
    return f"{type(error).__name__}: {text}"


async def _tell(update: object, context: AppContext, what: str) -> None:
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if not _first_time(update):
        return
    try:
        try:
            t = await texts_for(context, update)
        except DatabaseError:  # the chat's stored language cannot be read now: the client's
            code = update.effective_user.language_code if update.effective_user else None
            language = pick_language(None, code, context.env.config.bot.default_language)
            t = context.env.translator.texts(language)
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
