"""Answering polls: taps on question buttons (`pl:` callbacks), native poll answers (poll_answer
updates), and "write my answer" — an answer draft in the database: the next private message is
the answer, as with feedback comments; from a group through `start=plt_…`."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, PollAnswerHandler

from bot.context import AppContext
from bot.core.callbacks import decode, pattern
from bot.core.i18n import Texts, shorten
from bot.feedback import service as feedback_service
from bot.polls import answers as poll_answers
from bot.polls import links as poll_links
from bot.polls import rules as poll_rules
from bot.polls import texts as poll_texts
from handlers import drafts
from handlers.common import edit_in_place, texts_for
from handlers.wizard import AnswerDraft

__all__ = ["ANSWER", "deep_link_handler", "handlers"]


def _checks(
    context: AppContext, chat_id: int, user_id: int, *, tapped_in_group: bool
) -> poll_answers.GroupChecks:
    bot = context.bot

    async def is_admin() -> bool:
        return await context.services.group_admins.is_admin(bot, chat_id, user_id)

    async def is_member() -> bool:
        if tapped_in_group:
            return True  # Telegram only lets members tap a group's buttons
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError:
            return False
        return member.status not in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)

    return poll_answers.GroupChecks(is_admin, is_member)


def _problem_text(t: Texts, problem: poll_rules.Problem) -> str:
    return {
        "gone": t._("This poll no longer exists."),
        "closed": t._("This poll is closed; answers are no longer taken."),
        "not_asked": t._("This poll was not sent to this chat, so it cannot be answered here."),
        "not_admin": t._(
            "In this group the association answers once: only the group's administrators can "
            "answer."
        ),
        "not_member": t._("Only the group's members can answer for it."),
        "bad_option": t._("This button is not valid."),
        "too_long": t._(
            "An answer can be at most {limit} characters. Shorten it and send again.",
            limit=poll_rules.TEXT_LIMIT,
        ),
        "empty": t._("Write the answer as text, or send /cancel."),
        "no_draft": t._("This poll is closed; answers are no longer taken."),
    }[problem]


async def answer_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    message = query.message
    poll_id = data.int_part(0) if data else None
    position = data.int_part(1) if data else None
    action = data.part(2) if data else None
    if (
        data is None
        or poll_id is None
        or position is None
        or not action
        or not isinstance(message, Message)
        or not poll_links.verify_button(context.env.key, poll_id, message.chat.id, data.part(3))
    ):
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    group = message.chat.type != ChatType.PRIVATE
    if action == "w":
        if group:
            await query.answer(t._("This button is not valid."), show_alert=True)
            return
        outcome = await poll_answers.start_text(
            context.env, poll_id, position, message.chat.id, user.id, None
        )
        if outcome.problem is None:
            await feedback_service.drop_comment(context.env, user.id)  # one draft at a time
            await query.answer()
            await message.reply_text(_write_prompt(t, outcome))
            return
    else:
        checks = _checks(context, message.chat.id, user.id, tapped_in_group=True) if group else None
        outcome = await poll_answers.tap(
            context.env, poll_id, position, message.chat.id, user.id, action, checks
        )
    await _tapped(update, context, t, message, outcome)


async def _tapped(
    update: Update, context: AppContext, t: Texts, message: Message, outcome: poll_answers.Outcome
) -> None:
    """The question message after a tap: the choices marked, or closed."""
    query = update.callback_query
    assert query is not None
    group = message.chat.type != ChatType.PRIVATE
    if outcome.problem is not None:
        await query.answer(_problem_text(t, outcome.problem), show_alert=True)
        if (
            outcome.problem == "closed"
            and outcome.poll is not None
            and outcome.question is not None
        ):
            text = poll_texts.question_text(
                outcome.poll, outcome.question, t, group=group, closed=True
            )
            await edit_in_place(message, text, None)
        return
    assert outcome.poll is not None and outcome.question is not None
    await query.answer(_tap_answer(t, outcome))
    text = poll_texts.question_text(
        outcome.poll,
        outcome.question,
        t,
        group=group,
        choices=outcome.choices,
        respondents=outcome.respondents,
    )
    markup = poll_texts.question_keyboard(
        outcome.poll,
        outcome.question,
        t,
        context.env.key,
        message.chat.id,
        group=group,
        bot_username=context.bot.username,
        choices=outcome.choices,
    )
    await edit_in_place(message, text, markup)


def _tap_answer(t: Texts, outcome: poll_answers.Outcome) -> str:
    question = outcome.question
    assert question is not None
    if not outcome.choices:
        return t._("Your answer was taken away.")
    if question.kind == "scale":
        labels = ", ".join(str(c) for c in outcome.choices)
    else:
        labels = ", ".join(question.options[c] for c in outcome.choices)
    return shorten(t._("Saved: {answer}", answer=labels), 190)


def _write_prompt(t: Texts, outcome: poll_answers.Outcome) -> str:
    assert outcome.poll is not None and outcome.question is not None
    lines = [
        t._("✍️ <b>{question}</b>", question=outcome.question.text),
        t._(
            "Write your answer as one message (at most {limit} characters). Sending a command, "
            "e.g. /cancel, drops it.",
            limit=poll_rules.TEXT_LIMIT,
        ),
    ]
    if outcome.poll.anonymous:
        lines.append(t._("🙈 The coordinators see it without your name."))
    else:
        lines.append(t._("👤 The coordinators see your name with it."))
    if outcome.text:
        lines.append(
            t._("Your earlier answer is replaced: “{text}”", text=shorten(outcome.text, 200))
        )
    return "\n".join(lines)


async def on_poll_answer(update: Update, context: AppContext) -> None:
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return
    env = context.env
    outcome = await poll_answers.answer_native(
        env, answer.poll_id, answer.user.id, list(answer.option_ids)
    )
    if outcome.problem == "closed":
        t = await texts_for(context, update)
        await context.bot.send_message(
            answer.user.id,
            t._(
                "The poll “{title}” is closed; your answer was not saved.", title=outcome.poll.title
            )
            if outcome.poll is not None
            else _problem_text(t, "closed"),
        )


async def deep_link(update: Update, context: AppContext) -> None:
    """`start=plt_<poll>_<question>_<chat>_<sig>`: a group's "write my answer" leads here."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and context.args
    t = await texts_for(context, update)
    env = context.env
    found = poll_links.parse_deep_link(context.env.key, context.args[0])
    if found is None:
        await message.reply_text(t._("This link is not valid any more."))
        return
    poll_id, position, chat_id = found
    checks = _checks(context, chat_id, user.id, tapped_in_group=False)
    outcome = await poll_answers.start_text(env, poll_id, position, chat_id, user.id, checks)
    if outcome.problem is not None:
        await message.reply_text(_problem_text(t, outcome.problem))
        return
    await feedback_service.drop_comment(env, user.id)
    await message.reply_text(_write_prompt(t, outcome))


