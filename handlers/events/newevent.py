"""/newevent: the wizard that creates an event (and, from the coordinator view, edits one).

A wizard of handlers/wizard.py: one named step per field (handlers/events/newevent_steps.py),
the shared /cancel and a timeout (`bot.wizard_timeout`). The draft is a database row, so a
restart does not lose it; nothing half-made ever reaches the events table.

A new event may repeat: the preview's "🔁 Repeat…" (or the edit menu's Repeat) opens the optional
`repeat` step (handlers/events/newevent_repeat.py); it sits outside the linear steps so the usual
flow and its "skip"/"done" taps stay as they were. Editing a published event never offers it.
"""

from __future__ import annotations

from dataclasses import replace

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import decode, pattern
from bot.core.i18n import Texts
from bot.events import service as events
from bot.events import sessions
from bot.events.draft import Draft, parse_municipalities
from bot.events.fields import KINDS, FieldError
from bot.events.for_whom import FOR_WHOM
from bot.roles.access import role_of
from handlers.common import edit_in_place, texts_for
from handlers.events.newevent_publish import publish
from handlers.events.newevent_repeat import repeat_button, repeat_text
from handlers.events.newevent_steps import (
    KIND,
    STEPS,
    ask,
    dropped,
    keep,
    load,
    menu,
    next_step,
    offsets,
)
from handlers.events.prompts import AREA, field_error, prompt
from handlers.events.series_prompts import REPEAT
from handlers.wizard import Turn, Wizard, one_at_a_time
from storage import events as stored_events

__all__ = ["WIZARD", "handlers"]

# A typed "skip" at the programme step (its Skip button does the same).
SKIP_WORDS = frozenset(("skip", "ohita", "hoppa över", "-"))


