"""Remember who writes to the bot and in which chats, before any feature handler runs."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, TypeHandler

from bot.context import AppContext
from storage import chats, users

__all__ = ["GROUP", "handlers"]

# Runs in group -1 so that every feature handler finds the chat and user rows in place.
GROUP = -1


async def record(update: Update, context: AppContext) -> None:
    """Upsert sender and chat; the storage functions skip the write when nothing changed."""
    db = context.services.db
    user = update.effective_user
    if user is not None and not user.is_bot:
        await users.upsert(
            db, user.id, user.first_name, user.last_name, user.username, user.language_code
        )
    chat = update.effective_chat
    # my_chat_member updates set the chat's state themselves (the bot may just have been removed).
    if chat is not None and update.my_chat_member is None:
        await chats.upsert(db, chat.id, chats.chat_type(chat.type), chat.title)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [TypeHandler(Update, record)]
