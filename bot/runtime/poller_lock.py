"""One long-polling process per database: Telegram serves getUpdates to one consumer at a time
(a second one gets 409 Conflict and the two take turns losing updates' order), so a second
`python -m bot run` on the same database must refuse to start rather than fight the first.

An OS file lock (flock) on `<database>.polling.lock`, held for the process's life:
- a poller (`run`) holds it exclusively and writes its pid into the file, for the message;
- a webhook process (`run --webhook`) holds it shared: several webhook processes may serve one
  database together, but none while a poller runs, and no poller while any of them runs.
The OS releases the lock when the process ends however it ends (kill -9, a crash), so a stale
lock file never blocks the next start. POSIX only, and only on a local file system (flock over
NFS is not reliable); the database itself has the same requirement.
"""

from __future__ import annotations

import fcntl
import functools
import os
from collections.abc import Callable
from pathlib import Path

import psycopg

from storage.pg_process_lock import try_hold

__all__ = [
    "ProcessLock",
    "ProcessLockRefused",
    "hold_polling",
    "hold_polling_url",
    "hold_webhook",
    "hold_webhook_url",
    "lock_path_for",
]


class ProcessLockRefused(RuntimeError):
    """Another bot process serves this database in a way this one cannot share; the message is
    for the operator."""


class ProcessLock:
    """A held lock, file or database; the OS or the server releases it when the process ends,
    `release` sooner."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release: Callable[[], None] | None = release

    def release(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            release()

    def __enter__(self) -> ProcessLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _hold_url(url: str, where: str, *, exclusive: bool) -> ProcessLock:
    try:
        held = try_hold(url, exclusive=exclusive)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ProcessLockRefused(f"{where}: cannot reach PostgreSQL ({first})") from None
    if not isinstance(held, list):
        return ProcessLock(held.release)
    pids = ", ".join(str(p) for p in held) or "unknown"
    if exclusive:
        raise ProcessLockRefused(
            f"{where}: another `python -m bot run` polls it, or `run --webhook` processes serve "
            f"it (pid {pids}); Telegram gives updates to one long-polling process only: stop "
            "the others first (or run every process with --webhook)"
        )
    raise ProcessLockRefused(
        f"{where}: `python -m bot run` polls it (pid {pids}); webhook and long polling exclude "
        "each other: stop the polling process first"
    )


def hold_polling_url(url: str, where: str) -> ProcessLock:
    """The exclusive lock of the one long-polling process on a PostgreSQL database; `where`
    names the database without its password."""
    return _hold_url(url, where, exclusive=True)


def hold_webhook_url(url: str, where: str) -> ProcessLock:
    """A shared lock for one of possibly several webhook processes on a PostgreSQL database."""
    return _hold_url(url, where, exclusive=False)


def lock_path_for(database: Path) -> Path:
    # Resolved: two configurations naming one file differently (relative, a symlink) share it.
    database = database.resolve()
    return database.with_name(database.name + ".polling.lock")


def hold_polling(database: Path) -> ProcessLock:
    """The exclusive lock of the one long-polling process, or ProcessLockRefused."""
    fd = _open(database)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise ProcessLockRefused(
            f"{database}: {holder}; Telegram gives updates to one long-polling process only: "
            "stop that one first (or run every process with --webhook)"
        ) from None
    _write_pid(fd, os.getpid())
    return ProcessLock(functools.partial(os.close, fd))  # closing it releases the flock


def hold_webhook(database: Path) -> ProcessLock:
    """A shared lock for one of possibly several webhook processes, or ProcessLockRefused while
    a poller holds the database."""
    fd = _open(database)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = _read_pid(fd)
        os.close(fd)
        raise ProcessLockRefused(
            f"{database}: `python -m bot run` polls it (pid {pid or 'unknown'}); webhook and "
            "long polling exclude each other: stop the polling process first"
        ) from None
    # No poller holds the file, so any pid in it is a dead poller's: clear it so that a poller
    # refused while webhook processes run does not name a process that is gone. Only a holder
    # of the exclusive lock writes the pid, and there is none now.
    os.ftruncate(fd, 0)
    return ProcessLock(functools.partial(os.close, fd))  # closing it releases the flock


def _holder(fd: int) -> str:
    """Who holds the lock that a poller could not take: webhook processes if a shared lock is
    still free, else a poller (its pid may not be written yet in the moment after it locked)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = _read_pid(fd)
        return f"another `python -m bot run` polls it (pid {pid or 'unknown'})"
    return "`python -m bot run --webhook` processes serve it"


def _open(database: Path) -> int:
    path = lock_path_for(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Never truncate on open: the holder's pid is in there. Not inherited by child
        # processes (Python's default), so a helper never keeps the lock after the bot is gone.
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ProcessLockRefused(
            f"{path}: cannot open the process lock file ({exc.strerror})"
        ) from None


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _write_pid(fd: int, pid: int) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{pid}\n".encode("ascii"), 0)