async def new_event(update: Update, context: AppContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await texts_for(context, update)
    services = context.services
    if await role_of(services.env.config, services.env.db, user.id) == "participant":
        await message.reply_text(t._("Only coordinators can create events."))
        return
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(t._("Create events in a private chat with me."))
        return
    draft = Draft(user.id, reminders=offsets(context))
    await KIND.begin(context, t, user.id, message.chat.id, "kind", draft.to_json())
    await ask(message, context, t, draft, "kind")


async def edit_event(update: Update, context: AppContext) -> None:
    """Entry from the coordinator view's ✏️ button: the event's fields, at the edit menu."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    event_id = data.int_part(1) if data else None
    env = context.env
    event = await stored_events.get(env.db, event_id) if event_id else None
    if (
        event is None
        or event.state != "published"
        or not await events.may_manage(env, user.id, event)
        or not isinstance(query.message, Message)
    ):
        await query.answer(t._("You cannot edit this event."), show_alert=True)
        return
    await query.answer()
    draft = Draft.of(user.id, events.fields_of(event), editing=event.id)
    await KIND.begin(context, t, user.id, query.message.chat.id, "preview", draft.to_json())
    await menu(query.message, context, t, draft)


async def _text_step(turn: Turn) -> None:
    """A typed answer to the field the draft waits at."""
    message, context, t, state = turn.message, turn.context, turn.t, turn.draft.step
    text = turn.text
    assert text is not None
    draft = Draft.from_json(turn.draft.user_id, turn.draft.payload)
    env = context.env
    now, tz = env.clock.now(), env.config.bot.timezone
    try:
        if state == "municipalities":
            changed = await _municipalities(turn, draft, text)
            if changed is None:
                return
            draft = changed
        elif state == "programme" and text.strip().lower() in SKIP_WORDS:
            draft = replace(draft, programme=())
        else:
            draft = {
                "title": lambda: draft.with_title(text),
                "start": lambda: draft.with_start(text, now, tz),
                "end": lambda: draft.with_end(text, tz),
                "place": lambda: draft.with_place(text),
                "description": lambda: draft.with_description(text),
                "programme": lambda: draft.with_programme(text),
                "capacity": lambda: draft.with_capacity(text),
                "deadline": lambda: draft.with_deadline(text, now, tz),
            }[state]()
    except FieldError as exc:
        await message.reply_text(field_error(t, state, exc))
        return
    if state == "capacity" and draft.editing is not None:
        refusal = await sessions.capacity_refusal(env, draft.editing, draft.capacity, t)
        if refusal is not None:  # the step waits for another number
            await message.reply_text(refusal)
            return
    await ask(message, context, t, draft, next_step(draft, state))


async def _municipalities(turn: Turn, draft: Draft, text: str) -> Draft | None:
    """The municipalities typed; None (after saying why) when they are unknown or not the
    coordinator's."""
    env, t = turn.context.env, turn.t
    codes, unknown = parse_municipalities(text, env.place_index, env.catalog)
    if unknown or not codes:
        names = ", ".join(unknown) or text
        await turn.message.reply_text(
            t._("I did not recognise: {names}. Send the municipalities again.", names=names)
        )
        return None
    if draft.proposing is None and not await events.may_create_in(env, draft.user_id, codes):
        await turn.message.reply_text(
            t._("Those municipalities are outside your areas. Send others.")
        )
        return None
    return replace(draft, municipalities=codes)


async def on_button(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    data = decode(query.data)
    if data is not None and data.part(0) == "ed":
        await edit_event(update, context)
        return
    t = await texts_for(context, update)
    message = query.message
    draft = None
    if isinstance(message, Message):
        draft = await load(context, user.id, message.chat.id)
    if draft is None or data is None or not isinstance(message, Message):
        # Finished, cancelled or expired (bot.wizard_timeout, or storage.drafts.TTL).
        await query.answer(t._("This draft has expired. /newevent starts again."), show_alert=True)
        return
    await query.answer()
    await _tapped(message, context, t, draft, data.part(0), data.part(1), data.int_part(1))


async def _tapped(
    message: Message,
    context: AppContext,
    t: Texts,
    draft: Draft,
    action: str | None,
    value: str | None,
    number: int | None,
) -> None:
    if action in ("theme", "rem", "fw"):
        await _toggle(message, context, t, draft, action, value, number)
    elif action in ("rep", "mon") or (action, value) in (("done", REPEAT), ("f", REPEAT)):
        await repeat_button(message, context, t, draft, action, number, value)
    elif action == "f" and value in STEPS:
        await ask(message, context, t, replace(draft, reviewing=True), value)
    elif action == "edit":
        await menu(message, context, t, draft)
    elif action == "publish":
        await publish(message, context, t, draft)
    elif action == "discard":
        await KIND.end(context, draft.user_id, message.chat.id)
        await message.reply_text(dropped(t, draft))
    else:
        answered = _answered(context, draft, action, value)
        if answered is not None:  # else a stale button: stay where we are
            draft, state = answered
            await ask(message, context, t, draft, next_step(draft, state))


def _answered(
    context: AppContext, draft: Draft, action: str | None, value: str | None
) -> tuple[Draft, str] | None:
    """A tap that answers a step: the changed draft and the step it answered."""
    if action == "kind" and value in KINDS:
        return replace(draft, kind=value), "kind"
    if action == "allthemes":
        return replace(draft, themes=()), "themes"
    if action == "done" and value in ("themes", "forwhom", "reminders"):
        return draft, value
    if action == "skip" and value == "end":
        return replace(draft, ends_at=None), value
    if action == "skip" and value == "description":
        return replace(draft, description=""), value
    if action == "skip" and value == "programme":
        return replace(draft, programme=()), value
    if action == "skip" and value == "capacity":
        return replace(draft, capacity=None), value
    if action == "skip" and value == "deadline":
        return replace(draft, rsvp_deadline=None), value
    return None


async def _toggle(
    message: Message,
    context: AppContext,
    t: Texts,
    draft: Draft,
    action: str,
    value: str | None,
    number: int | None,
) -> None:
    """A theme, a group (for whom) or a reminder ticked or unticked: the same step, redrawn."""
    if action == "theme" and value and context.env.config.bot.theme(value):
        draft = replace(draft, themes=tuple(sorted(set(draft.themes) ^ {value})))
        await keep(context, t, message, draft, "themes")
        text, markup = prompt("themes", t, draft, context.env.config.bot.themes, ())
    elif action == "fw" and value in FOR_WHOM:
        draft = replace(
            draft, for_whom=tuple(c for c in FOR_WHOM if (c == value) != (c in draft.for_whom))
        )
        await keep(context, t, message, draft, "forwhom")
        text, markup = prompt("forwhom", t, draft, (), ())
    elif action == "rem" and number in offsets(context):
        chosen = set(draft.reminders) ^ {number or 0}
        draft = replace(draft, reminders=tuple(sorted(chosen, reverse=True)))
        await keep(context, t, message, draft, "reminders")
        text, markup = prompt("reminders", t, draft, (), offsets(context))
    else:
        return  # a stale button
    await edit_in_place(message, text, markup)


async def _on_cancel(turn: Turn) -> None:
    draft = Draft.from_json(turn.draft.user_id, turn.draft.payload)
    await KIND.end(turn.context, turn.draft.user_id, turn.draft.chat_id)
    await turn.message.reply_text(dropped(turn.t, draft))


WIZARD = Wizard(
    KIND,
    steps={
        **{s: _text_step for s in STEPS if s not in ("kind", "themes", "forwhom", "reminders")},
        REPEAT: repeat_text,
    },
    cancel=_on_cancel,
    text_only=True,
)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("newevent", new_event),
        CallbackQueryHandler(one_at_a_time(on_button), pattern=pattern(AREA)),
    ]
