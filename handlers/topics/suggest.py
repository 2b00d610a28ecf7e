"""💡 Suggest a topic: the card's button (bot/topics/links.py), the `start=tps_…` link a tap in a
group leads to, the suggestion itself (the next private message, an answer draft that survives
a restart) and the choice "with our association's name" / "anonymously"."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import AppContext
from bot.core.callbacks import button, decode, keyboard, pattern, verify
from bot.core.i18n import Texts
from bot.directory.fields import Refused, check_markup
from bot.environment import Environment
from bot.topics import links, rules
from bot.topics.texts import closed_text
from handlers import drafts as start_links
from handlers.common import edit_in_place, texts_for
from handlers.wizard import AnswerDraft
from storage import drafts, listings, topics
from storage import events as stored_events
from storage.events import Event

__all__ = ["SUGGESTION", "deep_link_handler", "handlers"]

_KIND = "topic"  # a drafts row in the private chat: the event, the group, then the text


def _prompt(t: Texts, event: Event) -> str:
    return t._(
        "💡 Your topic suggestion for {title}: write it as one message (at most {limit} "
        "characters, plain text). Sending a command, e.g. /cancel, drops it.",
        title=event.title,
        limit=rules.MAX_TEXT,
    )


async def _open_event(env: Environment, event_id: int) -> Event | None:
    event = await stored_events.get(env.db, event_id)
    return event if event is not None and rules.offered(event) else None


async def on_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    message = query.message
    event_id = data.int_part(0) if data else None
    action = data.part(1) if data else None
    if data is None or event_id is None or not isinstance(message, Message):
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    if action in ("w", "x"):
        await _choose(update, context, t, message, event_id, anonymous=action == "x")
        return
    env = context.env
    if action != "s" or not verify(env.key, event_id, message.chat.id, data.part(2)):
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    event = await _open_event(env, event_id)
    if event is None or event.state != "published":
        await query.answer(t._("This event no longer exists."), show_alert=True)
        return
    if not rules.is_open(event, env.db.now()):
        await query.answer(closed_text(t, event), show_alert=True)
        return
    if message.chat.type != ChatType.PRIVATE:
        url = links.deep_link(env.key, context.bot.username, event.id, message.chat.id)
        await query.answer(
            t._("Suggestions are written in our private chat: it opens now."), url=url
        )
        return
    await query.answer()
    await drafts.save(env.db, user.id, user.id, _KIND, "text", {"event": event.id, "chat": user.id})
    await message.reply_text(_prompt(t, event))


async def deep_link(update: Update, context: AppContext) -> None:
    """`start=tps_<event>_<chat>_<sig>`: a group's 💡 button leads here."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and context.args
    t = await texts_for(context, update)
    env = context.env
    found = links.parse_deep_link(env.key, context.args[0])
    event = await _open_event(env, found[0]) if found is not None else None
    if found is None or event is None or event.state != "published":
        await message.reply_text(t._("This link is not valid any more."))
        return
    if not rules.is_open(event, env.db.now()):
        await message.reply_text(closed_text(t, event))
        return
    # A forwarded link does not lend a group's name to someone outside it.
    origin = found[1] if await _member(context, found[1], user.id) else user.id
    payload = {"event": event.id, "chat": origin}
    await drafts.save(env.db, user.id, user.id, _KIND, "text", payload)
    await message.reply_text(_prompt(t, event))


async def _member(context: AppContext, chat_id: int, user_id: int) -> bool:
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    return member.status not in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


def _choice_keyboard(t: Texts, event_id: int, association: str) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [button(t._("🏠 With the name {name}", name=association), links.AREA, event_id, "w")],
            [button(t._("🕶 Anonymously"), links.AREA, event_id, "x")],
        ]
    )


async def _association(env: Environment, chat_id: int, user_id: int) -> str:
    """The name of the group's directory profile the suggestion came from ('' if none)."""
    if chat_id == user_id:
        return ""
    listing = await listings.for_chat(env.db, chat_id)
    return listing.name if listing is not None else ""


async def take_suggestion(update: Update, context: AppContext) -> bool:
    """The private message after 💡; False: no suggestion was asked."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return False
    env = context.env
    stored = await drafts.get(env.db, user.id, user.id, _KIND)
    if stored is None:
        return False
    t = await texts_for(context, update)
    text, problem = rules.check_text(message.text)
    try:
        if problem is None:
            check_markup(text, t)
    except Refused as refused:
        await message.reply_text(refused.text + " " + t._("Send it again, or /cancel."))
        return True
    if problem == "empty":
        await message.reply_text(t._("Write the suggestion as text, or send /cancel."))
        return True
    if problem == "too_long":
        await message.reply_text(
            t._(
                "That is {length} characters; a suggestion can be at most {limit}. Send a "
                "shorter one, or /cancel.",
                length=len(text),
                limit=rules.MAX_TEXT,
            )
        )
        return True
    event_id, origin = int(stored.payload["event"]), int(stored.payload["chat"])
    association = await _association(env, origin, user.id)
    if not association:
        if not await drafts.delete(env.db, user.id, user.id, _KIND, revision=stored.revision):
            return True  # another update took this draft meanwhile
        await message.reply_text(await _save(env, t, user.id, event_id, "", text))
        return True
    payload = {"event": event_id, "chat": origin, "text": text}
    await drafts.save(env.db, user.id, user.id, _KIND, "choose", payload)
    await message.reply_text(
        t._("Send it with your association's name, or anonymously?"),
        reply_markup=_choice_keyboard(t, event_id, association),
    )
    return True


async def _save(
    env: Environment, t: Texts, user_id: int, event_id: int, association: str, text: str
) -> str:
    """Store the suggestion if the event still takes them; the answer to show."""
    event = await _open_event(env, event_id)
    if event is None or event.state != "published":
        return t._("This event no longer exists.")
    if not rules.is_open(event, env.db.now()):
        return closed_text(t, event)
    anonymous = not association
    await topics.add(
        env.db, event.id, user_id, association=association, anonymous=anonymous, text=text
    )
    if anonymous:
        return t._("Thanks! Your suggestion is saved; the coordinators see it without a name.")
    return t._("Thanks! Your suggestion is saved with the name {name}.", name=association)


async def _choose(
    update: Update,
    context: AppContext,
    t: Texts,
    message: Message,
    event_id: int,
    *,
    anonymous: bool,
) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    env = context.env
    stored = await drafts.get(env.db, user.id, user.id, _KIND)
    if (
        stored is None
        or stored.step != "choose"
        or message.chat.id != user.id
        or int(stored.payload.get("event", 0)) != event_id
    ):
        await query.answer(t._("This menu has expired."), show_alert=True)
        return
    await query.answer()
    # Two quick taps read the same draft: only the one that ends it stores the suggestion.
    if not await drafts.delete(env.db, user.id, user.id, _KIND, revision=stored.revision):
        return
    name = "" if anonymous else await _association(env, int(stored.payload["chat"]), user.id)
    answer = await _save(env, t, user.id, event_id, name, str(stored.payload["text"]))
    await edit_in_place(message, answer, None)


async def _drop(env: Environment, user_id: int) -> bool:
    return await drafts.delete(env.db, user_id, user_id, _KIND)


SUGGESTION = AnswerDraft(
    take=take_suggestion,
    drop=_drop,
    stopped=lambda t: t._("Stopped; no suggestion was saved."),
)


def deep_link_handler() -> BaseHandler[Update, AppContext, None]:
    return start_links.start_link(links.DEEP_LINK_PREFIX, deep_link)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [CallbackQueryHandler(on_tap, pattern=pattern(links.AREA))]
