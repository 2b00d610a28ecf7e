"""`python -m bot copy-db`: every row of one database into another, SQLite or PostgreSQL either way.

Both sides hold the same schema (the caller migrates the target first and refuses a source whose
schema is behind), so every table has the same columns on both. Tables are filled parents first
(foreign keys), rows stream in batches (a server-side cursor on PostgreSQL, SQLite's cursor as
it steps), so memory stays bounded for a network's hundreds of thousands of rows. Everything is
written in one transaction of the target: a failed copy leaves it as it was. PostgreSQL's
identity columns (the SQLite rowid aliases, storage/pg_compat.py's `translate_ddl`) do not
advance when ids are inserted explicitly, so their sequences are set past the highest id copied:
a new row then gets a fresh id.

Each side is opened here with its own plain connection (sqlite3 or psycopg), not through
`Database`: a copy is one long transaction on each side and a stream of batches between them,
which the one-trip blocks of storage/db.py are not made for.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from storage.database_url import SCHEMES, redact
from storage.schema import DatabaseError

__all__ = ["BATCH", "TableCount", "copy_rows", "is_url"]

BATCH = 1000
# Each side's bookkeeping, not data: the version lives in PRAGMA user_version on SQLite.
_SKIPPED = {"schema_version"}


def is_url(target: str) -> bool:
    return target.split("://", 1)[0].lower() in SCHEMES if "://" in target else False


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    target: int


class _Side(Protocol):
    name: str

    def tables(self) -> set[str]: ...
    def columns(self, table: str) -> list[str]: ...
    def parents(self) -> dict[str, set[str]]: ...
    def count(self, table: str) -> int: ...
    def batches(self, table: str, columns: Sequence[str], size: int) -> Iterator[list[Any]]: ...
    def begin(self) -> None: ...
    def empty(self, tables: Sequence[str]) -> None: ...
    def insert(self, table: str, columns: Sequence[str], rows: list[Any]) -> None: ...
    def finish(self, tables: Sequence[str]) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Sqlite:
    def __init__(self, path: Path, *, readonly: bool) -> None:
        self.name = str(path)
        target = f"file:{path}?mode=ro" if readonly else str(path)
        self.conn = sqlite3.connect(target, uri=readonly, isolation_level=None)
        self.conn.execute("PRAGMA busy_timeout = 5000")
        self.conn.execute("PRAGMA foreign_keys = ON")

    def tables(self) -> set[str]:
        rows = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        return {str(r[0]) for r in rows} - _SKIPPED

    def columns(self, table: str) -> list[str]:
        return [str(r[1]) for r in self.conn.execute(f"PRAGMA table_info({_quoted(table)})")]

    def parents(self) -> dict[str, set[str]]:
        return {
            t: {str(r[2]) for r in self.conn.execute(f"PRAGMA foreign_key_list({_quoted(t)})")}
            for t in self.tables()
        }

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM {_quoted(table)}").fetchone()[0])

    def batches(self, table: str, columns: Sequence[str], size: int) -> Iterator[list[Any]]:
        names = ", ".join(_quoted(c) for c in columns)
        cursor = self.conn.execute(f"SELECT {names} FROM {_quoted(table)}")
        try:
            while batch := cursor.fetchmany(size):
                yield batch
        finally:
            cursor.close()

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def empty(self, tables: Sequence[str]) -> None:
        for table in reversed(tables):  # children first
            self.conn.execute(f"DELETE FROM {_quoted(table)}")

    def insert(self, table: str, columns: Sequence[str], rows: list[Any]) -> None:
        names = ", ".join(_quoted(c) for c in columns)
        marks = ", ".join("?" for _ in columns)
        self.conn.executemany(f"INSERT INTO {_quoted(table)} ({names}) VALUES ({marks})", rows)

    def finish(self, tables: Sequence[str]) -> None:
        self.conn.execute("COMMIT")  # rowids continue after the highest one by themselves

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()


_PG_TABLES = """
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
"""
_PG_COLUMNS = """
    SELECT column_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position
"""
_PG_PARENTS = """
    SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
    WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
