"""The application's single SQLite connection: pragmas, serialised writes and migrations.

Writes open their transaction with BEGIN IMMEDIATE so a second process (for example `python -m
bot announce`) waits on `busy_timeout` instead of failing half-way. A transaction of several trips,
`Database.transaction()`, holds one asyncio lock; a transaction of one trip, `Database.write()`,
needs it only while such a transaction holds it (the thread runs queued calls one by one, so the
two cannot interleave). Reads use the same connection without the lock; every transaction is short
and never awaits anything but SQLite, so a reader sees at worst a write that is about to commit.

Every call is one trip to the connection's thread (statement, fetch and cursor close together;
BEGIN IMMEDIATE goes with a transaction's first statement): the write lock is held for as few
event-loop turns as possible, and those turns, not SQLite, bound how many transactions a busy bot
completes per second. `Writer.run`, `Database.write` and `Database.run` take a whole block of
statements there in one trip.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.checkpoints import WalCheckpointer

__all__ = [
    "Database",
    "DatabaseError",
    "Migration",
    "SchemaStatus",
    "latest_version",
    "load_migrations",
]

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")


async def _call(conn: aiosqlite.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Run `fn` with the raw sqlite3 connection on aiosqlite's thread: one trip, in queue order
    with every other statement on the connection."""
    raw = conn._conn  # raises ValueError once closed, as aiosqlite's own calls do
    # aiosqlite's own queue, which all its public calls go through.
    result: T = await conn._execute(fn, raw)  # type: ignore[no-untyped-call]
    return result


def _fetchone(raw: sqlite3.Connection, sql: str, params: Params) -> sqlite3.Row | None:
    cursor = raw.execute(sql, params)
    try:
        row: sqlite3.Row | None = cursor.fetchone()
        return row
    finally:
        cursor.close()


