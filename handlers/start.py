"""/start, /help and /language: the first things a volunteer sees."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.i18n import LANGUAGE_NAMES, LANGUAGES, Texts
from bot.roles.access import role_of
from bot.runtime.commands import commands_for
from handlers.common import may_change_chat, refuse_non_admin, set_chat_language, texts_for
from handlers.subscriptions.menu_render import AREA as SUBSCRIBE_AREA
from storage import users

__all__ = ["handlers"]

AREA_START = claim("start", __name__)
AREA_LANGUAGE = claim("lang", __name__)


def _welcome(t: Texts) -> str:
    return t._(
        "<b>Welcome to Järjestöbotti!</b>\n\n"
        "I keep associations and municipalities in touch. Choose the municipalities and themes "
        "that concern you, and I will bring you the invitations to association forums, "
        "association evenings and workshops there. You answer with one tap, I remind you before "
        "the event and ask afterwards whether it was useful."
    )


async def start(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    t = await texts_for(context, update)
    if context.args:
        # Feature modules register their own deep-link handlers before this one; what reaches
        # here is a payload nobody recognises (mistyped or expired link).
        await message.reply_text(
            t._("This link is not valid any more. Here is the start menu instead.")
        )
    await message.reply_text(
        _welcome(t) + "\n\n" + t._("What would you like to do next?"),
        reply_markup=keyboard(
            [
                [button(t._("➕ Subscribe"), SUBSCRIBE_AREA, "edit", "areas")],
                [button(t._("❓ What can you do?"), AREA_START, "help")],
                [button(t._("🌐 Change language"), AREA_START, "lang")],
            ]
        ),
    )


async def _help_text(update: Update, context: AppContext, t: Texts) -> str:
    user = update.effective_user
    env = context.env
    role = await role_of(env.config, env.db, user.id) if user else "participant"
    lines = [t._("<b>Commands</b>")]
    lines += [f"/{c.name} — {t._(c.description)}" for c in commands_for(role)]
    if role == "admin":
        lines.append("\n" + t._("You are an administrator of this bot."))
    elif role == "coordinator":
        lines.append("\n" + t._("You are a coordinator."))
    return "\n".join(lines)


async def help_command(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    t = await texts_for(context, update)
    await message.reply_text(await _help_text(update, context, t))


def _language_menu(t: Texts) -> tuple[str, InlineKeyboardMarkup]:
    markup = keyboard([[button(LANGUAGE_NAMES[lang], AREA_LANGUAGE, lang) for lang in LANGUAGES]])
    return t._("Choose the language I use in this chat:"), markup


async def language_command(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    t = await texts_for(context, update)
    if context.args:
        choice = context.args[0].lower()
        if len(context.args) != 1 or choice not in LANGUAGES:
            await message.reply_text(
                t._("Usage: /language or /language fi, /language sv, /language en")
            )
            return
        await _set_language(update, context, choice)
        return
    text, markup = _language_menu(t)
    await message.reply_text(text, reply_markup=markup)


async def _set_language(update: Update, context: AppContext, language: str) -> Texts | None:
    """Store the chat's language if the user may change it; reply in the new language."""
    env = context.env
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    if not await may_change_chat(update, context):
        await refuse_non_admin(update, await texts_for(context, update))
        return None
    await set_chat_language(context, chat.id, language)
    if chat.type == ChatType.PRIVATE and update.effective_user:
        await users.set_language(env.db, update.effective_user.id, language)
    t = env.translator.texts(language)
    confirmation = t._(
        "Language changed: I now speak {language} in this chat.", language=LANGUAGE_NAMES[language]
    )
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(confirmation)
    else:
        await message.reply_text(confirmation)
    return t


async def menu_tap(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    if data is None:
        await query.answer(t._("This menu has expired. Send /start for a fresh one."))
        return
    if data.area == AREA_LANGUAGE:
        language = data.part(0)
        if language not in LANGUAGES or len(data.parts) != 1:
            await query.answer(t._("This menu has expired. Send /start for a fresh one."))
            return
        await _set_language(update, context, language)
        return
    action = data.part(0)
    if action == "help":
        await query.answer()
        await context.bot.send_message(query.message.chat.id, await _help_text(update, context, t))
    elif action == "lang":
        await query.answer()
        text, markup = _language_menu(t)
        await context.bot.send_message(query.message.chat.id, text, reply_markup=markup)
    else:
        await query.answer(t._("This menu has expired. Send /start for a fresh one."))


async def unknown_command(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    t = await texts_for(context, update)
    command = message.text.split()[0].split("@")[0]
    await message.reply_text(
        t._("I don't know the command {command}. /help lists what I can do.", command=command)
    )


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("start", start),
        CommandHandler("help", help_command),
        CommandHandler("language", language_command),
        CallbackQueryHandler(menu_tap, pattern=pattern(AREA_START)),
        CallbackQueryHandler(menu_tap, pattern=pattern(AREA_LANGUAGE)),
    ]


async def unknown_button(update: Update, context: AppContext) -> None:
    """A tap no feature claimed (an old wizard's button, forged or oversized data): answered, so
    the client stops its spinner, and nothing else happens."""
    query = update.callback_query
    assert query is not None
    t = await texts_for(context, update)
    await query.answer(t._("This button is no longer valid."), show_alert=True)


def fallback_handlers() -> list[BaseHandler[Update, AppContext, None]]:
    """Registered last: commands no feature claimed, in private chats only (groups are noisy),
    and buttons no feature claimed."""
    return [
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command),
        CallbackQueryHandler(unknown_button),
    ]