"""
_PG_IDENTITY = """
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND is_identity = 'YES'
"""


class _Postgres:
    def __init__(self, url: str) -> None:
        import psycopg

        self.name = redact(url)
        self.conn: psycopg.Connection[Any] = psycopg.connect(url, autocommit=True)

    def tables(self) -> set[str]:
        return {str(r[0]) for r in self.conn.execute(_PG_TABLES).fetchall()} - _SKIPPED

    def columns(self, table: str) -> list[str]:
        return [str(r[0]) for r in self.conn.execute(_PG_COLUMNS, (table,)).fetchall()]

    def parents(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {t: set() for t in self.tables()}
        for child, parent in self.conn.execute(_PG_PARENTS).fetchall():
            found.setdefault(str(child).strip('"'), set()).add(str(parent).strip('"'))
        return found

    def count(self, table: str) -> int:
        row = self.conn.execute(f"SELECT count(*) FROM {_quoted(table)}").fetchone()
        return int(row[0]) if row else 0

    def batches(self, table: str, columns: Sequence[str], size: int) -> Iterator[list[Any]]:
        names = ", ".join(_quoted(c) for c in columns)
        # A server-side cursor: the rows come `size` at a time, never all into memory.
        with self.conn.transaction(), self.conn.cursor(name=f"copy_{table}") as cursor:
            cursor.execute(f"SELECT {names} FROM {_quoted(table)}")
            while batch := cursor.fetchmany(size):
                yield batch

    def begin(self) -> None:
        self.conn.execute("BEGIN")

    def empty(self, tables: Sequence[str]) -> None:
        if tables:
            self.conn.execute(f"TRUNCATE {', '.join(_quoted(t) for t in tables)}")

    def insert(self, table: str, columns: Sequence[str], rows: list[Any]) -> None:
        names = ", ".join(_quoted(c) for c in columns)
        marks = ", ".join("%s" for _ in columns)
        with self.conn.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {_quoted(table)} ({names}) VALUES ({marks})", rows)

    def finish(self, tables: Sequence[str]) -> None:
        """Identity sequences past the highest id copied (or back to 1 in an empty table)."""
        for table, column in self.conn.execute(_PG_IDENTITY).fetchall():
            if table not in tables:
                continue
            self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                f"coalesce(max({_quoted(column)}), 0) + 1, false) FROM {_quoted(table)}",
                (_quoted(table), column),
            )
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        from psycopg.pq import TransactionStatus

        if self.conn.info.transaction_status != TransactionStatus.IDLE:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()


def open_side(where: str, *, readonly: bool) -> _Side:
    return _Postgres(where) if is_url(where) else _Sqlite(Path(where), readonly=readonly)


def dependency_order(parents: dict[str, set[str]]) -> list[str]:
    """Tables with every table they reference before them (a table referring to itself aside);
    alphabetical among equals, so the order is the same every time."""
    order: list[str] = []
    done: set[str] = set()
    waiting = {t: {p for p in ps if p != t} for t, ps in parents.items()}
    while waiting:
        ready = sorted(t for t, ps in waiting.items() if ps <= done)
        if not ready:
            raise DatabaseError(f"foreign keys form a cycle among {', '.join(sorted(waiting))}")
        for table in ready:
            order.append(table)
            done.add(table)
            del waiting[table]
    return order


def copy_rows(source: str, target: str, *, force: bool, batch: int = BATCH) -> list[TableCount]:
    """Copy every table of `source` into `target` (paths or PostgreSQL URLs; both already at the
    same schema version). A target holding rows is refused unless `force`, which empties it in
    the same transaction. Returns each table's row count on both sides afterwards."""
    try:
        src = open_side(source, readonly=True)
        try:
            dst = open_side(target, readonly=False)
            try:
                return _copy(src, dst, force=force, batch=batch)
            finally:
                dst.close()
        finally:
            src.close()
    except _driver_errors() as exc:
        # One line: the first of the driver's (psycopg adds hints and context below it).
        raise DatabaseError(str(exc).strip().splitlines()[0]) from None


def _driver_errors() -> tuple[type[Exception], ...]:
    try:
        import psycopg
    except ImportError:  # the `postgres` extra is not installed: SQLite only
        return (sqlite3.Error,)
    return (sqlite3.Error, psycopg.Error)


def _copy(src: _Side, dst: _Side, *, force: bool, batch: int) -> list[TableCount]:
    tables = src.tables()
    if tables != dst.tables():
        different = sorted(tables ^ dst.tables())
        raise DatabaseError(f"the two schemas differ (table {different[0]}); migrate both first")
    order = dependency_order({t: ps & tables for t, ps in dst.parents().items() if t in tables})
    if not force:
        filled = next((t for t in order if dst.count(t)), None)
        if filled is not None:
            raise DatabaseError(
                f"{dst.name} is not empty (table {filled} has {dst.count(filled)} rows); "
                "--force empties it first"
            )
    dst.begin()
    try:
        if force:
            dst.empty(order)
        for table in order:
            columns = src.columns(table)
            if sorted(columns) != sorted(dst.columns(table)):
                raise DatabaseError(f"table {table} has other columns in {dst.name}")
            for rows in src.batches(table, columns, batch):
                dst.insert(table, columns, rows)
        dst.finish(order)
    except BaseException:
        dst.rollback()
        raise
    return [TableCount(t, src.count(t), dst.count(t)) for t in order]
