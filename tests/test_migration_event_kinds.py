"""Migration 0013: events.kind accepts training and evaluation workshops, and a database at 0012
keeps every event and everything hanging on it (the CHECK is widened in place, not rebuilt)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.db import Database
from storage.schema import latest_version, load_migrations

_EVENT = (
    "INSERT INTO events (id, uid, kind, title, starts_at, timezone, state, created_at, updated_at) "
    "VALUES (?, ?, ?, 'Ilta', 1800000000, 'Europe/Helsinki', 'published', 1, 1)"
)


def _at_version_12(path: Path) -> None:
    conn = sqlite3.connect(path)
    for migration in load_migrations()[:12]:
        conn.executescript(migration.sql)
        conn.execute(f"PRAGMA user_version = {migration.version}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("INSERT INTO chats (id, type, created_at, updated_at) VALUES (5, 'private', 1, 1)")
    conn.execute(_EVENT, (1, "uid-1", "workshop"))
    conn.execute(
        "INSERT INTO rsvps (event_id, user_id, chat_id, status, created_at, updated_at) "
        "VALUES (1, 5, 5, 'yes', 1, 1)"
    )
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(_EVENT, (2, "uid-2", "training"))  # not yet
    conn.commit()
    conn.close()


async def test_new_kinds_after_0013_and_nothing_lost(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _at_version_12(path)
    db = await Database.open(path)
    try:
        assert await db.fetchval("PRAGMA user_version") == latest_version()
        assert await db.fetchval("SELECT count(*) FROM rsvps WHERE event_id = 1") == 1
        async with db.transaction() as tx:
            await tx.execute(_EVENT, (2, "uid-2", "training"))
            await tx.execute(_EVENT, (3, "uid-3", "evaluation_workshop"))
        kinds = [r["kind"] for r in await db.fetchall("SELECT kind FROM events ORDER BY id")]
        assert kinds == ["workshop", "training", "evaluation_workshop"]
        with pytest.raises(Exception, match="CHECK"):
            async with db.transaction() as tx:
                await tx.execute(_EVENT, (4, "uid-4", "party"))
        assert await db.fetchval("PRAGMA integrity_check") == "ok"
    finally:
        await db.close()
