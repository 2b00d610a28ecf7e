"""Storage foundation: pragmas, migrations from every earlier version, refusal of bad files."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import aiosqlite
import pytest

from storage import chats, roles, users
from storage.db import Database, DatabaseError
from storage.schema import latest_version, load_migrations

T = TypeVar("T")


async def test_pragmas_and_schema(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "a.sqlite3")
    try:
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
        assert await db.fetchval("PRAGMA foreign_keys") == 1
        assert await db.fetchval("PRAGMA synchronous") == 1  # NORMAL
        assert await db.fetchval("PRAGMA busy_timeout") == 5000
        assert await db.fetchval("PRAGMA user_version") == latest_version()
    finally:
        await db.close()


def _schema(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        ).fetchall()
    conn.close()
    return [(name, " ".join(sql.split())) for name, sql in rows]


@pytest.mark.parametrize("start", range(latest_version()))
async def test_migrates_from_every_earlier_version(tmp_path: Path, start: int) -> None:
    """A database left at any older version reaches exactly the schema of a fresh one."""
    old = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(old)
    for migration in load_migrations()[:start]:
        conn.executescript(migration.sql)
        conn.execute(f"PRAGMA user_version = {migration.version}")
    conn.commit()
    conn.close()
    db = await Database.open(old)
    await db.close()
    fresh = tmp_path / "fresh.sqlite3"
    await (await Database.open(fresh)).close()
    assert _schema(old) == _schema(fresh)


async def test_refuses_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"shopping list: coffee, pulla\n")
    with pytest.raises(DatabaseError, match="not an SQLite database"):
        await Database.open(path)
    assert path.read_bytes() == b"shopping list: coffee, pulla\n"


async def test_refuses_a_newer_database_without_touching_it(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE later (x)")
    conn.execute(f"PRAGMA user_version = {latest_version() + 5}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="newer than this program"):
        await Database.open(path)
    assert path.read_bytes() == before


async def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.sqlite3", clock=lambda: 1_800_000_000.0)
    try:
        await users.upsert(db, 1, "Aino", None, None, "fi")

        async def rename_then_fail() -> None:
            async with db.transaction() as tx:
                await tx.execute("UPDATE users SET first_name = 'Eino' WHERE id = 1")
                await tx.execute("INSERT INTO users (id) VALUES (1)")

        with pytest.raises(sqlite3.IntegrityError):
            await rename_then_fail()
        user = await users.get(db, 1)
        assert user is not None
        assert user.first_name == "Aino"
    finally:
        await db.close()


async def test_a_block_runs_inside_the_transaction(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.sqlite3", clock=lambda: 1_800_000_000.0)
    try:
        await users.upsert(db, 1, "Aino", None, None, "fi")

        def rename(raw: sqlite3.Connection) -> int:
            return raw.execute("UPDATE users SET first_name = 'Eino' WHERE id = 1").rowcount

        # A block and a later failure in the same transaction: both undone.
        async def rename_then_fail() -> None:
            async with db.transaction() as tx:
                assert await tx.run(rename) == 1
                await tx.execute("INSERT INTO users (id) VALUES (1)")

        with pytest.raises(sqlite3.IntegrityError):
            await rename_then_fail()
        user = await users.get(db, 1)
        assert user is not None and user.first_name == "Aino"

        # A block that is the whole transaction: Database.write commits it in the same trip.
        assert await db.write(rename) == 1
        user = await users.get(db, 1)
        assert user is not None and user.first_name == "Eino"

        # A transaction without statements never begins, and the next one works.
        async with db.transaction():
            pass
        assert await db.execute("UPDATE users SET first_name = 'Aino' WHERE id = 1") == 1
    finally:
        await db.close()


async def test_one_trip_writes_never_interleave_with_a_transaction(tmp_path: Path) -> None:
    """`Database.write` skips the lock only when no transaction holds it: a write started while
    a multi-trip transaction is open waits for its COMMIT instead of landing inside it."""
    db = await Database.open(tmp_path / "t.sqlite3")
    try:
        await db.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
        await db.execute("INSERT INTO counter VALUES (0)")
        opened, release = asyncio.Event(), asyncio.Event()

        async def slow_transaction() -> None:
            async with db.transaction() as tx:
                n = await tx.fetchval("SELECT n FROM counter")
                opened.set()
                await release.wait()  # other tasks run while this transaction is open
                await tx.execute("UPDATE counter SET n = ?", (n + 1,))

        def bump(raw: sqlite3.Connection) -> int:
            raw.execute("UPDATE counter SET n = n + 1").close()
            return int(raw.execute("SELECT n FROM counter").fetchone()[0])

        slow = asyncio.create_task(slow_transaction())
        await opened.wait()
        waiting = asyncio.create_task(db.write(bump))
        await asyncio.sleep(0.05)
        assert not waiting.done()  # it would have failed inside the open transaction
        release.set()
        await slow
        assert await waiting == 2  # after the transaction's own read-and-write, not lost in it

        # A burst of both kinds side by side: every increment lands exactly once.
        async def read_then_write() -> None:
            async with db.transaction() as tx:
                n = await tx.fetchval("SELECT n FROM counter")
                await asyncio.sleep(0)
                await tx.execute("UPDATE counter SET n = ?", (n + 1,))

        await asyncio.gather(
            *(read_then_write() for _ in range(20)),
            *(db.write(bump) for _ in range(100)),
        )
        assert await db.fetchval("SELECT n FROM counter") == 122
    finally:
        await db.close()


def _two_then_clash(raw: sqlite3.Connection) -> None:
    raw.execute("INSERT INTO t VALUES (1)").close()
    raw.execute("INSERT INTO t VALUES (2)").close()
    raw.execute("INSERT INTO t VALUES (1)").close()


async def test_a_one_trip_write_is_all_or_nothing(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.sqlite3")
    try:
        await db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)")
        with pytest.raises(sqlite3.IntegrityError):
            await db.write(_two_then_clash)
        assert await db.fetchval("SELECT count(*) FROM t") == 0

        # A caller cancelled while its block waits in the queue: the block still runs whole.
        def two(raw: sqlite3.Connection) -> None:
            raw.execute("INSERT INTO t VALUES (3)").close()
            raw.execute("INSERT INTO t VALUES (4)").close()

        task = asyncio.create_task(db.write(two))
        await asyncio.sleep(0)  # queued
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await db.fetchval("SELECT count(*) FROM t") == 2
        assert await db.execute("INSERT INTO t VALUES (5)") == 1  # no transaction left open
    finally:
        await db.close()


def _insert(k: int) -> Callable[[sqlite3.Connection], int]:
    """A block inserting row k with the thread it ran on."""

    def block(raw: sqlite3.Connection) -> int:
        raw.execute("INSERT INTO t VALUES (?, ?)", (k, threading.get_ident())).close()
        return k

    return block


def _slow_then(
    k: int, started: threading.Event, release: threading.Event
) -> Callable[[sqlite3.Connection], int]:
    def block(raw: sqlite3.Connection) -> int:
        started.set()
        release.wait(WAIT)
        return _insert(k)(raw)

    return block


async def _thread_of(db: Database, k: int) -> int:
    return int(await db.fetchval("SELECT thread FROM t WHERE k = ?", (k,)))


async def _bot_database(path: Path) -> Database:
    """Opened as the bot opens it: with the background checkpointer, which inline writes need."""
    db = await Database.open(path)
    await db.checkpoint_in_background()
    await db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, thread INTEGER)")
    return db


# The deadline of every wait below: generous, since each ends as soon as its state is reached.
WAIT = 30.0


def _soon(awaitable: Awaitable[T]) -> Awaitable[T]:
    """A bound on every wait below: a lost wakeup fails the test instead of hanging it."""
    return asyncio.wait_for(awaitable, WAIT)


async def _until(predicate: Callable[[], bool], what: str) -> None:
    """Poll a state that has no event to wait on, up to WAIT seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not predicate():
        assert loop.time() < deadline, f"not within {WAIT} s: {what}"
        await asyncio.sleep(0.01)


