"""/contactme for coordinators and admins: list yourself as a contact person with a title (or
change it), `/contactme off` to stop, `/contactme` alone to see your listing; the buttons choose
how people reach you and, for a scope of several areas, which of them you answer for."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.contacts import rules
from bot.contacts.texts import AREA_LISTING, area_index, listing_keyboard, listing_text
from bot.context import AppContext
from bot.core.callbacks import decode, pattern
from bot.core.i18n import Texts
from handlers.common import edit_in_place, texts_for
from storage import contacts

__all__ = ["handlers"]

_OFF = {"off", "pois", "av"}


def _usage(t: Texts) -> str:
    return t._(
        "Usage: /contactme TITLE lists you as a contact person (at most {limit} characters, "
        "e.g. “Joensuun kaupungin järjestöyhdyshenkilö”); /contactme off stops.",
        limit=rules.TITLE_LIMIT,
    )


def _title_problem(t: Texts, problem: rules.TitleProblem) -> str:
    return {
        "empty": _usage(t),
        "too_long": t._(
            "A title can be at most {limit} characters. Send a shorter one.",
            limit=rules.TITLE_LIMIT,
        ),
        "markup": t._(
            "A title is plain text: leave out HTML tags and Markdown characters "
            "(&lt; &gt; * _ ` [ ] ~)."
        ),
    }[problem]


async def _show(
    message: Message, context: AppContext, t: Texts, person: contacts.ContactPerson, has_name: bool
) -> None:
    scope = await rules.listing_scope(context.env, person.user_id)
    if scope is None:
        return
    env = context.env
    await message.reply_text(
        listing_text(t, person, env.catalog),
        reply_markup=listing_keyboard(t, person, scope, has_name, env.catalog),
    )


async def contactme(update: Update, context: AppContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    t = await texts_for(context, update)
    env = context.env
    scope = await rules.listing_scope(env, user.id)
    if scope is None:
        await message.reply_text(
            t._("Only coordinators can list themselves as contact people. /contact finds them.")
        )
        return
    if chat.type != ChatType.PRIVATE:
        await message.reply_text(t._("Send /contactme to me in our private chat."))
        return
    text = (message.text or "").partition(" ")[2]
    title = rules.clean_title(text)
    if not title:
        person = await contacts.get(env.db, user.id)
        if person is None:
            await message.reply_text(_usage(t))
        else:
            await _show(message, context, t, person, user.username is not None)
        return
    if title.casefold() in _OFF:
        removed = await contacts.remove(env.db, user.id)
        await message.reply_text(
            t._("You are no longer listed as a contact person.")
            if removed
            else t._("You are not listed as a contact person.")
        )
        return
    problem = rules.check_title(title)
    if problem is not None:
        await message.reply_text(_title_problem(t, problem))
        return
    person, new = await contacts.save(
        env.db, user.id, title, scope.areas, covers_all=scope.covers_all, username=user.username
    )
    if new:
        await message.reply_text(t._("✅ You are now listed as a contact person."))
    else:
        await message.reply_text(t._("✅ Your title is changed."))
    await _show(message, context, t, person, user.username is not None)


async def on_tap(update: Update, context: AppContext) -> None:
    """The listing's buttons: they act on the tapper's own listing, whatever the data says."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    env = context.env
    data = decode(query.data)
    person = await contacts.get(env.db, user.id)
    scope = await rules.listing_scope(env, user.id)
    message = query.message
    if data is None or person is None or scope is None or not isinstance(message, Message):
        await query.answer(t._("You are not listed as a contact person."), show_alert=True)
        return
    action = data.part(0)
    if action == "relay":
        await contacts.set_reach(env.db, user.id, "relay", user.username)
    elif action == "user":
        if user.username is None:
            await query.answer(t._("You have no Telegram username."), show_alert=True)
            return
        await contacts.set_reach(env.db, user.id, "username", user.username)
    elif action == "area" and (area := area_index(scope, data.int_part(1))) is not None:
        chosen = set(person.areas)
        chosen ^= {area}
        if not chosen:
            await query.answer(t._("Keep at least one area."), show_alert=True)
            return
        await contacts.set_areas(env.db, user.id, [a for a in scope.areas if a in chosen])
    else:
        await query.answer(t._("This menu has expired."), show_alert=True)
        return
    await query.answer()
    fresh = await contacts.get(env.db, user.id)
    assert fresh is not None
    await edit_in_place(
        message,
        listing_text(t, fresh, env.catalog),
        listing_keyboard(t, fresh, scope, user.username is not None, env.catalog),
    )


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("contactme", contactme),
        CallbackQueryHandler(on_tap, pattern=pattern(AREA_LISTING)),
    ]
