"""Remember who writes to the bot and in which chats, before any feature handler runs."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import AppContext, RecordedLanguage
from storage import chats, seen

log = logging.getLogger(__name__)

__all__ = ["GROUP", "handlers"]

# Runs in group -1 so that every feature handler finds the chat and user rows in place.
GROUP = -1


async def record(update: Update, context: AppContext) -> None:
    """Claim the update, upsert sender and chat in one trip (unchanged rows are not written)
    and keep the chat's stored language for the handlers of this update; an update handled
    already (storage/seen_updates.py) ends here.

    An inline query (or a chosen inline result) is not recorded: anyone may search the directory
    from any chat without having started the bot, and nothing about them is kept."""
    if update.inline_query is not None or update.chosen_inline_result is not None:
        return
    user = update.effective_user
    sender = (
        seen.SeenUser(user.id, user.first_name, user.last_name, user.username, user.language_code)
        if user is not None and not user.is_bot
        else None
    )
    chat = update.effective_chat
    # my_chat_member updates set the chat's state themselves (the bot may just have been removed).
    where = (
        seen.SeenChat(chat.id, chats.chat_type(chat.type), chat.title)
        if chat is not None and update.my_chat_member is None
        else None
    )
    recorded = await seen.record_update(context.env.db, sender, where, update.update_id)
    if not recorded.first:
        # Sent again (a late webhook answer, a redelivery after a crash) and handled already,
        # here or in another process: a tap handled twice would undo itself.
        log.info("update %d was handled already (sent again); skipped", update.update_id)
        raise ApplicationHandlerStop
    stored = recorded.chat
    if stored is not None:
        context.recorded_language = RecordedLanguage(stored.id, stored.language)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [TypeHandler(Update, record)]