async def test_an_inline_write_runs_on_the_event_loops_thread_when_the_connection_is_idle(
    tmp_path: Path,
) -> None:
    db = await _bot_database(tmp_path / "t.sqlite3")
    try:
        assert await db.write(_insert(1), inline=True) == 1
        assert await _thread_of(db, 1) == threading.get_ident()
        assert await db.write(_insert(2)) == 2
        assert await _thread_of(db, 2) != threading.get_ident()  # without inline: the thread

        def two_then_clash(raw: sqlite3.Connection) -> None:
            _insert(3)(raw)
            _insert(1)(raw)

        with pytest.raises(sqlite3.IntegrityError):
            await db.write(two_then_clash, inline=True)
        assert await db.fetchval("SELECT count(*) FROM t") == 2  # row 3 rolled back with it
        assert await db.fetchval("PRAGMA busy_timeout") == 5000  # as it was before the attempt
        assert await db.write(_insert(3), inline=True) == 3  # no transaction left open

        # A failed call on the thread still counts as finished: the next write runs here.
        with pytest.raises(sqlite3.OperationalError):
            await db.run(lambda raw: raw.execute("SELECT * FROM no_such_table"))
        assert await _soon(db.write(_insert(4), inline=True)) == 4
        assert await _thread_of(db, 4) == threading.get_ident()
    finally:
        await db.close()


