"""Answers: a button tap, a native poll's answer and a free-text answer through a private-chat
draft. Every answer is checked again from the database (poll, question, chat asked, open),
whatever the button says."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.environment import Environment
from bot.polls.rules import TEXT_LIMIT, Problem
from storage import poll_answers
from storage import polls as stored
from storage.polls import ASSOCIATION, Poll, Question

Check = Callable[[], Awaitable[bool]]


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
        choices, _text = await poll_answers.answer_of(tx, poll_id, position, chat_id, respondent)
        wanted = set(choices) ^ {value} if question.kind == "multiple" else {value}
        await poll_answers.save_choices(
            tx, poll_id, position, chat_id, respondent, sorted(wanted), user_id=user_id, now=now
        )
        count = await poll_answers.respondents_in_chat(tx, poll_id, chat_id)
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
        await poll_answers.save_choices(
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
    await poll_answers.start_draft(env.db, user_id, poll_id, position, chat_id, now)
    _choices, text = await poll_answers.answer_of(env.db, poll_id, position, chat_id, respondent)
    return Outcome(poll, question, None, (), text, chat_id=chat_id)


async def save_text(
    env: Environment, user_id: int, text: str | None, checks: GroupChecks | None
) -> Outcome:
    """The message that follows "write my answer". A refused answer (too long, empty) keeps the
    draft so that the next message can be the shorter one; anything else ends it. `checks` are
    for the group the question was asked in (None: a private chat)."""
    now = env.db.now()
    draft = await poll_answers.get_draft(env.db, user_id)
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
    await poll_answers.clear_draft(env.db, user_id)
    if problem is not None or poll is None or question is None or recipient is None:
        return Outcome(poll, question, problem)
    respondent = await _respondent(poll, recipient, user_id, checks if recipient.is_group else None)
    if isinstance(respondent, str):
        return Outcome(poll, question, respondent)
    async with env.db.transaction() as tx:
        current = await stored.get(tx, poll.id)
        if current is None or not current.is_open(now):
            return Outcome(poll, question, "closed")
        await poll_answers.save_text(
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
    return await poll_answers.clear_draft(env.db, user_id)


async def draft_chat(env: Environment, user_id: int) -> int | None:
    """The chat the person's open answer draft belongs to (the handler checks group rights)."""
    draft = await poll_answers.get_draft(env.db, user_id)
    return None if draft is None else draft.chat_id
