"""Audience polls and surveys.

Coordinators: `/poll` prepares a poll in the private chat (questions → audience → anonymous or
named → group mode → closing time → reminder → results to respondents? → preview with the
audience size → send); `/poll 12` shows poll 12's results (refresh, CSV, chart, close now);
`/polls` lists one's polls (admins: all).

Everyone asked: taps on question buttons (`pl:` callbacks), native poll answers (poll_answer
updates), "write my answer" (the next private message is the answer, as with feedback comments;
from a group through `start=plt_…`).

The wizard's draft lives in the coordinator's user_data, like /announce's (a restart asks them
to start again); answers and answer drafts are in the database.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from telegram import InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    PollAnswerHandler,
    filters,
)

from bot.announcements.service import AudienceChoice
from bot.audience.access import audience_problem
from bot.audience.recipients import AudienceSpec, count
from bot.context import AppContext
from bot.core.dates import DateError, parse_datetime
from bot.core.i18n import Texts, escape, shorten
from bot.feedback import service as feedback_service
from bot.polls import answers as poll_answers
from bot.polls import closing as poll_closing
from bot.polls import links as poll_links
from bot.polls import report as poll_report
from bot.polls import report_chart as poll_report_chart
from bot.polls import report_csv as poll_report_csv
from bot.polls import report_text as poll_report_text
from bot.polls import rules as poll_rules
from bot.polls import sending as poll_sending
from bot.polls import texts as poll_texts
from bot.roles.access import role_of
from handlers import drafts, feedback
from handlers.audience import read_audience
from handlers.common import edit_in_place, texts_for
from handlers.keyboards import button, decode, keyboard, pattern
from storage import polls as stored
from storage.polls import GroupMode, NewPoll, NewQuestion, Poll, QuestionKind

__all__ = [
    "DRAFT_GROUP",
    "deep_link_handler",
    "draft_guard_handlers",
    "handlers",
    "on_step",
]

# Right after the feedback's guard (-10): a command sent instead of the awaited answer ends it.
DRAFT_GROUP = -9
AREA_WIZARD = "plw"
AREA_RESULTS = "plr"
_DRAFT = "poll_draft"
_KINDS: dict[str, QuestionKind] = {
    "single": "single",
    "multiple": "multiple",
    "scale": "scale",
    "text": "text",
}
_DAY = 86400


@dataclass(frozen=True, slots=True)
class Draft:
    user_id: int
    # question, kind, options, more, audience, privacy, mode, closes, reminder, share, confirm
    step: str
    questions: tuple[NewQuestion, ...] = ()
    pending: str = ""  # the question text waiting for its kind (and options)
    pending_kind: QuestionKind | None = None
    choice: AudienceChoice | None = None
    audience_size: int = 0
    anonymous: bool = True
    group_mode: GroupMode = "association"
    closes_at: int = 0
    reminder_at: int | None = None
    share_results: bool = False

    def new_poll(self) -> NewPoll:
        return NewPoll(
            questions=self.questions,
            anonymous=self.anonymous,
            group_mode=self.group_mode,
            closes_at=self.closes_at,
            reminder_at=self.reminder_at,
            share_results=self.share_results,
        )


def _draft(context: AppContext) -> Draft | None:
    return drafts.load(context, _DRAFT, Draft)


def _store(context: AppContext, draft: Draft | None) -> None:
    drafts.keep(context, _DRAFT, draft)


def _moment(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


async def _is_coordinator(context: AppContext, user_id: int) -> bool:
    services = context.services
    return await role_of(services.env.config, services.env.db, user_id) != "participant"


# /poll and /polls


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
        await _show_results(update, context, t, int(args[0]))
        return
    if chat.type != ChatType.PRIVATE:
        await message.reply_text(t._("Prepare polls in a private chat with me."))
        return
    _store(context, Draft(user.id, "question"))
    await message.reply_text(
        t._(
            "Send the question (at most {limit} characters). A survey can have up to {n} "
            "questions; you can add more after this one. /cancel stops.",
            limit=poll_rules.MAX_QUESTION,
            n=poll_rules.MAX_QUESTIONS,
        )
    )


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


# The wizard: free-text steps


async def on_step(update: Update, context: AppContext) -> bool:
    """A private message: the wizard's answer, or a free-text answer; False when neither."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return False
    draft = _draft(context)
    if draft is not None:
        t = await texts_for(context, update)
        await _wizard_text(message, context, t, draft, message.text)
        return True
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


