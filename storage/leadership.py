"""Which bot process is the delivery leader: the one that sends messages and runs the schedule.

Exactly one process at a time holds the leader's lock; the others keep asking. The lock belongs to
something that ends with its process, so a crashed leader (kill -9 included) frees it at once:

- PostgreSQL: a session advisory lock on a connection of its own. The server drops it when that
  connection ends, which the kernel does for a dead process by closing its socket.
- SQLite: an OS file lock (`flock`) on `<database>.leader.lock`, which the kernel releases when
  the process's file descriptors close.

`lost()` returns when a held lock can no longer be trusted (the PostgreSQL connection broke: the
server may already have given the lock to another process), so the holder stops leading.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from pathlib import Path
from typing import Protocol

import psycopg

from storage.db import Database
from storage.pg_db import PgDatabase

__all__ = [
    "FileLeaderLock",
    "LeaderLock",
    "PgLeaderLock",
    "leader_lock_for",
    "leader_lock_path",
]

# pg_try_advisory_lock's key for leading: "jbld".
LEADER_KEY = 0x6A62_6C64


class LeaderLock(Protocol):
    async def try_acquire(self) -> bool: ...

    async def lost(self) -> None: ...

    async def release(self) -> None: ...


def leader_lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".leader.lock")


class FileLeaderLock:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    async def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    async def lost(self) -> None:
        await asyncio.Event().wait()  # a file lock lasts as long as its process

    async def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class PgLeaderLock:
    def __init__(self, url: str, *, check_interval: float = 2.0, timeout: float = 5.0) -> None:
        self._url = url
        self._check_interval = check_interval
        self._timeout = timeout
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None

    async def try_acquire(self) -> bool:
        """True once this process leads; False when another does or the server cannot be
        reached (the caller asks again)."""
        if self._conn is not None:
            return True
        try:
            conn = await psycopg.AsyncConnection.connect(
                self._url, autocommit=True, connect_timeout=max(1, int(self._timeout))
            )
        except psycopg.Error:
            return False
        try:
            cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_KEY,))
            row = await cursor.fetchone()
        except psycopg.Error:
            await conn.close()
            return False
        if not (row and row[0]):
            await conn.close()
            return False
        self._conn = conn
        return True

    async def lost(self) -> None:
        """Returns when the lock's connection stops answering."""
        while self._conn is not None:
            await asyncio.sleep(self._check_interval)
            try:
                async with asyncio.timeout(self._timeout):
                    await self._conn.execute("SELECT 1")
            except (psycopg.Error, TimeoutError):
                await self._drop()
                return

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                await conn.close()

    async def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                await self._conn.execute("SELECT pg_advisory_unlock(%s)", (LEADER_KEY,))
        await self._drop()


def leader_lock_for(db: Database) -> LeaderLock:
    """The leader's lock for this database: PostgreSQL's advisory lock or a file beside SQLite's
    file."""
    if isinstance(db, PgDatabase):
        return PgLeaderLock(db.url)
    return FileLeaderLock(leader_lock_path(db.path))