def _fetchall(raw: sqlite3.Connection, sql: str, params: Params) -> list[sqlite3.Row]:
    cursor = raw.execute(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _rowcount(raw: sqlite3.Connection, sql: str, params: Params) -> int:
    cursor = raw.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


def _lastrowid(raw: sqlite3.Connection, sql: str, params: Params) -> int | None:
    cursor = raw.execute(sql, params)
    try:
        return cursor.lastrowid
    finally:
        cursor.close()


def _commit(raw: sqlite3.Connection) -> None:
    raw.commit()


def _rollback(raw: sqlite3.Connection) -> None:
    raw.rollback()  # nothing to undo when the transaction never began


class DatabaseError(RuntimeError):
    """The database cannot be used as it is; the message is meant for the operator."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    current: int
    latest: int

    @property
    def pending(self) -> int:
        return max(0, self.latest - self.current)


def load_migrations() -> tuple[Migration, ...]:
    """The packaged migrations in order; numbering must be 1..N without gaps."""
    folder = resources.files("storage").joinpath("migrations")
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise DatabaseError(f"migration {expected:04d} is missing")
    return tuple(found)


def latest_version() -> int:
    return len(load_migrations())


def _check_file(path: Path) -> None:
    """Refuse files that are not SQLite before SQLite touches (and possibly rewrites) them."""
    if not path.exists():
        return
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a database file")
    with path.open("rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:
        raise DatabaseError(f"{path} is not an SQLite database")


class Database:
    """One aiosqlite connection with the project's pragmas and a write lock."""

    def __init__(
        self, conn: aiosqlite.Connection, path: Path, clock: Callable[[], float] = time.time
    ) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._clock = clock
        self._checkpointer: WalCheckpointer | None = None
        self.path = path

    def now(self) -> int:
        """Current time as stored: whole unix seconds (the clock is injectable for tests)."""
        return int(self._clock())

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        migrate: bool = True,
        readonly: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> Database:
        """Open (creating if needed) and, unless told otherwise, bring the schema up to date.

        A database newer than this code is refused before anything is written to it.
        """
        path = Path(path)
        _check_file(path)
        if readonly and not path.exists():
            raise DatabaseError(f"{path} does not exist")
        if not readonly:
            path.parent.mkdir(parents=True, exist_ok=True)
        target = f"file:{path}?mode=ro" if readonly else str(path)
        conn = await aiosqlite.connect(target, uri=readonly, isolation_level=None)
        db = cls(conn, path, clock)
        try:
            conn.row_factory = aiosqlite.Row
            await db._check_version()
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                await conn.execute("PRAGMA journal_mode = WAL")
                await conn.execute("PRAGMA synchronous = NORMAL")
            if migrate and not readonly:
                await db.migrate()
        except sqlite3.DatabaseError as exc:
            await conn.close()
            raise DatabaseError(f"{path}: {exc}") from None
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        checkpointer, self._checkpointer = self._checkpointer, None
        try:
            if checkpointer is not None:
                await checkpointer.stop()
        finally:
            await self._conn.close()

    async def checkpoint_in_background(self, interval: float = 1.0) -> WalCheckpointer:
        """Leave copying the write-ahead log into the file to a connection and thread of its own
        (storage/checkpoints.py), so that no statement on this connection waits for it. For the
        long-running bot; short-lived processes keep SQLite's own checkpoints."""
        if self._checkpointer is None:
            await self.run(lambda raw: raw.execute("PRAGMA wal_autocheckpoint = 0").close())
            self._checkpointer = WalCheckpointer(self.path, interval=interval)
            await self._checkpointer.start()
        return self._checkpointer

    async def _check_version(self) -> None:
        status = await self.schema_status()
        if status.current > status.latest:
            raise DatabaseError(
                f"{self.path} has schema version {status.current}, newer than this program "
                f"knows ({status.latest}); upgrade Järjestöbotti instead"
            )

    async def schema_status(self) -> SchemaStatus:
        row = await self.fetchone("PRAGMA user_version")
        current = int(row[0]) if row else 0
        return SchemaStatus(current=current, latest=latest_version())

    async def migrate(self) -> list[Migration]:
        """Apply pending migrations, each atomically with its user_version bump."""
        applied: list[Migration] = []
        async with self._lock:
            status = await self.schema_status()
            for migration in load_migrations()[status.current :]:
                script = (
                    "BEGIN IMMEDIATE;\n"
                    f"{migration.sql}\n;"
                    f"PRAGMA user_version = {migration.version};\nCOMMIT;"
                )
                try:
                    await self._conn.executescript(script)
                except sqlite3.Error as exc:
                    if self._conn.in_transaction:
                        await self._conn.execute("ROLLBACK")
                    raise DatabaseError(
                        f"migration {migration.version:04d}_{migration.name} failed: {exc}"
                    ) from exc
                applied.append(migration)
        return applied

    # --- reads -------------------------------------------------------------------------------

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        return await _call(self._conn, lambda raw: _fetchone(raw, sql, params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return await _call(self._conn, lambda raw: _fetchall(raw, sql, params))

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run a block of reads (plain sqlite3 calls on the connection it is given) in one trip,
        outside any transaction: the counterpart of `Writer.run`, so storage functions taking
        `Database | Writer` read several tables in one trip either way."""
        return await _call(self._conn, fn)

    # --- writes ------------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Writer]:
        """Serialise writers in this process and lock the file against other processes.

        The connection's thread runs statements in the order they were queued, so a rollback
        queued after an interrupted BEGIN (a cancelled task) still undoes it: the connection is
        never left inside a half-done transaction.
        """
        async with self._lock:
            writer = Writer(self._conn, self._clock)
            try:
                yield writer
            except BaseException:
                await asyncio.shield(_call(self._conn, _rollback))
                raise
            else:
                if writer.began:
                    await asyncio.shield(_call(self._conn, _commit))

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One statement in its own transaction; returns the affected row count."""
        return await self.write(lambda raw: _rowcount(raw, sql, params))

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """A whole transaction in one trip: BEGIN IMMEDIATE, the block (plain sqlite3 calls on
        the connection it is given, which must neither commit nor roll back), COMMIT; rolled back
        when the block raises.

        It waits for the write lock only while a `transaction()` holds it. Otherwise it goes
        straight into the connection's queue: the thread runs each queued call to its end in
        queue order, so the block cannot interleave with another transaction, and a
        `transaction()` begun after it queues its BEGIN behind this COMMIT. Under a burst of
        writes (RSVP taps) nothing then waits on the lock for the event loop's turns between
        the trips of other transactions.
        """

        def run(raw: sqlite3.Connection) -> T:
            raw.execute("BEGIN IMMEDIATE")
            try:
                result = fn(raw)
            except BaseException:
                raw.rollback()
                raise
            raw.commit()
            return result

        # `_call` queues the block before it first yields, so nothing can take the lock between
        # the check and the queueing. The block is one call on the thread: a caller cancelled
        # while it waits leaves it to run to its end, never half-done.
        if not self._lock.locked():
            return await _call(self._conn, run)
        async with self._lock:
            return await _call(self._conn, run)

    async def backup(self, target: Path) -> None:
        """Copy the live database consistently (SQLite's online backup API)."""
        async with self._lock:
            dest = await aiosqlite.connect(str(target))
            try:
                await self._conn.backup(dest)
            finally:
                await dest.close()


class Writer:
    """The handle a transaction body writes through; it cannot commit or roll back by itself.

    BEGIN IMMEDIATE runs on the connection's thread right before the first statement, in the same
    trip (`began` is only set there, so it follows the queue order). A transaction that is one
    block from the start is `Database.write`.
    """

    def __init__(self, conn: aiosqlite.Connection, clock: Callable[[], float] = time.time) -> None:
        self._conn = conn
        self._clock = clock
        self.began = False

    def now(self) -> int:
        """The database's clock, as `Database.now`."""
        return int(self._clock())

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run a block of statements (plain sqlite3 calls on the connection it is given, which
        must neither commit nor roll back) inside this transaction, in one trip."""

        def step(raw: sqlite3.Connection) -> T:
            if not self.began:
                raw.execute("BEGIN IMMEDIATE")
                self.began = True
            return fn(raw)

        return await _call(self._conn, step)

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self.run(lambda raw: _rowcount(raw, sql, params))

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT and return the new row id."""
        rowid = await self.run(lambda raw: _lastrowid(raw, sql, params))
        if rowid is None:  # pragma: no cover - sqlite always sets it on INSERT
            raise DatabaseError("INSERT returned no row id")
        return rowid

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self.run(lambda raw: raw.executemany(sql, rows).close())

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        return await self.run(lambda raw: _fetchone(raw, sql, params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return await self.run(lambda raw: _fetchall(raw, sql, params))

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]
