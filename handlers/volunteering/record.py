"""/myvolunteering [YEAR]: the person's volunteer shifts and hours of the year, in their private
chat, with "📄 Certificate", which sends the year's certificate (a PDF) there.

The button names only a year: it always shows the tapper's own record, in the tapper's private
chat, so there is nothing to sign. In a group the command answers that it works in private."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update, User
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.volunteering import certificate, record
from handlers.common import texts_for

__all__ = ["handlers"]

AREA = claim("vrec", __name__)
_YEAR = re.compile(r"20\d\d")


def _this_year(context: AppContext) -> int:
    env = context.env
    return record.current_year(env.db.now(), env.config.bot.timezone)


async def myvolunteering_command(update: Update, context: AppContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    t = await texts_for(context, update)
    if chat.type != ChatType.PRIVATE:
        url = f"https://t.me/{context.bot.username}"
        await message.reply_text(
            t._("Your volunteering record is private: send /myvolunteering to me."),
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(t._("🔒 Open our private chat"), url=url)]]
            ),
        )
        return
    args = context.args or []
    if not args:
        year = _this_year(context)
    # Up to next year: in December, January's shifts are already coming up.
    elif len(args) == 1 and _YEAR.fullmatch(args[0]) and int(args[0]) <= _this_year(context) + 1:
        year = int(args[0])
    else:
        await message.reply_text(t._("Give the year as four digits, e.g. /myvolunteering 2026"))
        return
    env = context.env
    found = await record.build(env.db, env.config.bot.timezone, user.id, year)
    markup = None
    if not found.empty:
        markup = keyboard([[button(t._("📄 Certificate"), AREA, "c", year)]])
    await message.reply_text(record.record_text(t, found), reply_markup=markup)


async def _send_certificate(
    context: AppContext, t: Texts, message: Message, user: User, year: int
) -> bool:
    """The certificate to the person's private chat; False when there is nothing to certify."""
    env = context.env
    found = await record.build(env.db, env.config.bot.timezone, user.id, year)
    if not found.attended:
        return False
    issued = datetime.fromtimestamp(env.db.now(), UTC).astimezone(env.config.bot.timezone)
    pdf = await asyncio.to_thread(
        certificate.certificate_pdf, t, found, name=user.full_name, issued=issued.date()
    )
    await context.bot.send_document(
        message.chat.id,
        InputFile(pdf, filename=certificate.filename(t, year)),
        caption=t._(
            "Your volunteer certificate for {year}: {hours} in total.",
            year=year,
            hours=record.hours_text(t, found.total_hours),
        ),
    )
    return True


async def on_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    message = query.message if isinstance(query.message, Message) else None
    year = data.int_part(1) if data is not None and data.part(0) == "c" else None
    if message is None or message.chat.id != user.id or year is None or year < 2000:
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    if not await _send_certificate(context, t, message, user, year):
        await query.answer(
            t._(
                "There is no attended shift in {year} to certify yet: a certificate lists the "
                "shifts you were checked in to.",
                year=year,
            ),
            show_alert=True,
        )
        return
    await query.answer()


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("myvolunteering", myvolunteering_command),
        CallbackQueryHandler(on_tap, pattern=pattern(AREA)),
    ]
