"""/newevent: the wizard that creates an event (and, from the coordinator view, edits one).

A ConversationHandler with one named state per field, a shared /cancel fallback and a timeout
(`bot.wizard_timeout`). The draft lives in user_data: a restart asks the coordinator to start
again, which costs a minute; nothing half-made ever reaches the database.

A new event may repeat: the preview's "🔁 Repeat…" (or the edit menu's Repeat) opens the optional
`repeat` state (handlers/series_prompts); it sits outside the linear steps so the usual flow and
its "skip"/"done" taps stay as they were. Editing a published event never offers it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import AppContext
from bot.core.i18n import Texts
from bot.events import service as events
from bot.events.cards import card_keyboard, card_text
from bot.events.draft import Draft, Repeat, parse_municipalities
from bot.events.fields import KINDS, FieldError
from bot.events.series import PATTERNS, SeriesError, occurrences, parse_end
from bot.events.series_publish import publish_series
from bot.events.series_text import explain
from bot.roles.access import role_of
from handlers import drafts
from handlers.common import edit_in_place, texts_for
from handlers.events.prompts import AREA, field_error, prompt
from handlers.events.series_prompts import REPEAT, dates_text, repeat_prompt
from handlers.keyboards import button, decode, keyboard
from storage import events as stored_events

__all__ = ["conversation"]

STEPS = (
    "kind",
    "title",
    "start",
    "end",
    "place",
    "municipalities",
    "themes",
    "description",
    "capacity",
    "deadline",
    "reminders",
)
PREVIEW = "preview"
_KEY = "event_draft"


def _draft(context: AppContext) -> Draft | None:
    return drafts.load(context, _KEY, Draft)


def _store(context: AppContext, draft: Draft | None) -> None:
    drafts.keep(context, _KEY, draft)


def _offsets(context: AppContext) -> tuple[int, ...]:
    offsets = context.env.config.reminders.offsets
    return tuple(int(o.total_seconds()) for o in offsets)


async def _ask(chat: Message, context: AppContext, t: Texts, draft: Draft, state: str) -> str:
    if state == PREVIEW:
        return await _preview(chat, context, t, draft)
    if state == REPEAT:
        repeat_text, repeat_markup = repeat_prompt(t, draft, context.env.config.bot.timezone)
        await chat.reply_text(repeat_text, reply_markup=repeat_markup)
        return state
    text, markup = prompt(state, t, draft, context.env.config.bot.themes, _offsets(context))
    await chat.reply_text(text, reply_markup=markup)
    return state


def _next(draft: Draft, state: str) -> str:
    if draft.reviewing or state == STEPS[-1]:
        return PREVIEW
    return STEPS[STEPS.index(state) + 1]


async def new_event(update: Update, context: AppContext) -> str | int:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await texts_for(context, update)
    services = context.services
    if await role_of(services.env.config, services.env.db, user.id) == "participant":
        await message.reply_text(t._("Only coordinators can create events."))
        return ConversationHandler.END
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(t._("Create events in a private chat with me."))
        return ConversationHandler.END
    draft = Draft(user.id, reminders=_offsets(context))
    _store(context, draft)
    return await _ask(message, context, t, draft, "kind")


async def edit_event(update: Update, context: AppContext) -> str | int:
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
    ):
        await query.answer(t._("You cannot edit this event."), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    draft = Draft.of(user.id, events.fields_of(event), editing=event.id)
    _store(context, draft)
    assert isinstance(query.message, Message)
    return await _menu(query.message, t, draft)


def _text_step(state: str) -> Callable[[Update, AppContext], Coroutine[Any, Any, str]]:
    async def step(update: Update, context: AppContext) -> str:
        message = update.effective_message
        draft = _draft(context)
        assert message is not None and message.text is not None
        t = await texts_for(context, update)
        if draft is None:
            await message.reply_text(t._("This draft has expired. /newevent starts again."))
            return state
        services = context.services
        now, tz = services.env.clock.now(), services.env.config.bot.timezone
        text = message.text
        try:
            if state == "title":
                draft = draft.with_title(text)
            elif state == "start":
                draft = draft.with_start(text, now, tz)
            elif state == "end":
                draft = draft.with_end(text, tz)
            elif state == "place":
                draft = draft.with_place(text)
            elif state == "description":
                draft = draft.with_description(text)
            elif state == "capacity":
                draft = draft.with_capacity(text)
            elif state == "deadline":
                draft = draft.with_deadline(text, now, tz)
            elif state == "municipalities":
                codes, unknown = parse_municipalities(
                    text, services.env.place_index, services.env.catalog
                )
                if unknown or not codes:
                    names = ", ".join(unknown) or text
                    await message.reply_text(
                        t._(
                            "I did not recognise: {names}. Send the municipalities again.",
                            names=names,
                        )
                    )
                    return state
                env = services.env
                if not await events.may_create_in(env, draft.user_id, codes):
                    await message.reply_text(
                        t._("Those municipalities are outside your areas. Send others.")
                    )
                    return state
                draft = replace(draft, municipalities=codes)
        except FieldError as exc:
            await message.reply_text(field_error(t, state, exc))
            return state
        _store(context, draft)
        return await _ask(message, context, t, draft, _next(draft, state))

    return step


async def on_button(update: Update, context: AppContext) -> str | int | None:
    query = update.callback_query
    assert query is not None
    t = await texts_for(context, update)
    draft, data = _draft(context), decode(query.data)
    message = query.message
    if draft is None or data is None or not isinstance(message, Message):
        await query.answer(t._("This draft has expired. /newevent starts again."), show_alert=True)
        return ConversationHandler.END
    action, value = data.part(0), data.part(1)
    if action == "ed":
        return await edit_event(update, context)
    await query.answer()
    state = "kind"
    if action == "kind" and value in KINDS:
        draft = replace(draft, kind=value)
    elif action == "theme" and value and context.env.config.bot.theme(value):
        chosen = set(draft.themes) ^ {value}
        draft = replace(draft, themes=tuple(sorted(chosen)))
        _store(context, draft)
        text, markup = prompt("themes", t, draft, context.env.config.bot.themes, ())
        await edit_in_place(message, text, markup)
        return "themes"
    elif action == "rem" and data.int_part(1) in _offsets(context):
        chosen_offsets = set(draft.reminders) ^ {data.int_part(1) or 0}
        draft = replace(draft, reminders=tuple(sorted(chosen_offsets, reverse=True)))
        _store(context, draft)
        text, markup = prompt("reminders", t, draft, (), _offsets(context))
        await edit_in_place(message, text, markup)
        return "reminders"
    elif action == "allthemes":
        draft, state = replace(draft, themes=()), "themes"
    elif action in ("rep", "mon") or (action, value) in (("done", REPEAT), ("f", REPEAT)):
        return await _repeat_button(message, context, t, draft, action, data.int_part(1), value)
    elif action == "skip" and value in ("end", "description", "capacity", "deadline"):
        state = value
        if value == "end":
            draft = replace(draft, ends_at=None)
        elif value == "description":
            draft = replace(draft, description="")
        elif value == "capacity":
            draft = replace(draft, capacity=None)
        else:
            draft = replace(draft, rsvp_deadline=None)
    elif action == "done" and value in ("themes", "reminders"):
        state = value
    elif action == "f" and value in STEPS:
        draft = replace(draft, reviewing=True)
        _store(context, draft)
        return await _ask(message, context, t, draft, value)
    elif action == "edit":
        return await _menu(message, t, draft)
    elif action == "publish":
        return await _publish(message, context, t, draft)
    elif action == "discard":
        _store(context, None)
        await message.reply_text(_dropped(t, draft))
        return ConversationHandler.END
    else:
        return None  # a stale button: stay where we are
    _store(context, draft)
    return await _ask(message, context, t, draft, _next(draft, state))


async def _repeat_button(
    message: Message,
    context: AppContext,
    t: Texts,
    draft: Draft,
    action: str | None,
    number: int | None,
    value: str | None,
) -> str | None:
    """The repeat step's buttons: a pattern, "doesn't repeat", a month toggle, done."""
    if draft.editing is not None:
        return None  # a published event's dates are edited one at a time
    if draft.starts_at is None:
        return await _ask(message, context, t, draft, draft.missing()[0])
    tz = context.env.config.bot.timezone
    repeat = draft.repeat
    if action == "f":
        return await _ask(message, context, t, draft, REPEAT)
    if action == "rep" and value == "no":
        draft = replace(draft, repeat=None)
        _store(context, draft)
        return await _ask(message, context, t, draft, PREVIEW)
    if action == "rep" and value in PATTERNS:
        pattern = next(p for p in PATTERNS if p == value)
        repeat = replace(repeat, pattern=pattern) if repeat else Repeat(pattern)
    elif action == "mon" and repeat is not None and number is not None and 1 <= number <= 12:
        chosen = set(repeat.months) ^ {number}
        months = () if len(chosen) == 12 else tuple(sorted(chosen))
        repeat = replace(repeat, months=months)
    elif action == "done" and repeat is not None:
        return await _repeat_checked(message, context, t, draft, PREVIEW)
    else:
        return None  # a stale button
    draft = replace(draft, repeat=repeat)
    _store(context, draft)
    text, markup = repeat_prompt(t, draft, tz)
    await edit_in_place(message, text, markup)
    return REPEAT


