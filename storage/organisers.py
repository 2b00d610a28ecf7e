"""An event's co-organisers: associations (directory listings) and coordinators. Whoever
administers a co-organising association's group, and each co-organising coordinator, sees the
event's coordinator view (bot/events/organisers.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage import privacy
from storage.db import Database, Writer

__all__ = [
    "Named",
    "Organisers",
    "add_in",
    "add_listing",
    "add_user",
    "coordinators",
    "for_event",
    "named",
    "names_sync",
    "remove",
]


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


@dataclass(frozen=True, slots=True)
class Named:
    """One co-organiser with the name the coordinator view shows: an association (listing)
    or a coordinator (user)."""

    kind: str  # "listing" or "user"
    id: int
    name: str


async def named(db: Database, event_id: int) -> list[Named]:
    """The event's co-organisers in the order they were named, with their names, in one read."""
    rows = await db.fetchall(
        "SELECT o.listing_id, o.user_id, l.name AS listing_name, "
        "trim(u.first_name || ' ' || coalesce(u.last_name, '')) AS user_name "
        "FROM event_organisers o LEFT JOIN listings l ON l.id = o.listing_id "
        "LEFT JOIN users u ON u.id = o.user_id WHERE o.event_id = ? ORDER BY o.id",
        (event_id,),
    )
    found = []
    for row in rows:
        if row["listing_id"] is not None:
            found.append(Named("listing", row["listing_id"], row["listing_name"] or "?"))
        else:
            found.append(Named("user", row["user_id"], row["user_name"] or str(row["user_id"])))
    return found


async def remove(
    db: Database, event_id: int, *, listing_id: int | None = None, user_id: int | None = None
) -> bool:
    """One co-organiser no longer named (exactly one of listing and user); False: it was not."""
    assert (listing_id is None) != (user_id is None)
    column = "listing_id" if listing_id is not None else "user_id"
    return (
        await db.execute(
            f"DELETE FROM event_organisers WHERE event_id = ? AND {column} = ?",
            (event_id, listing_id if listing_id is not None else user_id),
        )
        > 0
    )


async def coordinators(db: Database) -> list[tuple[int, str]]:
    """Everyone with an unrevoked coordinator role and their name, in name order: the people
    an event may name as co-organising coordinators."""
    rows = await db.fetchall(
        "SELECT DISTINCT u.id, trim(u.first_name || ' ' || coalesce(u.last_name, '')) AS name "
        "FROM roles r JOIN users u ON u.id = r.user_id "
        "WHERE r.role = 'coordinator' AND r.revoked_at IS NULL ORDER BY name, u.id"
    )
    return [(row["id"], row["name"]) for row in rows]


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
