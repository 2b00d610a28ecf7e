"""Remember who writes to the bot and in which chats, before any feature handler runs."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, TypeHandler

from bot.context import AppContext, RecordedLanguage
from storage import chats, seen

__all__ = ["GROUP", "handlers"]

# Runs in group -1 so that every feature handler finds the chat and user rows in place.
GROUP = -1


async def record(update: Update, context: AppContext) -> None:
    """Upsert sender and chat in one trip (unchanged rows are not written) and keep the chat's
    stored language for the handlers of this update.

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
    stored = await seen.record(context.env.db, sender, where)
    if stored is not None:
        context.recorded_language = RecordedLanguage(stored.id, stored.language)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [TypeHandler(Update, record)]
