"""Counting the blocks of statements that reach the database: trips to the writing connection's
thread, blocks `Database.write(inline=True)` runs on the event loop's thread, and plain reads on
the aiosqlite connection, alike (an inline attempt that finds another process writing and then
takes the thread counts twice). On PostgreSQL (`--backend postgres`) a trip is one call of
`PgDatabase._trip`, the one door to its worker threads, so the same assertions hold there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiosqlite
import pytest

from storage.connection import Connection
from storage.pg_db import PgDatabase

__all__ = ["count_trips"]


def count_trips(
    monkeypatch: pytest.MonkeyPatch, counts: Callable[[], bool] = lambda: True
) -> list[int]:
    """A one-item list whose item counts the blocks from here on (those for which `counts()`
    says so, asked when the block is sent)."""
    counted = [0]
    real_call = Connection.call
    real_here = Connection.call_here
    real_read = aiosqlite.Connection.execute_fetchall
    real_trip = PgDatabase._trip

    def call(conn: Connection, fn: Callable[[Any], Any]) -> Any:
        if counts():
            counted[0] += 1
        return real_call(conn, fn)

    def here(conn: Connection, fn: Callable[[Any], Any]) -> Any:
        if counts():
            counted[0] += 1
        return real_here(conn, fn)

    async def read(reader: aiosqlite.Connection, sql: str, params: Any = None) -> Any:
        if counts():
            counted[0] += 1
        return await real_read(reader, sql, params)

    async def trip(db: PgDatabase, fn: Callable[[], Any]) -> Any:
        if counts():
            counted[0] += 1
        return await real_trip(db, fn)

    monkeypatch.setattr(Connection, "call", call)
    monkeypatch.setattr(Connection, "call_here", here)
    monkeypatch.setattr(aiosqlite.Connection, "execute_fetchall", read)
    monkeypatch.setattr(PgDatabase, "_trip", trip)
    return counted
