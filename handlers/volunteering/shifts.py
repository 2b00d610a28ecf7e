"""Volunteer call buttons: a shift on the card (sign up / waiting list / cancel), "📋 My shifts"
with ❌ per shift, and a reminder's "✅ I'll be there / ❌ I can't after all". Every button is
signed for its chat and action (bot/volunteering/cards.py); anything else is refused."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import AppContext
from bot.core.callbacks import decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.volunteering import checkin, signup
from bot.volunteering.cards import AREA, card_keyboard, card_text, shift_when, signed, valid
from handlers.common import edit_in_place, texts_for
from storage import shift_signups, volunteer_calls

__all__ = ["handlers"]


async def on_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    message = query.message if isinstance(query.message, Message) else None
    action = data.part(0) if data else None
    item = data.int_part(1) if data else None
    if (
        data is None
        or message is None
        or action is None
        or item is None
        or not valid(context.env.key, action, item, message.chat.id, data.part(2))
    ):
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    if action == "m":
        await _my_shifts(context, t, message, item, user.id, new=True)
        await query.answer()
        return
    kind: signup.TapKind = {"s": "take", "ok": "confirm"}.get(action, "cancel")  # type: ignore[assignment]
    outcome = await signup.tap(context.env, kind, item, user.id, message.chat.id)
    await query.answer(_answer(t, outcome), show_alert=outcome.problem is not None)
    if outcome.promoted is not None:
        context.services.delivery.wake()
    if outcome.call is None:
        return
    if action == "s":
        shifts = await volunteer_calls.shifts(context.env.db, outcome.call.id)
        taken = outcome.taken or await shift_signups.taken(context.env.db, outcome.call.id)
        text = card_text(outcome.call, t, context.env.catalog, context.env.themes)
        markup = card_keyboard(outcome.call, shifts, taken, t, context.env.key, message.chat.id)
        # A tap that leaves every count as shown (joining or leaving a full shift's waiting
        # list) needs no edit: it would only come back "message is not modified".
        if markup != message.reply_markup or text != message.text_html:
            await edit_in_place(message, text, markup)
    elif action == "x":
        await _my_shifts(context, t, message, outcome.call.id, user.id, new=False)
    elif outcome.problem is None:  # a reminder answered: its buttons have done their work
        await edit_in_place(message, message.text_html or "", None)


def _answer(t: Texts, outcome: signup.Outcome) -> str:
    shift, stored = outcome.shift, outcome.signup
    if outcome.problem is not None:
        when = shift_when(outcome.other, t) if outcome.other is not None else ""
        return {
            "gone": t._("This call no longer exists."),
            "closed": t._("This call is closed."),
            "shift_cancelled": t._("The organiser cancelled this shift."),
            "started": t._("This shift has already started."),
            "overlap": t._(
                "You already have the shift {when}, which overlaps this one.", when=when
            ),
            "not_signed_up": t._("You are not signed up for this shift."),
        }[outcome.problem]
    assert shift is not None and stored is not None
    when = shift_when(shift, t)
    if stored.status == "waitlist":
        return t._(
            "⏳ The shift {when} is full: you are number {n} on its waiting list.",
            when=when,
            n=outcome.position or 1,
        )
    if stored.status == "cancelled":
        return t._("Cancelled: the shift {when}.", when=when)
    if stored.confirmed_at is not None and stored.confirmed_at == stored.updated_at:
        return t._("✅ Thank you — see you at the shift {when}!", when=when)
    return t._("✅ You have the shift {when}.", when=when)


async def _my_shifts(
    context: AppContext, t: Texts, message: Message, call_id: int, user_id: int, *, new: bool
) -> None:
    """The person's shifts of the call, each with ❌ to cancel it."""
    env = context.env
    call = await volunteer_calls.get(env.db, call_id)
    if call is None:
        return
    shifts = {s.id: s for s in await volunteer_calls.shifts(env.db, call_id)}
    mine = await env.db.run(lambda raw: shift_signups.active_for_call_sync(raw, call_id, user_id))
    lines = [t._("📋 Your shifts in <b>{title}</b>:", title=call.title)]
    rows = []
    now = env.db.now()
    for s in mine:
        shift = shifts[s.shift_id]
        when = shift_when(shift, t)
        label = when if s.status == "yes" else t._("{when} (waiting list)", when=when)
        lines.append(f"• {label}")
        if s.status == "yes" and checkin.window_open(shift, now):
            # Also for someone who got the place after the check-in message went out.
            rows.append([checkin.button_for(t, env.key, s.shift_id, message.chat.id)])
        rows.append([signed(f"❌ {label}", env.key, "x", s.shift_id, message.chat.id)])
    if not mine:
        lines.append(t._("None yet: tap a shift on the call's card to sign up."))
    markup: InlineKeyboardMarkup | None = keyboard(rows) if rows else None
    if new:
        await message.reply_html("\n".join(lines), reply_markup=markup)
    else:
        await edit_in_place(message, "\n".join(lines), markup)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [CallbackQueryHandler(on_tap, pattern=pattern(AREA))]
