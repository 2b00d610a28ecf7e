"""Audience polls and surveys as a service: the rules for questions and options, who may ask
whom, sending (poll, chats asked, outbox rows and the close / reminder jobs in one
transaction), answering, the reminder, closing, and recording what the delivery worker sent.

Problems are values, not exceptions: handlers turn them into a localized answer. Every answer is
checked again from the database (poll, question, chat asked, open), whatever the button says.

How a question is asked in a chat:
- private chat, one or several choices: a native Telegram poll (non-anonymous, so its answers
  arrive as poll_answer updates with the person; the anonymity of the results is the bot's);
- scale 1–5 and every choice question in a group: inline buttons, edited in place (a native
  non-anonymous poll would show every member's vote to the whole group);
- free text: a button that starts a private-chat draft (in groups a link to the private chat,
  `start=plt_<poll>_<question>_<chat>_<sig>`); the next private message is the answer.

Buttons: `pl:<poll>:<question>:<action>:<sig>` with actions `o<n>` (option n), `s<n>` (scale
value n) and `w` (write an answer); sig is `bot.core.callbacks.sign` with a key of their own for
(poll, chat), so a button copied to another chat, or rewritten to another poll, is refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.announcements.service import describe
from bot.audience.recipients import AudienceSpec, resolve
from bot.core.callbacks import button, claim, keyboard, sign, verify
from bot.core.i18n import Texts
from bot.environment import Environment
from bot.events.service import texts_for_chat
from bot.polls import report as poll_report
from bot.roles.access import is_admin
from storage import chats, outbox, roles, schedule
from storage import polls as stored
from storage.db import Writer
from storage.outbox import NewMessage, OutboxRow
from storage.polls import ASSOCIATION, NewPoll, NewQuestion, Poll, PollMessage, Question
from storage.schedule import Job, PlannedJob

__all__ = [
    "AREA",
    "DEEP_LINK_PREFIX",
    "MAX_OPTION",
    "MAX_OPTIONS",
    "MAX_QUESTION",
    "MAX_QUESTIONS",
    "MIN_OPTIONS",
    "TEXT_LIMIT",
    "GroupChecks",
    "Options",
    "OptionsProblem",
    "Outcome",
    "Plan",
    "Problem",
    "answer_native",
    "audience_json",
    "check_question",
    "close_in",
    "close_now",
    "deep_link_payload",
    "draft_chat",
    "drop_text",
    "intro_text",
    "may_manage_poll",
    "parse_deep_link",
    "parse_options",
    "question_keyboard",
    "question_text",
    "record_sent",
    "reminder_text",
    "run_close",
    "run_reminder",
    "save_text",
    "send",
    "signature",
    "start_text",
    "tap",
    "verify_button",
]

log = logging.getLogger(__name__)

AREA = claim("pl", __name__)
DEEP_LINK_PREFIX = "plt_"
MIN_OPTIONS = 2
MAX_OPTIONS = 10
MAX_OPTION = 100  # Telegram's limits for native polls
MAX_QUESTION = 300
MAX_QUESTIONS = 5
TEXT_LIMIT = 1000  # also a CHECK in the schema
INTRO = -1  # the question number of the introduction message
_REF = "poll"

Problem = Literal[
    "gone",  # no such poll or question
    "closed",
    "not_asked",  # the chat was not asked this poll
    "not_admin",  # association mode: only the group's admins answer
    "not_member",  # a group's text link opened by someone not in the group
    "bad_option",
    "too_long",
    "empty",
    "no_draft",
]
OptionsProblem = Literal["too_few", "too_many", "too_long", "duplicate"]
Check = Callable[[], Awaitable[bool]]


def _key(key: bytes) -> bytes:
    """Poll buttons have a signing key of their own: an RSVP button's signature for event N in
    a chat must not pass as poll N's."""
    return hashlib.sha256(b"jarjestobotti-polls:" + key).digest()


def signature(key: bytes, poll_id: int, chat_id: int) -> str:
    return sign(_key(key), poll_id, chat_id)