async def _wizard_text(
    message: Message, context: AppContext, t: Texts, draft: Draft, text: str | None
) -> None:
    if draft.step not in ("question", "options", "audience", "closes", "reminder"):
        await message.reply_text(t._("Please answer with the buttons above, or /cancel."))
        return
    if text is None:
        await message.reply_text(t._("Send it as text, or /cancel."))
        return
    if draft.step == "question":
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
        _store(context, replace(draft, step="kind", pending=text.strip()))
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
    elif draft.step == "options":
        await _take_options(message, context, t, draft, text)
    elif draft.step == "audience":
        await _take_audience(message, context, t, draft, text)
    elif draft.step == "closes":
        await _take_closing(message, context, t, draft, text)
    else:
        await _take_reminder(message, context, t, draft, text)


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
    await _question_added(
        message, context, t, draft, NewQuestion(draft.pending_kind, draft.pending, found.options)
    )


async def _question_added(
    message: Message, context: AppContext, t: Texts, draft: Draft, question: NewQuestion
) -> None:
    questions = (*draft.questions, question)
    _store(context, replace(draft, step="more", questions=questions, pending="", pending_kind=None))
    row = [button(t._("Continue ▶"), AREA_WIZARD, "next")]
    if len(questions) < poll_rules.MAX_QUESTIONS:
        row.insert(0, button(t._("➕ Add a question"), AREA_WIZARD, "add"))
    await message.reply_text(
        t._(
            "Question {n} is ready. Add another (a survey has at most {max}), or continue to "
            "the audience.",
            n=len(questions),
            max=poll_rules.MAX_QUESTIONS,
        ),
        reply_markup=keyboard([row]),
    )


async def _ask_audience(message: Message, t: Texts) -> None:
    await message.reply_text(
        t._(
            "Who should be asked? Send municipalities, regions, wellbeing counties and/or "
            "themes, for example “Joensuu, Outokumpu, health”, or “event 12” for everyone who "
            "answered event 12, or tap below."
        ),
        reply_markup=keyboard([[button(t._("Everyone subscribed"), AREA_WIZARD, "everyone")]]),
    )


async def _take_audience(
    message: Message, context: AppContext, t: Texts, draft: Draft, text: str
) -> None:
    choice = await read_audience(message, context, t, text)
    if choice is not None:
        await _audience_chosen(message, context, t, draft, choice)


async def _audience_chosen(
    message: Message, context: AppContext, t: Texts, draft: Draft, choice: AudienceChoice
) -> None:
    services = context.services
    problem = await audience_problem(services.env, draft.user_id, choice.spec)
    if problem == "event":
        await message.reply_text(
            t._("You can ask the people who answered your own events only. Send another audience.")
        )
        return
    if problem == "scope":
        await message.reply_text(
            t._("That audience is outside the areas you coordinate. Send another audience.")
        )
        return
    size = await count(services.env.db, services.env.catalog, choice.spec)
    if size == 0:
        await message.reply_text(
            t._(
                "No chat follows that audience, so nobody would be asked. Send another "
                "audience, or /cancel."
            )
        )
        return
    _store(context, replace(draft, step="privacy", choice=choice, audience_size=size))
    await message.reply_text(
        t.n_("The audience is {n} chat.", "The audience is {n} chats.", size)
        + "\n"
        + t._("Are the results anonymous or named? Respondents see this before they answer."),
        reply_markup=keyboard(
            [
                [button(t._("🙈 Anonymous"), AREA_WIZARD, "anon", "1")],
                [button(t._("👤 Named"), AREA_WIZARD, "anon", "0")],
            ]
        ),
    )


async def _read_time(message: Message, context: AppContext, t: Texts, text: str) -> int | None:
    """The time typed for the closing or the reminder; None (after saying how to write it) when
    it cannot be read or is past."""
    services = context.services
    try:
        moment = parse_datetime(text, services.env.clock.now(), services.env.config.bot.timezone)
    except DateError as exc:
        await message.reply_text(
            t._("That time is already past. Send a future time like 3.12.2026 18.00.")
            if exc.reason == "past"
            else t._("Send the time like 3.12.2026 18.00 or 3.12. klo 18.")
        )
        return None
    return int(moment.timestamp())


async def _take_closing(
    message: Message, context: AppContext, t: Texts, draft: Draft, text: str
) -> None:
    closes_at = await _read_time(message, context, t, text)
    if closes_at is not None:
        await _closing_chosen(message, context, t, draft, closes_at)


