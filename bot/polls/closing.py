"""Closing a poll (at its time or by a coordinator) and its reminder, both run as scheduler jobs."""

from __future__ import annotations

from typing import Any

from bot.environment import Environment
from bot.events.service import texts_for_chat
from bot.polls import report as poll_report
from bot.polls import report_text as poll_report_text
from bot.polls.texts import reminder_text
from storage import broadcasts, chats, outbox, schedule
from storage import polls as stored
from storage.db import Writer
from storage.outbox import NewMessage
from storage.polls import Poll, PollMessage
from storage.schedule import Job


def close_row(message: PollMessage) -> NewMessage:
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
        await broadcasts.cancel_broadcast_in(tx, poll.broadcast_id, now)
    await schedule.cancel_key(tx, f"poll_reminder:{poll.id}", now)
    rows = [close_row(m) for m in await stored.open_messages(tx, poll.id)]
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
                texts[t.language] = poll_report_text.summary_text(results, t)
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
