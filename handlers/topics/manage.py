"""The coordinator's side of topic suggestions, from the event's coordinator view
(handlers/events/view.py): "💡 Topics (N)" → the list and the CSV; "💡 Suggestions until…" → one
message with a date (an answer draft); "📊 Ask which interest them" → a preview → "📣 Send", a
poll to the event's respondents. Buttons: `tpm:<action>:<event>`, re-checked with managed_tap."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InputFile, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import AppContext
from bot.core.callbacks import button, claim, keyboard, pattern
from bot.core.dates import DateError
from bot.core.i18n import Texts
from bot.environment import Environment
from bot.topics import poll as topic_poll
from bot.topics import rules
from bot.topics.texts import topics_csv, topics_text, until_text
from handlers.common import edit_in_place
from handlers.events.access import ManagedTap, managed_tap
from handlers.events.view_answers import event_answer
from handlers.wizard import AnswerDraft
from storage import drafts, topics
from storage import events as stored_events
from storage.events import Event

__all__ = ["UNTIL", "coordinator_rows", "handlers"]

AREA = claim("tpm", __name__)
_KIND = "topics_until"  # a drafts row in the private chat: which event the date is for


async def coordinator_rows(
    env: Environment, t: Texts, event: Event
) -> list[list[InlineKeyboardButton]]:
    """The coordinator view's rows for a forum or workshop (none for other kinds)."""
    if not rules.offered(event):
        return []
    found = await topics.count(env.db, event.id)
    rows = [[button(t._("💡 Topics ({n})", n=found), AREA, "l", event.id)]]
    if event.state == "published":
        rows.append([button(t._("💡 Suggestions until…"), AREA, "u", event.id)])
    return rows


def _list_keyboard(t: Texts, event: Event, found: int) -> list[list[InlineKeyboardButton]]:
    rows = [[button(t._("📄 CSV"), AREA, "csv", event.id)]] if found else []
    if found and event.state == "published":
        rows.append([button(t._("📊 Ask which interest them"), AREA, "p", event.id)])
    return rows


async def _show_list(tap: ManagedTap, context: AppContext) -> None:
    env, t, event = context.env, tap.t, tap.event
    found = await topics.for_event(env.db, event.id)
    text = topics_text(t, event, found, now=env.db.now())
    await tap.message.reply_text(text, reply_markup=keyboard(_list_keyboard(t, event, len(found))))


async def _preview(tap: ManagedTap, context: AppContext) -> None:
    env, t, event = context.env, tap.t, tap.event
    chosen = topic_poll.options(await topics.for_event(env.db, event.id))
    if not chosen.enough:
        await tap.message.reply_text(
            t._(
                "A poll needs at least 2 different suggestions; there are {n} so far.",
                n=len(chosen.options),
            )
        )
        return
    size = await topic_poll.audience_size(env, event)
    lines = [t._("📊 <b>Preview</b>"), topic_poll.question(t, event), ""]
    lines += [f"▫️ {option}" for option in chosen.options]
    lines.append("")
    if chosen.left_out:
        lines.append(
            t.n_(
                "{n} more suggestion does not fit: a poll has at most 10 options (the first "
                "ones are asked).",
                "{n} more suggestions do not fit: a poll has at most 10 options (the first "
                "ones are asked).",
                chosen.left_out,
            )
        )
    if chosen.cut:
        lines.append(
            t.n_(
                "{n} suggestion is cut to 100 characters.",
                "{n} suggestions are cut to 100 characters.",
                chosen.cut,
            )
        )
    if chosen.merged:
        lines.append(
            t.n_(
                "{n} repeated suggestion is asked once.",
                "{n} repeated suggestions are asked once.",
                chosen.merged,
            )
        )
    lines.append(
        t.n_(
            "It goes to the {n} chat that answered the event; it closes when the event starts.",
            "It goes to the {n} chats that answered the event; it closes when the event starts.",
            size,
        )
    )
    rows = [[button(t._("📣 Send"), AREA, "ps", event.id)]] if size else []
    await tap.message.reply_text("\n".join(lines), reply_markup=keyboard(rows))