async def _closing_chosen(
    message: Message, context: AppContext, t: Texts, draft: Draft, closes_at: int
) -> None:
    now = context.env.db.now()
    if closes_at - now < 3600:
        await message.reply_text(t._("Leave at least an hour for answering. Send a later time."))
        return
    draft = replace(draft, step="reminder", closes_at=closes_at)
    _store(context, draft)
    rows = []
    if closes_at - _DAY > now + 600:
        rows.append([button(t._("⏰ A day before closing"), AREA_WIZARD, "rem", "day")])
    rows.append([button(t._("⏰ Half-way"), AREA_WIZARD, "rem", "half")])
    rows.append([button(t._("No reminder"), AREA_WIZARD, "rem", "none")])
    await message.reply_text(
        t._(
            "The poll closes {when}. Send one reminder to those who have not answered? Tap, or "
            "send a time before the closing.",
            when=t.when(_moment(closes_at)),
        ),
        reply_markup=keyboard(rows),
    )


async def _take_reminder(
    message: Message, context: AppContext, t: Texts, draft: Draft, text: str
) -> None:
    reminder_at = await _read_time(message, context, t, text)
    if reminder_at is not None:
        await _reminder_chosen(message, context, t, draft, reminder_at)


async def _reminder_chosen(
    message: Message, context: AppContext, t: Texts, draft: Draft, reminder_at: int | None
) -> None:
    if reminder_at is not None and reminder_at >= draft.closes_at:
        await message.reply_text(
            t._(
                "The reminder must come before the poll closes ({when}). Send an earlier time.",
                when=t.when(_moment(draft.closes_at)),
            )
        )
        return
    _store(context, replace(draft, step="share", reminder_at=reminder_at))
    await message.reply_text(
        t._("When the poll closes, send the results (totals only) to the chats that answered?"),
        reply_markup=keyboard(
            [
                [button(t._("📊 Yes, send the results"), AREA_WIZARD, "share", "1")],
                [button(t._("No"), AREA_WIZARD, "share", "0")],
            ]
        ),
    )


