"""An event's co-organisers: associations (directory listings) and coordinators. Whoever
administers a co-organising association's group, and each co-organising coordinator, sees the
event's coordinator view (bot/events/organisers.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage import privacy
from storage.db import Database, Writer

__all__ = ["Organisers", "add_in", "add_listing", "add_user", "for_event", "names_sync"]


@dataclass(frozen=True, slots=True)
class Organisers:
    listings: tuple[int, ...] = ()
    users: tuple[int, ...] = ()


async def add_in(
    tx: Writer, event_id: int, *, listing_id: int | None = None, user_id: int | None = None
) -> bool:
    """One co-organiser (exactly one of listing and user); False when already named."""
    assert (listing_id is None) != (user_id is None)
    column = "listing_id" if listing_id is not None else "user_id"
    return (
        await tx.execute(
            f"INSERT OR IGNORE INTO event_organisers (event_id, {column}) VALUES (?, ?)",
            (event_id, listing_id if listing_id is not None else user_id),
        )
        > 0
    )


async def add_listing(db: Database, event_id: int, listing_id: int) -> bool:
    async with db.transaction() as tx:
        return await add_in(tx, event_id, listing_id=listing_id)


async def add_user(db: Database, event_id: int, user_id: int) -> bool:
    async with db.transaction() as tx:
        return await add_in(tx, event_id, user_id=user_id)


async def for_event(db: Database | Writer, event_id: int) -> Organisers:
    rows = await db.fetchall(
        "SELECT listing_id, user_id FROM event_organisers WHERE event_id = ? ORDER BY id",
        (event_id,),
    )
    return Organisers(
        tuple(r["listing_id"] for r in rows if r["listing_id"] is not None),
        tuple(r["user_id"] for r in rows if r["user_id"] is not None),
    )


def names_sync(raw: sqlite3.Connection, event_id: int) -> tuple[str, ...]:
    """The co-organising associations' names, as the card shows them."""
    rows = raw.execute(
        "SELECT l.name FROM event_organisers o JOIN listings l ON l.id = o.listing_id "
        "WHERE o.event_id = ? ORDER BY o.id",
        (event_id,),
    ).fetchall()
    return tuple(row["name"] for row in rows)


async def _export(db: Database, user_id: int) -> object:
    return await privacy.rows(
        db, "SELECT event_id FROM event_organisers WHERE user_id = ? ORDER BY id", (user_id,)
    )


async def _forget(tx: Writer, person: privacy.Person) -> None:
    await tx.execute("DELETE FROM event_organisers WHERE user_id = ?", (person.user_id,))


privacy.register(
    privacy.Section("event_organisers", ("event_organisers",), export=_export, forget=_forget)
)
