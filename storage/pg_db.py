"""The storage API on PostgreSQL: storage/db.py's `Database` and `Writer`, method for method, over a
psycopg connection pool.

Every call is one trip to a worker thread (the database's own) with a pooled connection, as on
SQLite every call is one trip to the connection's thread: the `x_sync(raw, ...)` blocks run there
unchanged, `raw` being storage/pg_compat.py's `PgRaw`.

Writers are serialised across every process by one transaction-scoped advisory lock, taken first
in each write transaction: PostgreSQL's counterpart of SQLite's BEGIN IMMEDIATE. The storage blocks
were written for one writer at a time (read the free places, then write the answer), so they stay
correct with several bot processes without reviewing each for row locks or serialisation
failures; writes are short and one trip, so the lock is held for milliseconds. Finer locks (per
event row, SKIP LOCKED claims of the outbox) can replace it where a profile asks. Reads take no
lock and see committed rows (READ COMMITTED).

Within one process writers also queue on an asyncio lock first, as storage/db.py's do: then at
most one thread per process waits for the advisory lock. Without it a burst of writes parked
every worker thread on the lock while the transaction holding it waited for a thread for its
next step: a deadlock (the end-to-end suite found it). Trips run on the database's own threads,
one per pooled connection and two more, so nothing else's `to_thread` waits behind them.

The pool bounds connections; a request that finds none free waits at most `timeout` seconds and
then fails with DatabaseError, never deadlocks.

The server unreachable at runtime (stopped, restarted, the network gone): every call fails with
DatabaseError (handlers/errors.py answers "try again in a moment"), never with psycopg's own
errors, and nothing waits much longer than `timeout`. The pool checks a connection before lending
it (one empty statement) and discards a broken one. Its reconnection attempts back off
exponentially; `reconnect_timeout=timeout` ends a series after `timeout` seconds, and the next
request starts a new one at once, so the bot finds the server within about `timeout` seconds of
its return, by itself. A call after `close()` is a DatabaseError too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from storage import pg_schema
from storage.db import Database, Writer
from storage.pg_compat import PgRaw, Row, configure
from storage.schema import DatabaseError, Migration, SchemaStatus

__all__ = ["PgDatabase", "PgWriter"]

T = TypeVar("T")
Params = Any
# pg_advisory_xact_lock's key for writing: "jbwr". (The pool is `ConnectionPool[Any]`: its type
# names the connection class only, which cannot say that configure() makes the rows `Row`s.)
WRITE_LOCK = 0x6A62_7772
# Hot-path writes outside the global order (`serialised=False, inline=True`: RSVP taps) running
# at once in one process.
UNORDERED_WRITERS = 2


def _where(url: str) -> str:
    """The URL without its password, for messages."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


_NO_CONNECTION = "no free database connection in time"
DOWN_WAIT = 0.1
_CLOSED = "the database is closed"


def _unreachable(error: psycopg.OperationalError) -> DatabaseError:
    """psycopg's error for a lost or refused connection as the storage's own; its text may name
    the host and port, never the password, and none of the rows."""
    return DatabaseError(f"PostgreSQL unavailable: {type(error).__name__}")


def _lost(error: psycopg.OperationalError) -> bool:
    """The connection or the server is gone (no SQLSTATE: the socket; class 08: connection
    exceptions; 57P: the server shutting down or starting), not a statement's own trouble (a
    cancelled query, a lock not available), which says nothing about the next call."""
    state = error.sqlstate or ""
    return not state or state.startswith(("08", "57P"))


def _lock_for_writing(conn: psycopg.Connection[Row]) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))


