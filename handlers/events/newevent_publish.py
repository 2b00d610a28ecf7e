"""The /newevent wizard's last step: publish the new event (or series), or save a published
event's changes (whose time or place changes are sent to everyone who answered)."""

from __future__ import annotations

from dataclasses import replace

from telegram import Message

from bot.context import AppContext
from bot.core.i18n import Texts
from bot.events import service as events
from bot.events import sessions
from bot.events.cards import event_link
from bot.events.draft import Draft
from bot.events.fields import FieldError
from bot.events.series import SeriesError
from bot.events.series_publish import publish_series
from bot.events.series_text import explain
from handlers.events.newevent_steps import KIND, ask, preview
from handlers.events.prompts import field_error
from handlers.events.series_prompts import REPEAT
from handlers.proposals.finish import finish_proposal
from storage import events as stored_events

__all__ = ["publish"]


async def publish(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    services = context.services
    env = services.env
    fields = draft.complete()
    if fields is None:
        await preview(message, context, t, draft)
        return
    if fields.starts_at <= services.env.clock.now():
        await message.reply_text(field_error(t, "start", FieldError("past")))
        await ask(message, context, t, replace(draft, reviewing=True), "start")
        return
    if draft.proposing is not None:
        await finish_proposal(message, context, t, draft)
        return
    if not await events.may_create_in(env, draft.user_id, fields.municipalities):
        await message.reply_text(t._("You can no longer publish events in these municipalities."))
        await KIND.end(context, draft.user_id, message.chat.id)
        return
    if draft.editing is None and draft.repeat is not None:
        await _publish_series(message, context, t, draft)
        return
    if draft.editing is not None:
        refusal = await sessions.capacity_refusal(env, draft.editing, fields.capacity, t)
        if refusal is not None:  # sessions set since the capacity step
            await message.reply_text(refusal)
            await ask(message, context, t, replace(draft, reviewing=True), "capacity")
            return
    await KIND.end(context, draft.user_id, message.chat.id)
    if draft.editing is not None:
        await _save_changes(message, context, t, draft, draft.editing)
        return
    event_id, invited = await events.publish(env, fields, draft.user_id)
    services.delivery.wake()
    link = event_link(context.bot.username, event_id)
    await message.reply_text(
        t.n_(
            "📣 Published as event {id}: the invitation goes to {n} chat.\nShare: {link}\n"
            "/event {id} shows who is coming.",
            "📣 Published as event {id}: the invitation goes to {n} chats.\nShare: {link}\n"
            "/event {id} shows who is coming.",
            invited,
            id=event_id,
            link=link,
        )
    )


async def _save_changes(
    message: Message, context: AppContext, t: Texts, draft: Draft, event_id: int
) -> None:
    env = context.env
    fields = draft.complete()
    assert fields is not None
    event = await stored_events.get(env.db, event_id)
    if event is None or not await events.may_manage(env, draft.user_id, event):
        await message.reply_text(t._("You cannot edit this event."))
        return
    outcome = await events.edit(env, event, fields)
    context.services.delivery.wake()
    await message.reply_text(
        t.n_(
            "Saved. {n} update notice is on its way.",
            "Saved. {n} update notices are on their way.",
            outcome.notified,
        )
    )


async def _publish_series(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    services = context.services
    fields, rule = draft.complete(), draft.series_rule(services.env.config.bot.timezone)
    assert fields is not None and rule is not None
    try:
        ids, invited = await publish_series(services.env, fields, rule, draft.user_id)
    except SeriesError as exc:
        await message.reply_text(explain(exc, t))
        await ask(message, context, t, draft, REPEAT)
        return
    await KIND.end(context, draft.user_id, message.chat.id)
    services.delivery.wake()
    await message.reply_text(
        "\n".join(
            (
                t.n_(
                    "📣 Published {n} date: event {first}.",
                    "📣 Published {n} dates: events {first}–{last}.",
                    len(ids),
                    first=ids[0],
                    last=ids[-1],
                ),
                t.n_(
                    "The first date's invitation goes to {n} chat now; each later date is "
                    "invited 30 days before it.",
                    "The first date's invitation goes to {n} chats now; each later date is "
                    "invited 30 days before it.",
                    invited,
                ),
                t._("/event {id} shows who is coming; /vuosikello shows the year.", id=ids[0]),
            )
        )
    )