async def test_without_the_background_checkpointer_writes_stay_on_the_thread(
    tmp_path: Path,
) -> None:
    """A CLI process keeps SQLite's own checkpoints, which a COMMIT may run (with fsyncs): its
    writes never run on the event loop's thread."""
    db = await Database.open(tmp_path / "t.sqlite3")
    try:
        await db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, thread INTEGER)")
        assert await db.write(_insert(1), inline=True) == 1
        assert await _thread_of(db, 1) != threading.get_ident()
    finally:
        await db.close()


async def test_an_inline_write_waits_for_what_is_queued_on_the_thread(tmp_path: Path) -> None:
    """A block on the thread (even one whose caller was cancelled) runs to its end before an
    inline write starts, and the inline write then still runs here, not queued behind it."""
    db = await _bot_database(tmp_path / "t.sqlite3")
    try:
        started, release = threading.Event(), threading.Event()
        slow_write = asyncio.create_task(db.write(_slow_then(1, started, release)))
        assert await asyncio.to_thread(started.wait, WAIT)
        slow_write.cancel()  # its block is under way and runs on
        with pytest.raises(asyncio.CancelledError):
            await slow_write

        def count(raw: sqlite3.Connection) -> tuple[int, int]:
            return raw.execute("SELECT count(*) FROM t").fetchone()[0], threading.get_ident()

        after = asyncio.create_task(db.write(count, inline=True))
        await asyncio.sleep(0.05)
        assert not after.done()
        release.set()
        assert await _soon(after) == (1, threading.get_ident())
        # Many at once behind one queued block: all of them here, in turn, once it is done.
        started.clear()
        release.clear()
        queued = asyncio.create_task(db.write(_slow_then(10, started, release)))
        assert await asyncio.to_thread(started.wait, WAIT)
        burst = [asyncio.create_task(db.write(_insert(k), inline=True)) for k in range(11, 31)]
        await asyncio.sleep(0.02)
        release.set()
        assert await _soon(queued) == 10
        assert await _soon(asyncio.gather(*burst)) == list(range(11, 31))
        here = await db.fetchval(
            "SELECT count(*) FROM t WHERE k > 10 AND thread = ?", (threading.get_ident(),)
        )
        assert here == 20
    finally:
        await db.close()


