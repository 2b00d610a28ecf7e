"""Topic suggestions for a forum or workshop (`event_topics`), and the date until which an event
takes them (`events.topics_until`; NULL: the default, bot/topics/rules.py).

A suggestion keeps its author's id also when it is anonymous: /mydata exports it and /forget
deletes it. Nothing here returns the id to coordinators' views (`Topic` has no user field).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage import privacy
from storage.db import Database, Writer

__all__ = ["MAX_TEXT", "Topic", "add", "count", "for_event", "set_until"]

MAX_TEXT = 500  # also a CHECK in the schema


@dataclass(frozen=True, slots=True)
class Topic:
    """One suggestion as coordinators see it: the association's name unless anonymous."""

    id: int
    event_id: int
    association: str  # '' when anonymous or when the suggester had no association
    anonymous: bool
    text: str
    created_at: int


def _topic(row: sqlite3.Row) -> Topic:
    return Topic(
        id=row["id"],
        event_id=row["event_id"],
        association="" if row["anonymous"] else row["association"],
        anonymous=bool(row["anonymous"]),
        text=row["text"],
        created_at=row["created_at"],
    )


async def add(
    db: Database, event_id: int, user_id: int, *, association: str, anonymous: bool, text: str
) -> int:
    """Store one suggestion; the association's name is not kept for an anonymous one."""
    async with db.transaction() as tx:
        return await tx.insert(
            "INSERT INTO event_topics (event_id, user_id, association, anonymous, text, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (event_id, user_id, "" if anonymous else association, int(anonymous), text, tx.now()),
        )


async def for_event(db: Database | Writer, event_id: int) -> list[Topic]:
    """The event's suggestions, oldest first."""
    rows = await db.fetchall(
        "SELECT id, event_id, association, anonymous, text, created_at FROM event_topics "
        "WHERE event_id = ? ORDER BY id",
        (event_id,),
    )
    return [_topic(row) for row in rows]


async def count(db: Database | Writer, event_id: int) -> int:
    value = await db.fetchval("SELECT count(*) FROM event_topics WHERE event_id = ?", (event_id,))
    return int(value or 0)


async def set_until(db: Database, event_id: int, until: int) -> bool:
    """The coordinator's own last moment for suggestions; False: no such event."""
    changed = await db.execute(
        "UPDATE events SET topics_until = ?, updated_at = ? WHERE id = ?",
        (until, db.now(), event_id),
    )
    return changed > 0


async def _export(db: Database, user_id: int) -> object:
    return await privacy.rows(
        db,
        "SELECT event_id, association, anonymous, text, created_at FROM event_topics "
        "WHERE user_id = ? ORDER BY id",
        (user_id,),
    )


async def _forget(tx: Writer, person: privacy.Person) -> None:
    # A suggestion is the person's own words (an anonymous one too): it goes with them.
    await tx.execute("DELETE FROM event_topics WHERE user_id = ?", (person.user_id,))


privacy.register(privacy.Section("event_topics", ("event_topics",), export=_export, forget=_forget))
