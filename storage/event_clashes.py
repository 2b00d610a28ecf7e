"""The published events that may clash with another one: a window of start times, read through
the `events_upcoming` index (state, starts_at). Which of them really clash is decided in
bot/events/clashes.py."""

from __future__ import annotations

import sqlite3

from storage.db import Database, Writer
from storage.events import Event, load_sync

__all__ = ["published_starting_between", "published_starting_between_sync"]


async def published_starting_between(
    db: Database | Writer, start: int, end: int, *, exclude: int | None = None
) -> list[Event]:
    """Published events (not cancelled, not drafts) starting in [start, end], but `exclude`."""
    return await db.run(lambda raw: published_starting_between_sync(raw, start, end, exclude))


def published_starting_between_sync(
    raw: sqlite3.Connection, start: int, end: int, exclude: int | None = None
) -> list[Event]:
    """`published_starting_between` as a block on the raw connection."""
    rows = raw.execute(
        "SELECT * FROM events WHERE state = 'published' AND starts_at BETWEEN ? AND ? "
        "AND id != ? ORDER BY starts_at, id",
        (start, end, -1 if exclude is None else exclude),
    ).fetchall()
    return load_sync(raw, rows)
