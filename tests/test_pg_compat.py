"""The storage blocks on a real PostgreSQL server through storage/pg_compat.py, side by side with
SQLite: the same block, unchanged, gives the same answer on both (issue 18's first step)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from storage import chats, ops, rsvps, users
from storage.pg_compat import PgRaw, connect, translate
from storage.pg_schema import postgres_migrations
from storage.schema import load_migrations

TELEGRAM_GROUP = -1001234567890  # a supergroup id: beyond PostgreSQL's 32-bit INTEGER
TELEGRAM_USER = 7_000_000_001
NOW = 1_800_000_000


def test_translate_keeps_quoted_text_and_rewrites_sqlite_idioms():
    assert translate("SELECT '?', x FROM t WHERE a = ? AND b LIKE 'x%'") == (
        "SELECT '?', x FROM t WHERE a = %s AND b LIKE 'x%'"
    )
    assert translate("SELECT 1 WHERE user_id IS NOT ? AND x IS ?") == (
        "SELECT 1 WHERE user_id IS DISTINCT FROM %s AND x IS NOT DISTINCT FROM %s"
    )
    assert translate("INSERT OR IGNORE INTO t (a) VALUES (?);") == (
        "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING"
    )
    assert translate("SELECT 100 % 7") == "SELECT 100 %% 7"


def _tables_sqlite(raw: sqlite3.Connection) -> set[str]:
    rows = raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows}


@pytest.fixture
def sqlite_raw() -> Iterator[sqlite3.Connection]:
    raw = sqlite3.connect(":memory:", isolation_level=None)
    raw.row_factory = sqlite3.Row
    raw.execute("PRAGMA foreign_keys = ON")
    for migration in load_migrations():
        raw.executescript(migration.sql)
    yield raw
    raw.close()


@pytest.fixture
def pg_raw(pg_url: str) -> Iterator[PgRaw]:
    conn = connect(pg_url, autocommit=True)
    raw = PgRaw(conn)
    for migration in postgres_migrations():
        raw.executescript(migration.sql)
    yield raw
    conn.close()


def test_the_whole_history_runs_on_postgres_with_the_same_tables(sqlite_raw, pg_raw):
    rows = pg_raw.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    ).fetchall()
    assert {r["table_name"] for r in rows} == _tables_sqlite(sqlite_raw)


def _tap_scenario(raw: Any) -> list[object]:
    """Two people answer a capped event through the RSVP tap's blocks; what the blocks return."""
    seen: list[object] = []
    users.upsert_sync(raw, TELEGRAM_USER, "Aino", None, "aino", "fi", NOW)
    users.upsert_sync(raw, TELEGRAM_USER + 1, "Eino", "K", None, "sv", NOW)
    seen.append(chats.upsert_sync(raw, TELEGRAM_GROUP, "supergroup", "Yhdistys ry", NOW))
    seen.append(chats.upsert_sync(raw, TELEGRAM_USER, "private", None, NOW))
    seen.append(chats.recipients_sync(raw, [TELEGRAM_GROUP, TELEGRAM_USER]))
    raw.execute(
        "INSERT INTO events (id, uid, kind, title, starts_at, timezone, capacity, created_at, "
        "updated_at) VALUES (?, ?, 'forum', 'Foorumi', ?, 'Europe/Helsinki', 2, ?, ?)",
        (1, "uid-1", NOW + 86400, NOW, NOW),
    )
    first = rsvps.Rsvp(1, TELEGRAM_USER, TELEGRAM_GROUP, "yes", 2, None, None, None, NOW, NOW)
    second = rsvps.Rsvp(
        1, TELEGRAM_USER + 1, TELEGRAM_GROUP, "waitlist", 1, "ry", "091", NOW, NOW, NOW
    )
    seen.append(rsvps.read_tap_sync(raw, 1, TELEGRAM_USER + 1))
    seen.append(rsvps.store_tap_sync(raw, 1, [first, second]))
    seen.append(rsvps.read_tap_sync(raw, 1, TELEGRAM_USER + 1))
    seen.append(rsvps.waitlist_position_sync(raw, second))
    seen.append(rsvps.waitlist_head_sync(raw, 1, None))
    seen.append(rsvps.reach_sync(raw, first))
    return seen


def test_rsvp_tap_blocks_run_unchanged_on_postgres(sqlite_raw, pg_raw):
    on_sqlite = _tap_scenario(sqlite_raw)
    on_postgres = _tap_scenario(pg_raw)
    assert on_postgres == on_sqlite
    assert on_postgres[4] == rsvps.Counts(yes=1, yes_people=2, waitlist=1, waitlist_people=1)


def _counting_scenario(raw: Any) -> list[object]:
    """The operator's report counts with SQLite's sum(condition) and group_concat, as written."""
    raw.executemany(
        "INSERT INTO chats (id, type, title, created_at, updated_at, paused_until) "
        "VALUES (?, ?, 'x', ?, ?, ?)",
        [
            (TELEGRAM_GROUP, "supergroup", NOW, NOW, None),
            (TELEGRAM_USER, "private", NOW, NOW, NOW + 60),
            (TELEGRAM_USER + 1, "private", NOW, NOW, None),
        ],
    )
    raw.execute(
        "INSERT INTO subscription_areas (chat_id, kind, code, created_at) VALUES (?, 'all', '', ?)",
        (TELEGRAM_USER, NOW),
    )
    counts = raw.execute(ops._CHATS_SQL, (NOW,)).fetchone()
    empty = raw.execute(ops._EVENTS_SQL, (0, NOW)).fetchone()
    joined = raw.execute(
        "SELECT group_concat(type, ',') AS types FROM (SELECT type FROM chats ORDER BY id) AS c"
    ).fetchone()
    return [tuple(counts), tuple(empty), joined["types"]]


def test_sqlite_aggregates_count_the_same_on_postgres(sqlite_raw, pg_raw):
    on_sqlite = _counting_scenario(sqlite_raw)
    assert _counting_scenario(pg_raw) == on_sqlite
    assert on_sqlite == [(3, 2, 1, 1, 1, 1, 0), (None, None), "supergroup,private,private"]