async def _repeat_checked(
    message: Message, context: AppContext, t: Texts, draft: Draft, then: str
) -> str:
    """Go on to `then` if the draft's repeat rule gives dates; otherwise say why and ask the
    repeat step again."""
    tz = context.env.config.bot.timezone
    rule = draft.series_rule(tz)
    if rule is not None and draft.starts_at is not None:
        try:
            occurrences(rule, draft.starts_at.astimezone(tz))
        except SeriesError as exc:
            await message.reply_text(explain(exc, t))
            return await _ask(message, context, t, draft, REPEAT)
    return await _ask(message, context, t, draft, then)


async def _repeat_text(update: Update, context: AppContext) -> str:
    """The series' end, typed in the repeat step: a number of dates or the last date."""
    message = update.effective_message
    assert message is not None and message.text is not None
    t = await texts_for(context, update)
    draft = _draft(context)
    if draft is None:
        await message.reply_text(t._("This draft has expired. /newevent starts again."))
        return REPEAT
    if draft.repeat is None:
        await message.reply_text(t._("Choose how it repeats with the buttons above, or /cancel."))
        return REPEAT
    tz = context.env.config.bot.timezone
    try:
        count, until = parse_end(message.text, context.env.clock.now().astimezone(tz).date())
    except SeriesError:
        await message.reply_text(
            t._("Send the number of dates like 6, or the last date like 1.6.2027.")
        )
        return REPEAT
    changed = replace(draft, repeat=replace(draft.repeat, count=count, until=until))
    rule = changed.series_rule(tz)
    assert rule is not None and changed.starts_at is not None
    try:
        occurrences(rule, changed.starts_at.astimezone(tz))
    except SeriesError as exc:
        await message.reply_text(explain(exc, t))
        return await _ask(message, context, t, draft, REPEAT)
    _store(context, changed)
    return await _ask(message, context, t, changed, REPEAT)


