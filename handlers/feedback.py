"""Feedback after an event: the 1–5 / attended / comment buttons, the `start=fbc_<event>` link
that starts a comment in the private chat, the comment itself (the next private message), and
/feedback <event> with the results, CSV and chart for the event's coordinators."""

from __future__ import annotations

import asyncio

from telegram import InputFile, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import button, claim, keyboard, pattern
from bot.core.i18n import Texts
from bot.events.schedule import feedback_due
from bot.feedback import report as feedback_report
from bot.feedback import service
from handlers import drafts
from handlers.common import edit_in_place, texts_for
from handlers.events.access import managed_tap, signed_tap, visible_event
from handlers.wizard import AnswerDraft
from storage.events import Event
from storage.feedback import Answer

__all__ = ["COMMENT", "deep_link_handler", "handlers"]

AREA_RESULTS = claim("fbr", __name__)
_ACTIONS = frozenset({"r1", "r2", "r3", "r4", "r5", "ay", "an", "c"})


def _problem_text(t: Texts, problem: service.Problem) -> str:
    return {
        "gone": t._("This event no longer exists."),
        "closed": t._("This questionnaire is closed."),
        "not_invited": t._("This questionnaire is for those who signed up for the event."),
        "too_long": t._(
            "A comment can be at most {limit} characters.", limit=service.COMMENT_LIMIT
        ),
        "empty": t._("Write the comment as text, or send /cancel."),
        "not_open": t._("This questionnaire is closed."),
        "no_draft": t._("This questionnaire is closed."),
    }[problem]


def _answer_lines(t: Texts, answer: Answer | None) -> list[str]:
    if answer is None:
        return []
    lines = []
    if answer.rating is not None:
        lines.append(t._("Your rating: {rating}/5 — thank you!", rating=answer.rating))
    if answer.attended is True:
        lines.append(t._("You attended."))
    elif answer.attended is False:
        lines.append(t._("You did not attend."))
    if answer.comment:
        lines.append(t._("Your comment is saved."))
    return lines


async def _follow_up(
    context: AppContext, t: Texts, message: Message, event: Event, answer: Answer | None
) -> None:
    """Edit the questionnaire: in a private chat with the person's own answers; in a group the
    text stays the same for everyone (nobody's answer is shown there), only the buttons grow."""
    private = message.chat.type == ChatType.PRIVATE
    lines = [service.question_text(event, t)]
    if private:
        lines += ["", *_answer_lines(t, answer)]
        lines.append(t._("Did you attend? You can also add a comment."))
    else:
        lines.append(
            t._("After rating, tell whether you attended; comments go via our private chat.")
        )
    markup = service.follow_up_keyboard(
        t,
        context.env.key,
        event.id,
        message.chat.id,
        private=private,
        bot_username=context.bot.username,
    )
    await edit_in_place(message, "\n".join(lines), markup)


async def on_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    tapped = signed_tap(update, context, _ACTIONS)
    if tapped is None or (tapped.action == "c" and tapped.message.chat.type != ChatType.PRIVATE):
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    event_id, action, message = tapped.event_id, tapped.action, tapped.message
    env = context.env
    if action == "c":
        outcome = await service.start_comment(env, event_id, user.id)
        if outcome.problem is None:
            await query.answer()
            await message.reply_text(_comment_prompt(t))
            return
    elif action in ("ay", "an"):
        outcome = await service.save_attended(env, event_id, user.id, action == "ay")
        if outcome.problem is None:
            await query.answer(t._("Thanks! Noted."))
    else:
        rating = int(action[1])
        outcome = await service.rate(env, event_id, user.id, rating)
        if outcome.problem is None:
            await query.answer(t._("Thanks! Your rating: {rating}/5", rating=rating))
    if outcome.problem is not None:
        await query.answer(_problem_text(t, outcome.problem), show_alert=True)
        if outcome.problem == "closed" and outcome.event is not None:
            await _closed(t, message, outcome.event)
        return
    assert outcome.event is not None
    await _follow_up(context, t, message, outcome.event, outcome.answer)


async def _closed(t: Texts, message: Message, event: Event) -> None:
    """The questionnaire that was tapped after closing loses its buttons."""
    text = service.question_text(event, t) + "\n\n" + t._("This questionnaire is closed.")
    await edit_in_place(message, text, None)


def _comment_prompt(t: Texts) -> str:
    return t._(
        "Write your comment as one message (at most {limit} characters). The event's "
        "coordinators see it without your name. Sending a command, e.g. /cancel, drops it.",
        limit=service.COMMENT_LIMIT,
    )


