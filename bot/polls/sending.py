"""Sending a poll: the poll, the chats asked, the outbox rows and the close / reminder jobs in
one transaction; and recording what the delivery worker sent.

How a question is asked in a chat:
- private chat, one or several choices: a native Telegram poll (non-anonymous, so its answers
  arrive as poll_answer updates with the person; the anonymity of the results is the bot's);
- scale 1–5 and every choice question in a group: inline buttons, edited in place (a native
  non-anonymous poll would show every member's vote to the whole group);
- free text: a button that starts a private-chat draft (in groups a deep link to the private
  chat, see `bot.polls.links`); the next private message is the answer.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from typing import Any

from telegram import Message

from bot.announcements.service import describe
from bot.audience.recipients import AudienceSpec, resolve
from bot.core.i18n import Texts
from bot.environment import Environment
from bot.events.service import texts_for_chat
from bot.polls.closing import close_row
from bot.polls.texts import intro_text, question_keyboard, question_text
from storage import broadcasts, chats, outbox, schedule
from storage import polls as stored
from storage.db import Writer
from storage.outbox import NewMessage, OutboxRow
from storage.polls import NewPoll, Poll, PollMessage, Question
from storage.schedule import PlannedJob

log = logging.getLogger(__name__)

INTRO = -1  # the question number of the introduction message
REF = "poll"


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
            ref=f"{REF}:{poll.id}:{INTRO}",
        )
    ]
    for question in poll.questions:
        ref = f"{REF}:{poll.id}:{question.position}"
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
        broadcast_id = await broadcasts.create_broadcast(
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


# The delivery worker's on-sent hook


async def record_sent(tx: Writer, row: OutboxRow, result: object) -> None:
    """Runs in the transaction that marks a `poll:<id>:<question>` row sent: remembers the
    message (and a native poll's id). A question that arrives after its poll closed (it was in
    flight) is closed at once."""
    parts = (row.ref or "").split(":")
    if len(parts) != 3 or parts[0] != REF or not isinstance(result, Message):
        return
    try:
        poll_id, question = int(parts[1]), int(parts[2])
        native = result.poll.id if result.poll is not None else None
        await stored.record_message(tx, poll_id, question, row.chat_id, result.message_id, native)
        poll = await stored.get(tx, poll_id)
        if poll is not None and poll.state == "closed" and question >= 0:
            message = PollMessage(poll_id, question, row.chat_id, result.message_id, native, False)
            await outbox.enqueue(tx, [close_row(message)], now=tx.now())
            await stored.mark_messages_closed(tx, poll_id)
    except (ValueError, sqlite3.Error):
        log.exception("outbox row %d: the poll message could not be recorded", row.id)


def audience_json(poll: Poll) -> dict[str, Any]:
    """The stored audience description (for lists)."""
    try:
        value = json.loads(poll.audience)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