class PgDatabase(Database):
    """A pool of connections to one PostgreSQL database, with storage/db.py's API."""

    engine = "postgresql"

    def __init__(
        self, pool: ConnectionPool[Any], url: str, clock: Callable[[], float], threads: int
    ) -> None:
        self._pool = pool
        self._clock = clock
        self._lock = asyncio.Lock()
        self._unordered = asyncio.Semaphore(UNORDERED_WRITERS)
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix="postgres")
        self.url = url
        # Set when the server was found unreachable, cleared by the next call that gets through:
        # while it is set a call waits DOWN_WAIT for a connection, not the pool's whole bound,
        # so in an outage people hear "try again" at once instead of queueing behind timeouts.
        self._down = False

    async def _trip(self, fn: Callable[[], T]) -> T:
        try:
            future = asyncio.get_running_loop().run_in_executor(self._threads, fn)
        except RuntimeError:  # the executor is shut down: a call queued after close()
            raise DatabaseError(_CLOSED) from None
        return await future

    def now(self) -> int:
        return int(self._clock())

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        migrate: bool = True,
        clock: Callable[[], float] = time.time,
        max_size: int = 10,
        timeout: float = 10.0,
    ) -> PgDatabase:
        """Connect (waiting at most `timeout` seconds) and, unless told otherwise, migrate."""
        pool: ConnectionPool[Any] = ConnectionPool(
            url, min_size=1, max_size=max_size, open=False, timeout=timeout,
            kwargs={"autocommit": True}, configure=configure, name="jarjestobotti",
            check=ConnectionPool.check_connection, reconnect_timeout=timeout,
        )  # fmt: skip
        try:
            await asyncio.to_thread(pool.open, wait=True, timeout=timeout)
        except PoolTimeout:
            await asyncio.to_thread(pool.close)
            raise DatabaseError(f"cannot connect to PostgreSQL at {_where(url)}") from None
        db = cls(pool, url, clock, threads=max_size + 2)
        try:
            status = await db.schema_status()
            if status.current > status.latest:
                raise DatabaseError(
                    f"{_where(url)} has schema version {status.current}, newer than this "
                    f"program knows ({status.latest}); upgrade Järjestöbotti instead"
                )
            if migrate:
                await db.migrate()
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        try:
            await self._trip(self._pool.close)
        finally:
            self._threads.shutdown(wait=False)

    def _call(self, fn: Callable[[psycopg.Connection[Row]], T]) -> T:
        try:
            with self._pool.connection(timeout=self._wait()) as conn:
                result = fn(conn)
        except PoolTimeout:
            raise self._no_connection() from None
        except psycopg.OperationalError as error:
            self._down = _lost(error)
            raise _unreachable(error) from None
        except PoolClosed:
            raise DatabaseError(_CLOSED) from None
        self._down = False
        return result

    def _getconn(self) -> psycopg.Connection[Row]:
        try:
            conn: psycopg.Connection[Row] = self._pool.getconn(timeout=self._wait())
        except PoolTimeout:
            raise self._no_connection() from None
        except PoolClosed:
            raise DatabaseError(_CLOSED) from None
        self._down = False
        return conn

    def _wait(self) -> float | None:
        """How long a call waits for a connection: the pool's bound, or less while down."""
        return DOWN_WAIT if self._down else None

    def _no_connection(self) -> DatabaseError:
        """Why no connection came in time: every one busy (the pool is too small for the load),
        or the server unreachable (one direct attempt tells, within a second)."""
        if not self._down:
            try:
                psycopg.connect(self.url, connect_timeout=1).close()
                return DatabaseError(_NO_CONNECTION)
            except psycopg.OperationalError:
                self._down = True
        return DatabaseError("PostgreSQL unavailable: no connection to the server")

    async def schema_status(self) -> SchemaStatus:
        return await self._trip(lambda: self._call(pg_schema.schema_status))

    async def migrate(self) -> list[Migration]:
        async with self._lock:
            return await self._trip(lambda: self._call(pg_schema.migrate))

    # --- reads -------------------------------------------------------------------------------

    async def run(self, fn: Callable[[PgRaw], T]) -> T:
        """A block of reads in one trip, outside any transaction."""
        return await self._trip(lambda: self._call(lambda conn: fn(PgRaw(conn))))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await self.run(lambda raw: raw.execute(sql, params).fetchone())

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self.run(lambda raw: raw.execute(sql, params).fetchall())

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    # --- writes ------------------------------------------------------------------------------

    async def write(
        self, fn: Callable[[PgRaw], T], *, inline: bool = False, serialised: bool = True
    ) -> T:
        """A whole transaction as one block, in one trip, holding the write lock. `inline` is
        SQLite's optimisation (no thread hop); here every block takes the trip. With
        `serialised=False` (the block is safe under row locks alone, see storage/db.py) neither
        the write lock nor the in-process queue: the block runs beside other writers, and being
        one trip it never holds a connection while waiting for another of this process's."""

        def block(conn: psycopg.Connection[Row]) -> T:
            with conn.transaction():
                if serialised:
                    _lock_for_writing(conn)
                return fn(PgRaw(conn))

        if not serialised and inline:
            # Hot-path blocks (a burst of RSVP taps on one event, waiting on its row's lock) a
            # few at a time per process: otherwise they hold every pooled connection, and the
            # delivery worker's writes wait for a connection behind them.
            async with self._unordered:
                return await self._trip(lambda: self._call(block))
        if not serialised:
            return await self._trip(lambda: self._call(block))
        async with self._lock:
            return await self._trip(lambda: self._call(block))

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self.write(lambda raw: raw.execute(sql, params).rowcount)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgWriter]:
        """A transaction of several trips on one pooled connection; committed at the end, rolled
        back when the body raises."""
        async with self._lock:
            conn = await self._trip(self._getconn)
            writer = PgWriter(conn, self._clock, self._trip)
            try:
                yield writer
            except BaseException:
                await asyncio.shield(self._trip(lambda: writer.end(commit=False)))
                raise
            else:
                await asyncio.shield(self._trip(lambda: writer.end(commit=True)))
            finally:
                self._pool.putconn(conn)


class PgWriter(Writer):
    """storage/db.py's `Writer` on one pooled connection: the transaction and its write lock
    begin with the first statement."""

    def __init__(
        self,
        conn: psycopg.Connection[Row],
        clock: Callable[[], float],
        trip: Callable[[Callable[[], Any]], Awaitable[Any]],
    ) -> None:
        self._conn = conn
        self._clock = clock
        self._trip = trip
        self.began = False

    def now(self) -> int:
        return int(self._clock())

    def end(self, *, commit: bool) -> None:
        if not self.began:
            return
        try:
            self._conn.execute("COMMIT" if commit else "ROLLBACK")
        except psycopg.OperationalError as error:
            if commit:
                raise _unreachable(error) from None
            # A lost connection has rolled back already; the body's own error is the one to see.

    async def run(self, fn: Callable[[PgRaw], T]) -> T:
        def step() -> T:
            try:
                if not self.began:
                    self._conn.execute("BEGIN")
                    self.began = True
                    _lock_for_writing(self._conn)
                return fn(PgRaw(self._conn))
            except psycopg.OperationalError as error:
                raise _unreachable(error) from None

        result: T = await self._trip(step)
        return result

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self.run(lambda raw: raw.execute(sql, params).rowcount)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT and return the new row's id (SQLite's lastrowid)."""
        row = await self.run(lambda raw: raw.execute(f"{sql} RETURNING id", params).fetchone())
        if row is None:
            raise DatabaseError("INSERT returned no row id")
        return int(row[0])

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self.run(lambda raw: raw.executemany(sql, rows).close())

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await self.run(lambda raw: raw.execute(sql, params).fetchone())

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self.run(lambda raw: raw.execute(sql, params).fetchall())

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]
