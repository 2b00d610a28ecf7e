"""storage/connection.py: the connection's own thread, its count of calls, and closing."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from storage.connection import Connection

WAIT = 30.0  # a bound on every wait: a lost wakeup fails the test instead of hanging it


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


def _gate() -> tuple[threading.Event, threading.Event]:
    return threading.Event(), threading.Event()


def _numbered(k: int, raw: sqlite3.Connection) -> tuple[int, str]:
    return k, threading.current_thread().name


def _held(
    started: threading.Event, release: threading.Event
) -> Callable[[sqlite3.Connection], int]:
    """A call that says it has started, then holds the thread until released."""

    def block(raw: sqlite3.Connection) -> int:
        started.set()
        release.wait(WAIT)
        return raw.total_changes

    return block


async def test_calls_run_in_order_on_one_thread_of_their_own(tmp_path: Path) -> None:
    conn = await Connection.open(lambda: _connect(tmp_path / "c.sqlite3"), name="sqlite test")
    try:
        threads = await asyncio.gather(*(conn.call(partial(_numbered, k)) for k in range(50)))
        assert threads == [(k, "sqlite test") for k in range(50)]
        with pytest.raises(sqlite3.OperationalError):
            await conn.call(lambda raw: raw.execute("SELECT * FROM nowhere"))
        assert conn.idle  # a failed call counts as finished
        assert conn.call_here(lambda raw: threading.get_ident()) == threading.get_ident()
    finally:
        await conn.close()


async def test_a_cancelled_callers_call_keeps_the_connection_busy_until_it_ends(
    tmp_path: Path,
) -> None:
    conn = await Connection.open(lambda: _connect(tmp_path / "c.sqlite3"))
    try:
        started, release = _gate()
        slow = conn.call(_held(started, release))
        assert await asyncio.to_thread(started.wait, WAIT)
        slow.cancel()
        assert not conn.idle
        with pytest.raises(RuntimeError, match="in use"):
            conn.call_here(lambda raw: None)
        waiting = asyncio.create_task(conn.until_idle())
        later = conn.call(lambda raw: None)  # made after the wait began: not waited for
        await asyncio.sleep(0.02)
        assert not waiting.done()
        release.set()
        await asyncio.wait_for(waiting, WAIT)
        await asyncio.wait_for(later, WAIT)
        assert conn.idle
    finally:
        await conn.close()


async def test_closing_lets_earlier_calls_finish_and_refuses_later_ones(tmp_path: Path) -> None:
    conn = await Connection.open(lambda: _connect(tmp_path / "c.sqlite3"))
    started, release = _gate()
    earlier = conn.call(_held(started, release))
    assert await asyncio.to_thread(started.wait, WAIT)
    closing = asyncio.create_task(conn.close())
    await asyncio.sleep(0)
    assert not conn.idle
    with pytest.raises(ValueError, match="no active connection"):
        conn.call(lambda raw: None)
    with pytest.raises(ValueError, match="no active connection"):
        conn.call_here(lambda raw: None)
    release.set()
    assert await asyncio.wait_for(earlier, WAIT) == 0
    await asyncio.wait_for(asyncio.gather(closing, conn.close()), WAIT)  # twice is fine


async def test_a_connection_that_cannot_be_opened_leaves_no_thread_behind() -> None:
    before = threading.active_count()

    def refuse() -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    with pytest.raises(sqlite3.OperationalError, match="unable to open"):
        await Connection.open(refuse, name="sqlite refused")
    for _ in range(int(WAIT / 0.01)):
        if threading.active_count() <= before:
            break
        await asyncio.sleep(0.01)
    assert all(t.name != "sqlite refused" for t in threading.enumerate())
