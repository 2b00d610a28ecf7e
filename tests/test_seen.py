"""The sender and chat every update records: one trip, the same rows as users.upsert and
chats.upsert write, and no write when nothing changed."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import chats, seen, users
from storage.db import Database
from storage.pg_db import PgDatabase
from tests.db_trips import count_trips

AINO = seen.SeenUser(7, "Aino", "Virtanen", "aino", "fi")
PRIVATE = seen.SeenChat(7, "private", None)
GROUP = seen.SeenChat(-100, "group", "Kyläyhdistys")


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[tuple[Database, list[float]]]:
    now = [1_800_000_000.0]
    opened = await Database.open(tmp_path / "s.sqlite3", clock=lambda: now[0])
    try:
        yield opened, now
    finally:
        await opened.close()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the blocks that reach the database from here on."""
    return count_trips(monkeypatch)


async def _updated_at(database: Database, table: str, row_id: int) -> int:
    return int(await database.fetchval(f"SELECT updated_at FROM {table} WHERE id = ?", (row_id,)))


async def test_user_and_chat_in_one_trip(
    database: tuple[Database, list[float]], trips: list[int]
) -> None:
    store, _ = database
    chat = await seen.record(store, AINO, PRIVATE)
    assert trips[0] == 1
    assert chat is not None
    assert (chat.id, chat.type, chat.title, chat.language, chat.active) == (
        7,
        "private",
        None,
        None,
        True,
    )
    user = await users.get(store, 7)
    assert user is not None
    assert (user.display_name, user.username, user.language_code) == ("Aino Virtanen", "aino", "fi")


async def test_unchanged_rows_are_not_written(database: tuple[Database, list[float]]) -> None:
    store, now = database
    await seen.record(store, AINO, GROUP)
    first = 1_800_000_000
    now[0] += 60
    again = await seen.record(store, AINO, GROUP)
    assert again is not None and again.updated_at == first
    assert await _updated_at(store, "users", AINO.id) == first
    assert await _updated_at(store, "chats", GROUP.id) == first

    now[0] += 60
    renamed = seen.SeenUser(7, "Aino", "Virtanen", "ainov", "fi")
    retitled = seen.SeenChat(-100, "supergroup", "Kyläyhdistys ry")
    changed = await seen.record(store, renamed, retitled)
    assert changed is not None
    assert (changed.type, changed.title, changed.updated_at) == (
        "supergroup",
        "Kyläyhdistys ry",
        first + 120,
    )
    user = await users.get(store, 7)
    assert user is not None and user.username == "ainov"
    assert await _updated_at(store, "users", AINO.id) == first + 120


async def test_returns_the_stored_language_and_reactivates(
    database: tuple[Database, list[float]],
) -> None:
    store, _ = database
    await seen.record(store, AINO, GROUP)
    await chats.set_language(store, GROUP.id, "sv")
    assert await chats.deactivate(store, GROUP.id, "kicked", store.now())
    chat = await seen.record(store, AINO, GROUP)
    assert chat is not None
    assert (chat.language, chat.active, chat.inactive_reason) == ("sv", True, None)


async def test_either_side_may_be_missing(
    database: tuple[Database, list[float]], trips: list[int]
) -> None:
    store, _ = database
    assert await seen.record(store, None, None) is None
    assert trips[0] == 0  # nothing to record, no trip
    assert await seen.record(store, AINO, None) is None
    assert await users.get(store, AINO.id) is not None
    chat = await seen.record(store, None, GROUP)  # e.g. a channel post, or a bot as sender
    assert chat is not None and chat.id == GROUP.id
    assert await users.get(store, -100) is None
    assert int(await store.fetchval("SELECT count(*) FROM users")) == 1


async def test_a_failing_block_leaves_nothing(database: tuple[Database, list[float]]) -> None:
    store, _ = database
    # A chat type the schema refuses fails the chat's upsert: the user's goes with it.
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        await seen.record(store, AINO, seen.SeenChat(5, "bogus", None))  # type: ignore[arg-type]
    assert await users.get(store, AINO.id) is None
    assert await seen.record(store, AINO, PRIVATE) is not None  # the connection is usable


async def test_on_postgresql_a_known_sender_takes_no_write_and_changes_still_do(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL reads first (a write there takes the lock every process shares): an unchanged
    sender and active chat are answered from the read; a change or a deactivated chat is still
    written as on SQLite."""
    store = await PgDatabase.open(pg_url)
    try:
        first = await seen.record(store, AINO, GROUP)
        assert first is not None and first.active

        async def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError("written although nothing changed")

        with monkeypatch.context() as patched:
            patched.setattr(store, "write", refuse)
            assert await seen.record(store, AINO, GROUP) == first
            assert await seen.record(store, AINO, None) is None

        renamed = seen.SeenUser(7, "Aino", "Virtanen", "ainov", "fi")
        await seen.record(store, renamed, GROUP)
        user = await users.get(store, 7)
        assert user is not None and user.username == "ainov"
        retitled = await seen.record(store, renamed, seen.SeenChat(-100, "group", "Uusi nimi"))
        assert retitled is not None and retitled.title == "Uusi nimi"
        assert await chats.deactivate(store, GROUP.id, "kicked", store.now())
        again = await seen.record(store, renamed, seen.SeenChat(-100, "group", "Uusi nimi"))
        assert again is not None and (again.active, again.inactive_reason) == (True, None)
        new = await seen.record(store, seen.SeenUser(8, "Eero", None, None, None), PRIVATE)
        assert new is not None and new.id == PRIVATE.id and await users.get(store, 8) is not None
        # An unchanged sender's update is still claimed, once (a write without the shared lock).
        claimed = await seen.record_update(store, renamed, PRIVATE, 901)
        assert claimed.first and claimed.chat is not None and claimed.chat.id == PRIVATE.id
        assert not (await seen.record_update(store, renamed, PRIVATE, 901)).first
        assert not (await seen.record_update(store, AINO, PRIVATE, 901)).first  # changed: too
    finally:
        await store.close()


async def test_an_update_is_claimed_once_in_the_same_trip(
    database: tuple[Database, list[float]], trips: list[int]
) -> None:
    store, _ = database
    first = await seen.record_update(store, AINO, PRIVATE, 501)
    assert first.first and first.chat is not None and trips[0] == 1
    # Sent again, with a changed name: nothing is written, the update is not handled again.
    renamed = seen.SeenUser(7, "Aino-Maria", "Virtanen", "aino", "fi")
    again = await seen.record_update(store, renamed, PRIVATE, 501)
    assert not again.first and again.chat is None and trips[0] == 2
    user = await users.get(store, 7)
    assert user is not None and user.display_name == "Aino Virtanen"
    # An update without sender or chat (a poll's state) is claimed too.
    assert (await seen.record_update(store, None, None, 502)).first
    assert not (await seen.record_update(store, None, None, 502)).first
    assert await store.fetchval("SELECT count(*) FROM seen_updates") == 2
