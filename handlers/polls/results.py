"""Poll results for the poll's coordinators: `/poll 12` (refresh, CSV, chart, splits, close now)
and `/polls`, one's polls (admins: all)."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.i18n import Texts, shorten
from bot.polls import closing as poll_closing
from bot.polls import report as poll_report
from bot.polls import report_chart as poll_report_chart
from bot.polls import report_csv as poll_report_csv
from bot.polls import report_text as poll_report_text
from bot.polls import rules as poll_rules
from bot.roles.access import role_of
from handlers.common import edit_in_place, texts_for
from storage import polls as stored
from storage.polls import Poll

__all__ = ["AREA_RESULTS", "handlers", "show_results"]

AREA_RESULTS = claim("plr", __name__)


async def _is_coordinator(context: AppContext, user_id: int) -> bool:
    services = context.services
    return await role_of(services.env.config, services.env.db, user_id) != "participant"


async def polls_command(update: Update, context: AppContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await texts_for(context, update)
    if not await _is_coordinator(context, user.id):
        await message.reply_text(t._("Only coordinators can send polls."))
        return
    services = context.services
    everyone = await role_of(services.env.config, services.env.db, user.id) == "admin"
    found = await stored.list_polls(services.env.db, None if everyone else user.id)
    if not found:
        await message.reply_text(t._("You have no polls yet. /poll starts one."))
        return
    now = services.env.db.now()
    lines = [t._("<b>Your polls</b>") if not everyone else t._("<b>Polls</b>")]
    rows = []
    for poll in found:
        asked = await stored.asked_count(services.env.db, poll.id)
        answered = await stored.answered_count(services.env.db, poll.id)
        state = t._("open") if poll.is_open(now) else t._("closed")
        lines.append(
            t._(
                "{id}: {title} — {state}, {answered}/{asked} chats answered",
                id=poll.id,
                title=shorten(poll.title, 60),
                state=state,
                answered=answered,
                asked=asked,
            )
        )
        rows.append([button(t._("📊 Results of {id}", id=poll.id), AREA_RESULTS, "v", poll.id)])
    await message.reply_text("\n".join(lines), reply_markup=keyboard(rows))


async def show_results(update: Update, context: AppContext, t: Texts, poll_id: int) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    env = context.env
    poll = await stored.get(env.db, poll_id)
    if poll is None:
        await message.reply_text(t._("There is no poll {id}.", id=poll_id))
        return
    if not await poll_rules.may_manage_poll(env, user.id, poll):
        await message.reply_text(t._("Only the poll's coordinators can see its results."))
        return
    if chat.type != ChatType.PRIVATE:
        await message.reply_text(
            t._(
                "Poll results are shown in our private chat only: send /poll {id} to me there.",
                id=poll_id,
            )
        )
        return
    text, markup = await _results_view(context, t, poll)
    await message.reply_text(text, reply_markup=markup)


async def _results_view(
    context: AppContext, t: Texts, poll: Poll
) -> tuple[str, InlineKeyboardMarkup]:
    services = context.services
    results = await poll_report.build(services.env.db, poll)
    now = services.env.db.now()
    text = poll_report_text.render(
        results, t, services.env.catalog, services.env.config.bot.themes, now=now
    )
    row = [
        button(t._("🔄 Refresh"), AREA_RESULTS, "r", poll.id),
        button(t._("📄 CSV"), AREA_RESULTS, "csv", poll.id),
        button(t._("📊 Chart"), AREA_RESULTS, "png", poll.id),
    ]
    rows = [row]
    if "🔎" in text and poll_report_text.has_splits(results):
        rows.append([button(t._("🔎 Splits"), AREA_RESULTS, "s", poll.id)])
    if poll.is_open(now):
        rows.append([button(t._("🔒 Close now"), AREA_RESULTS, "x", poll.id)])
    return text, keyboard(rows)


async def results_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    poll_id = data.int_part(1) if data else None
    env = context.env
    poll = await stored.get(env.db, poll_id) if poll_id is not None else None
    message = query.message
    if (
        data is None
        or poll is None
        or not isinstance(message, Message)
        or not await poll_rules.may_manage_poll(env, user.id, poll)
    ):
        await query.answer(
            t._("Only the poll's coordinators can see its results."), show_alert=True
        )
        return
    action = data.part(0)
    if action == "xy":
        await _close(update, context, t, message, poll)
        return
    if action not in _ACTIONS:
        await query.answer(t._("This menu has expired."), show_alert=True)
        return
    await query.answer()
    if action in ("r", "v"):
        text, markup = await _results_view(context, t, poll)
        if action == "r":  # the results message itself
            await edit_in_place(message, text, markup)
        else:  # from the /polls list
            await message.reply_text(text, reply_markup=markup)
    elif action in _FILES:
        await _FILES[action](context, t, message, poll)
    elif action == "x":
        await message.reply_text(
            t._("Close poll {id} now? Answers are no longer taken after this.", id=poll.id),
            reply_markup=keyboard(
                [
                    [button(t._("🔒 Yes, close it"), AREA_RESULTS, "xy", poll.id)],
                    [button(t._("No"), AREA_RESULTS, "xn", poll.id)],
                ]
            ),
        )
    elif action == "xn":
        await edit_in_place(message, t._("The poll stays open."), None)


async def _splits(context: AppContext, t: Texts, message: Message, poll: Poll) -> None:
    env = context.env
    results = await poll_report.build(env.db, poll)
    for text in poll_report_text.splits(results, t, env.catalog, env.config.bot.themes):
        await message.reply_text(text)


async def _csv(context: AppContext, t: Texts, message: Message, poll: Poll) -> None:
    env = context.env
    results = await poll_report.build(env.db, poll)
    data_csv = poll_report_csv.answers_csv(results, t, env.catalog, env.config.bot.themes)
    await context.bot.send_document(
        message.chat.id,
        InputFile(data_csv, filename=f"poll-{poll.id}.csv"),
        caption=t.n_("{n} respondent.", "{n} respondents.", results.respondents),
    )


async def _chart(context: AppContext, t: Texts, message: Message, poll: Poll) -> None:
    results = await poll_report.build(context.env.db, poll)
    png = await asyncio.to_thread(poll_report_chart.chart_png, results, t)
    await context.bot.send_photo(
        message.chat.id,
        InputFile(png, filename=f"poll-{poll.id}.png"),
        caption=t._("📊 {title}", title=shorten(poll.title, 200)),
    )


_FILES = {"s": _splits, "csv": _csv, "png": _chart}
_ACTIONS = frozenset({"r", "v", "x", "xn", *_FILES})


async def _close(
    update: Update, context: AppContext, t: Texts, message: Message, poll: Poll
) -> None:
    query = update.callback_query
    assert query is not None
    env = context.env
    closed = await poll_closing.close_now(env, poll.id)
    context.services.delivery.wake()
    await query.answer(
        t._("Poll {id} is closed.", id=poll.id)
        if closed
        else t._("Poll {id} was closed already.", id=poll.id)
    )
    fresh = await stored.get(env.db, poll.id)
    assert fresh is not None
    text, markup = await _results_view(context, t, fresh)
    await edit_in_place(message, text, markup)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("polls", polls_command),
        CallbackQueryHandler(results_tap, pattern=pattern(AREA_RESULTS)),
    ]
