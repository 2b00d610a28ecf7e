"""The /newevent wizard's named steps, its draft in the database and the preview.

The draft is saved at the step that waits for the next answer (`ask`), so a restart or another
bot process continues where the coordinator was; it is dropped after `bot.wizard_timeout` of
silence with a notice. Nothing half-made ever reaches the events table.
"""

from __future__ import annotations

from dataclasses import replace

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message

from bot.context import AppContext
from bot.core.callbacks import button, keyboard
from bot.core.i18n import Texts
from bot.events import clashes
from bot.events import service as events
from bot.events.cards import card_keyboard, card_text, event_link
from bot.events.draft import Draft
from bot.events.fields import EventFields
from bot.events.series import SeriesError
from bot.events.series_text import explain
from handlers.events.prompts import AREA, prompt
from handlers.events.series_prompts import REPEAT, dates_text, repeat_prompt
from handlers.wizard import DraftKind

__all__ = [
    "KIND",
    "PREVIEW",
    "STEPS",
    "ask",
    "dropped",
    "keep",
    "load",
    "menu",
    "next_step",
    "offsets",
    "preview",
    "proposal_buttons",
    "steps_of",
]

STEPS = (
    "kind",
    "title",
    "start",
    "end",
    "place",
    "municipalities",
    "themes",
    "description",
    "forwhom",
    "programme",
    "capacity",
    "deadline",
    "reminders",
)
PREVIEW = "preview"
KIND = DraftKind(
    "newevent",
    __name__,
    timeout=lambda config: config.bot.wizard_timeout,
    expired=lambda t: t._("The event draft expired after a long pause. /newevent starts again."),
    discarded=lambda t: t._("Your unfinished event was discarded."),
)


async def load(context: AppContext, user_id: int, chat_id: int) -> Draft | None:
    stored = await KIND.load(context, user_id, chat_id)
    return None if stored is None else Draft.from_json(user_id, stored.payload)


async def keep(context: AppContext, t: Texts, chat: Message, draft: Draft, step: str) -> None:
    """Save the draft, waiting at `step`, in the chat of `chat`."""
    await KIND.keep(context, t, draft.user_id, chat.chat.id, step, draft.to_json())


def offsets(context: AppContext) -> tuple[int, ...]:
    return tuple(int(o.total_seconds()) for o in context.env.config.reminders.offsets)


async def ask(chat: Message, context: AppContext, t: Texts, draft: Draft, state: str) -> None:
    """Save the draft at `state` and ask its question."""
    await keep(context, t, chat, draft, state)
    if state == PREVIEW:
        await preview(chat, context, t, draft)
        return
    if state == REPEAT:
        repeat_text, repeat_markup = repeat_prompt(t, draft, context.env.config.bot.timezone)
        await chat.reply_text(repeat_text, reply_markup=repeat_markup)
        return
    text, markup = prompt(state, t, draft, context.env.config.bot.themes, offsets(context))
    await chat.reply_text(text, reply_markup=markup)


def steps_of(draft: Draft) -> tuple[str, ...]:
    """A proposal has no reminders: the coordinators set them when it is published."""
    return STEPS[:-1] if draft.proposing is not None else STEPS


def next_step(draft: Draft, state: str) -> str:
    steps = steps_of(draft)
    if draft.reviewing or state not in steps or state == steps[-1]:
        return PREVIEW
    return steps[steps.index(state) + 1]


async def menu(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    labels = {
        "kind": t._("Kind"),
        "title": t._("Title"),
        "start": t._("Start"),
        "end": t._("End"),
        "place": t._("Place or link"),
        "municipalities": t._("Municipalities"),
        "themes": t._("Themes"),
        "description": t._("Description"),
        "forwhom": t._("For whom"),
        "programme": t._("Programme"),
        "capacity": t._("Places"),
        "deadline": t._("Answer deadline"),
        "reminders": t._("Reminders"),
    }
    steps = [s for s in steps_of(draft) if not (draft.editing and s == "reminders")]
    if not draft.editing and draft.proposing is None:
        steps.append(REPEAT)  # a published event's dates are edited one by one
        labels[REPEAT] = t._("Repeat")
    rows = [
        [button(labels[s], AREA, "f", s) for s in steps[i : i + 2]] for i in range(0, len(steps), 2)
    ]
    await keep(context, t, message, draft, PREVIEW)
    await message.reply_text(t._("What do you want to change?"), reply_markup=keyboard(rows))


async def preview(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    fields = draft.complete()
    if fields is None:
        missing = draft.missing()[0]
        await ask(message, context, t, replace(draft, reviewing=False), missing)
        return
    env = context.env
    event = events.preview(env, fields, draft.user_id)
    size = await events.audience_size(env, fields)
    await message.reply_text(t._("Preview — recipients will see exactly this:"))
    now = env.db.now()
    card = card_text(event, t, env.catalog, env.themes, now=now)
    markup = card_keyboard(event, t, env.key, message.chat.id, association=False, now=now)
    await message.reply_text(card, reply_markup=markup)
    await _warn_clashes(message, context, t, fields, draft.editing)
    if draft.proposing is not None:
        ending, ending_markup = proposal_buttons(t, draft)
        await message.reply_text(ending, reply_markup=ending_markup)
        return
    tz = context.env.config.bot.timezone
    rule = None if draft.editing else draft.series_rule(tz)
    if rule is not None:
        try:
            dates = dates_text(rule, fields.starts_at.astimezone(tz), t)
        except SeriesError as exc:
            await message.reply_text(explain(exc, t))
            await ask(message, context, t, draft, REPEAT)
            return
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


async def _warn_clashes(
    message: Message, context: AppContext, t: Texts, fields: EventFields, editing: int | None
) -> None:
    """Other published events it may clash with, each with its link; a warning only."""
    env = context.env
    subject = clashes.subject_of(fields, editing)
    found = await clashes.find(env.db, env.catalog, subject, env.config.bot.timezone)
    username = context.bot.username
    warning = clashes.lines(found, t, lambda event_id: event_link(username, event_id))
    if warning:
        # Several links: no preview card of the first one.
        await message.reply_text(
            "\n".join(warning), link_preview_options=LinkPreviewOptions(is_disabled=True)
        )


def proposal_buttons(t: Texts, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    """The end of a proposal: send it (or, a coordinator's edited copy: approve it)."""
    approving = draft.proposing is not None and draft.proposing.approving
    first = t._("✅ Approve and publish") if approving else t._("📨 Send proposal")
    text = (
        t._("Approve your edited version to publish it.")
        if approving
        else t._("The coordinators of its municipality decide whether it is published.")
    )
    rows = [
        [button(first, AREA, "publish")],
        [button(t._("✏️ Edit"), AREA, "edit"), button(t._("✖ Discard"), AREA, "discard")],
    ]
    return text, keyboard(rows)


def dropped(t: Texts, draft: Draft | None) -> str:
    """What stopping the wizard leaves: a new event is gone, a published one stays as it was."""
    if draft is not None and draft.proposing is not None:
        return t._("The proposal was discarded; nothing was sent.")
    if draft is not None and draft.editing is not None:
        return t._(
            "Your changes were dropped; event {id} stays as it was and nobody was told.",
            id=draft.editing,
        )
    return t._("The event was discarded; nothing was sent.")
