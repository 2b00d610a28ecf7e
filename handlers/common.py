"""Small helpers every handler uses: the reader's language and the recorded chat."""

from __future__ import annotations

from telegram import Update

from bot.context import AppContext
from bot.i18n import Texts, pick_language
from storage import chats

__all__ = ["texts_for"]


async def texts_for(context: AppContext, update: Update) -> Texts:
    """The language to answer in: the chat's stored choice, the client's language, the default."""
    services = context.services
    stored = None
    if update.effective_chat is not None:
        chat = await chats.get(services.db, update.effective_chat.id)
        stored = chat.language if chat else None
    code = update.effective_user.language_code if update.effective_user else None
    language = pick_language(stored, code, services.config.bot.default_language)
    return services.translator.texts(language)