async def test_a_stream_of_thread_calls_does_not_hold_an_inline_write_back(
    tmp_path: Path,
) -> None:
    """It waits for the calls queued before it, not for those queued after: readers keeping
    the thread busy without a pause (reports, the delivery worker) do not starve it."""
    db = await _bot_database(tmp_path / "t.sqlite3")
    stop = False

    def busy(raw: sqlite3.Connection) -> None:
        time.sleep(0.002)

    async def reader() -> None:
        while not stop:
            await db.run(busy)

    readers = [asyncio.create_task(reader()) for _ in range(3)]
    try:
        await asyncio.sleep(0.05)
        for k in range(1, 6):
            # Starved, it would wait for as long as the readers run: forever.
            assert await _soon(db.write(_insert(k), inline=True)) == k
        assert await db.fetchval("SELECT count(*) FROM t") == 5
    finally:
        stop = True
        await asyncio.gather(*readers)
        await db.close()


async def test_a_transaction_begun_while_an_inline_write_waits_goes_first(
    tmp_path: Path,
) -> None:
    """A `transaction()` that takes the lock while an inline write waits for the thread: the
    write then waits for its COMMIT instead of running inside it."""
    db = await _bot_database(tmp_path / "t.sqlite3")
    try:
        await db.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
        await db.execute("INSERT INTO counter VALUES (0)")
        started, release = threading.Event(), threading.Event()
        slow = asyncio.create_task(db.write(_slow_then(1, started, release)))
        assert await asyncio.to_thread(started.wait, WAIT)

        def bump(raw: sqlite3.Connection) -> int:
            raw.execute("UPDATE counter SET n = n + 1").close()
            return int(raw.execute("SELECT n FROM counter").fetchone()[0])

        waiting = asyncio.create_task(db.write(bump, inline=True))
        await asyncio.sleep(0)  # waits for the slow block
        opened, finish = asyncio.Event(), asyncio.Event()

        async def read_then_write() -> None:
            async with db.transaction() as tx:
                n = await tx.fetchval("SELECT n FROM counter")
                opened.set()
                await finish.wait()  # open between its trips
                await tx.execute("UPDATE counter SET n = ?", (n + 10,))

        transaction = asyncio.create_task(read_then_write())
        await asyncio.sleep(0.02)
        release.set()
        await _soon(opened.wait())
        await asyncio.sleep(0.05)
        assert not waiting.done()
        finish.set()
        await _soon(transaction)
        assert await _soon(waiting) == 11  # after the transaction's read-and-write
        await _soon(slow)
    finally:
        await db.close()


async def test_an_inline_write_waiting_while_the_database_closes_never_runs(
    tmp_path: Path,
) -> None:
    """A write that was waiting for the thread while the database closes must not take the
    thread, idle once the close has run, for a free connection."""
    path = tmp_path / "t.sqlite3"
    db = await _bot_database(path)
    started, release = threading.Event(), threading.Event()
    slow = asyncio.create_task(db.write(_slow_then(1, started, release)))
    assert await asyncio.to_thread(started.wait, WAIT)
    waiting = asyncio.create_task(db.write(_insert(2), inline=True))
    await asyncio.sleep(0)
    closing = asyncio.create_task(db.close())
    await asyncio.sleep(0.02)
    release.set()
    await _soon(slow)
    await _soon(closing)
    with pytest.raises((ValueError, sqlite3.ProgrammingError)):
        await _soon(waiting)
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT k FROM t").fetchall() == [(1,)]
    check.close()


async def test_an_inline_write_leaves_waiting_for_another_process_to_the_thread(
    tmp_path: Path,
) -> None:
    """While another connection (a CLI command, say) holds the write lock, an inline write waits
    for it on the connection's thread (busy_timeout), and the event loop keeps turning meanwhile."""
    path = tmp_path / "t.sqlite3"
    db = await _bot_database(path)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        turns = [0]

        async def turning() -> None:
            while True:
                turns[0] += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(turning())
        write = asyncio.create_task(db.write(_insert(1), inline=True))
        # The loop turns while the write waits: not blocked in SQLite's busy wait on this thread.
        await _until(lambda: turns[0] >= 5, "five turns of the event loop")
        assert not write.done()
        other.execute("COMMIT")
        assert await _soon(write) == 1
        ticker.cancel()
        assert await _thread_of(db, 1) != threading.get_ident()
        assert await db.fetchval("PRAGMA busy_timeout") == 5000
        assert await db.write(_insert(2), inline=True) == 2  # and here again once it is free
        assert await _thread_of(db, 2) == threading.get_ident()
    finally:
        other.close()
        await db.close()


