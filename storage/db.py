"""The application's SQLite database: pragmas, serialised writes, migrations, and two connections.

Writes open their transaction with BEGIN IMMEDIATE so a second process (for example `python -m
bot announce`) waits on `busy_timeout` instead of failing half-way. A transaction of several trips,
`Database.transaction()`, holds one asyncio lock; a transaction of one trip, `Database.write()`,
needs it only while such a transaction holds it (the thread runs queued calls one by one, so the
two cannot interleave). Every transaction is short and never awaits anything but SQLite, so a
reader sees at worst a write that is about to commit.

Two connections to the one file, for two reasons:

- The plain reads, `fetchone`, `fetchall` and `fetchval` outside any transaction, go through
  aiosqlite, the async SQLite library the project's design fixes, and only through its public
  API (`aiosqlite.connect`, `execute_fetchall`, `close`). They take it only when no write is in
  progress (the write lock free and nothing queued on the writing connection) and the file is in
  write-ahead-log mode, where a reader neither waits for the writer nor makes it wait and sees
  every committed row at its next statement. Otherwise, and for PRAGMA statements (settings of
  the writing connection), they go to the writing connection, behind what is queued there: a
  read during a transaction still sees its uncommitted rows, as code may rely on.
- Everything else (transactions, `Writer`, `run`, `write`, `execute`, migrations, checkpoints) is
  the fast path this module owns, on storage/connection.py's `Connection`: a block of plain
  sqlite3 statements in one trip to its thread, and a short write run on the event loop's thread
  when that thread is idle. aiosqlite's public API offers neither a raw block on its thread nor
  knowing when it is idle. Reads on the aiosqlite connection never hold the write lock under the
  write-ahead log, so the inline path's rule that nothing else uses the connection concerns
  `Connection` alone.

Every call but an inline write is one trip to a connection's thread (statement, fetch and cursor
close together; BEGIN IMMEDIATE goes with a transaction's first statement): the write lock is
held for as few event-loop turns as possible, and those turns, not SQLite, bound how many
transactions a busy bot completes per second. `Writer.run`, `Database.write` and `Database.run`
take a whole block of statements there in one trip. `Database.write(inline=True)` runs a short
block on the event loop's thread instead, when nothing else is using the connection: a block
runs there only while `Connection` counts no call still to run on its thread, so the two threads
never use the connection at once.

Naming: a storage function `x(db, ...)` that is one block on the raw connection has a
synchronous twin `x_sync(raw, ...)` (a plain sqlite3.Connection, inside the caller's
transaction when there is one), which other blocks call to read or write several tables in one
trip. A block with no async twin of its own is still named `..._sync`.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast

import aiosqlite

from storage.checkpoints import WalCheckpointer
from storage.connection import Connection
from storage.migrating import apply_next
from storage.schema import DatabaseError, Migration, SchemaStatus, latest_version, load_migrations

__all__ = [
    "Database",
    "DatabaseError",  # storage/schema.py's, raised by both
    "Params",
    "Writer",
]

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")


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


def _finish(raw: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """The rest of a transaction begun with BEGIN IMMEDIATE: the block, then COMMIT, or ROLLBACK
    when the block raises."""
    try:
        result = fn(raw)
    except BaseException:
        raw.rollback()
        raise
    raw.commit()
    return result


def _write_unless_busy(
    raw: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]
) -> tuple[bool, T | None]:
    """The transaction of `Database.write`, unless another process holds the write lock: then
    (False, None) at once, without waiting `busy_timeout` on the event loop's thread. Whatever
    interrupts the attempt (even KeyboardInterrupt between two statements) leaves neither the
    shorter timeout nor an open transaction behind."""
    try:
        try:
            raw.execute("PRAGMA busy_timeout = 0")
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise
            return False, None
        finally:
            raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except BaseException:
        if raw.in_transaction:
            raw.rollback()
        raise
    return True, _finish(raw, fn)


def _pragma(raw: sqlite3.Connection, setting: str) -> None:
    raw.execute(f"PRAGMA {setting}").close()


def _commit(raw: sqlite3.Connection) -> None:
    raw.commit()


def _rollback(raw: sqlite3.Connection) -> None:
    raw.rollback()  # nothing to undo when the transaction never began


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    target = f"file:{path}?mode=ro" if readonly else str(path)
    # check_same_thread: `Database.write(inline=True)` uses the connection from the event
    # loop's thread while the connection's own thread is idle.
    raw = sqlite3.connect(target, uri=readonly, isolation_level=None, check_same_thread=False)
    raw.row_factory = sqlite3.Row
    return raw


async def _connect_reader(path: Path, *, readonly: bool) -> aiosqlite.Connection:
    """The aiosqlite connection for plain reads (see the module's docstring). Its reads never
    begin a transaction of their own; busy_timeout for the moments the log is reset."""
    target = f"file:{path}?mode=ro" if readonly else str(path)
    reader = await aiosqlite.connect(
        target, uri=readonly, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
    )
    reader.row_factory = sqlite3.Row
    return reader


def _is_pragma(sql: str) -> bool:
    return sql.lstrip()[:6].upper() == "PRAGMA"


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
    """One SQLite connection (storage/connection.py) with the project's pragmas and a write
    lock.

    Also the type every storage function takes: storage/pg_db.py's `PgDatabase` is a subclass
    with the same methods over PostgreSQL, so mypy checks each storage function's callers and
    its use of the API once for both backends. `engine` ("sqlite", "postgresql") says which one
    an instance is, for what only SQLite has (the background checkpointer, the online backup)."""

    engine: ClassVar[str] = "sqlite"

    def __init__(
        self, conn: Connection, path: Path, clock: Callable[[], float] = time.time
    ) -> None:
        self._conn = conn
        self._reader: aiosqlite.Connection | None = None  # plain reads, under the log only
        self._lock = asyncio.Lock()
        self._wal = False
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
        conn = await Connection.open(
            partial(_connect, path, readonly=readonly), name=f"sqlite {path.name}"
        )
        db = cls(conn, path, clock)
        try:
            await db._check_version()
            await db.run(lambda raw: _pragma(raw, f"busy_timeout = {BUSY_TIMEOUT_MS}"))
            await db.run(lambda raw: _pragma(raw, "foreign_keys = ON"))
            if not readonly:
                mode = await db.fetchval("PRAGMA journal_mode = WAL")
                db._wal = str(mode).lower() == "wal"
                await db.run(lambda raw: _pragma(raw, "synchronous = NORMAL"))
            if migrate and not readonly:
                await db.migrate()
            # A readonly database's file may be in the log's mode without this process setting it.
            if db._wal or (readonly and await db.fetchval("PRAGMA journal_mode") == "wal"):
                db._reader = await _connect_reader(path, readonly=readonly)
        except sqlite3.DatabaseError as exc:
            await db.close()
            raise DatabaseError(f"{path}: {exc}") from None
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        # Without the checkpointer no write runs inline any more (`_may_inline`), so nothing
        # uses the connection from this thread while its own thread closes it.
        checkpointer, self._checkpointer = self._checkpointer, None
        reader, self._reader = self._reader, None
        try:
            if checkpointer is not None:
                await checkpointer.stop()
        finally:
            try:
                if reader is not None:
                    await reader.close()
            finally:
                await self._conn.close()

    async def checkpoint_in_background(self, interval: float = 1.0) -> WalCheckpointer:
        """Leave copying the write-ahead log into the file to a connection and thread of its own
        (storage/checkpoints.py), so that no statement on this connection waits for it. For the
        long-running bot; short-lived processes keep SQLite's own checkpoints."""
        if self._checkpointer is None:
            await self.run(lambda raw: _pragma(raw, "wal_autocheckpoint = 0"))
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
        """Apply pending migrations, each atomically with its user_version bump. Safe when
        several processes migrate at once: they take turns, and each applies only what is still
        missing once it holds the write lock (storage/migrating.py)."""
        applied: list[Migration] = []
        migrations = load_migrations()
        async with self._lock:
            while True:
                try:
                    migration = await self._conn.call(partial(apply_next, migrations=migrations))
                except sqlite3.Error as exc:
                    raise DatabaseError(f"{self.path}: cannot migrate: {exc}") from exc
                if migration is None:
                    return applied
                applied.append(migration)

    # --- reads -------------------------------------------------------------------------------

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        reader = self._reader_for(sql)
        if reader is None:
            return await self._conn.call(lambda raw: _fetchone(raw, sql, params))
        # aiosqlite has no one-trip fetchone; the statements given here select one row.
        rows = await reader.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        reader = self._reader_for(sql)
        if reader is None:
            return await self._conn.call(lambda raw: _fetchall(raw, sql, params))
        return list(await reader.execute_fetchall(sql, params))

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run a block of reads (plain sqlite3 calls on the connection it is given) in one trip,
        outside any transaction: the counterpart of `Writer.run`, so storage functions taking
        `Database | Writer` read several tables in one trip either way."""
        return await self._conn.call(fn)

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
                await asyncio.shield(self._conn.call(_rollback))
                raise
            else:
                if writer.began:
                    await asyncio.shield(self._conn.call(_commit))

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One statement in its own transaction; returns the affected row count."""
        return await self.write(lambda raw: _rowcount(raw, sql, params))

    async def write(
        self,
        fn: Callable[[sqlite3.Connection], T],
        *,
        inline: bool = False,
        serialised: bool = True,
    ) -> T:
        """A whole transaction as one block: BEGIN IMMEDIATE, the block (plain sqlite3 calls on
        the connection it is given, which must neither commit nor roll back), COMMIT; rolled back
        when the block raises.

        `serialised=False`: correct beside other writers without their global order (single-row
        updates re-checking state, or a block that first locks its row, storage/row_locks.py);
        PostgreSQL then skips its write lock, SQLite (one writer anyway) ignores it.

        On the connection's thread it is one trip, and it waits for the write lock only while a
        `transaction()` holds it. Otherwise it goes straight into the connection's queue: the
        thread runs each queued call to its end in queue order, so the block cannot interleave
        with another transaction, and a `transaction()` begun after it queues its BEGIN behind
        this COMMIT. Under a burst of writes (RSVP taps) nothing then waits on the lock for the
        event loop's turns between the trips of other transactions. A caller cancelled while
        its block waits in the queue leaves the block to run to its end, never half-done.

        `inline=True` is for short blocks of indexed statements on a hot path (an RSVP tap,
        every update's tracking): the block runs right here, on the event loop's thread, when
        nothing else is using the connection. It first waits for the calls already queued on
        the thread (not for those queued after it), then runs here if the thread is idle, no
        `transaction()` is open and no other process holds the write lock; otherwise it goes to
        the thread as without `inline`, so the event loop's thread never waits for a lock. A
        caller cancelled while it waits for the queue never runs its block. The hop to the
        thread and back costs more than such a block, and under a burst of taps the two
        threads' handing the GIL to each other stretched the answers' tail from tens to
        hundreds of milliseconds (bench/rsvp.py). Only with the write-ahead log and the
        background checkpointer (`_may_inline`); without them, always the thread.
        """

        def run(raw: sqlite3.Connection) -> T:
            raw.execute("BEGIN IMMEDIATE")
            return _finish(raw, fn)

        if inline and self._may_inline():
            # Queued calls run first, as they would before a block queued behind them; waiting
            # here rather than queueing keeps a burst of taps from all taking the thread path.
            await self._conn.until_idle()
            if self._idle():
                done, result = self._conn.call_here(partial(_write_unless_busy, fn=fn))
                if done:
                    return cast(T, result)
        # `call` queues the block before it first yields, so nothing can take the lock between
        # the check and the queueing. The block is one call on the thread: a caller cancelled
        # while it waits leaves it to run to its end, never half-done.
        if not self._lock.locked():
            return await self._conn.call(run)
        async with self._lock:
            return await self._conn.call(run)

    def _reader_for(self, sql: str) -> aiosqlite.Connection | None:
        """The aiosqlite connection when a plain read may take it: no write in progress, neither
        a transaction (holding the lock) nor a block queued on `Connection`, whose uncommitted
        rows or queue order the read would otherwise miss; and not a PRAGMA, which concerns the
        writing connection. None: the read goes to `Connection`."""
        if self._reader is None or self._lock.locked() or not self._conn.idle:
            return None
        return None if _is_pragma(sql) else self._reader

    def _may_inline(self) -> bool:
        """Inline blocks need the write-ahead log and the background checkpointer: then neither
        BEGIN IMMEDIATE, once it has the lock, nor COMMIT can wait for another connection or
        copy the log into the file (with its fsyncs) on the event loop's thread."""
        return self._wal and self._checkpointer is not None and not self._lock.locked()

    def _idle(self) -> bool:
        """Nothing else can be using the connection: no call queued on or running in its
        thread, no multi-trip transaction between its trips, not closing."""
        return self._conn.idle and self._may_inline()


class Writer:
    """The handle a transaction body writes through; it cannot commit or roll back by itself
    (storage/pg_db.py's `PgWriter` is its PostgreSQL subclass).

    BEGIN IMMEDIATE runs on the connection's thread right before the first statement, in the same
    trip (`began` is only set there, so it follows the queue order). A transaction that is one
    block from the start is `Database.write`.
    """

    def __init__(self, conn: Connection, clock: Callable[[], float] = time.time) -> None:
        # Not `_conn`: PgWriter, the subclass, keeps its psycopg connection under that name.
        self._connection = conn
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

        return await self._connection.call(step)

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
