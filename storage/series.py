"""Repeating event series and the annual calendar (vuosikello) lookups.

A series is one `event_series` row (its rule text, see bot/events/series.py); each date is its own
row in
`events` with `series_id` set, so it has its own RSVPs, reminders and feedback.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from storage import events
from storage.db import Database, Writer
from storage.events import Event

__all__ = [
    "MAX_YEAR_EVENTS",
    "Series",
    "create",
    "get",
    "occurrences",
    "year_for_chat",
    "year_in_municipalities",
]

# A year's listing is one message and one .ics file; a region's busiest year stays far below.
MAX_YEAR_EVENTS = 400


@dataclass(frozen=True, slots=True)
class Series:
    id: int
    rule: str
    created_by: int | None
    created_at: int


def _series(row: sqlite3.Row) -> Series:
    return Series(
        id=row["id"], rule=row["rule"], created_by=row["created_by"], created_at=row["created_at"]
    )


async def create(tx: Writer, rule: str, *, created_by: int | None, now: int) -> int:
    """A new series row inside the caller's transaction; its events are created after it."""
    return await tx.insert(
        "INSERT INTO event_series (rule, created_by, created_at) VALUES (?, ?, ?)",
        (rule, created_by, now),
    )


async def get(db: Database | Writer, series_id: int) -> Series | None:
    row = await db.fetchone("SELECT * FROM event_series WHERE id = ?", (series_id,))
    return None if row is None else _series(row)


async def occurrences(db: Database | Writer, series_id: int) -> list[Event]:
    """Every date of the series (cancelled ones too), in order."""
    rows = await db.fetchall(
        "SELECT * FROM events WHERE series_id = ? ORDER BY starts_at, id", (series_id,)
    )
    return await events.load(db, rows)


async def year_in_municipalities(
    db: Database, codes: Sequence[str], start: int, end: int, *, limit: int = MAX_YEAR_EVENTS
) -> list[Event]:
    """Published events starting in [start, end) for any of these municipalities, in order."""
    if not codes:
        return []
    marks = ",".join("?" * len(codes))
    rows = await db.fetchall(
        f"""
        SELECT e.* FROM events e
        WHERE e.state = 'published' AND e.starts_at >= ? AND e.starts_at < ?
          AND EXISTS (SELECT 1 FROM event_municipalities em
                      WHERE em.event_id = e.id AND em.code IN ({marks}))
        ORDER BY e.starts_at, e.id LIMIT ?
        """,
        (start, end, *codes, limit),
    )
    return await events.load(db, rows)


async def year_for_chat(
    db: Database, chat_id: int, start: int, end: int, *, limit: int = MAX_YEAR_EVENTS
) -> list[Event]:
    """Published events starting in [start, end) whose municipalities meet the chat's subscribed
    areas and whose themes meet its themes (the audience rule of /events), in order."""
    rows = await db.fetchall(
        f"""
        SELECT e.* FROM events e
        WHERE e.state = 'published' AND e.starts_at >= ? AND e.starts_at < ?
          AND {events.MEETS_CHAT}
        ORDER BY e.starts_at, e.id LIMIT ?
        """,
        (start, end, chat_id, chat_id, limit),
    )
    return await events.load(db, rows)
