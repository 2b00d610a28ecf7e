"""The taps on the directory's moderation buttons (bot/directory/notices.py AREA): a
coordinator's ✅ Approve / ❌ Decline of a pending listing and 🙈 Hide of a public one (a reason
asked as one message), the yearly ✅ Still right / ✏️ Update, and `/hidelisting ID REASON`."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import button, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.directory import moderation
from bot.directory.fields import Refused, check_markup
from bot.directory.notices import AREA
from bot.environment import Environment
from bot.roles.access import role_of
from handlers.common import edit_in_place, may_change_chat, texts_for
from handlers.wizard import AnswerDraft
from storage import drafts, listings
from storage.listings import Listing

__all__ = ["REASON", "handlers"]

_REASON_KIND = "listing_reason"  # a drafts row: which listing the next private message is about


def _not_yours(t: Texts) -> str:
    return t._("Only the coordinators of its municipality can decide about this listing.")


def _outcome_text(t: Texts, outcome: moderation.Decision) -> str:
    if outcome == "gone":
        return t._("This listing no longer exists.")
    return t._("This listing was already handled by someone.")


async def _ask_reason(
    context: AppContext, t: Texts, user_id: int, action: str, listing: Listing
) -> None:
    await drafts.save(context.env.db, user_id, user_id, _REASON_KIND, action, {"id": listing.id})
    if action == "hide":
        text = t._(
            "Why hide “{name}”? Send the reason in one message (at most {limit} characters); "
            "it goes to the association. /cancel keeps it public.",
            name=listing.name,
            limit=moderation.MAX_REASON,
        )
        await context.bot.send_message(user_id, text)
        return
    text = t._(
        "Why is “{name}” declined? Send the reason in one message; it goes to the person who "
        "listed it. Or decline without a reason:",
        name=listing.name,
    )
    markup = keyboard([[button(t._("❌ Decline without a reason"), AREA, "nr", listing.id)]])
    await context.bot.send_message(user_id, text, reply_markup=markup)


async def _decide(
    context: AppContext, t: Texts, user_id: int, action: str, listing_id: int, reason: str | None
) -> str:
    env = context.env
    if action == "hide":
        outcome = await moderation.hide(env, listing_id, user_id, reason or "")
        done = t._("🙈 Hidden from the directory. The association was told why.")
    else:
        outcome = await moderation.decide(env, listing_id, user_id, action == "ok", reason)
        done = (
            t._("✅ Approved: the listing is now public in /directory.")
            if action == "ok"
            else t._("❌ Declined. The person who listed it was told.")
        )
    context.services.delivery.wake()
    return done if outcome == "done" else _outcome_text(t, outcome)


async def on_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    action, listing_id = (data.part(0), data.int_part(1)) if data else (None, None)
    listing = await listings.get(context.env.db, listing_id) if listing_id else None
    if listing is None or action is None:
        await query.answer(t._("This listing no longer exists."), show_alert=True)
        return
    if action in ("still", "upd"):
        await _review_tap(update, context, t, action, listing)
        return
    if not await moderation.may_moderate(context.env, user.id, listing):
        await query.answer(_not_yours(t), show_alert=True)
        return
    wanted = "public" if action == "hide" else "pending"
    if listing.status != wanted:
        await query.answer(_outcome_text(t, "handled"), show_alert=True)
        return
    if action in ("hide", "no"):
        await query.answer()
        await _ask_reason(context, t, user.id, action, listing)
        return
    if action == "nr":
        await drafts.delete(context.env.db, user.id, user.id, _REASON_KIND)
        action = "no"
    text = await _decide(context, t, user.id, action, listing.id, None)
    await query.answer(text, show_alert=text == _outcome_text(t, "handled"))
    if isinstance(query.message, Message):
        await edit_in_place(query.message, query.message.text_html, None)
        await query.message.reply_text(text)


async def _review_tap(
    update: Update, context: AppContext, t: Texts, action: str, listing: Listing
) -> None:
    """The yearly question's buttons: the group's administrators, or the representative."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    if listing.chat_id is not None:
        allowed = chat.id == listing.chat_id and await may_change_chat(update, context)
    else:
        allowed = listing.user_id == user.id
    if not allowed:
        await query.answer(
            t._("Only the group's administrators can change its settings."), show_alert=True
        )
        return
    if action == "upd":
        await query.answer()
        await context.bot.send_message(
            chat.id,
            t._(
                "Change it with /profile: it shows every field and how to set it. Tap ✅ Still "
                "right when it is up to date."
            ),
        )
        return
    confirmed = await listings.set_status(
        context.env.db, listing.id, "public", by=None, expected=("public", "lapsed")
    )
    text = (
        t._("✅ Thanks! The listing stays in /directory for another year.")
        if confirmed
        else t._("This listing is not public any more: /profile shows it.")
    )
    await query.answer(text)
    if isinstance(query.message, Message):
        await edit_in_place(query.message, query.message.text_html, None)
        await query.message.reply_text(text)