async def _menu(message: Message, t: Texts, draft: Draft) -> str:
    labels = {
        "kind": t._("Kind"),
        "title": t._("Title"),
        "start": t._("Start"),
        "end": t._("End"),
        "place": t._("Place or link"),
        "municipalities": t._("Municipalities"),
        "themes": t._("Themes"),
        "description": t._("Description"),
        "capacity": t._("Places"),
        "deadline": t._("Answer deadline"),
        "reminders": t._("Reminders"),
    }
    steps = [s for s in STEPS if not (draft.editing and s == "reminders")]
    if not draft.editing:
        steps.append(REPEAT)  # a published event's dates are edited one by one
        labels[REPEAT] = t._("Repeat")
    rows = [
        [button(labels[s], AREA, "f", s) for s in steps[i : i + 2]] for i in range(0, len(steps), 2)
    ]
    await message.reply_text(t._("What do you want to change?"), reply_markup=keyboard(rows))
    return PREVIEW


async def _preview(message: Message, context: AppContext, t: Texts, draft: Draft) -> str:
    fields = draft.complete()
    if fields is None:
        missing = draft.missing()[0]
        return await _ask(message, context, t, replace(draft, reviewing=False), missing)
    env = context.env
    event = events.preview(env, fields, draft.user_id)
    size = await events.audience_size(env, fields)
    await message.reply_text(t._("Preview — recipients will see exactly this:"))
    now = env.db.now()
    card = card_text(event, t, env.catalog, env.themes, now=now)
    markup = card_keyboard(event, t, env.key, message.chat.id, association=False, now=now)
    await message.reply_text(card, reply_markup=markup)
    tz = context.env.config.bot.timezone
    rule = None if draft.editing else draft.series_rule(tz)
    if rule is not None:
        try:
            dates = dates_text(rule, fields.starts_at.astimezone(tz), t)
        except SeriesError as exc:
            await message.reply_text(explain(exc, t))
            return await _ask(message, context, t, draft, REPEAT)
        await message.reply_text(dates)
    reach = t.n_("It will reach {n} chat.", "It will reach {n} chats.", size)
    if draft.editing:
        buttons = [
            [button(t._("💾 Save changes"), AREA, "publish")],
            [
                button(t._("✏️ Edit"), AREA, "edit"),
                button(t._("✖ Discard changes"), AREA, "discard"),
            ],
        ]
        reach = t._("Changes to the time or place are sent to everyone who answered.")
    else:
        repeat_label = t._("🔁 Change the repeat") if draft.repeat else t._("🔁 Repeat…")
        buttons = [
            [button(t._("📣 Publish"), AREA, "publish")],
            [button(t._("✏️ Edit"), AREA, "edit"), button(repeat_label, AREA, "f", REPEAT)],
            [button(t._("✖ Discard"), AREA, "discard")],
        ]
        if size == 0:
            reach += " " + t._(
                "Nobody follows them yet; you can still publish and share the event's link."
            )
    await message.reply_text(reach, reply_markup=keyboard(buttons))
    return PREVIEW