async def deep_link(update: Update, context: AppContext) -> None:
    """`start=fbc_<event>`: the group's comment button leads here."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and context.args
    t = await texts_for(context, update)
    value = context.args[0][len(service.DEEP_LINK_PREFIX) :]
    if not value.isdigit() or len(value) > 12:
        await message.reply_text(t._("This link is not valid any more."))
        return
    outcome = await service.start_comment(context.env, int(value), user.id)
    if outcome.problem is not None:
        await message.reply_text(_problem_text(t, outcome.problem))
        return
    assert outcome.event is not None
    await message.reply_text(
        t._("💬 Your comment on {title}", title=outcome.event.title) + "\n" + _comment_prompt(t)
    )


async def take_comment(update: Update, context: AppContext) -> bool:
    """The private message after "add a comment"; False: no comment draft is open."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return False
    env = context.env
    outcome = await service.save_comment(env, user.id, message.text)
    if outcome.problem == "no_draft":
        return False
    t = await texts_for(context, update)
    if outcome.problem == "too_long":
        await message.reply_text(
            t._(
                "That is {length} characters; a comment can be at most {limit}. Send a "
                "shorter one, or /cancel.",
                length=len((message.text or "").strip()),
                limit=service.COMMENT_LIMIT,
            )
        )
    elif outcome.problem is not None:
        await message.reply_text(_problem_text(t, outcome.problem))
    else:
        await message.reply_text(
            t._("Thanks! Your comment is saved; coordinators see it without your name.")
        )
    return True


# A comment is an answer draft (handlers/wizard.py): `start=fbc_` starts a new one right after
# the command guard dropped the old one.
COMMENT = AnswerDraft(
    take=take_comment,
    drop=service.drop_comment,
    stopped=lambda t: t._("Stopped; no comment was saved."),
)


async def feedback_command(update: Update, context: AppContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    t = await texts_for(context, update)
    args = context.args or []
    if len(args) != 1 or not args[0].isdigit() or len(args[0]) > 12:
        await message.reply_text(t._("Usage: /feedback 12 — the event's number is in /myevents."))
        return
    env = context.env
    event_id = int(args[0])
    event, manager = await visible_event(env, user.id, event_id, context)
    if event is None:
        await message.reply_text(t._("There is no event {id}.", id=event_id))
        return
    if not manager:
        await message.reply_text(t._("Only the event's coordinators can do that."))
        return
    if chat.type != ChatType.PRIVATE:
        await message.reply_text(
            t._(
                "Feedback results are shown in our private chat only: send /feedback {id} "
                "to me there.",
                id=event_id,
            )
        )
        return
    text = await _results_text(context, t, event)
    rows = [
        [
            button(t._("🔄 Refresh"), AREA_RESULTS, "r", event.id),
            button(t._("📄 CSV"), AREA_RESULTS, "csv", event.id),
            button(t._("📊 Chart"), AREA_RESULTS, "png", event.id),
        ]
    ]
    await message.reply_text(text, reply_markup=keyboard(rows))


async def _results_text(context: AppContext, t: Texts, event: Event) -> str:
    env = context.env
    results = await feedback_report.build(env.db, event)
    due = feedback_due(event, env.config) if event.state == "published" else None
    return feedback_report.render(event, results, t, env.catalog, now=env.db.now(), due_at=due)


async def results_tap(update: Update, context: AppContext) -> None:
    tap = await managed_tap(update, context)
    if tap is None:
        return
    env = context.env
    query, t, action, event, message = tap.query, tap.t, tap.action, tap.event, tap.message
    if action == "r":
        await query.answer()
        await edit_in_place(message, await _results_text(context, t, event), message.reply_markup)
    elif action == "csv":
        await query.answer()
        results = await feedback_report.build(env.db, event)
        await context.bot.send_document(
            message.chat.id,
            InputFile(
                feedback_report.answers_csv(results, t, env.catalog),
                filename=f"event-{event.id}-feedback.csv",
            ),
            caption=t.n_("{n} answer.", "{n} answers.", len(results.answers)),
        )
    elif action == "png":
        await query.answer()
        totals = (await feedback_report.build(env.db, event)).totals
        png = await asyncio.to_thread(feedback_report.chart_png, event, totals, t)
        await context.bot.send_photo(
            message.chat.id,
            InputFile(png, filename=f"event-{event.id}-feedback.png"),
            caption=t._("📊 How useful was {title}?", title=event.title),
        )
    else:
        await query.answer(t._("This menu has expired."), show_alert=True)


def deep_link_handler() -> BaseHandler[Update, AppContext, None]:
    return drafts.start_link(service.DEEP_LINK_PREFIX, deep_link)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("feedback", feedback_command),
        CallbackQueryHandler(on_tap, pattern=pattern(service.AREA)),
        CallbackQueryHandler(results_tap, pattern=pattern(AREA_RESULTS)),
    ]
