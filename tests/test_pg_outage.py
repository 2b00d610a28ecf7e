"""PostgreSQL failing under the bot: the server stopped and started again under a running bot, a
pool with too few connections, a call after close(). People are asked to try again, nothing
queued is lost, and the bot recovers by itself; nothing waits without a bound."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from bot.core.clock import ManualClock
from bot.core.config import DeliverySettings
from bot.scheduler.engine import Scheduler
from storage import broadcasts, chats, outbox, schedule
from storage.db import Writer
from storage.outbox import NewMessage
from storage.pg_compat import PgRaw
from storage.pg_db import PgDatabase, _lost
from storage.schedule import Job, PlannedJob
from storage.schema import DatabaseError
from tests.harness import START, WAIT, BotHarness, ChatUser
from tests.pg_fixtures import _PgInPlaceOfFile
from tools.postgres import PostgresServer, running_server

pytestmark = pytest.mark.asyncio

SORRY_FI = "Pahoittelen, jokin meni vikaan päässäni. Yritä hetken päästä uudelleen"
BOUND = 2.0  # the pool's bound on waiting, in these tests


@pytest.fixture
def own_server() -> Iterator[PostgresServer]:
    """A server of this test's own: stopping it disturbs no other test."""
    with running_server() as server:
        yield server


async def _until(
    check: Callable[[], Awaitable[bool]],
    what: str,
    why: Callable[[], Awaitable[object]] | None = None,
    limit: float = WAIT,
) -> float:
    """Seconds until `check()` holds; fails after `limit` (saying `why()`)."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > limit:
            pytest.fail(f"not within {limit} s: {what}; {await why() if why else ''}")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def _bot_on(server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot's environment on a new database of `server`, with a short pool bound."""
    monkeypatch.setattr(_PgInPlaceOfFile, "urls", {})
    names = iter(range(1, 100))
    monkeypatch.setattr(
        _PgInPlaceOfFile,
        "new_database",
        lambda: server.create_database(f"outage{next(names)}"),
        raising=False,
    )
    monkeypatch.setattr(_PgInPlaceOfFile, "timeout", BOUND)
    monkeypatch.setattr("bot.environment.Database.open", _PgInPlaceOfFile.open_path)


async def _states(h: BotHarness) -> list[tuple[str, int]]:
    rows = await h.env.db.fetchall("SELECT state, count(*) FROM outbox GROUP BY state")
    return [(row[0], row[1]) for row in rows]


async def _queue_broadcast(h: BotHarness, count: int) -> tuple[int, list[int]]:
    people = []
    for i in range(count):
        user = h.sandbox.add_user(f"Jäsen {i}")
        h.sandbox.private_chat(user)
        await chats.upsert(h.env.db, user.id, "private", None)
        people.append(user.id)
    db = h.env.db
    async with db.transaction() as tx:
        broadcast_id = await broadcasts.create_broadcast(
            tx, kind="announcement", created_by=None, report_chat_id=None, summary="Tiedote",
            audience="test", scheduled_at=db.now(), now=db.now(),
        )  # fmt: skip
        messages = [
            NewMessage(c, "announcement", "sendMessage", {"text": "Tiedote"}) for c in people
        ]
        await outbox.enqueue(tx, messages, now=db.now(), broadcast_id=broadcast_id)
    h.services.delivery.wake()
    return broadcast_id, people


async def _outage(h: BotHarness, server: PostgresServer, liisa: ChatUser) -> None:
    """Stop the server; what Liisa sees meanwhile; start it again; the bot answers again."""
    server.stop(keep=True)
    try:
        started = time.monotonic()
        before = len(liisa.messages())
        await liisa.send("/start")
        # Once, though tracking and the welcome both failed.
        assert [m.text[: len(SORRY_FI)] for m in liisa.messages()[before:]] == [SORRY_FI]
        await liisa.tap_data(liisa.last_message().message_id, "nobody:claims:this")
        assert (liisa.last_answer() or "").startswith(SORRY_FI)
        # Bounded: tracking and the language each wait at most the pool's bound.
        assert time.monotonic() - started < 4 * BOUND + 5
    finally:
        h.sandbox.faults.latency(0)
        server.start()

    async def welcomed_again() -> bool:
        await liisa.send("/start")
        return "Tervetuloa Järjestöbottiin!" in liisa.last_message().text

    await _until(welcomed_again, "the bot answers again after the server's return")


