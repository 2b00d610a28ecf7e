"""The network's contact people (coordinators who list themselves with a title) and the
one-message relay between a person and a contact person."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from storage import privacy
from storage.db import Database, Writer

__all__ = [
    "ContactArea",
    "ContactMessage",
    "ContactPerson",
    "Reach",
    "by_ref",
    "for_areas",
    "get",
    "message",
    "record_message",
    "remove",
    "remove_message",
    "save",
    "set_areas",
    "set_reach",
    "staff",
]

Reach = Literal["relay", "username"]
ContactKind = Literal["region", "county", "municipality"]


@dataclass(frozen=True, slots=True, order=True)
class ContactArea:
    kind: ContactKind
    code: str


@dataclass(frozen=True, slots=True)
class ContactPerson:
    user_id: int
    ref: str  # opaque: what buttons and links name instead of the Telegram id
    title: str
    reach: Reach
    # The username to show: the one Telegram last told us (users.username), else the stored one;
    # None when they have none any more (then they are reached through the bot).
    username: str | None
    first_name: str
    covers_all: bool
    areas: tuple[ContactArea, ...]

    @property
    def shows_username(self) -> bool:
        return self.reach == "username" and self.username is not None


@dataclass(frozen=True, slots=True)
class ContactMessage:
    id: int
    from_user_id: int
    to_user_id: int
    reply_to: int | None
    sent_at: int


_SELECT = """
    SELECT p.user_id, p.ref, p.title, p.reach, coalesce(u.username, p.username) AS username,
           coalesce(u.first_name, '') AS first_name, p.covers_all
    FROM contact_people p LEFT JOIN users u ON u.id = p.user_id
"""


async def _people(db: Database, where: str, params: Sequence[object]) -> list[ContactPerson]:
    rows = await db.fetchall(f"{_SELECT} WHERE {where} ORDER BY p.title, p.user_id", params)
    if not rows:
        return []
    ids = [row["user_id"] for row in rows]
    marks = ",".join("?" * len(ids))
    areas: dict[int, list[ContactArea]] = {}
    for row in await db.fetchall(
        f"SELECT user_id, area_kind, area_code FROM contact_areas WHERE user_id IN ({marks}) "
        "ORDER BY area_kind, area_code",
        ids,
    ):
        areas.setdefault(row[0], []).append(ContactArea(row[1], row[2]))
    return [
        ContactPerson(
            user_id=row["user_id"],
            ref=row["ref"] or "",
            title=row["title"],
            reach=row["reach"],
            username=row["username"] or None,
            first_name=row["first_name"],
            covers_all=bool(row["covers_all"]),
            areas=tuple(areas.get(row["user_id"], ())),
        )
        for row in rows
    ]


async def get(db: Database, user_id: int) -> ContactPerson | None:
    found = await _people(db, "p.user_id = ?", (user_id,))
    return found[0] if found else None


async def by_ref(db: Database, ref: str) -> ContactPerson | None:
    found = await _people(db, "p.ref = ?", (ref,))
    return found[0] if found else None


async def staff(db: Database) -> list[ContactPerson]:
    """The network's staff: contact people who cover everywhere."""
    return await _people(db, "p.covers_all = 1", ())


async def for_areas(
    db: Database,
    municipalities: Sequence[str],
    regions: Sequence[str],
    counties: Sequence[str],
) -> list[ContactPerson]:
    """Contact people listed for any of these areas (staff not included)."""
    pairs = [
        *(("municipality", c) for c in municipalities),
        *(("region", c) for c in regions),
        *(("county", c) for c in counties),
    ]
    if not pairs:
        return []
    test = " OR ".join("(a.area_kind = ? AND a.area_code = ?)" for _ in pairs)
    where = (
        f"p.covers_all = 0 AND p.user_id IN (SELECT a.user_id FROM contact_areas a WHERE {test})"
    )
    return await _people(db, where, [value for pair in pairs for value in pair])


async def save(
    db: Database,
    user_id: int,
    title: str,
    areas: Sequence[ContactArea],
    *,
    covers_all: bool,
    username: str | None,
) -> tuple[ContactPerson, bool]:
    """List the person, or change their title (their areas and reach stay as they chose, but
    their username is refreshed); (the listing, True when it is new)."""
    now = db.now()
    async with db.transaction() as tx:
        existed = await tx.fetchval("SELECT 1 FROM contact_people WHERE user_id = ?", (user_id,))
        if existed:
            await tx.execute(
                "UPDATE contact_people SET title = ?, username = ?, covers_all = ?, "
                "updated_at = ? WHERE user_id = ?",
                (title, username, int(covers_all), now, user_id),
            )
        else:
            await tx.execute(
                "INSERT INTO contact_people (user_id, ref, title, reach, username, covers_all, "
                "created_at, updated_at) VALUES (?, ?, ?, 'relay', ?, ?, ?, ?)",
                (user_id, secrets.token_urlsafe(9), title, username, int(covers_all), now, now),
            )
            await _write_areas(tx, user_id, areas)
    person = await get(db, user_id)
    assert person is not None
    return person, not existed