async def _preview(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    _store(context, replace(draft, step="confirm"))
    new = draft.new_poll()
    await message.reply_text(t._("Preview — a private chat will get this:"))
    lines = [poll_texts.intro_text(new, t, group=False), ""]
    total = len(new.questions)
    kinds = poll_report.KIND_NAMES
    for number, question in enumerate(new.questions, start=1):
        prefix = f"{number}/{total} · " if total > 1 else ""
        lines.append(
            t._(
                "<b>{prefix}{question}</b> ({kind})",
                prefix=prefix,
                question=question.text,
                kind=t._(kinds[question.kind]),
            )
        )
        lines += [f"• {escape(option)}" for option in question.options]
    await message.reply_text("\n".join(lines))
    settings = [
        t._("Choice questions come as Telegram polls in private chats and as buttons in groups."),
        (
            t._("Groups: the association answers once, by its administrators.")
            if draft.group_mode == "association"
            else t._("Groups: each member answers for themselves.")
        ),
        (
            t._(
                "Reminder: {when}, to those who have not answered.",
                when=t.when(_moment(draft.reminder_at)),
            )
            if draft.reminder_at is not None
            else t._("No reminder.")
        ),
        (
            t._("The results go to the chats that answered when the poll closes.")
            if draft.share_results
            else t._("The results stay with the coordinators.")
        ),
        t.n_("It will reach {n} chat.", "It will reach {n} chats.", draft.audience_size),
    ]
    await message.reply_text(
        "\n".join(settings),
        reply_markup=keyboard(
            [
                [button(t._("📣 Send the poll"), AREA_WIZARD, "send")],
                [button(t._("✖ Cancel"), AREA_WIZARD, "cancel")],
            ]
        ),
    )


# The wizard: buttons


async def wizard_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    draft = _draft(context)
    message = query.message
    action = data.part(0) if data else None
    value = data.part(1) if data else None
    if (
        draft is None
        or not isinstance(message, Message)
        or draft.user_id != user.id
        or not await _is_coordinator(context, user.id)
    ):
        await query.answer(
            t._("This poll is no longer being prepared. Start again with /poll."), show_alert=True
        )
        return
    now = context.env.db.now()
    step = draft.step
    if action == "cancel":
        await query.answer()
        _store(context, None)
        await edit_in_place(message, t._("The poll was discarded."), None)
    elif action == "k" and step == "kind" and value in _KINDS:
        await query.answer()
        kind = _KINDS[value]
        await edit_in_place(message, t._("How is it answered?"), None)
        if kind in ("single", "multiple"):
            _store(context, replace(draft, step="options", pending_kind=kind))
            await message.reply_text(
                t._(
                    "Send the options, one per line: {min}–{max} options, each at most {limit} "
                    "characters.",
                    min=poll_rules.MIN_OPTIONS,
                    max=poll_rules.MAX_OPTIONS,
                    limit=poll_rules.MAX_OPTION,
                )
            )
        else:
            await _question_added(message, context, t, draft, NewQuestion(kind, draft.pending))
    elif action == "add" and step == "more" and len(draft.questions) < poll_rules.MAX_QUESTIONS:
        await query.answer()
        _store(context, replace(draft, step="question"))
        await message.reply_text(t._("Send question {n}.", n=len(draft.questions) + 1))
    elif action == "next" and step == "more":
        await query.answer()
        _store(context, replace(draft, step="audience"))
        await _ask_audience(message, t)
    elif action == "everyone" and step == "audience":
        await query.answer()
        await _audience_chosen(
            message, context, t, draft, AudienceChoice(AudienceSpec(everyone=True), ())
        )
    elif action == "anon" and step == "privacy" and value in ("0", "1"):
        await query.answer()
        _store(context, replace(draft, step="mode", anonymous=value == "1"))
        await message.reply_text(
            t._("In an association's group chat, who answers?"),
            reply_markup=keyboard(
                [
                    [
                        button(
                            t._("🏠 The association, once (its administrators)"),
                            AREA_WIZARD,
                            "mode",
                            "a",
                        )
                    ],
                    [button(t._("👥 Each member"), AREA_WIZARD, "mode", "m")],
                ]
            ),
        )
    elif action == "mode" and step == "mode" and value in ("a", "m"):
        await query.answer()
        mode: GroupMode = "association" if value == "a" else "member"
        _store(context, replace(draft, step="closes", group_mode=mode))
        await message.reply_text(
            t._("When does the poll close? Send a time like 3.12.2026 18.00, or tap."),
            reply_markup=keyboard(
                [
                    [
                        button(t._("In 3 days"), AREA_WIZARD, "close", "3"),
                        button(t._("In a week"), AREA_WIZARD, "close", "7"),
                        button(t._("In two weeks"), AREA_WIZARD, "close", "14"),
                    ]
                ]
            ),
        )
    elif action == "close" and step == "closes" and value in ("3", "7", "14"):
        await query.answer()
        closes_at = (now + int(value) * _DAY) // 3600 * 3600
        await _closing_chosen(message, context, t, draft, closes_at)
    elif action == "rem" and step == "reminder" and value in ("day", "half", "none"):
        await query.answer()
        reminder = {
            "day": draft.closes_at - _DAY,
            "half": now + (draft.closes_at - now) // 2,
            "none": None,
        }[value]
        await _reminder_chosen(message, context, t, draft, reminder)
    elif action == "share" and step == "share" and value in ("0", "1"):
        await query.answer()
        await _preview(message, context, t, replace(draft, share_results=value == "1"))
    elif action == "send" and step == "confirm":
        await query.answer()
        await _send(message, context, t, draft)
    else:
        await query.answer(t._("This menu has expired."), show_alert=True)


async def _send(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    services = context.services
    assert draft.choice is not None
    # Scope is checked again at the moment of sending.
    if await audience_problem(services.env, draft.user_id, draft.choice.spec):
        _store(context, None)
        await message.reply_text(
            t._("That audience is outside the areas you coordinate. Nothing was sent.")
        )
        return
    now = services.env.db.now()
    if draft.closes_at <= now or (draft.reminder_at is not None and draft.reminder_at <= now):
        _store(context, replace(draft, step="closes", reminder_at=None))
        await message.reply_text(
            t._("The closing time has passed meanwhile. Send a new closing time.")
        )
        return
    poll_id, size = await poll_sending.send(
        services.env,
        poll_sending.Plan(draft.new_poll(), draft.choice.spec),
        draft.user_id,
        bot_username=context.bot.username,
    )
    _store(context, None)
    services.delivery.wake()
    await edit_in_place(message, message.text_html, None)
    await message.reply_text(
        t.n_(
            "📊 Poll {id} is on its way to {n} chat. Results: /poll {id}",
            "📊 Poll {id} is on its way to {n} chats. Results: /poll {id}",
            size,
            id=poll_id,
        ),
    )


# Answering


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
    env = context.env
    group = message.chat.type != ChatType.PRIVATE
    checks = _checks(context, message.chat.id, user.id, tapped_in_group=True) if group else None
    if action == "w":
        if group:
            await query.answer(t._("This button is not valid."), show_alert=True)
            return
        outcome = await poll_answers.start_text(
            env, poll_id, position, message.chat.id, user.id, None
        )
        if outcome.problem is None:
            await feedback_service.drop_comment(env, user.id)  # one draft at a time
            await query.answer()
            await message.reply_text(_write_prompt(t, outcome))
            return
    else:
        outcome = await poll_answers.tap(
            env, poll_id, position, message.chat.id, user.id, action, checks
        )
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


# /cancel


async def cancel_command(update: Update, context: AppContext) -> None:
    """/cancel ends the poll wizard or an answer draft; otherwise the feedback's /cancel (which
    passes on to the announcements')."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    if _draft(context) is not None:
        _store(context, None)
        t = await texts_for(context, update)
        await message.reply_text(t._("Stopped; the poll was not sent."))
        return
    if await poll_answers.drop_text(context.env, user.id):
        t = await texts_for(context, update)
        await message.reply_text(t._("Stopped; no answer was saved."))
        return
    await feedback.cancel_command(update, context)


# Results


async def _show_results(update: Update, context: AppContext, t: Texts, poll_id: int) -> None:
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
    if action in ("r", "v"):
        await query.answer()
        text, markup = await _results_view(context, t, poll)
        if action == "r":  # the results message itself
            await edit_in_place(message, text, markup)
        else:  # from the /polls list
            await message.reply_text(text, reply_markup=markup)
    elif action == "s":
        await query.answer()
        results = await poll_report.build(env.db, poll)
        for text in poll_report_text.splits(results, t, env.catalog, context.env.config.bot.themes):
            await message.reply_text(text)
    elif action == "csv":
        await query.answer()
        results = await poll_report.build(env.db, poll)
        data_csv = poll_report_csv.answers_csv(
            results, t, env.catalog, context.env.config.bot.themes
        )
        await context.bot.send_document(
            message.chat.id,
            InputFile(data_csv, filename=f"poll-{poll.id}.csv"),
            caption=t.n_("{n} respondent.", "{n} respondents.", results.respondents),
        )
    elif action == "png":
        await query.answer()
        results = await poll_report.build(env.db, poll)
        png = await asyncio.to_thread(poll_report_chart.chart_png, results, t)
        await context.bot.send_photo(
            message.chat.id,
            InputFile(png, filename=f"poll-{poll.id}.png"),
            caption=t._("📊 {title}", title=shorten(poll.title, 200)),
        )
    elif action == "x":
        await query.answer()
        await message.reply_text(
            t._("Close poll {id} now? Answers are no longer taken after this.", id=poll.id),
            reply_markup=keyboard(
                [
                    [button(t._("🔒 Yes, close it"), AREA_RESULTS, "xy", poll.id)],
                    [button(t._("No"), AREA_RESULTS, "xn", poll.id)],
                ]
            ),
        )
    elif action == "xy":
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
    elif action == "xn":
        await query.answer()
        await edit_in_place(message, t._("The poll stays open."), None)
    else:
        await query.answer(t._("This menu has expired."), show_alert=True)


# Registration


def deep_link_handler() -> BaseHandler[Update, AppContext, None]:
    return drafts.start_link(poll_links.DEEP_LINK_PREFIX, deep_link)


def draft_guard_handlers() -> list[BaseHandler[Update, AppContext, None]]:
    """Any other command in the private chat ends an answer draft (/cancel answers itself)."""
    return drafts.drop_on_command(poll_answers.drop_text)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    """Before the feedback's handlers: this /cancel comes first and passes on to theirs."""
    return [
        CommandHandler("poll", poll_command),
        CommandHandler("polls", polls_command),
        CommandHandler("cancel", cancel_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(answer_tap, pattern=pattern(poll_links.AREA)),
        CallbackQueryHandler(wizard_tap, pattern=pattern(AREA_WIZARD)),
        CallbackQueryHandler(results_tap, pattern=pattern(AREA_RESULTS)),
        PollAnswerHandler(on_poll_answer),
    ]