async def _finished(h: BotHarness, broadcast_id: int) -> bool:
    return (await broadcasts.progress(h.env.db, broadcast_id)).pending == 0


async def test_an_outage_asks_people_to_try_again_and_loses_no_broadcast(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    own_server: PostgresServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _bot_on(own_server, monkeypatch)
    # One message a second: the server stops between two sends, with rows still queued.
    delivery = DeliverySettings(global_rate=1.0, private_interval=0.001, group_per_minute=100_000)
    async with BotHarness.start(tmp_path, delivery=delivery) as h:
        liisa = h.user("Liisa", language_code="fi")
        await liisa.send("/start")
        assert "Tervetuloa Järjestöbottiin!" in liisa.last_message().text
        broadcast_id, people = await _queue_broadcast(h, 6)

        async def two_sent_none_in_flight() -> bool:
            states = dict(await _states(h))
            return states.get("sent", 0) >= 2 and "sending" not in states

        await _until(two_sent_none_in_flight, "the broadcast starts")
        await _outage(h, own_server, liisa)
        # The operator reads one line per update, without a traceback.
        lines = [r for r in caplog.records if r.name == "jarjestobotti.errors"]
        assert lines and all("database unavailable" in r.getMessage() for r in lines)
        assert all(r.exc_info is None and "Traceback" not in r.getMessage() for r in lines)
        await _until(lambda: _finished(h, broadcast_id), "the broadcast ends", lambda: _states(h))
        progress = await broadcasts.progress(h.env.db, broadcast_id)
        assert (progress.sent, progress.failed) == (6, 0)
        assert all(len(h.sandbox.messages(c)) == 1 for c in people)


async def test_sends_in_flight_when_the_server_goes_are_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_server: PostgresServer
) -> None:
    _bot_on(own_server, monkeypatch)
    delivery = DeliverySettings(global_rate=20.0, private_interval=0.001, group_per_minute=100_000)
    async with BotHarness.start(tmp_path, delivery=delivery) as h:
        liisa = h.user("Liisa", language_code="fi")
        await liisa.send("/start")
        broadcast_id, people = await _queue_broadcast(h, 40)

        async def some_sent() -> bool:
            return sum(bool(h.sandbox.messages(c)) for c in people) >= 5

        await _until(some_sent, "the broadcast starts")
        # Telegram carries the sends out, its answers come late: they are in flight when the
        # server goes, and their outcome cannot be recorded then.
        h.sandbox.faults.latency(500)
        await asyncio.sleep(0.3)
        in_flight = dict(await _states(h)).get("sending", 0)
        assert in_flight > 0
        await _outage(h, own_server, liisa)
        # The worker kept the outcomes it could not record and recorded them when the server
        # came back: the broadcast ends without a restart, and nobody got it twice.
        await _until(lambda: _finished(h, broadcast_id), "the broadcast ends", lambda: _states(h))
        assert [len(h.sandbox.messages(c)) for c in people] == [1] * len(people)
        progress = await broadcasts.progress(h.env.db, broadcast_id)
        assert (progress.sent, progress.failed) == (len(people), 0)


async def _hold(seconds: float) -> Callable[[PgRaw], float]:
    def block(raw: PgRaw) -> float:
        raw.execute("SELECT pg_sleep(?)", (seconds,)).fetchall()
        return seconds

    return block


async def test_a_full_pool_makes_requests_wait_with_a_bound(pg_url: str) -> None:
    db = await PgDatabase.open(pg_url, max_size=2, timeout=1.0)
    try:
        # Ten blocks, two connections: they take turns, and all finish.
        block = await _hold(0.05)
        done = await asyncio.gather(*(db.run(block) for _ in range(10)))
        assert done == [0.05] * 10
        writes = await asyncio.gather(*(db.execute("SELECT 1") for _ in range(10)))
        assert len(writes) == 10
        # Both connections held for 3 s: a block that would wait past the 1 s bound is refused.
        long = await _hold(3.0)
        holding = [asyncio.ensure_future(db.run(long)) for _ in range(2)]
        await asyncio.sleep(0.3)
        started = time.monotonic()
        with pytest.raises(DatabaseError, match="no free database connection in time"):
            await db.fetchval("SELECT 1")
        assert time.monotonic() - started < 2.5
        assert await asyncio.gather(*holding) == [3.0, 3.0]
        assert await db.fetchval("SELECT 1") == 1  # and then served again
    finally:
        await db.close()


