"""One SQLite connection and the one thread that runs its statements, for asyncio.

storage/db.py needs two things of the bridge between the event loop and the standard sqlite3
module: a block of plain sqlite3 calls run in one trip to the connection's thread (a whole
transaction without an event-loop turn between its statements), and knowing when that thread is
idle, so that a short write may run on the event loop's own thread instead (the RSVP tap's path).
aiosqlite's public API offers neither: only its private `_execute`, `_conn` and `_running` did.
So the connection and its thread are this module's (storage/db.py keeps aiosqlite for plain
reads, on a second connection), and everything that uses this connection goes through
`Connection`:

- `call(fn)` runs `fn(raw)` on the thread, after every call made before it: one trip.
- `call_here(fn)` runs `fn(raw)` at once on the calling thread, and only while the connection is
  `idle`: no call queued on or running in the thread. The thread touches the connection only
  inside a call, so the two threads never use it at once.
- `until_idle()` waits for the calls made before it, not for those made after it.

Calls are counted on the event loop's thread, queued when made and finished when their result is
handed back, so the count needs no lock; a call whose caller was cancelled counts until its
function has returned on the thread, since only then is the connection free.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from functools import partial
from queue import SimpleQueue
from typing import Any, TypeVar

__all__ = ["Connection"]

T = TypeVar("T")

# What the thread is handed: the future that gets the result, the function, and whether the
# function is the last one (it closes the connection; the thread then ends).
_Job = tuple[asyncio.Future[Any], Callable[[], Any], bool]


class Connection:
    """An sqlite3 connection used from asyncio through one thread of its own; see the module's
    docstring. Open with `Connection.open`, end with `close`."""

    def __init__(self, name: str) -> None:
        self._raw: sqlite3.Connection | None = None
        self._jobs: SimpleQueue[_Job] = SimpleQueue()
        self._queued = 0
        self._finished = 0
        self._closed = False  # no call is accepted any more
        self._closing: asyncio.Future[None] | None = None
        # (calls queued when it began waiting, its future), in the order of that count.
        self._idle_waiters: deque[tuple[int, asyncio.Future[None]]] = deque()
        # A daemon: a process that ends without closing its database must still end (SQLite
        # rolls back whatever was not committed).
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)

    @classmethod
    async def open(
        cls, connect: Callable[[], sqlite3.Connection], *, name: str = "sqlite"
    ) -> Connection:
        """Start the thread and open the connection there with `connect`, which must allow use
        from other threads (`check_same_thread=False`) for `call_here`."""
        conn = cls(name)
        conn._thread.start()
        try:
            await conn._submit(partial(conn._connect, connect))
        except BaseException:
            await asyncio.shield(conn.close())
            raise
        return conn

    @property
    def idle(self) -> bool:
        """Open, and no call is queued on or running in the thread."""
        return not self._closed and self._queued == self._finished

    def call(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """Run `fn` with the connection on the thread, after every call made before this one.

        The call is queued before this returns, so nothing can come between the caller's checks
        and the queueing. A caller cancelled while it waits leaves `fn` to run to its end. Raises
        ValueError once the connection is closing.
        """
        return self._submit(partial(fn, self._open_raw()))

    def call_here(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` with the connection right here, on the calling thread, without a trip.

        Only while `idle` (otherwise RuntimeError): the caller checks that first, with nothing
        awaited between the check and this call. `fn` blocks the event loop while it runs, so it
        must be short, and it must not make calls of its own.
        """
        raw = self._open_raw()
        if self._queued != self._finished:
            raise RuntimeError("the connection is in use on its thread")
        return fn(raw)

    async def until_idle(self) -> None:
        """Return once the calls made before this one have finished (at once, without yielding,
        when there are none). Calls made later are not waited for: a steady stream of them must
        not hold a waiter back for ever."""
        target = self._queued
        if self._finished >= target:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._idle_waiters.append((target, waiter))
        await waiter

    async def close(self) -> None:
        """Let the calls already made finish, then close the connection and end the thread.
        Calls made from now on raise ValueError."""
        if self._closing is None:
            self._closed = True
            self._closing = self._submit(self._disconnect, last=True)
        await self._closing

    def _open_raw(self) -> sqlite3.Connection:
        if self._closed or self._raw is None:
            raise ValueError("no active connection (the database is closed)")
        return self._raw

    def _submit(self, job: Callable[[], T], *, last: bool = False) -> asyncio.Future[T]:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queued += 1
        self._jobs.put((future, job, last))
        return future

    # --- on the connection's thread ----------------------------------------------------------

    def _connect(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._raw = connect()

    def _disconnect(self) -> None:
        raw, self._raw = self._raw, None
        if raw is not None:
            raw.close()

    def _serve(self) -> None:
        while True:
            future, job, last = self._jobs.get()
            result: Any = None
            error: BaseException | None = None
            try:
                result = job()
            except BaseException as exc:  # handed to the caller, as if raised there
                error = exc
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting
                future.get_loop().call_soon_threadsafe(self._done, future, result, error)
            if last:
                return

    # --- back on the event loop's thread -----------------------------------------------------

    def _done(self, future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
        self._finished += 1
        if not future.done():  # a cancelled caller
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
        waiters = self._idle_waiters
        while waiters and waiters[0][0] <= self._finished:
            waiter = waiters.popleft()[1]
            if not waiter.done():
                waiter.set_result(None)