async def test_the_log_is_copied_into_the_file_in_the_background(tmp_path: Path) -> None:
    """The bot's connection never checkpoints by itself; the background checkpointer does."""
    path = tmp_path / "c.sqlite3"
    db = await Database.open(path)
    try:
        checkpointer = await db.checkpoint_in_background(interval=0.02)
        assert await db.fetchval("PRAGMA wal_autocheckpoint") == 0
        await db.execute("CREATE TABLE blobs (b BLOB)")
        for _ in range(30):  # 3 MB: three times SQLite's own checkpoint threshold
            await db.execute("INSERT INTO blobs VALUES (zeroblob(100000))")
        await _until(
            lambda: checkpointer.runs >= 1 and path.stat().st_size > 3_000_000,
            "a checkpoint copied the log into the file",
        )
        assert path.stat().st_size > 3_000_000  # in the file itself, not only in the log
        assert checkpointer.runs >= 1
        runs = checkpointer.runs
        await asyncio.sleep(0.1)
        assert checkpointer.runs == runs  # an unchanged log is left alone
    finally:
        await db.close()
    reopened = await Database.open(path)
    try:
        assert await reopened.fetchval("SELECT count(*) FROM blobs") == 30
    finally:
        await reopened.close()


async def test_closing_waits_for_a_checkpoint_under_way(tmp_path: Path) -> None:
    """The checkpointer's connection is never closed under a running checkpoint, and a failing
    checkpointer neither stops the database from closing nor gives up."""
    path = tmp_path / "c.sqlite3"
    db = await Database.open(path)
    checkpointer = await db.checkpoint_in_background(interval=0.01)
    started, finished = threading.Event(), threading.Event()
    real = checkpointer._checkpoint

    def slow() -> None:
        started.set()
        time.sleep(0.3)
        real()
        finished.set()

    checkpointer._checkpoint = slow  # type: ignore[method-assign]
    await db.execute("CREATE TABLE t (v INTEGER)")
    assert await asyncio.to_thread(started.wait, WAIT)
    await db.close()
    assert finished.is_set()  # close() waited for it

    db = await Database.open(path)
    checkpointer = await db.checkpoint_in_background(interval=0.01)
    failures = 0

    def failing() -> None:
        nonlocal failures
        failures += 1
        raise OSError("disk gone")

    checkpointer._checkpoint = failing  # type: ignore[method-assign]
    await db.execute("INSERT INTO t VALUES (1)")
    # Tried again, though the log did not change after the first failure.
    await _until(lambda: failures >= 3, "three failed checkpoints")
    await db.close()
    with pytest.raises(ValueError, match="no active connection"):
        await db.fetchval("SELECT 1")


