"""Scheduled messages about one event: reminders to those coming, the nudge to the invited who
have not answered, the postponed invitation of a series date, and the feedback round.

Each runner works inside the scheduler's transaction and returns None when its messages are
queued, or a note saying why nothing was sent.
"""

from __future__ import annotations

from bot.core.i18n import N_, Texts
from bot.environment import Environment
from bot.events import reader_cards
from bot.events.reader_cards import Reader
from bot.events.service import queue_invitations, texts_for_chat
from bot.feedback import service as feedback
from storage import broadcasts, events, outbox, rsvps, schedule
from storage.db import Writer
from storage.events import Event
from storage.outbox import NewMessage
from storage.schedule import Job

__all__ = ["run_feedback", "run_invitation", "run_nudge", "run_reminder"]

REMINDER_HEADER = N_("⏰ <b>Reminder</b>")
NUDGE_HEADER = N_("❔ <b>Will you come?</b> One tap is enough.")


async def _event(tx: Writer, job: Job) -> Event | str:
    event = await events.get(tx, job.event_id) if job.event_id is not None else None
    if event is None:
        return "event gone"
    if event.state != "published":
        return f"event {event.state}"
    return event


async def _overtaken(tx: Writer, job: Job, now: int) -> bool:
    """A later reminder of the same event is due too (the bot was down): only it is sent."""
    return any(
        other.kind == "reminder" and other.state == "pending" and job.due_at < other.due_at <= now
        for other in await schedule.for_event(tx, job.event_id or 0)
    )


async def _cards(
    env: Environment, tx: Writer, event: Event, chat_ids: list[int], header: str, now: int
) -> list[NewMessage]:
    """The card with a header, the reader's own answer in private chats, and the buttons."""
    readers = [Reader(chat_id, private=chat_id > 0) for chat_id in chat_ids]
    reads = await reader_cards.read(tx, event.id, readers)
    rows = []
    for reader in readers:
        t: Texts = texts_for_chat(env, reads.recipients.get(reader.chat_id))
        card = reader_cards.render_read(env, event, t, reader, reads, now=now)
        params: dict[str, object] = {"text": f"{t._(header)}\n\n{card.text}", "parse_mode": "HTML"}
        if card.markup is not None:
            params["reply_markup"] = card.markup.to_dict()
        rows.append(NewMessage(reader.chat_id, "reminder", "sendMessage", params))
    return rows


async def run_reminder(env: Environment, tx: Writer, job: Job, now: int) -> str | None:
    event = await _event(tx, job)
    if isinstance(event, str):
        return event
    if now >= event.starts_at:
        return "event started"
    if await _overtaken(tx, job, now):
        return "overtaken by a later reminder"
    targets = await rsvps.notify_chats(tx, event.id, ("yes", "maybe"))
    if not targets:
        return "nobody coming"
    rows = await _cards(env, tx, event, targets, REMINDER_HEADER, now)
    await outbox.enqueue(tx, rows, now=now)
    return None


async def run_nudge(env: Environment, tx: Writer, job: Job, now: int) -> str | None:
    event = await _event(tx, job)
    if isinstance(event, str):
        return event
    if not event.answers_open(now):
        return "answers closed"
    if event.broadcast_id is None:
        return "not invited yet"
    invited = await broadcasts.reached_chats(tx, event.broadcast_id)
    targets = await rsvps.unanswered_chats(tx, event.id, invited)
    if not targets:
        return "everyone answered"
    await outbox.enqueue(tx, await _cards(env, tx, event, targets, NUDGE_HEADER, now), now=now)
    return None


async def run_invitation(env: Environment, tx: Writer, job: Job, now: int) -> str | None:
    """A series date's invitation, due a while before it (the first date is invited at once)."""
    event = await _event(tx, job)
    if isinstance(event, str):
        return event
    if event.broadcast_id is not None:
        return "already invited"
    if now >= event.starts_at:
        return "event started"
    await queue_invitations(env, tx, event, now=now)
    return None


async def run_feedback(env: Environment, tx: Writer, job: Job, now: int) -> str | None:
    """The feedback questionnaire, after the event; not once it would already have closed."""
    event = await _event(tx, job)
    if isinstance(event, str):
        return event
    if now >= job.due_at + env.config.feedback.open_for.total_seconds():
        return "too late: the questionnaire would be closed"
    if not await feedback.open_round(env, tx, event, now):
        return "nobody to ask"
    return None
