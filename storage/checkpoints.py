"""Copying SQLite's write-ahead log back into the database file, away from the bot's connection.

SQLite checkpoints by itself, on the connection that commits the transaction which takes the log
past 1000 pages: that commit then copies the log into the file and syncs it, and every other
statement queued behind it on the connection's one thread waits. Under a burst of RSVP taps that
was a pause every half second and doubled the slowest answers (bench/rsvp.py). The bot's
connection therefore leaves checkpoints to this one: a connection of its own that runs a PASSIVE
checkpoint in a worker thread once a second when the log has changed. A PASSIVE checkpoint waits
for nobody and nobody waits for it; SQLite reuses the log from its start once it has all been
copied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path

__all__ = ["WalCheckpointer"]

log = logging.getLogger(__name__)


class WalCheckpointer:
    """Every `interval` seconds, checkpoints the log if it changed since the last look."""

    def __init__(self, path: Path, *, interval: float = 1.0) -> None:
        self.path = path
        self.interval = interval
        self.runs = 0  # checkpoints done, for tests and logs
        self._conn: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._seen: tuple[int, int] | None = None  # the log's (size, mtime) at the last look

    async def start(self) -> None:
        if self._task is not None:
            return
        self._stopping.clear()
        self._conn = await asyncio.to_thread(self._open)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="wal-checkpoints")

    async def stop(self) -> None:
        """Stop checking. A checkpoint under way finishes first: its connection is closed only
        after that, never under a running statement."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping.set()
            try:
                await task
            except Exception:  # pragma: no cover - _run catches what it can meet
                log.exception("the checkpointer failed")
        conn, self._conn = self._conn, None
        if conn is not None:
            await asyncio.to_thread(conn.close)

    def _open(self) -> sqlite3.Connection:
        # Used from worker threads one call at a time (never two at once).
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 5000")
        return conn

    def _log_changed(self) -> bool:
        try:
            stat = self.path.with_name(self.path.name + "-wal").stat()
        except FileNotFoundError:
            return False
        seen, self._seen = self._seen, (stat.st_size, stat.st_mtime_ns)
        return seen != self._seen

    def _checkpoint(self) -> None:
        assert self._conn is not None
        busy, frames, copied = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.runs += 1
        log.debug("checkpoint: %s of %s log frames copied (busy %s)", copied, frames, busy)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)
                break
            try:
                if self._log_changed():
                    await asyncio.to_thread(self._checkpoint)
            except Exception as exc:
                # The bot's connection does not checkpoint by itself: keep trying, next time
                # whether or not the log changed meanwhile.
                self._seen = None
                log.warning("checkpoint failed, trying again in %s s: %r", self.interval, exc)