async def test_chats_users_roles_round_trip(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    db = await Database.open(tmp_path / "r.sqlite3", clock=lambda: now[0])
    try:
        chat = await chats.upsert(db, -100, "group", "Kyläyhdistys")
        assert chat.is_group
        assert chat.active
        assert await chats.deactivate(db, -100, "kicked", db.now())
        assert not await chats.deactivate(db, -100, "kicked", db.now())
        gone = await chats.get(db, -100)
        assert gone is not None
        assert (gone.active, gone.inactive_reason) == (False, "kicked")
        back = await chats.upsert(db, -100, "group", "Kyläyhdistys")
        assert (back.active, back.inactive_reason) == (True, None)
        await chats.set_language(db, -100, "sv")
        assert (await chats.get(db, -100)).language == "sv"  # type: ignore[union-attr]

        await users.upsert(db, 7, "Aino", "Virtanen", "aino", "fi")
        now[0] += 60
        await users.upsert(db, 7, "Aino", "Virtanen", "aino", "fi")
        row = await db.fetchone("SELECT updated_at FROM users WHERE id = 7")
        assert row is not None
        assert row[0] == 1_800_000_000  # unchanged names: no write
        await users.set_language(db, 7, "en")
        user = await users.get(db, 7)
        assert user is not None
        assert (user.language, user.display_name) == ("en", "Aino Virtanen")

        role = await roles.grant(
            db, 7, "coordinator", (roles.ScopeArea("region", "12"),), granted_by=1
        )
        [found] = await roles.active_roles(db, 7)
        assert found.scope == (roles.ScopeArea("region", "12"),)
        assert not found.covers_everything
        assert await roles.revoke(db, role.id)
        assert await roles.active_roles(db, 7) == []
    finally:
        await db.close()


def _aiosqlite_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements read through the aiosqlite connection from here on."""
    seen: list[str] = []
    real = aiosqlite.Connection.execute_fetchall

    async def read(reader: aiosqlite.Connection, sql: str, params: object = None) -> object:
        seen.append(sql)
        return await real(reader, sql, params)

    monkeypatch.setattr(aiosqlite.Connection, "execute_fetchall", read)
    return seen


async def test_plain_reads_take_aiosqlite_and_see_what_was_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await Database.open(tmp_path / "a.sqlite3", clock=lambda: 1_800_000_000.0)
    try:
        reads = _aiosqlite_reads(monkeypatch)
        await users.upsert(db, 1, "Aino", None, None, "fi")
        assert await db.fetchval("SELECT first_name FROM users WHERE id = 1") == "Aino"
        await db.write(lambda raw: raw.execute("UPDATE users SET first_name = 'Eino'").close())
        [row] = await db.fetchall("SELECT first_name FROM users")
        assert row["first_name"] == "Eino"  # sqlite3.Row, as on the writing connection
        assert await db.fetchone("SELECT * FROM users WHERE id = 2") is None
        # A PRAGMA describes the writing connection, so it is read there.
        assert await db.fetchval("PRAGMA foreign_keys") == 1
        assert len(reads) == 3
    finally:
        await db.close()


async def test_reads_during_a_write_see_it_on_the_writing_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await Database.open(tmp_path / "a.sqlite3", clock=lambda: 1_800_000_000.0)
    try:
        reads = _aiosqlite_reads(monkeypatch)
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO users (id, first_name, created_at, updated_at) "
                "VALUES (1, 'Aino', 0, 0)"
            )
            # Not committed yet, and still visible to a plain read, as before aiosqlite.
            assert await db.fetchval("SELECT first_name FROM users WHERE id = 1") == "Aino"
        # A one-trip write queued but not yet run: the read waits behind it.
        write = asyncio.ensure_future(
            db.write(lambda raw: raw.execute("UPDATE users SET first_name = 'Eino'").close())
        )
        await asyncio.sleep(0)
        assert await db.fetchval("SELECT first_name FROM users WHERE id = 1") == "Eino"
        await write
        assert reads == []
    finally:
        await db.close()


async def test_without_the_log_every_read_stays_on_the_writing_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.sqlite3"
    await (await Database.open(path)).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE").close()
    conn.close()
    reads = _aiosqlite_reads(monkeypatch)
    db = await Database.open(path, readonly=True)
    try:
        assert await db.fetchval("SELECT count(*) FROM users") == 0
        assert reads == []
    finally:
        await db.close()
    # A readonly database whose file is in the log's mode reads through aiosqlite, read-only.
    await (await Database.open(path)).close()
    db = await Database.open(path, readonly=True)
    try:
        assert await db.fetchval("SELECT count(*) FROM users") == 0
        assert len(reads) == 1
    finally:
        await db.close()


async def test_closing_ends_both_connections_threads(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    db = await Database.open(tmp_path / "a.sqlite3")
    assert await db.fetchval("SELECT count(*) FROM users") == 0
    await db.close()
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=5)
        assert not thread.is_alive()
    with pytest.raises(ValueError, match="closed"):
        await db.fetchval("SELECT count(*) FROM users")
