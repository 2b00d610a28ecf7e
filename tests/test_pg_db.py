"""storage/pg_db.py: the storage API on PostgreSQL. Real storage functions, unchanged, give the
same answers as on SQLite; writers of several processes are serialised as SQLite's are; a server
that cannot be reached is one line."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import pytest

from storage import chats, feedback, users
from storage.db import Database
from storage.pg_db import PgDatabase
from storage.row_locks import lock_row_sync
from storage.schema import DatabaseError, latest_version

USER = 7_000_000_001  # beyond PostgreSQL's 32-bit INTEGER
NOW = 1_800_000_000


async def _feedback_scenario(db: Any) -> list[object]:
    seen: list[object] = []
    await users.upsert(db, USER, "Aino", None, "aino", "fi")
    seen.append(await users.get(db, USER))
    async with db.transaction() as tx:
        event_id = await tx.insert(
            "INSERT INTO events (uid, kind, title, starts_at, timezone, created_at, updated_at) "
            "VALUES ('uid-1', 'forum', 'Foorumi', ?, 'Europe/Helsinki', ?, ?)",
            (NOW - 86400, NOW, NOW),
        )
        seen.append(
            await feedback.create_round(tx, event_id, opened_at=NOW, closes_at=NOW + 9, asked=2)
        )
        seen.append(
            await feedback.create_round(tx, event_id, opened_at=NOW, closes_at=NOW + 9, asked=2)
        )
    async with db.transaction() as tx:
        for user, rating in ((USER, 4), (USER + 1, 5), (USER + 2, 4)):
            await feedback.save_rating(
                tx, event_id, user, rating, association=None, municipality_code="091", now=NOW
            )
        await feedback.save_attended(
            tx, event_id, USER, True, association=None, municipality_code=None, now=NOW
        )
    seen.append(await feedback.get_round(db, event_id))
    seen.append(await feedback.get_answer(db, event_id, USER))
    seen.append(await feedback.totals(db, event_id))
    return seen


async def test_storage_functions_answer_the_same_on_postgres(pg_url, tmp_path):
    sqlite_db = await Database.open(tmp_path / "bot.sqlite3", clock=lambda: NOW)
    pg_db = await PgDatabase.open(pg_url, clock=lambda: NOW)
    try:
        on_sqlite = await _feedback_scenario(sqlite_db)
        on_postgres = await _feedback_scenario(pg_db)
    finally:
        await sqlite_db.close()
        await pg_db.close()
    assert on_postgres == on_sqlite
    assert on_postgres[1:3] == [True, False]
    assert on_postgres[-1] == feedback.Totals(3, (0, 0, 0, 2, 1), 1, 0)


async def test_writers_of_two_processes_take_the_last_places_one_at_a_time(pg_url):
    """Each block reads the free places, then takes one: the SQLite way, correct only when
    writers are serialised. 30 taps over two pools for 3 places: exactly 3 are taken."""
    first = await PgDatabase.open(pg_url)
    second = await PgDatabase.open(pg_url)

    def tap(raw: Any, user: int) -> bool:
        taken = raw.execute("SELECT count(*) FROM drafts WHERE kind = 'seat'").fetchone()[0]
        if taken >= 3:
            return False
        raw.execute(
            "INSERT INTO drafts (user_id, chat_id, kind, step, updated_at) "
            "VALUES (?, ?, 'seat', 'x', ?)",
            (user, user, NOW),
        )
        return True

    try:
        got = await asyncio.gather(
            *((first if user % 2 else second).write(partial(tap, user=user)) for user in range(30))
        )
        assert sum(got) == 3
        assert await first.fetchval("SELECT count(*) FROM drafts") == 3
    finally:
        await first.close()
        await second.close()


async def test_unserialised_writers_take_the_last_places_under_a_row_lock(pg_url):
    """The RSVP tap's way on PostgreSQL: outside the global write lock, the block locks the row it
    decides on (storage/row_locks.py) before reading the free places. 30 taps over two
    pools for 3 places: exactly 3; without the row lock the same blocks overbook."""
    first = await PgDatabase.open(pg_url)
    second = await PgDatabase.open(pg_url)
    await chats.upsert(first, 1, "private", None)

    def tap(raw: Any, user: int, locked: bool) -> bool:
        if locked:
            lock_row_sync(raw, "chats", 1)
        taken = raw.execute("SELECT count(*) FROM drafts WHERE kind = 'seat'").fetchone()[0]
        raw.execute("SELECT pg_sleep(0.01)").fetchall()  # the read-to-write gap, widened
        if taken >= 3:
            return False
        raw.execute(
            "INSERT INTO drafts (user_id, chat_id, kind, step, updated_at) "
            "VALUES (?, ?, 'seat', 'x', ?)",
            (user, user, NOW),
        )
        return True

    async def taps(locked: bool) -> int:
        await first.execute("DELETE FROM drafts")
        got = await asyncio.gather(
            *(
                (first if user % 2 else second).write(
                    partial(tap, user=user, locked=locked), serialised=False
                )
                for user in range(30)
            )
        )
        return sum(got)

    try:
        assert await taps(locked=True) == 3
        assert await first.fetchval("SELECT count(*) FROM drafts") == 3
        assert await taps(locked=False) > 3  # the test can tell
    finally:
        await first.close()
        await second.close()


async def test_a_failed_transaction_leaves_nothing(pg_url):
    db = await PgDatabase.open(pg_url)

    def add_user(raw: Any) -> None:  # a storage block; `raw` is pg_compat's PgRaw here
        users.upsert_sync(raw, USER, "Aino", None, None, None, NOW)

    async def failing() -> None:
        async with db.transaction() as tx:
            await tx.run(add_user)
            raise RuntimeError("the body fails")

    try:
        with pytest.raises(RuntimeError):
            await failing()
        assert await db.fetchval("SELECT count(*) FROM users") == 0
        assert (await db.schema_status()).current == latest_version()
    finally:
        await db.close()


async def test_an_unreachable_server_is_one_line_without_the_password():
    with pytest.raises(DatabaseError) as caught:
        await PgDatabase.open("postgresql://bot:secret@127.0.0.1:1/nothing", timeout=1.0)
    assert str(caught.value) == "cannot connect to PostgreSQL at 127.0.0.1:1/nothing"
