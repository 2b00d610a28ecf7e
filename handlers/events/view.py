"""/events (upcoming events for this chat's subscriptions), /event <id> and `start=ev_<id>`,
/myevents, and the coordinator's tools on an event: answers, CSV, edit and cancel."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.events import report as event_report
from bot.events import service as events
from bot.events.cards import DEEP_LINK_PREFIX, time_line
from bot.events.for_whom import FOR_WHOM, code_of_word, names
from bot.events.reader_cards import Reader
from bot.roles.access import role_of
from handlers.common import edit_in_place, texts_for
from handlers.events.access import managed_tap, visible_event
from handlers.events.organisers import organisers_button
from handlers.events.rsvp import render_card
from handlers.events.sessions import sessions_button
from handlers.topics.manage import coordinator_rows as topic_rows
from storage import events as stored_events
from storage.events import Event

__all__ = ["deep_link_handler", "handlers"]

AREA_LIST = claim("evl", __name__)
AREA_MANAGE = claim("evm", __name__)
PAGE = 5


async def _show(message: Message, update: Update, context: AppContext, event_id: int) -> None:
    t = await texts_for(context, update)
    env = context.env
    user = update.effective_user
    event, manager = await visible_event(env, user.id if user else None, event_id, context)
    if event is None:
        await message.reply_text(t._("There is no event {id}.", id=event_id))
        return
    private = message.chat.type == ChatType.PRIVATE
    card = await render_card(context, t, event, Reader(message.chat.id, private))
    await message.reply_text(card.text, reply_markup=card.markup)
    if manager and private:
        await _send_report(message, context, t, event)


async def _send_report(message: Message, context: AppContext, t: Texts, event: Event) -> None:
    env = context.env
    report = await event_report.build(env.db, event)
    rows = [
        [
            button(t._("🔄 Refresh"), AREA_MANAGE, "r", event.id),
            button(t._("📄 CSV"), AREA_MANAGE, "csv", event.id),
        ]
    ]
    if event.state == "published":
        rows.append(
            [
                button(t._("✏️ Edit"), "nev", "ed", event.id),
                button(t._("✖ Cancel event"), AREA_MANAGE, "cx", event.id),
            ]
        )
        rows.append([sessions_button(t, event)])
        rows.append([organisers_button(t, event)])
    rows += await topic_rows(env, t, event)  # a forum's or workshop's topic suggestions
    await message.reply_text(
        event_report.render(event, report, t, env.catalog), reply_markup=keyboard(rows)
    )


async def event_command(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    t = await texts_for(context, update)
    args = context.args or []
    if len(args) != 1 or not args[0].isdigit() or len(args[0]) > 12:
        await message.reply_text(t._("Usage: /event 12 — the number is in the invitation."))
        return
    await _show(message, update, context, int(args[0]))


async def deep_link(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None and context.args
    value = context.args[0][len(DEEP_LINK_PREFIX) :]
    if not value.isdigit() or len(value) > 12:
        t = await texts_for(context, update)
        await message.reply_text(t._("This link is not valid any more."))
        return
    await _show(message, update, context, int(value))


async def _listing(
    update: Update, context: AppContext, t: Texts, offset: int, group: str | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of /events; `group` (a for_whom code): only the events for that group."""
    chat = update.effective_chat
    assert chat is not None
    env = context.env
    found, total = await stored_events.upcoming_for_chat(
        env.db, chat.id, env.db.now(), limit=PAGE, offset=offset, for_whom=group
    )
    if total == 0 and group is not None:
        return (
            t._(
                "No upcoming events for {group} in this chat's subscriptions.",
                group=names((group,), t),
            ),
            None,
        )
    if total == 0:
        return (
            t._(
                "No upcoming events in this chat's subscriptions. /subscribe chooses "
                "municipalities and themes."
            ),
            None,
        )
    lines = [
        t._(
            "<b>Upcoming events</b> ({first}–{last} of {total})",
            first=offset + 1,
            last=offset + len(found),
            total=total,
        )
    ]
    if group is not None:
        lines.append(t._("For {group}", group=names((group,), t)))
    rows = []
    for event in found:
        lines.append(t._("• {when}: {title}", when=time_line(event, t), title=event.title))
        rows.append([button(f"{event.title[:40]}", AREA_LIST, "o", event.id)])
    nav = []
    more = () if group is None else (group,)  # the next page keeps the filter
    if offset > 0:
        nav.append(button(t._("◀ Earlier"), AREA_LIST, "p", max(0, offset - PAGE), *more))
    if offset + PAGE < total:
        nav.append(button(t._("Later ▶"), AREA_LIST, "p", offset + PAGE, *more))
    rows.append(nav)
    return "\n".join(lines), keyboard(rows)