async def test_a_call_after_close_is_a_database_error(pg_url: str) -> None:
    db = await PgDatabase.open(pg_url)
    await db.close()
    with pytest.raises(DatabaseError, match="the database is closed"):
        await db.execute("SELECT 1")
    with pytest.raises(DatabaseError, match="the database is closed"):
        await db.fetchval("SELECT 1")


async def test_the_storage_recovers_when_the_server_returns(own_server: PostgresServer) -> None:
    db = await PgDatabase.open(own_server.url(), timeout=BOUND)
    try:
        assert await db.fetchval("SELECT 1") == 1
        own_server.stop(keep=True)
        try:
            for call in (db.fetchval("SELECT 1"), db.execute("SELECT 1")):
                started = time.monotonic()
                with pytest.raises(DatabaseError, match=r"PostgreSQL unavailable|no free database"):
                    await call
                assert time.monotonic() - started < 2 * BOUND + 1
            with pytest.raises(DatabaseError):
                async with db.transaction() as tx:
                    await tx.execute("SELECT 1")
        finally:
            own_server.start()

        async def answers() -> bool:
            try:
                return bool(await db.fetchval("SELECT 1") == 1)
            except DatabaseError:
                return False

        assert await _until(answers, "the pool reconnects") < 3 * BOUND
        assert await db.execute("CREATE TABLE after_outage (n BIGINT)") >= -1
    finally:
        await db.close()


async def test_a_job_due_during_an_outage_runs_once_when_the_server_returns(
    own_server: PostgresServer,
) -> None:
    clock = ManualClock(START)
    # The storage API is one for both backends; its annotations name SQLite's classes until a
    # shared Protocol exists (docs/postgresql-plan.md), hence the ignores below.
    db = await PgDatabase.open(own_server.url(), timeout=BOUND, clock=clock.timestamp)
    ran: list[str] = []

    async def digest(tx: Writer, job: Job, now: int) -> str | None:
        ran.append(job.key)
        return None

    try:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO chats (id, type, created_at, updated_at) VALUES (1, 'private', 0, 0)"
            )
            planned = [PlannedJob("digest:1", "digest", db.now() + 60, chat_id=1)]
            await schedule.upsert(tx, planned, 0)
        scheduler = Scheduler(db, clock, {"digest": digest})
        await scheduler.start()
        clock.advance(timedelta(seconds=60))
        own_server.stop(keep=True)
        try:
            with pytest.raises(DatabaseError):
                await scheduler.run_due()  # the wake-up finds no database: nothing is lost
        finally:
            own_server.start()

        async def ran_once() -> bool:
            with contextlib.suppress(DatabaseError):
                await scheduler.run_due()  # what the minutely refresh does
            return bool(ran)

        await _until(ran_once, "the job runs after the server's return")
        job = await schedule.get(db, "digest:1")
        assert job is not None and job.state == "done"
        assert await scheduler.run_due() == 0
        assert ran == ["digest:1"]
        await scheduler.stop()
    finally:
        await db.close()


async def test_a_statements_own_failure_is_not_an_outage(pg_url: str) -> None:
    # A cancelled statement is the storage error too, but the next call waits the whole bound
    # for a connection, as usual (only a lost server shortens it).
    db = await PgDatabase.open(pg_url, max_size=1, timeout=1.0)
    try:
        with pytest.raises(DatabaseError, match="QueryCanceled"):
            await db.run(
                lambda raw: raw.execute("SET statement_timeout = 50; SELECT pg_sleep(1)").close()
            )
        assert not db._down
        assert _lost(psycopg.errors.AdminShutdown()) and _lost(psycopg.OperationalError("gone"))
        assert await db.fetchval("SELECT 1") == 1
    finally:
        await db.close()
