""" "📍 I'm here" on a volunteer shift's check-in message: parse and verify the signed button,
record the check-in (bot/volunteering/checkin.py), answer what happened."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import AppContext
from bot.core.callbacks import decode, pattern
from bot.core.i18n import Texts
from bot.volunteering import checkin
from bot.volunteering.cards import shift_when, valid
from handlers.common import edit_in_place, texts_for

__all__ = ["handlers"]


async def on_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    message = query.message if isinstance(query.message, Message) else None
    shift_id = data.int_part(0) if data else None
    if (
        data is None
        or message is None
        or shift_id is None
        or not valid(context.env.key, "in", shift_id, message.chat.id, data.part(1))
    ):
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    done = await checkin.check_in(context.env, shift_id, user.id)
    await query.answer(_answer(t, done), show_alert=done.problem not in (None, "already"))
    if done.problem is None or done.problem in (
        "already",
        "ended",
        "closed",
        "shift_cancelled",
        "gone",
    ):
        # Checked in, or the button can no longer do anything: take it away.
        await edit_in_place(message, message.text_html or "", None)


def _answer(t: Texts, done: checkin.CheckIn) -> str:
    shift = done.shift
    when = shift_when(shift, t) if shift is not None else ""
    if done.problem is None:
        return t._(
            "📍 Checked in for the shift {when}: {hours} h will be recorded. Thank you!",
            when=when,
            hours=t.number(done.hours or 0),
        )
    if done.problem == "early" and shift is not None:
        opens = datetime.fromtimestamp(shift.starts_at - checkin.OPENS_BEFORE, UTC)
        return t._(
            "Check-in opens 30 minutes before the shift, at {time}.", time=t.clock(t.local(opens))
        )
    if done.problem == "already":
        at = datetime.fromtimestamp(done.at or 0, UTC)
        return t._("You already checked in at {time}.", time=t.clock(t.local(at)))
    return {
        "gone": t._("This call no longer exists."),
        "closed": t._("This call is closed."),
        "shift_cancelled": t._("The organiser cancelled this shift."),
        "not_signed_up": t._("You are not signed up for this shift."),
        "ended": t._(
            "The shift {when} has ended; check-in is closed. If you were there, ask the "
            "organiser to mark you.",
            when=when,
        ),
    }.get(done.problem, "")


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [CallbackQueryHandler(on_tap, pattern=pattern(checkin.AREA))]