async def take_reason(update: Update, context: AppContext) -> bool:
    """The private message after ❌ Decline or 🙈 Hide; False: no reason was asked."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return False
    stored = await drafts.get(context.env.db, user.id, user.id, _REASON_KIND)
    if stored is None:
        return False
    t = await texts_for(context, update)
    reason = " ".join((message.text or "").split())
    try:
        check_markup(reason, t)
    except Refused as refused:
        await message.reply_text(refused.text + " " + t._("Send the reason again, or /cancel."))
        return True
    if not reason or len(reason) > moderation.MAX_REASON:
        await message.reply_text(
            t._(
                "Please send the reason as text of at most {limit} characters, or /cancel.",
                limit=moderation.MAX_REASON,
            )
        )
        return True
    await drafts.delete(context.env.db, user.id, user.id, _REASON_KIND)
    listing_id = int(stored.payload.get("id", 0))
    listing = await listings.get(context.env.db, listing_id)
    if listing is None or not await moderation.may_moderate(context.env, user.id, listing):
        await message.reply_text(t._("This listing no longer exists."))
        return True
    await message.reply_text(await _decide(context, t, user.id, stored.step, listing_id, reason))
    return True


async def _drop_reason(env: Environment, user_id: int) -> bool:
    return await drafts.delete(env.db, user_id, user_id, _REASON_KIND)


REASON = AnswerDraft(
    take=take_reason,
    drop=_drop_reason,
    stopped=lambda t: t._("Stopped; nothing was changed."),
)


async def hidelisting_command(update: Update, context: AppContext) -> None:
    """`/hidelisting ID REASON`: the same as 🙈 Hide, typed."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    t = await texts_for(context, update)
    args = context.args or []
    listing_id = int(args[0]) if args and args[0].isdigit() and len(args[0]) < 12 else 0
    reason = " ".join(args[1:])
    listing = await listings.get(context.env.db, listing_id) if listing_id else None
    if await role_of(context.env.config, context.env.db, user.id) == "participant":
        await message.reply_text(_not_yours(t))
        return
    if chat.type != ChatType.PRIVATE or listing is None or not reason:
        await message.reply_text(
            t._(
                "Usage: /hidelisting 12 the reason, in a private chat with me — the number is on "
                "the listing's approval message."
            )
        )
        return
    if not await moderation.may_moderate(context.env, user.id, listing):
        await message.reply_text(_not_yours(t))
        return
    try:
        check_markup(reason, t)
    except Refused as refused:
        await message.reply_text(refused.text)
        return
    if len(reason) > moderation.MAX_REASON:
        await message.reply_text(
            t._(
                "Please send the reason as text of at most {limit} characters, or /cancel.",
                limit=moderation.MAX_REASON,
            )
        )
        return
    await message.reply_text(await _decide(context, t, user.id, "hide", listing.id, reason))


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("hidelisting", hidelisting_command),
        CallbackQueryHandler(on_tap, pattern=pattern(AREA)),
    ]
