"""Storage foundation: pragmas, migrations from every earlier version, refusal of bad files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage import chats, roles, users
from storage.db import Database, DatabaseError, latest_version, load_migrations


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

        # A block that commits when it is all the transaction does; nothing may follow it.
        async with db.transaction() as tx:
            assert await tx.run(rename, commit_if=lambda changed: changed == 1) == 1
            with pytest.raises(DatabaseError, match="already committed"):
                await tx.execute("UPDATE users SET first_name = 'X' WHERE id = 1")
        user = await users.get(db, 1)
        assert user is not None and user.first_name == "Eino"

        # A transaction without statements never begins, and the next one works.
        async with db.transaction():
            pass
        assert await db.execute("UPDATE users SET first_name = 'Aino' WHERE id = 1") == 1
    finally:
        await db.close()


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


async def test_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "live.sqlite3")
    try:
        await users.upsert(db, 9, "Eino", None, None, None)
        await db.backup(tmp_path / "copy.sqlite3")
    finally:
        await db.close()
    copy = await Database.open(tmp_path / "copy.sqlite3", migrate=False, readonly=True)
    try:
        assert await copy.fetchval("SELECT first_name FROM users WHERE id = 9") == "Eino"
    finally:
        await copy.close()