def verify_button(key: bytes, poll_id: int, chat_id: int, sig: str | None) -> bool:
    return verify(_key(key), poll_id, chat_id, sig)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# Rules for what a coordinator writes


def check_question(text: str) -> Literal["empty", "too_long"] | None:
    text = text.strip()
    if not text:
        return "empty"
    if _utf16(text) > MAX_QUESTION:
        return "too_long"
    return None


@dataclass(frozen=True, slots=True)
class Options:
    options: tuple[str, ...]
    problem: OptionsProblem | None = None
    detail: str = ""  # the option that is too long or repeated


def parse_options(text: str) -> Options:
    """One option per line (blank lines ignored); 2–10 options of at most 100 characters, no
    two the same (ignoring case and surrounding spaces)."""
    options = tuple(line.strip() for line in text.splitlines() if line.strip())
    if len(options) < MIN_OPTIONS:
        return Options(options, "too_few")
    if len(options) > MAX_OPTIONS:
        return Options(options, "too_many")
    for option in options:
        if _utf16(option) > MAX_OPTION:
            return Options(options, "too_long", option)
    seen: set[str] = set()
    for option in options:
        folded = " ".join(option.casefold().split())
        if folded in seen:
            return Options(options, "duplicate", option)
        seen.add(folded)
    return Options(options)


async def may_manage_poll(env: Environment, user_id: int, poll: Poll) -> bool:
    """The poll's coordinators: admins, and its creator while they still hold a role."""
    granted = await roles.active_roles(env.db, user_id)
    if is_admin(env.config, user_id, granted):
        return True
    return poll.created_by == user_id and bool(granted)


# What recipients see