async def take_text(update: Update, context: AppContext) -> bool:
    """A private message while a written answer is open; False when none is."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return False
    chat_id = await poll_answers.draft_chat(context.env, user.id)
    if chat_id is None:
        return False
    t = await texts_for(context, update)
    checks = _checks(context, chat_id, user.id, tapped_in_group=False)
    outcome = await poll_answers.save_text(
        context.env, user.id, message.text, checks if chat_id != user.id else None
    )
    if outcome.problem is not None:
        await message.reply_text(_problem_text(t, outcome.problem))
    else:
        await message.reply_text(_saved_text(t, outcome))
    return True


def _saved_text(t: Texts, outcome: poll_answers.Outcome) -> str:
    assert outcome.poll is not None
    if outcome.poll.anonymous:
        return t._("Thanks! Your answer is saved; the coordinators see it without your name.")
    return t._("Thanks! Your answer is saved.")


ANSWER = AnswerDraft(
    take=take_text,
    drop=poll_answers.drop_text,
    stopped=lambda t: t._("Stopped; no answer was saved."),
)


def deep_link_handler() -> BaseHandler[Update, AppContext, None]:
    return drafts.start_link(poll_links.DEEP_LINK_PREFIX, deep_link)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CallbackQueryHandler(answer_tap, pattern=pattern(poll_links.AREA)),
        PollAnswerHandler(on_poll_answer),
    ]
