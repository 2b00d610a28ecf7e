"""The migration that gives events "for whom" and a programme: a database one version before it
keeps its events, which read back for everyone and without a programme."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from storage import events
from storage.db import Database
from storage.schema import latest_version, load_migrations

# The migration under test: the one whose file is named event_audience.
BEFORE = next(m.version for m in load_migrations() if m.name.endswith("event_audience")) - 1

_EVENT = (
    "INSERT INTO events (id, uid, kind, title, starts_at, timezone, state, created_at, updated_at) "
    "VALUES (1, 'uid-1', 'training', 'Koulutus', 1800000000, 'Europe/Helsinki', 'published', 1, 1)"
)


def _before_the_migration(path: Path) -> None:
    conn = sqlite3.connect(path)
    for migration in load_migrations()[:BEFORE]:
        conn.executescript(migration.sql)
        conn.execute(f"PRAGMA user_version = {migration.version}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("INSERT INTO chats (id, type, created_at, updated_at) VALUES (5, 'private', 1, 1)")
    conn.execute(_EVENT)
    conn.execute("INSERT INTO event_municipalities (event_id, code) VALUES (1, '167')")
    conn.execute(
        "INSERT INTO rsvps (event_id, user_id, chat_id, status, created_at, updated_at) "
        "VALUES (1, 5, 5, 'yes', 1, 1)"
    )
    conn.commit()
    conn.close()


async def test_events_from_before_read_back_for_everyone_and_take_the_new_fields(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    _before_the_migration(path)
    db = await Database.open(path)
    try:
        assert await db.fetchval("PRAGMA user_version") == latest_version()
        old = await events.get(db, 1)
        assert old is not None and old.title == "Koulutus" and old.municipalities == ("167",)
        assert (old.for_whom, old.programme) == ((), ())
        assert await db.fetchval("SELECT count(*) FROM rsvps WHERE event_id = 1") == 1
        async with db.transaction() as tx:
            changed = replace(old, for_whom=("staff", "everyone"), programme=("9.00 Aamu", "x"))
            assert await events.update(tx, 1, changed, now=2)
        new = await events.get(db, 1)
        assert new is not None
        assert (new.for_whom, new.programme) == (("staff", "everyone"), ("9.00 Aamu", "x"))
        assert await db.fetchval("PRAGMA integrity_check") == "ok"
    finally:
        await db.close()