def _moment(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def intro_text(poll: Poll | NewPoll, t: Texts, *, group: bool) -> str:
    questions = poll.questions
    if len(questions) > 1:
        lines = [
            t.n_(
                "📋 <b>A survey: {n} question</b>",
                "📋 <b>A survey: {n} questions</b>",
                len(questions),
            )
        ]
    else:
        lines = [t._("📊 <b>A question from the network's coordinators</b>")]
    lines.append(t._("One tap per question; you can change your answer until the poll closes."))
    if poll.anonymous:
        lines.append(
            t._("🙈 Anonymous: the coordinators see only totals, never who answered what.")
        )
    else:
        lines.append(t._("👤 Named: the coordinators see your name with your answers."))
    if group:
        if poll.group_mode == "association":
            lines.append(
                t._("🏠 In this group the association answers once: its administrators tap.")
            )
        else:
            lines.append(t._("👥 In this group each member answers for themselves."))
    lines.append(t._("⏳ Answers until {when}.", when=t.when(_moment(poll.closes_at))))
    return "\n".join(lines)


def _heading(question: Question | NewQuestion, number: int, total: int, t: Texts) -> str:
    if total > 1:
        return t._(
            "<b>{number}/{total} · {question}</b>",
            number=number,
            total=total,
            question=question.text,
        )
    return t._("<b>{question}</b>", question=question.text)


def _choice_labels(question: Question, choices: Sequence[int]) -> str:
    if question.kind == "scale":
        return ", ".join(str(c) for c in choices)
    return ", ".join(question.options[c] for c in choices if 0 <= c < len(question.options))


def question_text(
    poll: Poll,
    question: Question,
    t: Texts,
    *,
    group: bool,
    choices: Sequence[int] = (),
    answer_text: str = "",
    respondents: int = 0,
    closed: bool = False,
) -> str:
    """A question sent as a message with buttons (not a native poll): the same text when sent
    and after every tap; a private chat shows the reader's own answer, a group the association's
    answer (association mode) or only how many have answered (each member)."""
    lines = [_heading(question, question.position + 1, len(poll.questions), t)]
    hint = {
        "single": t._("Tap one option."),
        "multiple": t._("Tap every option that fits; a second tap takes it away."),
        "scale": t._("Tap a number: 1 = not at all, 5 = very much."),
        "text": t._("Answer in our private chat: tap the button, then write one message."),
    }[question.kind]
    lines.append(hint)
    mine = _choice_labels(question, choices) if choices else answer_text
    if not group or poll.group_mode == "association":
        if mine:
            label = t._("Our association's answer") if group else t._("Your answer")
            lines.append(t._("✅ {label}: {answer}", label=label, answer=mine))
    elif respondents:
        lines.append(
            t.n_("✅ {n} member has answered.", "✅ {n} members have answered.", respondents)
        )
    if closed:
        lines.append(t._("🔒 This poll is closed."))
    return "\n".join(lines)


def deep_link_payload(key: bytes, poll_id: int, question: int, chat_id: int) -> str:
    return f"{DEEP_LINK_PREFIX}{poll_id}_{question}_{chat_id}_{signature(key, poll_id, chat_id)}"


def parse_deep_link(key: bytes, payload: str) -> tuple[int, int, int] | None:
    """(poll, question, chat) of a valid `plt_` payload."""
    parts = payload.removeprefix(DEEP_LINK_PREFIX).split("_", 3)  # the signature may hold _
    if len(parts) != 4 or not payload.startswith(DEEP_LINK_PREFIX):
        return None
    poll, question, chat, sig = parts
    numbers = (poll, question, chat.removeprefix("-"))
    if not all(p.isdigit() and len(p) <= 19 for p in numbers):
        return None
    if not verify_button(key, int(poll), int(chat), sig):
        return None
    return int(poll), int(question), int(chat)


def question_keyboard(
    poll: Poll,
    question: Question,
    t: Texts,
    key: bytes,
    chat_id: int,
    *,
    group: bool,
    bot_username: str,
    choices: Sequence[int] = (),
) -> InlineKeyboardMarkup:
    sig = signature(key, poll.id, chat_id)
    shown = () if group and poll.group_mode == "member" else tuple(choices)
    rows: list[list[InlineKeyboardButton]] = []
    if question.kind == "scale":
        rows.append(
            [
                button(
                    f"✓ {n}" if n in shown else str(n),
                    AREA,
                    poll.id,
                    question.position,
                    f"s{n}",
                    sig,
                )
                for n in range(1, 6)
            ]
        )
    elif question.kind == "text":
        label = t._("✍️ Write my answer")
        if group:
            payload = deep_link_payload(key, poll.id, question.position, chat_id)
            rows.append(
                [InlineKeyboardButton(label, url=f"https://t.me/{bot_username}?start={payload}")]
            )
        else:
            rows.append([button(label, AREA, poll.id, question.position, "w", sig)])
    else:
        for index, option in enumerate(question.options):
            if question.kind == "multiple" and not (group and poll.group_mode == "member"):
                label = ("☑ " if index in shown else "☐ ") + option
            else:
                label = ("✓ " if index in shown else "") + option
            rows.append([button(label, AREA, poll.id, question.position, f"o{index}", sig)])
    return keyboard(rows)


def _native(poll: Poll, question: Question) -> bool:
    return question.kind in ("single", "multiple")


def _messages_for_chat(
    env: Environment, poll: Poll, chat_id: int, t: Texts, *, group: bool, bot_username: str
) -> list[NewMessage]:
    rows = [
        NewMessage(
            chat_id,
            "feedback",
            "sendMessage",
            {"text": intro_text(poll, t, group=group), "parse_mode": "HTML"},
            ref=f"{_REF}:{poll.id}:{INTRO}",
        )
    ]
    for question in poll.questions:
        ref = f"{_REF}:{poll.id}:{question.position}"
        if not group and _native(poll, question):
            total = len(poll.questions)
            prefix = f"{question.position + 1}/{total} · " if total > 1 else ""
            params: dict[str, Any] = {
                # Plain text: the delivery worker sends sendPoll's parameters as they are.
                "question": prefix + question.text,
                "options": [{"text": option} for option in question.options],
                "is_anonymous": False,
                "allows_multiple_answers": question.kind == "multiple",
                "allows_revoting": True,
            }
            rows.append(NewMessage(chat_id, "feedback", "sendPoll", params, ref=ref))
            continue
        markup = question_keyboard(
            poll, question, t, env.key, chat_id, group=group, bot_username=bot_username
        )
        params = {
            "text": question_text(poll, question, t, group=group),
            "parse_mode": "HTML",
            "reply_markup": markup.to_dict(),
        }
        rows.append(NewMessage(chat_id, "feedback", "sendMessage", params, ref=ref))
    return rows


@dataclass(frozen=True, slots=True)
class Plan:
    """A poll ready to send."""

    poll: NewPoll
    spec: AudienceSpec


async def send(
    env: Environment, plan: Plan, created_by: int, *, bot_username: str
) -> tuple[int, int]:
    """Write the poll, the chats asked, one introduction and one message per question per chat,
    and the closing (and reminder) job, in one transaction; (poll id, chats asked)."""
    now = env.db.now()
    new = NewPoll(
        questions=plan.poll.questions,
        anonymous=plan.poll.anonymous,
        group_mode=plan.poll.group_mode,
        closes_at=plan.poll.closes_at,
        reminder_at=plan.poll.reminder_at,
        share_results=plan.poll.share_results,
        audience=describe(plan.spec),
    )
    async with env.db.transaction() as tx:
        chat_ids = await resolve(tx, env.catalog, plan.spec)
        poll_id = await stored.create(tx, new, created_by=created_by, now=now)
        await stored.add_recipients(tx, poll_id, chat_ids)
        broadcast_id = await outbox.create_broadcast(
            tx,
            kind="feedback",
            created_by=created_by,
            report_chat_id=None,
            summary=new.questions[0].text[:200],
            audience=f"poll:{poll_id}",
            scheduled_at=float(now),
            now=now,
        )
        await stored.set_broadcast(tx, poll_id, broadcast_id)
        poll = await stored.get(tx, poll_id)
        assert poll is not None
        info = await chats.recipients(tx, chat_ids)
        groups = {r.chat_id for r in await stored.recipients_of(tx, poll_id) if r.is_group}
        rows: list[NewMessage] = []
        for chat_id in chat_ids:
            t = texts_for_chat(env, info.get(chat_id))
            rows += _messages_for_chat(
                env, poll, chat_id, t, group=chat_id in groups, bot_username=bot_username
            )
        await outbox.enqueue(tx, rows, now=now, broadcast_id=broadcast_id)
        jobs = [PlannedJob(f"poll_close:{poll_id}", "poll_close", new.closes_at, ref_id=poll_id)]
        if new.reminder_at is not None:
            jobs.append(
                PlannedJob(
                    f"poll_reminder:{poll_id}", "poll_reminder", new.reminder_at, ref_id=poll_id
                )
            )
        await schedule.upsert(tx, jobs, now)
    env.changed()
    return poll_id, len(chat_ids)


# Answers


@dataclass(frozen=True, slots=True)
class Outcome:
    poll: Poll | None
    question: Question | None = None
    problem: Problem | None = None
    choices: tuple[int, ...] = ()
    text: str = ""
    respondents: int = 0  # respondents in the chat (the group message shows it)
    chat_id: int = 0


@dataclass(frozen=True, slots=True)
class GroupChecks:
    """Asked of Telegram only when the rule needs it: is the person one of the group's
    administrators (association mode), or a member at all (each member)."""

    is_admin: Check
    is_member: Check


async def _find(
    env: Environment, poll_id: int, position: int, chat_id: int, now: int
) -> tuple[Poll | None, Question | None, stored.Recipient | None, Problem | None]:
    poll = await stored.get(env.db, poll_id)
    question = poll.question(position) if poll is not None else None
    if poll is None or question is None:
        return poll, None, None, "gone"
    recipient = await stored.recipient(env.db, poll_id, chat_id)
    if recipient is None:
        return poll, question, None, "not_asked"
    if not poll.is_open(now):
        return poll, question, recipient, "closed"
    return poll, question, recipient, None


async def _respondent(
    poll: Poll, recipient: stored.Recipient, user_id: int, checks: GroupChecks | None
) -> int | Problem:
    if not recipient.is_group:
        return user_id if recipient.chat_id == user_id else "not_asked"
    if checks is None:
        return "not_asked"
    if poll.group_mode == "association":
        return ASSOCIATION if await checks.is_admin() else "not_admin"
    return user_id if await checks.is_member() else "not_member"


async def tap(
    env: Environment,
    poll_id: int,
    position: int,
    chat_id: int,
    user_id: int,
    action: str,
    checks: GroupChecks | None,
) -> Outcome:
    """A button tap on a question message: an option (replacing a single choice, toggling one of
    several) or a scale value. `checks` is None in private chats."""
    now = env.db.now()
    poll, question, recipient, problem = await _find(env, poll_id, position, chat_id, now)
    if problem is not None or recipient is None or question is None:
        return Outcome(poll, question, problem)
    assert poll is not None
    value = int(action[1:]) if action[1:].isdigit() and len(action) <= 3 else -1
    if question.kind == "scale":
        valid = action.startswith("s") and 1 <= value <= 5
    else:
        valid = (
            question.kind in ("single", "multiple")
            and action.startswith("o")
            and 0 <= value < len(question.options)
        )
    if not valid:
        return Outcome(poll, question, "bad_option")
    respondent = await _respondent(poll, recipient, user_id, checks)
    if isinstance(respondent, str):
        return Outcome(poll, question, respondent)
    async with env.db.transaction() as tx:
        current = await stored.get(tx, poll_id)
        if current is None or not current.is_open(now):
            return Outcome(poll, question, "closed")
        choices, _text = await stored.answer_of(tx, poll_id, position, chat_id, respondent)
        wanted = set(choices) ^ {value} if question.kind == "multiple" else {value}
        await stored.save_choices(
            tx, poll_id, position, chat_id, respondent, sorted(wanted), user_id=user_id, now=now
        )
        count = await stored.respondents_in_chat(tx, poll_id, chat_id)
    return Outcome(poll, question, None, tuple(sorted(wanted)), "", count, chat_id)


async def answer_native(
    env: Environment, telegram_poll_id: str, user_id: int, option_ids: Sequence[int]
) -> Outcome:
    """A poll_answer: the person's choices in a native poll in their private chat (none: the
    vote was withdrawn)."""
    found = await stored.message_for_native(env.db, telegram_poll_id)
    if found is None:
        return Outcome(None, problem="gone")
    now = env.db.now()
    poll, question, recipient, problem = await _find(
        env, found.poll_id, found.question, found.chat_id, now
    )
    if problem is not None or question is None or recipient is None:
        return Outcome(poll, question, problem, chat_id=found.chat_id)
    if recipient.is_group or found.chat_id != user_id:
        return Outcome(poll, question, "not_asked", chat_id=found.chat_id)
    wanted = sorted(set(option_ids))
    if any(not 0 <= i < len(question.options) for i in wanted) or (
        question.kind == "single" and len(wanted) > 1
    ):
        return Outcome(poll, question, "bad_option", chat_id=found.chat_id)
    async with env.db.transaction() as tx:
        # Closing may have committed since the check above: a vote racing it is not stored.
        current = await stored.get(tx, found.poll_id)
        if current is None or not current.is_open(now):
            return Outcome(poll, question, "closed", chat_id=found.chat_id)
        await stored.save_choices(
            tx,
            found.poll_id,
            found.question,
            found.chat_id,
            user_id,
            wanted,
            user_id=user_id,
            now=now,
        )
    return Outcome(poll, question, None, tuple(wanted), chat_id=found.chat_id)


async def start_text(
    env: Environment,
    poll_id: int,
    position: int,
    chat_id: int,
    user_id: int,
    checks: GroupChecks | None,
) -> Outcome:
    """After the checks, the person's next private message is their answer to the question."""
    now = env.db.now()
    poll, question, recipient, problem = await _find(env, poll_id, position, chat_id, now)
    if problem is not None or recipient is None or question is None:
        return Outcome(poll, question, problem)
    assert poll is not None
    if question.kind != "text":
        return Outcome(poll, question, "bad_option")
    respondent = await _respondent(poll, recipient, user_id, checks)
    if isinstance(respondent, str):
        return Outcome(poll, question, respondent)
    await stored.start_draft(env.db, user_id, poll_id, position, chat_id, now)
    _choices, text = await stored.answer_of(env.db, poll_id, position, chat_id, respondent)
    return Outcome(poll, question, None, (), text, chat_id=chat_id)


async def save_text(
    env: Environment, user_id: int, text: str | None, checks: GroupChecks | None
) -> Outcome:
    """The message that follows "write my answer". A refused answer (too long, empty) keeps the
    draft so that the next message can be the shorter one; anything else ends it. `checks` are
    for the group the question was asked in (None: a private chat)."""
    now = env.db.now()
    draft = await stored.get_draft(env.db, user_id)
    if draft is None:
        return Outcome(None, problem="no_draft")
    answer = (text or "").strip()
    poll, question, recipient, problem = await _find(
        env, draft.poll_id, draft.question, draft.chat_id, now
    )
    if problem is None and not answer:
        return Outcome(poll, question, "empty")
    if problem is None and len(answer) > TEXT_LIMIT:
        return Outcome(poll, question, "too_long", text=answer)
    await stored.clear_draft(env.db, user_id)
    if problem is not None or poll is None or question is None or recipient is None:
        return Outcome(poll, question, problem)
    respondent = await _respondent(poll, recipient, user_id, checks if recipient.is_group else None)
    if isinstance(respondent, str):
        return Outcome(poll, question, respondent)
    async with env.db.transaction() as tx:
        current = await stored.get(tx, poll.id)
        if current is None or not current.is_open(now):
            return Outcome(poll, question, "closed")
        await stored.save_text(
            tx,
            poll.id,
            question.position,
            draft.chat_id,
            respondent,
            answer,
            user_id=user_id,
            now=now,
        )
    return Outcome(poll, question, None, (), answer, chat_id=draft.chat_id)


async def drop_text(env: Environment, user_id: int) -> bool:
    """End an answer draft (a command was sent instead); True when there was one."""
    return await stored.clear_draft(env.db, user_id)


async def draft_chat(env: Environment, user_id: int) -> int | None:
    """The chat the person's open answer draft belongs to (the handler checks group rights)."""
    draft = await stored.get_draft(env.db, user_id)
    return None if draft is None else draft.chat_id


# The delivery worker's on-sent hook


async def record_sent(tx: Writer, row: OutboxRow, result: object) -> None:
    """Runs in the transaction that marks a `poll:<id>:<question>` row sent: remembers the
    message (and a native poll's id). A question that arrives after its poll closed (it was in
    flight) is closed at once."""
    parts = (row.ref or "").split(":")
    if len(parts) != 3 or parts[0] != _REF or not isinstance(result, Message):
        return
    try:
        poll_id, question = int(parts[1]), int(parts[2])
        native = result.poll.id if result.poll is not None else None
        await stored.record_message(tx, poll_id, question, row.chat_id, result.message_id, native)
        poll = await stored.get(tx, poll_id)
        if poll is not None and poll.state == "closed" and question >= 0:
            message = PollMessage(poll_id, question, row.chat_id, result.message_id, native, False)
            await outbox.enqueue(tx, [_close_row(message)], now=tx.now())
            await stored.mark_messages_closed(tx, poll_id)
    except (ValueError, sqlite3.Error):
        log.exception("outbox row %d: the poll message could not be recorded", row.id)


# Closing and the reminder


def _close_row(message: PollMessage) -> NewMessage:
    """Stop a native poll, or take the buttons off a question message; urgent: it is a silent
    edit that quiet hours need not hold back."""
    if message.telegram_poll_id is not None:
        return NewMessage(
            message.chat_id,
            "feedback",
            "stopPoll",
            {"message_id": message.message_id},
            urgent=True,
        )
    return NewMessage(
        message.chat_id,
        "feedback",
        "editMessageReplyMarkup",
        {"message_id": message.message_id},
        urgent=True,
    )


async def close_in(env: Environment, tx: Writer, poll: Poll, now: int) -> int:
    """Close inside the caller's transaction: questions not yet delivered are not sent, native
    polls are stopped, buttons taken away, and (if chosen) each chat that answered gets the
    summary. Returns the rows queued; 0 when it was closed already."""
    if not await stored.close(tx, poll.id, now):
        return 0
    if poll.broadcast_id is not None:
        await outbox.cancel_broadcast_in(tx, poll.broadcast_id, now)
    await schedule.cancel_key(tx, f"poll_reminder:{poll.id}", now)
    rows = [_close_row(m) for m in await stored.open_messages(tx, poll.id)]
    await stored.mark_messages_closed(tx, poll.id)
    if poll.share_results:
        closed = await stored.get(tx, poll.id)
        assert closed is not None
        results = await poll_report.build(tx, closed)
        answered = await stored.answered_chats(tx, poll.id)
        info = await chats.recipients(tx, answered)
        texts: dict[str, str] = {}
        for chat_id in answered:
            t = texts_for_chat(env, info.get(chat_id))
            if t.language not in texts:
                texts[t.language] = poll_report.summary_text(results, t)
            rows.append(
                NewMessage(
                    chat_id,
                    "announcement",
                    "sendMessage",
                    {"text": texts[t.language], "parse_mode": "HTML"},
                )
            )
    return await outbox.enqueue(tx, rows, now=now)


async def close_now(env: Environment, poll_id: int) -> bool:
    """The coordinator's "close now"; False when it was closed already."""
    now = env.db.now()
    async with env.db.transaction() as tx:
        poll = await stored.get(tx, poll_id)
        if poll is None or poll.state != "open":
            return False
        await close_in(env, tx, poll, now)
        await schedule.cancel_key(tx, f"poll_close:{poll_id}", now)
    env.changed()
    return True


async def run_close(env: Environment, tx: Writer, job: Job, now: int) -> str | None:
    poll = await stored.get(tx, job.ref_id) if job.ref_id is not None else None
    if poll is None:
        return "poll gone"
    if poll.state != "open":
        return "poll closed already"
    await close_in(env, tx, poll, now)
    return None


def reminder_text(poll: Poll, t: Texts) -> str:
    return t._(
        "⏰ <b>Reminder:</b> “{title}” is waiting for your answer, until {when}. The questions "
        "are above; one tap per question is enough.",
        title=poll.title,
        when=t.when(_moment(poll.closes_at)),
    )


async def run_reminder(env: Environment, tx: Writer, job: Job, now: int) -> str | None:
    """One reminder to the chats asked where nobody has answered (held by quiet hours like any
    non-urgent message), as a reply to the poll's introduction."""
    poll = await stored.get(tx, job.ref_id) if job.ref_id is not None else None
    if poll is None:
        return "poll gone"
    if not poll.is_open(now):
        return "poll closed"
    targets = await stored.unanswered_chats(tx, poll.id)
    if not targets:
        return "everyone answered"
    intros = await stored.intro_messages(tx, poll.id)
    info = await chats.recipients(tx, targets)
    rows = []
    for chat_id in targets:
        t = texts_for_chat(env, info.get(chat_id))
        params: dict[str, Any] = {"text": reminder_text(poll, t), "parse_mode": "HTML"}
        if chat_id in intros:
            params["reply_to_message_id"] = intros[chat_id]
            params["allow_sending_without_reply"] = True
        rows.append(NewMessage(chat_id, "reminder", "sendMessage", params))
    await outbox.enqueue(tx, rows, now=now)
    await stored.mark_reminded(tx, poll.id, targets, now)
    return None


def audience_json(poll: Poll) -> dict[str, Any]:
    """The stored audience description (for lists)."""
    try:
        value = json.loads(poll.audience)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
