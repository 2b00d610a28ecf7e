"""/privacy, /mydata and /forget (with its signed confirmation buttons), and the
`start=mydata` / `start=forget` links a group answer points to."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import AppContext
from bot.core.callbacks import button, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.privacy import service
from handlers.common import texts_for

__all__ = ["deep_link_handler", "handlers"]

DEEP_LINKS = ("mydata", "forget")


def _open_private(context: AppContext, t: Texts, payload: str) -> InlineKeyboardMarkup:
    url = f"https://t.me/{context.bot.username}?start={payload}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(t._("🔒 Open our private chat"), url=url)]])


async def privacy_command(update: Update, context: AppContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None
    t = await texts_for(context, update)
    config = context.env.config
    admin = user is not None and user.id in config.bot.admins
    await message.reply_text(
        service.privacy_text(t, config.privacy.retention_months, admin_by_config=admin)
    )


async def _send_my_data(context: AppContext, t: Texts, user_id: int) -> None:
    env = context.env
    data = await service.export_my_data(env.db, env.config, user_id, env.db.now())
    await context.bot.send_document(
        user_id,
        InputFile(data.data, filename=data.filename),
        caption=t._(
            "Everything I store about you, as JSON. Keep it safe: it has your name and "
            "answers. /forget deletes it from me."
        ),
    )


async def mydata_command(update: Update, context: AppContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and chat is not None
    t = await texts_for(context, update)
    if user is None:
        return
    if chat.type == ChatType.PRIVATE:
        await _send_my_data(context, t, user.id)
        return
    # Asked in a group: the file goes to the private chat only, never to the group.
    try:
        await _send_my_data(context, t, user.id)
    except (Forbidden, BadRequest):
        await message.reply_text(
            t._(
                "I send your data only in our private chat. Open it and send /mydata there.",
            ),
            reply_markup=_open_private(context, t, "mydata"),
        )
        return
    await message.reply_text(t._("I sent your data to our private chat."))


def _confirm_keyboard(
    context: AppContext, t: Texts, user_id: int, chat_id: int
) -> InlineKeyboardMarkup:
    key, now = context.env.key, context.env.db.now()
    yes = service.confirmation_data(key, "yes", user_id, chat_id, now)
    no = service.confirmation_data(key, "no", user_id, chat_id, now)
    return keyboard(
        [
            [button(t._("🗑 Yes, delete my data"), service.AREA, *yes)],
            [button(t._("Cancel"), service.AREA, *no)],
        ]
    )


async def forget_command(update: Update, context: AppContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and chat is not None
    t = await texts_for(context, update)
    if user is None:
        return
    if chat.type != ChatType.PRIVATE:
        await message.reply_text(
            t._("Deleting your data is done in our private chat. Open it and send /forget there."),
            reply_markup=_open_private(context, t, "forget"),
        )
        return
    await message.reply_text(
        t._(
            "<b>Delete your data?</b>\n\n"
            "I will delete your name and Telegram details, this chat's subscriptions and "
            "settings, your drafts and any coordinator role.\n"
            "Your answers to events and your feedback ratings stay counted, without your name; "
            "your feedback comments are deleted. Events and announcements you made stay, "
            "without your name.\n\n"
            "This cannot be undone. Tip: /mydata first gives you a copy."
        ),
        reply_markup=_confirm_keyboard(context, t, user.id, chat.id),
    )


async def confirm_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    message = query.message
    if data is None or message is None:
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    env = context.env
    action, problem = service.check_confirmation(
        env.key,
        data.parts,
        tapper=user.id,
        chat_id=message.chat.id,
        now=env.db.now(),
    )
    if problem is None and message.chat.id != user.id:
        problem = "not_yours"  # only ever offered in the person's own private chat
    if problem == "forged":
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    if problem == "not_yours":
        await query.answer(t._("Only the person who asked can confirm this."), show_alert=True)
        return
    if problem == "expired":
        await query.answer(
            t._("This confirmation has expired. Send /forget again."), show_alert=True
        )
        return
    if action == "no":
        await query.answer()
        await query.edit_message_text(t._("Cancelled: nothing was deleted."))
        return
    # The private chat's row (and its language choice) goes too: whatever answers after this
    # reads the row again instead of the language tracking recorded (see AppContext).
    context.recorded_language = None
    done = await service.forget_user(env.db, env.config, user.id)
    lines = [t._("<b>Done: I deleted your data.</b>")]
    if done.answers_kept:
        lines.append(
            t.n_(
                "{n} answer to events or feedback stays counted, without your name.",
                "{n} answers to events or feedback stay counted, without your name.",
                done.answers_kept,
            )
        )
    if done.admin_by_config:
        lines.append(
            t._(
                "You are still an administrator: that comes from the bot's configuration, "
                "which I do not change."
            )
        )
    lines.append(t._("If you write to me again, I start from the beginning."))
    await query.answer()
    await query.edit_message_text("\n".join(lines))


async def deep_link(update: Update, context: AppContext) -> None:
    """`start=mydata` / `start=forget`: the private chat opened from a group's answer."""
    if context.args and context.args[0] == "forget":
        await forget_command(update, context)
    else:
        await mydata_command(update, context)


def deep_link_handler() -> BaseHandler[Update, AppContext, None]:
    links = "|".join(DEEP_LINKS)
    return CommandHandler(
        "start",
        deep_link,
        filters=filters.ChatType.PRIVATE & filters.Regex(rf"^/start(@\w+)? ({links})$"),
    )


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("privacy", privacy_command),
        CommandHandler("mydata", mydata_command),
        CommandHandler("forget", forget_command),
        CallbackQueryHandler(confirm_tap, pattern=pattern(service.AREA)),
    ]