async def _write_areas(tx: Writer, user_id: int, areas: Sequence[ContactArea]) -> None:
    await tx.execute("DELETE FROM contact_areas WHERE user_id = ?", (user_id,))
    await tx.executemany(
        "INSERT INTO contact_areas (user_id, area_kind, area_code) VALUES (?, ?, ?)",
        [(user_id, area.kind, area.code) for area in dict.fromkeys(areas)],
    )


async def set_areas(db: Database, user_id: int, areas: Sequence[ContactArea]) -> bool:
    """Replace the listed areas (part of the person's scope); False when not listed."""
    async with db.transaction() as tx:
        changed = await tx.execute(
            "UPDATE contact_people SET updated_at = ? WHERE user_id = ?", (db.now(), user_id)
        )
        if changed:
            await _write_areas(tx, user_id, areas)
    return changed > 0


async def set_reach(db: Database, user_id: int, reach: Reach, username: str | None) -> bool:
    changed = await db.execute(
        "UPDATE contact_people SET reach = ?, username = ?, updated_at = ? WHERE user_id = ?",
        (reach, username, db.now(), user_id),
    )
    return changed > 0


async def remove(db: Database, user_id: int) -> bool:
    """/contactme off: the listing and its areas go (messages stay for their replies)."""
    changed = await db.execute("DELETE FROM contact_people WHERE user_id = ?", (user_id,))
    return changed > 0


async def record_message(
    db: Database, from_user_id: int, to_user_id: int, reply_to: int | None
) -> int:
    async with db.transaction() as tx:
        return await tx.insert(
            "INSERT INTO contact_messages (from_user_id, to_user_id, reply_to, sent_at) "
            "VALUES (?, ?, ?, ?)",
            (from_user_id, to_user_id, reply_to, db.now()),
        )


async def remove_message(db: Database, message_id: int) -> None:
    """A relay Telegram refused: no record claims it was sent."""
    await db.execute("DELETE FROM contact_messages WHERE id = ?", (message_id,))


async def message(db: Database, message_id: int) -> ContactMessage | None:
    row = await db.fetchone(
        "SELECT id, from_user_id, to_user_id, reply_to, sent_at FROM contact_messages WHERE id = ?",
        (message_id,),
    )
    return None if row is None else ContactMessage(*row)


# --- personal data --------------------------------------------------------------------------


async def _export(db: Database, user_id: int) -> object:
    listing = await privacy.rows(
        db,
        "SELECT title, reach, username, covers_all, created_at, updated_at FROM contact_people "
        "WHERE user_id = ?",
        (user_id,),
    )
    areas = await privacy.rows(
        db,
        "SELECT area_kind, area_code FROM contact_areas WHERE user_id = ? "
        "ORDER BY area_kind, area_code",
        (user_id,),
    )
    # Messages: only that they were sent and when, never the other side's id.
    sent = await privacy.rows(
        db,
        "SELECT sent_at FROM contact_messages WHERE from_user_id = ? ORDER BY sent_at",
        (user_id,),
    )
    received = await privacy.rows(
        db,
        "SELECT sent_at FROM contact_messages WHERE to_user_id = ? ORDER BY sent_at",
        (user_id,),
    )
    return {
        "contact_person": listing[0] if listing else None,
        "areas": areas,
        "messages_sent": sent,
        "messages_received": received,
    }


async def _retain(tx: Writer, retention: privacy.Retention) -> privacy.RetainResult:
    """Relayed messages older than the cutoff: their reply buttons stop working, and who wrote
    to whom is gone."""
    changed = await tx.execute(
        "DELETE FROM contact_messages WHERE sent_at < ?", (retention.cutoff,)
    )
    return privacy.RetainResult(changed)


async def _forget(tx: Writer, person: privacy.Person) -> None:
    await tx.execute("DELETE FROM contact_people WHERE user_id = ?", (person.user_id,))
    await tx.execute(
        "DELETE FROM contact_messages WHERE from_user_id = ? OR to_user_id = ?",
        (person.user_id, person.user_id),
    )


privacy.register(
    privacy.Section(
        "contacts",
        ("contact_people", "contact_areas", "contact_messages"),
        export=_export,
        forget=_forget,
        retain=_retain,
    )
)