async def _publish(message: Message, context: AppContext, t: Texts, draft: Draft) -> str | int:
    services = context.services
    env = services.env
    fields = draft.complete()
    if fields is None:
        return await _preview(message, context, t, draft)
    if fields.starts_at <= services.env.clock.now():
        await message.reply_text(field_error(t, "start", FieldError("past")))
        return await _ask(message, context, t, replace(draft, reviewing=True), "start")
    if not await events.may_create_in(env, draft.user_id, fields.municipalities):
        await message.reply_text(t._("You can no longer publish events in these municipalities."))
        _store(context, None)
        return ConversationHandler.END
    if draft.editing is None and draft.repeat is not None:
        return await _publish_series(message, context, t, draft)
    _store(context, None)
    if draft.editing is not None:
        event = await stored_events.get(env.db, draft.editing)
        if event is None or not await events.may_manage(env, draft.user_id, event):
            await message.reply_text(t._("You cannot edit this event."))
            return ConversationHandler.END
        outcome = await events.edit(env, event, fields)
        services.delivery.wake()
        await message.reply_text(
            t.n_(
                "Saved. {n} update notice is on its way.",
                "Saved. {n} update notices are on their way.",
                outcome.notified,
            )
        )
        return ConversationHandler.END
    event_id, invited = await events.publish(env, fields, draft.user_id)
    services.delivery.wake()
    link = f"https://t.me/{context.bot.username}?start=ev_{event_id}"
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
    return ConversationHandler.END


async def _publish_series(
    message: Message, context: AppContext, t: Texts, draft: Draft
) -> str | int:
    services = context.services
    fields, rule = draft.complete(), draft.series_rule(services.env.config.bot.timezone)
    assert fields is not None and rule is not None
    try:
        ids, invited = await publish_series(services.env, fields, rule, draft.user_id)
    except SeriesError as exc:
        await message.reply_text(explain(exc, t))
        return await _ask(message, context, t, draft, REPEAT)
    _store(context, None)
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
    return ConversationHandler.END


async def cancel(update: Update, context: AppContext) -> int:
    message = update.effective_message
    assert message is not None
    t = await texts_for(context, update)
    draft = _draft(context)
    _store(context, None)
    await message.reply_text(_dropped(t, draft))
    return ConversationHandler.END


def _dropped(t: Texts, draft: Draft | None) -> str:
    """What stopping the wizard leaves: a new event is gone, a published one stays as it was."""
    if draft is not None and draft.editing is not None:
        return t._(
            "Your changes were dropped; event {id} stays as it was and nobody was told.",
            id=draft.editing,
        )
    return t._("The event was discarded; nothing was sent.")


async def buttons_please(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    t = await texts_for(context, update)
    await message.reply_text(t._("Please answer with the buttons above, or /cancel."))


async def timed_out(update: Update, context: AppContext) -> None:
    _store(context, None)
    chat = update.effective_chat
    if chat is None:
        return
    t = await texts_for(context, update)
    await context.bot.send_message(
        chat.id, t._("The event draft expired after a long pause. /newevent starts again.")
    )


def conversation(timeout_seconds: float) -> BaseHandler[Update, AppContext, None]:
    text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    states: dict[object, list[Any]] = {
        state: [MessageHandler(text, _text_step(state))]
        for state in STEPS
        if state not in ("kind", "themes", "reminders")
    }
    states[REPEAT] = [MessageHandler(text, _repeat_text)]
    tap = CallbackQueryHandler(on_button, pattern=rf"^{AREA}:")
    for state in (*STEPS, REPEAT, PREVIEW):
        states.setdefault(state, []).append(tap)
        states[state].append(MessageHandler(text, buttons_please))
    states[ConversationHandler.TIMEOUT] = [TypeHandler(Update, timed_out)]
    with warnings.catch_warnings():
        # Buttons are per chat and user here, not per message; PTB's reminder does not apply.
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(  # type: ignore[return-value]
            entry_points=[
                CommandHandler("newevent", new_event),
                CallbackQueryHandler(edit_event, pattern=r"^nev:ed:\d+$"),
            ],
            states=states,
            fallbacks=[CommandHandler("cancel", cancel)],
            conversation_timeout=timeout_seconds,
            allow_reentry=True,
            name="newevent",
        )