async def _send(tap: ManagedTap, context: AppContext) -> None:
    env, t, event = context.env, tap.t, tap.event
    user = tap.query.from_user
    chosen = topic_poll.options(await topics.for_event(env.db, event.id))
    if not chosen.enough or event.state != "published":
        await edit_in_place(tap.message, t._("This menu has expired."), None)
        return
    poll_id, asked = await topic_poll.send(env, t, event, chosen, user.id, context.bot.username)
    context.services.delivery.wake()
    await edit_in_place(
        tap.message,
        t.n_(
            "📣 Poll {id} is on its way to {n} chat. /polls shows the answers.",
            "📣 Poll {id} is on its way to {n} chats. /polls shows the answers.",
            asked,
            id=poll_id,
        ),
        None,
    )


async def manage_tap(update: Update, context: AppContext) -> None:
    tap = await managed_tap(update, context)
    if tap is None:
        return
    env, t, event, query = context.env, tap.t, tap.event, tap.query
    await query.answer()
    if tap.action == "l":
        await _show_list(tap, context)
    elif tap.action == "csv":
        found = await topics.for_event(env.db, event.id)
        await context.bot.send_document(
            tap.message.chat.id,
            InputFile(topics_csv(t, found), filename=f"event-{event.id}-topics.csv"),
            caption=t.n_("{n} suggestion.", "{n} suggestions.", len(found)),
        )
    elif tap.action == "u" and event.state == "published":
        await drafts.save(
            env.db, query.from_user.id, query.from_user.id, _KIND, "date", {"event": event.id}
        )
        await tap.message.reply_text(
            t._(
                "Suggestions are taken until {when}. Send a new date like 20.11. (to the end "
                "of that day) or 20.11. klo 16, before the start; /cancel keeps it.",
                when=until_text(t, event),
            )
        )
    elif tap.action == "p":
        await _preview(tap, context)
    elif tap.action == "ps":
        await _send(tap, context)


def _date_problem(t: Texts, reason: str) -> str:
    if reason == "past":
        return t._("That date is already past. Send a future date like 20.11.")
    if reason == "after_start":
        return t._("Suggestions must close before the event starts. Send an earlier date.")
    if reason == "ambiguous":
        return t._("The weekday does not match the date. Check it and send again.")
    return t._("Send the date like 20.11. or 20.11. klo 16, or /cancel.")


async def take_until(update: Update, context: AppContext) -> bool:
    """The private message after "💡 Suggestions until…"; False: no date was asked."""
    answer = await event_answer(update, context, _KIND, key="event", published=True)
    if isinstance(answer, bool):
        return answer
    env, message, t, event = context.env, answer.message, answer.t, answer.event
    user_id = answer.user_id
    now = datetime.fromtimestamp(env.db.now(), UTC)
    try:
        until = rules.parse_until(message.text or "", event, now, env.config.bot.timezone)
    except DateError as exc:
        await message.reply_text(_date_problem(t, exc.reason))
        return True
    await drafts.delete(env.db, user_id, user_id, _KIND)
    await topics.set_until(env.db, event.id, int(until.timestamp()))
    changed = await stored_events.get(env.db, event.id)
    assert changed is not None
    await message.reply_text(
        t._("💡 Suggestions are now taken until {when}.", when=until_text(t, changed))
    )
    return True


async def _drop(env: Environment, user_id: int) -> bool:
    return await drafts.delete(env.db, user_id, user_id, _KIND)


UNTIL = AnswerDraft(
    take=take_until,
    drop=_drop,
    stopped=lambda t: t._("Stopped; the date stays as it was."),
)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [CallbackQueryHandler(manage_tap, pattern=pattern(AREA))]
