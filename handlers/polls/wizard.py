"""/poll for coordinators: the wizard that prepares a poll in the private chat (questions →
audience → anonymous or named → group mode → closing time → reminder → results to respondents?
→ preview with the audience size → send); `/poll 12` shows poll 12's results
(handlers/polls/results.py).

A wizard (handlers/wizard.py): the draft is a database row at a named step (bot/polls/draft.py),
so it survives a restart. Typed answers come here through the shared free-text dispatch; taps
through `wizard_tap`; the steps that follow an answer are in handlers/polls/steps.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import button, keyboard, pattern
from bot.core.i18n import Texts, shorten
from bot.polls import rules as poll_rules
from bot.polls.draft import Draft
from bot.roles.access import role_of
from handlers.audience import read_audience
from handlers.common import texts_for
from handlers.polls import steps
from handlers.polls.results import show_results
from handlers.polls.steps import AREA_WIZARD, KIND
from handlers.polls.wizard_taps import wizard_tap
from handlers.wizard import Turn, Wizard, one_at_a_time
from storage.polls import NewQuestion

__all__ = ["WIZARD", "handlers"]


async def _is_coordinator(context: AppContext, user_id: int) -> bool:
    services = context.services
    return await role_of(services.env.config, services.env.db, user_id) != "participant"


async def poll_command(update: Update, context: AppContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    t = await texts_for(context, update)
    if not await _is_coordinator(context, user.id):
        await message.reply_text(t._("Only coordinators can send polls."))
        return
    args = context.args or []
    if args and args[0].lower() in ("results", "tulokset", "resultat"):
        args = args[1:]
    if args:
        if len(args) != 1 or not args[0].isdigit() or len(args[0]) > 12:
            await message.reply_text(
                t._("Usage: /poll starts a new poll; /poll 12 shows the results of poll 12.")
            )
            return
        await show_results(update, context, t, int(args[0]))
        return
    if chat.type != ChatType.PRIVATE:
        await message.reply_text(t._("Prepare polls in a private chat with me."))
        return
    await KIND.begin(context, t, user.id, user.id, "question", Draft(user.id, "question").to_json())
    await message.reply_text(
        t._(
            "Send the question (at most {limit} characters). A survey can have up to {n} "
            "questions; you can add more after this one. /cancel stops.",
            limit=poll_rules.MAX_QUESTION,
            n=poll_rules.MAX_QUESTIONS,
        )
    )


# Typed answers


TextStep = Callable[[Message, AppContext, Texts, Draft, str], Awaitable[None]]


def _typed(take: TextStep) -> Callable[[Turn], Awaitable[None]]:
    async def step(turn: Turn) -> None:
        if turn.text is None:
            await turn.message.reply_text(turn.t._("Send it as text, or /cancel."))
            return
        draft = Draft.from_json(turn.draft.user_id, turn.draft.step, turn.draft.payload)
        await take(turn.message, turn.context, turn.t, draft, turn.text)

    return step


async def _take_question(
    message: Message, context: AppContext, t: Texts, draft: Draft, text: str
) -> None:
    problem = poll_rules.check_question(text)
    if problem == "empty":
        await message.reply_text(t._("Send the question as text, or /cancel."))
        return
    if problem == "too_long":
        await message.reply_text(
            t._(
                "The question is {length} characters; at most {limit} fit. Shorten it and "
                "send again.",
                length=len(text.strip()),
                limit=poll_rules.MAX_QUESTION,
            )
        )
        return
    await steps.store(context, t, replace(draft, step="kind", pending=text.strip()))
    await message.reply_text(
        t._("How is it answered?"),
        reply_markup=keyboard(
            [
                [button(t._("🔘 One choice"), AREA_WIZARD, "k", "single")],
                [button(t._("☑️ Several choices"), AREA_WIZARD, "k", "multiple")],
                [button(t._("🔢 Scale 1–5"), AREA_WIZARD, "k", "scale")],
                [button(t._("✍️ Free text"), AREA_WIZARD, "k", "text")],
            ]
        ),
    )


async def _take_options(
    message: Message, context: AppContext, t: Texts, draft: Draft, text: str
) -> None:
    found = poll_rules.parse_options(text)
    if found.problem is not None:
        await message.reply_text(
            {
                "too_few": t._(
                    "A choice question needs at least {min} options, one per line. Send them "
                    "again.",
                    min=poll_rules.MIN_OPTIONS,
                ),
                "too_many": t._(
                    "That is {n} options; at most {max} fit. Send them again.",
                    n=len(found.options),
                    max=poll_rules.MAX_OPTIONS,
                ),
                "too_long": t._(
                    "The option “{option}” is over {limit} characters. Shorten it and send the "
                    "options again.",
                    option=shorten(found.detail, 40),
                    limit=poll_rules.MAX_OPTION,
                ),
                "duplicate": t._(
                    "The option “{option}” is there twice. Send the options again, each once.",
                    option=shorten(found.detail, 40),
                ),
            }[found.problem]
        )
        return
    assert draft.pending_kind is not None
    await steps.question_added(
        message, context, t, draft, NewQuestion(draft.pending_kind, draft.pending, found.options)
    )


async def _take_audience(
    message: Message, context: AppContext, t: Texts, draft: Draft, text: str
) -> None:
    choice = await read_audience(message, context, t, text)
    if choice is not None:
        await steps.audience_chosen(message, context, t, draft, choice)


async def _take_closing(
    message: Message, context: AppContext, t: Texts, draft: Draft, text: str
) -> None:
    closes_at = await steps.read_time(message, context, t, text)
    if closes_at is not None:
        await steps.closing_chosen(message, context, t, draft, closes_at)


async def _take_reminder(
    message: Message, context: AppContext, t: Texts, draft: Draft, text: str
) -> None:
    reminder_at = await steps.read_time(message, context, t, text)
    if reminder_at is not None:
        await steps.reminder_chosen(message, context, t, draft, reminder_at)


async def _on_cancel(turn: Turn) -> None:
    await KIND.end(turn.context, turn.draft.user_id, turn.draft.chat_id)
    await turn.message.reply_text(turn.t._("Stopped; the poll was not sent."))


WIZARD = Wizard(
    KIND,
    steps={
        "question": _typed(_take_question),
        "options": _typed(_take_options),
        "audience": _typed(_take_audience),
        "closes": _typed(_take_closing),
        "reminder": _typed(_take_reminder),
    },
    cancel=_on_cancel,
)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("poll", poll_command),
        CallbackQueryHandler(one_at_a_time(wizard_tap), pattern=pattern(AREA_WIZARD)),
    ]
