"""The /newevent wizard's optional repeat step: a pattern, "doesn't repeat", month toggles and
the series' end typed as a number of dates or the last date (handlers/events/series_prompts.py
draws it). A published event's dates are edited one at a time, so editing never offers it."""

from __future__ import annotations

from dataclasses import replace

from telegram import Message

from bot.context import AppContext
from bot.core.i18n import Texts
from bot.events.draft import Draft, Repeat
from bot.events.series import PATTERNS, SeriesError, occurrences, parse_end
from bot.events.series_text import explain
from handlers.common import edit_in_place
from handlers.events.newevent_steps import PREVIEW, ask, keep
from handlers.events.series_prompts import REPEAT, repeat_prompt
from handlers.wizard import Turn

__all__ = ["repeat_button", "repeat_checked", "repeat_text"]


async def repeat_button(
    message: Message,
    context: AppContext,
    t: Texts,
    draft: Draft,
    action: str | None,
    number: int | None,
    value: str | None,
) -> None:
    """The repeat step's buttons: a pattern, "doesn't repeat", a month toggle, done."""
    if draft.editing is not None:
        return  # a published event's dates are edited one at a time
    if draft.starts_at is None:
        await ask(message, context, t, draft, draft.missing()[0])
        return
    tz = context.env.config.bot.timezone
    repeat = draft.repeat
    if action == "f":
        await ask(message, context, t, draft, REPEAT)
        return
    if action == "rep" and value == "no":
        await ask(message, context, t, replace(draft, repeat=None), PREVIEW)
        return
    if action == "rep" and value in PATTERNS:
        pattern = next(p for p in PATTERNS if p == value)
        repeat = replace(repeat, pattern=pattern) if repeat else Repeat(pattern)
    elif action == "mon" and repeat is not None and number is not None and 1 <= number <= 12:
        chosen = set(repeat.months) ^ {number}
        months = () if len(chosen) == 12 else tuple(sorted(chosen))
        repeat = replace(repeat, months=months)
    elif action == "done" and repeat is not None:
        await repeat_checked(message, context, t, draft, PREVIEW)
        return
    else:
        return  # a stale button
    draft = replace(draft, repeat=repeat)
    await keep(context, t, message, draft, REPEAT)
    text, markup = repeat_prompt(t, draft, tz)
    await edit_in_place(message, text, markup)


async def repeat_checked(
    message: Message, context: AppContext, t: Texts, draft: Draft, then: str
) -> None:
    """Go on to `then` if the draft's repeat rule gives dates; otherwise say why and ask the
    repeat step again."""
    tz = context.env.config.bot.timezone
    rule = draft.series_rule(tz)
    if rule is not None and draft.starts_at is not None:
        try:
            occurrences(rule, draft.starts_at.astimezone(tz))
        except SeriesError as exc:
            await message.reply_text(explain(exc, t))
            await ask(message, context, t, draft, REPEAT)
            return
    await ask(message, context, t, draft, then)


async def repeat_text(turn: Turn) -> None:
    """The series' end, typed in the repeat step: a number of dates or the last date."""
    message, context, t = turn.message, turn.context, turn.t
    assert message.text is not None
    draft = Draft.from_json(turn.draft.user_id, turn.draft.payload)
    if draft.repeat is None:
        await message.reply_text(t._("Choose how it repeats with the buttons above, or /cancel."))
        return
    tz = context.env.config.bot.timezone
    try:
        count, until = parse_end(message.text, context.env.clock.now().astimezone(tz).date())
    except SeriesError:
        await message.reply_text(
            t._("Send the number of dates like 6, or the last date like 1.6.2027.")
        )
        return
    changed = replace(draft, repeat=replace(draft.repeat, count=count, until=until))
    rule = changed.series_rule(tz)
    assert rule is not None and changed.starts_at is not None
    try:
        occurrences(rule, changed.starts_at.astimezone(tz))
    except SeriesError as exc:
        await message.reply_text(explain(exc, t))
        await ask(message, context, t, draft, REPEAT)
        return
    await ask(message, context, t, changed, REPEAT)
