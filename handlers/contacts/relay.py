"""/contact [place] for everyone, and the relay: "✉️ Write to them" (a tap in the private chat,
or from a group the link `start=cw_<ref>`) opens a one-message answer draft; the message goes to
the contact person with a "↩️ Reply" button, whose answer comes back the same way."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.contacts import relay as service
from bot.contacts import rules
from bot.contacts.texts import AREA_REPLY, AREA_WRITE, contact_answer
from bot.context import AppContext
from bot.core.callbacks import decode, pattern, verify
from bot.core.i18n import Texts
from bot.environment import Environment
from bot.feedback.service import drop_comment
from bot.polls.answers import drop_text
from bot.subscriptions.rules import area_name
from handlers import drafts
from handlers.common import echo, texts_for
from handlers.wizard import AnswerDraft, DraftKind
from storage import contacts
from storage import drafts as stored_drafts
from storage.subscriptions import Area

__all__ = ["MESSAGE", "deep_link_handler", "handlers"]

# The one message being written: {"ref": the contact person's listing} or {"reply_to": the
# contact_messages row answered} — never a Telegram id (the draft is in the writer's /mydata).
KIND = DraftKind(
    "contact",
    __name__,
    discarded=lambda t: t._("Your unfinished message to a contact person was discarded."),
)
_STEP = "message"


async def contact(update: Update, context: AppContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    t = await texts_for(context, update)
    env = context.env
    text = (message.text or "").partition(" ")[2]
    found = await rules.contacts_for(env, text[:200], chat.id)
    for typed, candidates in found.unresolved:
        if candidates:
            names = ", ".join(area_name(Area(c.kind, c.code), env.catalog, t) for c in candidates)
            await message.reply_text(
                t._(
                    "I could not find “{name}”. Did you mean: {names}?",
                    name=echo(typed),
                    names=names,
                )
            )
        else:
            await message.reply_text(
                t._("I could not find “{name}”. Check the spelling.", name=echo(typed))
            )
    if found.unresolved and not found.places:
        return
    if not found.places and not text.strip():
        await message.reply_text(
            t._(
                "This chat follows no municipality yet: send /contact with a place, e.g. "
                "/contact Joensuu."
            )
        )
    reply, markup = contact_answer(
        t,
        found,
        env.catalog,
        private=chat.type == ChatType.PRIVATE,
        bot_username=context.bot.username,
    )
    await message.reply_text(reply, reply_markup=markup)


def _prompt(t: Texts, name: str) -> str:
    return t._(
        "Write your message to {name} as one message (at most {limit} characters). They see "
        "your first name, not your Telegram account. Sending a command, e.g. /cancel, drops it.",
        name=name,
        limit=rules.MESSAGE_LIMIT,
    )


async def _begin(context: AppContext, t: Texts, user_id: int, payload: dict[str, object]) -> None:
    # One thing written at a time: an open feedback comment or poll answer would take the text.
    await drop_comment(context.env, user_id)
    await drop_text(context.env, user_id)
    await KIND.begin(context, t, user_id, user_id, _STEP, dict(payload))


async def _start_writing(message: Message, context: AppContext, t: Texts, ref: str) -> None:
    assert message.chat.type == ChatType.PRIVATE
    person = await contacts.by_ref(context.env.db, ref)
    if person is None:
        await message.reply_text(t._("This person is no longer listed as a contact person."))
        return
    await _begin(context, t, message.chat.id, {"ref": person.ref})
    await message.reply_text(_prompt(t, person.first_name))


async def write_tap(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    ref = data.part(0) if data is not None else None
    message = query.message
    if not ref or not isinstance(message, Message) or message.chat.type != ChatType.PRIVATE:
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    await query.answer()
    await _start_writing(message, context, t, ref)


async def deep_link(update: Update, context: AppContext) -> None:
    """`start=cw_<ref>`: a group's "✉️ Write to them" leads here."""
    message = update.effective_message
    assert message is not None and context.args
    t = await texts_for(context, update)
    await _start_writing(message, context, t, context.args[0][len(rules.DEEP_LINK_PREFIX) :])


async def reply_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    message = query.message
    row = data.int_part(0) if data is not None else None
    if (
        data is None
        or row is None
        or not isinstance(message, Message)
        or not verify(context.env.key, row, message.chat.id, data.part(1))
    ):
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    target = await service.reply_target(context.env, row, user.id)
    if target is None:
        await query.answer(t._("This conversation has ended."), show_alert=True)
        return
    await query.answer()
    await _begin(context, t, user.id, {"reply_to": row})
    sender = await service.first_name(context.env, target.user_id)
    await message.reply_text(_prompt(t, sender))


async def _target(
    context: AppContext, user_id: int, payload: dict[str, object]
) -> service.Target | None:
    ref, reply_to = payload.get("ref"), payload.get("reply_to")
    if isinstance(ref, str):
        person = await contacts.by_ref(context.env.db, ref)
        return None if person is None else service.Target(person.user_id, None, person.title)
    if isinstance(reply_to, int):
        return await service.reply_target(context.env, reply_to, user_id)
    return None


async def take_message(update: Update, context: AppContext) -> bool:
    """The private message after "✉️ Write to them" or "↩️ Reply"; False: no draft is open."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return False
    draft = await KIND.load(context, user.id, user.id)
    if draft is None:
        return False
    t = await texts_for(context, update)
    target = await _target(context, user.id, draft.payload)
    if target is None:
        await KIND.end(context, user.id, user.id)
        await message.reply_text(t._("This conversation has ended; nothing was sent."))
        return True
    outcome = await service.relay(context.env, context.bot, user.id, target, message.text)
    if outcome == "empty":
        await message.reply_text(t._("Write the message as text, or send /cancel."))
    elif outcome == "too_long":
        await message.reply_text(
            t._(
                "That is {length} characters; a message can be at most {limit}. Send a shorter "
                "one, or /cancel.",
                length=len((message.text or "").strip()),
                limit=rules.MESSAGE_LIMIT,
            )
        )
    else:
        await KIND.end(context, user.id, user.id)
        if outcome == "sent":
            await message.reply_text(t._("✅ Sent. Their reply will come here."))
        else:
            await message.reply_text(
                t._(
                    "❌ Your message could not be delivered: the recipient has blocked the bot "
                    "or left Telegram. Nothing was sent."
                )
            )
    return True


async def drop_message(env: Environment, user_id: int) -> bool:
    """End the draft (a command was sent instead); True when there was one."""
    return await stored_drafts.delete(env.db, user_id, user_id, KIND.name)


# The message is an answer draft (handlers/wizard.py): `start=cw_` and the buttons start a new
# one right after the command guard dropped the old one.
MESSAGE = AnswerDraft(
    take=take_message,
    drop=drop_message,
    stopped=lambda t: t._("Stopped; nothing was sent."),
)


def deep_link_handler() -> BaseHandler[Update, AppContext, None]:
    return drafts.start_link(rules.DEEP_LINK_PREFIX, deep_link)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("contact", contact),
        CallbackQueryHandler(write_tap, pattern=pattern(AREA_WRITE)),
        CallbackQueryHandler(reply_tap, pattern=pattern(AREA_REPLY)),
    ]
