"""The breakout-session picker: "✅ Coming" on an event with sessions sends it (as a reply to
the card), and one tap on a session answers "coming" for it — or changes the session."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import AppContext
from bot.core.callbacks import decode, pattern, verify
from bot.core.i18n import Texts
from bot.events import reader_cards, rsvp
from bot.events.cards import Answer, your_answer
from bot.events.reader_cards import Reader
from bot.events.sessions import PICK_AREA, picker, title_of
from handlers.common import edit_in_place, texts_for
from storage import listings, rsvps
from storage.events import Event

__all__ = ["handlers", "send_picker"]


async def _picker(
    context: AppContext, t: Texts, event: Event, chat: Message, user_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The picker for this chat; the person's own choice is marked in their private chat."""
    private = chat.chat.type == ChatType.PRIVATE
    reads = await rsvps.card_reads(context.env.db, event.id, [], [user_id] if private else [])
    mine = reads.answers.get(user_id)
    chosen = mine[0].session_id if mine is not None and mine[0].status != "no" else None
    return picker(event, reads.counts.sessions, t, context.env.key, chat.chat.id, chosen)


async def send_picker(
    context: AppContext, t: Texts, event: Event, card: Message, user_id: int
) -> None:
    """Ask which session, below the card that was tapped."""
    text, markup = await _picker(context, t, event, card, user_id)
    await card.reply_text(text, reply_markup=markup, do_quote=True)


def _problem_text(t: Texts, problem: str) -> str:
    if problem == "no_session":
        return t._("This session is no longer offered: tap ✅ Coming on the card again.")
    if problem == "full_for_more":
        return t._("That session is full: there is no room for one more person.")
    return t._("Answers to this event are closed.")


async def on_pick(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    message = query.message
    event_id = data.int_part(0) if data else None
    session_id = data.int_part(1) if data else None
    if (
        data is None
        or event_id is None
        or session_id is None
        or not isinstance(message, Message)
        or not verify(context.env.key, event_id, message.chat.id, data.part(2))
    ):
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    association = None
    if message.chat.type != ChatType.PRIVATE:
        profile = await listings.for_chat(context.env.db, message.chat.id)
        if profile is not None:
            association = (profile.name, profile.municipality_code)
    tap = rsvp.Tap(event_id, user.id, message.chat.id, "s", association, session_id)
    outcome = await rsvp.answer(context.env, tap)
    if outcome.problem is not None or outcome.rsvp is None:
        gone = outcome.problem in ("gone", "cancelled")
        text = (
            t._("This event no longer exists.") if gone else _problem_text(t, outcome.problem or "")
        )
        await query.answer(text, show_alert=True)
        return
    session = title_of(outcome.counts, outcome.rsvp.session_id)
    await query.answer(your_answer(Answer(outcome.rsvp, outcome.waitlist_position, session), t))
    if outcome.promoted:
        context.services.delivery.wake()
    assert outcome.event is not None
    text, markup = await _picker(context, t, outcome.event, message, user.id)
    await edit_in_place(message, text, markup)
    card = message.reply_to_message
    if card is not None:
        reader = Reader(card.chat.id, private=card.chat.type == ChatType.PRIVATE)
        reads = await reader_cards.read(context.env.db, event_id, [reader])
        now = context.env.db.now()
        shown = reader_cards.render_read(context.env, outcome.event, t, reader, reads, now=now)
        await edit_in_place(card, shown.text, shown.markup)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [CallbackQueryHandler(on_pick, pattern=pattern(PICK_AREA))]
