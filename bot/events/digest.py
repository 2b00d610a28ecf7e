"""The weekly digest: a chat that opts in gets, on its weekday and hour, the events coming up in
its subscriptions over the next two weeks."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.i18n import N_
from bot.environment import Environment
from bot.events.cards import listing_line
from bot.events.service import texts_for_chat
from storage import chat_settings, chats, events, outbox, schedule
from storage.db import Writer
from storage.outbox import NewMessage
from storage.schedule import Job, PlannedJob

__all__ = [
    "HORIZON",
    "LATE_LIMIT",
    "WEEKDAY_NAMES",
    "digest_key",
    "next_slot",
    "run_digest",
    "set_digest",
]

HORIZON = timedelta(days=14)
# A digest more than this late (the bot was down) is not sent; the next one comes next week.
LATE_LIMIT = timedelta(hours=12)
MAX_EVENTS = 15
WEEKDAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def digest_key(chat_id: int) -> str:
    return f"digest:{chat_id}"


def next_slot(weekday: int, hour: int, tz: ZoneInfo, after: int) -> int:
    """The first `weekday` at `hour`:00 local time strictly after `after` (unix seconds)."""
    local = datetime.fromtimestamp(after, tz)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    while True:
        slot = int(datetime.combine(day, time(hour), tz).timestamp())
        if slot > after:
            return slot
        day += timedelta(days=7)


async def set_digest(
    tx: Writer, chat_id: int, weekday: int | None, hour: int, tz: ZoneInfo, now: int
) -> int | None:
    """Store the choice and (re)plan the chat's digest job; returns its next time."""
    await chat_settings.set_digest(tx, chat_id, weekday, hour, now)
    key = digest_key(chat_id)
    if weekday is None:
        await schedule.cancel_key(tx, key, now)
        return None
    due = next_slot(weekday, hour, tz, now)
    await schedule.upsert(tx, [PlannedJob(key, "digest", due, chat_id=chat_id)], now)
    return due


async def run_digest(env: Environment, tx: Writer, job: Job, now: int) -> str | None:
    chat_id = job.chat_id
    settings = await chat_settings.get(tx, chat_id) if chat_id is not None else None
    if chat_id is None or settings is None or settings.digest_weekday is None:
        return "digest turned off"
    tz = env.config.bot.timezone
    next_due = next_slot(settings.digest_weekday, settings.digest_hour, tz, now)
    late = now - job.due_at > LATE_LIMIT.total_seconds()
    # Moved on even for an inactive chat: one that comes back (/start) gets its digest again.
    await schedule.move(tx, job.key, next_due, now)
    chat = await chats.get(tx, chat_id)
    if chat is None or not chat.active:
        return "chat inactive"
    if late:
        return None
    found, _total = await events.upcoming_for_chat(tx, chat_id, now, limit=MAX_EVENTS, offset=0)
    soon = [e for e in found if e.starts_at <= now + HORIZON.total_seconds()]
    if not soon:
        return None
    info = await chats.recipients(tx, [chat_id])
    t = texts_for_chat(env, info.get(chat_id))
    lines = [t._("📰 <b>Coming up in your areas</b> (next two weeks)")]
    lines += [listing_line(event, t) for event in soon]
    lines.append("")
    lines.append(t._("Change or stop the digest with /settings."))
    params: dict[str, object] = {"text": "\n".join(lines), "parse_mode": "HTML"}
    await outbox.enqueue(tx, [NewMessage(chat_id, "digest", "sendMessage", params)], now=now)
    return None
