"""Applying the next migration safely when several processes start at once (two `python -m bot
migrate`, a bot and a `migrate`, two webhook processes on a fresh database).

Each migration runs in its own BEGIN IMMEDIATE transaction, and which migration is next is
decided only after that transaction holds SQLite's write lock, by reading user_version again:
a process that waited for another one's migration (busy_timeout) then sees it done and applies
nothing instead of failing on "table already exists". The SQL runs statement by statement
(not `executescript`, which would COMMIT the transaction it was given first).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

from storage.schema import DatabaseError, Migration

__all__ = ["apply_next", "statements"]


def apply_next(raw: sqlite3.Connection, migrations: Sequence[Migration]) -> Migration | None:
    """Apply the first migration the database does not have yet, atomically with its
    user_version bump; None when there is none left. Runs on the connection's thread."""
    raw.execute("BEGIN IMMEDIATE")
    migration: Migration | None = None
    try:
        current = int(raw.execute("PRAGMA user_version").fetchone()[0])
        if current < len(migrations):
            migration = migrations[current]
            for statement in statements(migration.sql):
                raw.execute(statement)
            raw.execute(f"PRAGMA user_version = {migration.version}")
        raw.execute("COMMIT")
    except sqlite3.Error as exc:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        if migration is None:
            raise
        raise DatabaseError(
            f"migration {migration.version:04d}_{migration.name} failed: {exc}"
        ) from exc
    return migration


def statements(sql: str) -> Iterator[str]:
    """The script's statements one by one. SQLite itself says where one ends
    (`complete_statement`), so semicolons in strings, comments and trigger bodies stay put."""
    *pieces, last = sql.split(";")
    pending = ""
    for piece in pieces:
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip("; \t\r\n"):  # SQLite runs a lone comment as nothing
                yield pending
            pending = ""
    pending += last
    if pending.strip("; \t\r\n"):
        yield pending  # a comment, or unfinished: then SQLite reports what is wrong with it
