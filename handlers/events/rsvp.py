"""RSVP buttons on event cards: one tap answers, the card is edited in place."""

from __future__ import annotations

from telegram import InputFile, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import AppContext
from bot.core.callbacks import pattern
from bot.core.i18n import Texts
from bot.events import for_whom, reader_cards, rsvp
from bot.events.calendar import event_ics, ics_filename
from bot.events.cards import AREA, Answer, location_line, your_answer
from bot.events.reader_cards import Reader, ReaderCard
from bot.events.sessions import title_of
from handlers.common import edit_in_place, send_privately, texts_for
from handlers.events.access import signed_tap
from handlers.events.session_pick import send_picker
from storage import events, listings
from storage.events import Event

__all__ = ["handlers", "render_card"]

# The answers (bot/events/rsvp.py), then "i": the calendar file, "c": the closed-answers button.
_ACTIONS = rsvp.ACTIONS | {"i", "c"}


async def render_card(
    context: AppContext,
    t: Texts,
    event: Event,
    reader: Reader,
    *,
    tapped: rsvp.Outcome | None = None,
    association: bool | None = None,
) -> ReaderCard:
    """The card for one chat. `tapped`: the reader's stored tap, whose counts and answer need no
    read; `association`: whether the chat has an association profile, when already known."""
    env = context.env
    now = env.db.now()
    if tapped is None or tapped.counts is None or tapped.rsvp is None or association is None:
        reads = await reader_cards.read(env.db, event.id, [reader])
        return reader_cards.render_read(env, event, t, reader, reads, now=now)
    answer = Answer(tapped.rsvp, tapped.waitlist_position)
    return reader_cards.render(
        env,
        event,
        t,
        reader,
        counts=tapped.counts,
        answer=answer,
        association=association,
        now=now,
        organisers=tapped.organisers,
    )


async def on_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    tapped = signed_tap(update, context, _ACTIONS)
    if tapped is None:
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    event_id, action, message = tapped.event_id, tapped.action, tapped.message
    if event_id == 0:
        await query.answer(
            t._("This is the preview: the buttons work once the event is published."),
            show_alert=True,
        )
        return
    if action == "i":
        await _send_calendar(update, context, t, event_id)
        return
    if action == "c":
        event = await events.get(context.env.db, event_id)
        await query.answer(t._("Answers to this event are closed."), show_alert=True)
        if event is not None:
            await _refresh(context, t, event, message)
        return
    association = None
    if message.chat.type != ChatType.PRIVATE:
        profile = await listings.for_chat(context.env.db, message.chat.id)
        if profile is not None:
            association = (profile.name, profile.municipality_code)
    tap = rsvp.Tap(event_id, user.id, message.chat.id, action, association)  # type: ignore[arg-type]
    outcome = await rsvp.answer(context.env, tap)
    if outcome.problem == "choose_session" and outcome.event is not None:
        await query.answer(t._("Which session? Choose below."))
        await send_picker(context, t, outcome.event, message, user.id)
        return
    if outcome.problem is not None:
        await query.answer(_problem_text(t, outcome.problem), show_alert=True)
    else:
        assert outcome.rsvp is not None
        session = title_of(outcome.counts, outcome.rsvp.session_id)
        await query.answer(your_answer(Answer(outcome.rsvp, outcome.waitlist_position, session), t))
    if outcome.promoted:
        context.services.delivery.wake()
    if outcome.event is not None:
        # The profile was read for the tap (private chats have none): no second read.
        has_profile = association is not None
        await _refresh(context, t, outcome.event, message, outcome, has_profile)


def _problem_text(t: Texts, problem: str) -> str:
    return {
        "gone": t._("This event no longer exists."),
        "cancelled": t._("This event was cancelled."),
        "closed": t._("Answers to this event are closed."),
        "not_answered": t._("Answer Coming or Maybe first."),
        "no_association": t._("This group has no association profile; /profile sets one."),
        "full_for_more": t._("The event is full: there is no room for one more person."),
        "max_people": t._("That is as many people as one answer can bring."),
        "no_session": t._("This session is no longer offered: tap ✅ Coming on the card again."),
    }[problem]


async def _refresh(
    context: AppContext,
    t: Texts,
    event: Event,
    message: Message,
    tapped: rsvp.Outcome | None = None,
    association: bool | None = None,
) -> None:
    """Edit the tapped card. An answer never changes the event row itself, so the event read
    for the tap is current."""
    reader = Reader(message.chat.id, private=message.chat.type == ChatType.PRIVATE)
    card = await render_card(context, t, event, reader, tapped=tapped, association=association)
    await edit_in_place(message, card.text, card.markup)


async def _send_calendar(update: Update, context: AppContext, t: Texts, event_id: int) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    event = await events.get(context.env.db, event_id)
    if event is None:
        await query.answer(t._("This event no longer exists."), show_alert=True)
        return
    data = event_ics(event, location=location_line(event), about=for_whom.ics_text(event, t))
    await send_privately(
        query,
        context,
        t,
        InputFile(data, filename=ics_filename(event)),
        t._("📅 {title} — open the file to add it to your calendar.", title=event.title),
    )


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [CallbackQueryHandler(on_tap, pattern=pattern(AREA))]
