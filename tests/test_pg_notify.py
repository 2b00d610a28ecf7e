"""PostgreSQL's notifications between processes (migration 0011's triggers, storage/pg_listen.py):
what one process commits, another hears at once, and a cache built on it stays correct."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

import pytest

from bot.core.config_values import parse_quiet_hours
from bot.delivery.quiet_hours import QuietHoursPolicy
from bot.delivery.relay import ReplyRelay
from storage import chat_settings, chats, outbox, relay
from storage.outbox import NewMessage
from storage.pg_db import PgDatabase
from storage.pg_listen import PgListener

pytestmark = pytest.mark.asyncio
HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = 1_796_000_000.0  # any moment: nothing here depends on the date or hour


async def test_one_process_hears_what_another_commits(pg_url: str) -> None:
    heard: list[tuple[str, str]] = []
    arrived = asyncio.Event()

    def hear(channel: str):  # type: ignore[no-untyped-def]
        def handler(payload: str) -> None:
            heard.append((channel, payload))
            arrived.set()

        return handler

    first = await PgDatabase.open(pg_url)
    second = await PgDatabase.open(pg_url)
    listener = PgListener(pg_url, {c: hear(c) for c in ("jb_outbox", "jb_reply", "jb_schedule")})
    listener.start()
    try:
        await asyncio.wait_for(listener.connected.wait(), 10)
        await chats.upsert(second, 5, "private", None)
        async with second.transaction() as tx:
            await outbox.enqueue(
                tx,
                [NewMessage(5, "announcement", "sendMessage", {"text": f"n{i}"}) for i in range(3)],
                now=NOW,
            )
        await asyncio.wait_for(arrived.wait(), 5)
        assert heard == [("jb_outbox", "")]  # three rows, one transaction: one notification
        heard.clear()
        arrived.clear()
        row_id = await relay.enqueue(second, 5, "sendMessage", {"chat_id": 5, "text": "hi"}, 0)
        assert row_id is not None
        await asyncio.wait_for(arrived.wait(), 5)
        heard.clear()
        arrived.clear()
        await outbox.mark_sent(first, row_id, 77, telegram_file=None, result='{"message_id": 77}')
        await asyncio.wait_for(arrived.wait(), 5)
        assert ("jb_reply", str(row_id)) in heard
        done = await relay.finished(second, row_id)
        assert done is not None and done.result == {"message_id": 77}
    finally:
        await listener.stop()
        await first.close()
        await second.close()


async def test_quiet_hours_changed_elsewhere_are_seen_at_once(pg_url: str) -> None:
    leader = await PgDatabase.open(pg_url)
    other = await PgDatabase.open(pg_url)
    policy = QuietHoursPolicy(leader, parse_quiet_hours("21:00-08:00"), HELSINKI)
    listener = PgListener(pg_url, {"jb_chat_settings": policy.forget})
    listener.start()
    try:
        await asyncio.wait_for(listener.connected.wait(), 10)
        await chats.upsert(other, -1001, "supergroup", "Kyläyhdistys")
        assert await policy.hours_for(-1001) == parse_quiet_hours("21:00-08:00")
        async with other.transaction() as tx:
            await chat_settings.set_quiet_hours(tx, -1001, "", other.now())
        # Well inside the cache's own lifetime: only the notification can make this pass.
        async with asyncio.timeout(5):
            while await policy.hours_for(-1001) is not None:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
    finally:
        await listener.stop()
        await leader.close()
        await other.close()


async def test_a_reply_goes_directly_while_the_database_is_away(pg_url: str) -> None:
    """Relaying needs the database; while it is away (here: closed) the relay steps aside and
    the caller sends the message itself, so "try again in a moment" still reaches people."""
    db = await PgDatabase.open(pg_url)
    await chats.upsert(db, 5, "private", None)
    relayer = ReplyRelay(db, reply_deadline=5.0)
    await db.close()
    assert await relayer.send("sendMessage", {"chat_id": 5, "text": "hetki"}, None) is None
    assert relayer.relayed == 0
