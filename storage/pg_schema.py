"""The schema's history on PostgreSQL: the same numbered migrations as SQLite's (storage/schema.py),
and applying them when several processes may start at once.

SQLite keeps its version in `PRAGMA user_version`; PostgreSQL keeps it in a `schema_version` table.
All pending migrations apply in one transaction (PostgreSQL's DDL is transactional: a failed one
leaves the database as it was) under a transaction-scoped advisory lock, so a second process that
migrates at the same time waits, then finds nothing left to do, and neither fails.
"""

from __future__ import annotations

from importlib import resources

import psycopg

from storage.pg_compat import PgRaw, Row, translate_ddl
from storage.schema import Migration, SchemaStatus, load_migrations

__all__ = ["migrate", "postgres_migrations", "schema_status"]

# pg_advisory_xact_lock's key for migrating: any constant the bot uses for nothing else.
MIGRATION_LOCK = 0x6A62_6D69  # "jbmi"


def postgres_migrations() -> tuple[Migration, ...]:
    """The one history, as PostgreSQL runs it: a migration's own PostgreSQL text where
    storage/migrations/postgres/ has one (what cannot be rewritten mechanically), else its SQLite
    text rewritten by `translate_ddl`. The first one also creates compat.sql's aggregates."""
    folder = resources.files("storage").joinpath("migrations", "postgres")
    variants = {entry.name: entry.read_text("utf-8") for entry in folder.iterdir()}
    out = []
    for m in load_migrations():
        variant = variants.get(f"{m.version:04d}_{m.name}.sql")
        sql = variant or translate_ddl(m.sql)
        if m.version == 1:
            sql = variants["compat.sql"] + "\n" + sql
        out.append(Migration(m.version, m.name, sql))
    return tuple(out)


def _current(conn: psycopg.Connection[Row]) -> int:
    found = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if found is None or not found[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return 0 if row is None else int(row[0])


def schema_status(conn: psycopg.Connection[Row]) -> SchemaStatus:
    return SchemaStatus(_current(conn), len(load_migrations()))


def migrate(conn: psycopg.Connection[Row]) -> list[Migration]:
    """Apply what is pending; the migrations this call applied (none when another process did)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY)")
        current = _current(conn)
        pending = [m for m in postgres_migrations() if m.version > current]
        raw = PgRaw(conn)
        for migration in pending:
            raw.executescript(migration.sql)
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (migration.version,))
    return pending