async def events_command(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    t = await texts_for(context, update)
    group = None
    if context.args:  # "/events volunteers": only the events for that group
        group = code_of_word("_".join(context.args))
        if group is None:
            await message.reply_text(
                t._(
                    "I do not know the group “{word}”. Try /events staff, /events volunteers, "
                    "/events municipality or /events everyone.",
                    word=" ".join(context.args)[:40],
                )
            )
            return
    text, markup = await _listing(update, context, t, 0, group)
    await message.reply_text(text, reply_markup=markup)


async def myevents_command(update: Update, context: AppContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await texts_for(context, update)
    env = context.env
    role = await role_of(env.config, env.db, user.id)
    if role == "participant":
        await message.reply_text(t._("Only coordinators have events of their own."))
        return
    mine = await stored_events.by_creator(
        env.db, None if role == "admin" else user.id, env.db.now(), limit=30
    )
    if not mine:
        await message.reply_text(t._("No events yet. /newevent creates one."))
        return
    states = {"published": "", "cancelled": t._(" (cancelled)"), "draft": ""}
    lines = [t._("<b>Events</b>")]
    rows = []
    for event in mine:
        lines.append(
            t._(
                "{id}: {when} — {title}{state}",
                id=event.id,
                when=time_line(event, t),
                title=event.title,
                state=states[event.state],
            )
        )
        rows.append([button(f"{event.id}: {event.title[:40]}", AREA_LIST, "o", event.id)])
    await message.reply_text("\n".join(lines), reply_markup=keyboard(rows))


async def list_tap(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    value = data.int_part(1) if data else None
    if data is None or value is None or value < 0 or not isinstance(query.message, Message):
        await query.answer(t._("This menu has expired."), show_alert=True)
        return
    await query.answer()
    if data.part(0) == "o":
        await _show(query.message, update, context, value)
    elif data.part(0) == "p":
        group = data.part(2)
        if group is not None and group not in FOR_WHOM:
            return  # a forged page button
        text, markup = await _listing(update, context, t, value, group)
        await edit_in_place(query.message, text, markup)


async def manage_tap(update: Update, context: AppContext) -> None:
    tap = await managed_tap(update, context)
    if tap is None:
        return
    env = context.env
    query, t, action, event, message = tap.query, tap.t, tap.action, tap.event, tap.message
    if action == "r":
        await query.answer()
        report = await event_report.build(env.db, event)
        text = event_report.render(event, report, t, env.catalog)
        await edit_in_place(message, text, message.reply_markup)
    elif action == "csv":
        await query.answer()
        report = await event_report.build(env.db, event)
        data_bytes = event_report.attendees_csv(event, report, t, env.catalog)
        await context.bot.send_document(
            message.chat.id,
            InputFile(data_bytes, filename=f"event-{event.id}-attendees.csv"),
            caption=t.n_("{n} answer.", "{n} answers.", len(report.attendees)),
        )
    elif action == "cx" and event.state == "published":
        await query.answer()
        await message.reply_text(
            t._(
                "Cancel “{title}” ({when})? Everyone invited and everyone who answered is told.",
                title=event.title,
                when=time_line(event, t),
            ),
            reply_markup=keyboard(
                [
                    [button(t._("Yes, cancel the event"), AREA_MANAGE, "cxy", event.id)],
                    [button(t._("No, keep it"), AREA_MANAGE, "keep", event.id)],
                ]
            ),
        )
    elif action == "cxy" and event.state == "published":
        notified = await events.cancel(env, event)
        context.services.delivery.wake()
        await query.answer()
        await edit_in_place(
            message,
            t.n_(
                "The event was cancelled; {n} cancellation notice is on its way.",
                "The event was cancelled; {n} cancellation notices are on their way.",
                notified,
            ),
            None,
        )
    elif action == "keep":
        await query.answer()
        await edit_in_place(message, t._("The event stays as it is."), None)
    else:
        await query.answer(t._("This event was already cancelled."), show_alert=True)


def deep_link_handler() -> BaseHandler[Update, AppContext, None]:
    return CommandHandler(
        "start", deep_link, filters=filters.Regex(rf"^/start(@\w+)? {DEEP_LINK_PREFIX}")
    )


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("events", events_command),
        CommandHandler("event", event_command),
        CommandHandler("myevents", myevents_command),
        CallbackQueryHandler(list_tap, pattern=pattern(AREA_LIST)),
        CallbackQueryHandler(manage_tap, pattern=pattern(AREA_MANAGE)),
    ]
