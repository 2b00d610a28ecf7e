"""Association listings: a group chat's profile (private, or published in the directory) and the
listings of associations without a group, entered by a person who represents them."""

from __future__ import annotations

import sqlite3
import unicodedata
from dataclasses import dataclass, replace
from typing import Literal

from storage import privacy
from storage.db import Database, Writer

__all__ = [
    "COLUMNS",
    "Listing",
    "Status",
    "delete",
    "due_for_review",
    "fold",
    "for_chat",
    "for_user",
    "from_row",
    "get",
    "lapse_unanswered",
    "save",
    "save_in",
    "set_status",
    "set_status_in",
]

Status = Literal["private", "pending", "public", "hidden", "lapsed"]
COLUMNS = (
    "id, chat_id, user_id, name, themes, contact, about, languages, welcomes_volunteers, "
    "join_link, status, status_reason, status_by, confirmed_at, review_asked_at"
)


@dataclass(frozen=True, slots=True)
class Listing:
    """`id` 0: not stored yet. A group's profile has `chat_id`; a person's listing `user_id`."""

    id: int
    chat_id: int | None
    user_id: int | None
    name: str
    municipalities: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    contact: str | None = None
    about: str = ""
    languages: tuple[str, ...] = ()
    welcomes_volunteers: bool = False
    join_link: str | None = None
    status: Status = "private"
    status_reason: str | None = None
    status_by: int | None = None
    confirmed_at: int | None = None
    review_asked_at: int | None = None

    @property
    def municipality_code(self) -> str | None:
        """The first municipality: the one an RSVP or a poll answer names for the group."""
        return self.municipalities[0] if self.municipalities else None

    @property
    def is_public(self) -> bool:
        return self.status == "public"


def fold(text: str) -> str:
    """Lower case without accents (ä → a, å → a, é → e): what searches compare, so that a
    query typed without Finnish letters still finds "Kyläyhdistys"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _search_text(listing: Listing) -> str:
    return fold(" ".join([listing.name, listing.about, listing.contact or ""]))


def from_row(row: sqlite3.Row, municipalities: tuple[str, ...]) -> Listing:
    """A row of `COLUMNS` (any table alias) with its municipalities."""
    return Listing(
        id=row["id"],
        chat_id=row["chat_id"],
        user_id=row["user_id"],
        name=row["name"],
        municipalities=municipalities,
        themes=tuple(row["themes"].split()),
        contact=row["contact"],
        about=row["about"],
        languages=tuple(row["languages"].split()),
        welcomes_volunteers=bool(row["welcomes_volunteers"]),
        join_link=row["join_link"],
        status=row["status"],
        status_reason=row["status_reason"],
        status_by=row["status_by"],
        confirmed_at=row["confirmed_at"],
        review_asked_at=row["review_asked_at"],
    )


async def _load(db: Database | Writer, where: str, params: tuple[object, ...]) -> list[Listing]:
    rows = await db.fetchall(f"SELECT {COLUMNS} FROM listings WHERE {where} ORDER BY id", params)
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    places: dict[int, list[str]] = {listing_id: [] for listing_id in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in await db.fetchall(
            "SELECT listing_id, code FROM listing_municipalities "
            f"WHERE listing_id IN ({','.join('?' * len(chunk))}) ORDER BY listing_id, position",
            tuple(chunk),
        ):
            places[row["listing_id"]].append(row["code"])
    return [from_row(row, tuple(places[row["id"]])) for row in rows]


async def get(db: Database | Writer, listing_id: int) -> Listing | None:
    found = await _load(db, "id = ?", (listing_id,))
    return found[0] if found else None


async def for_chat(db: Database | Writer, chat_id: int) -> Listing | None:
    """A group chat's profile, published or not."""
    found = await _load(db, "chat_id = ?", (chat_id,))
    return found[0] if found else None


async def for_user(db: Database | Writer, user_id: int) -> list[Listing]:
    """The listings a person entered for associations without a group."""
    return await _load(db, "chat_id IS NULL AND user_id = ?", (user_id,))


async def save(db: Database, listing: Listing) -> Listing:
    async with db.transaction() as tx:
        return await save_in(tx, listing, db.now())


async def save_in(tx: Writer, listing: Listing, now: int) -> Listing:
    """Insert (id 0; a group's profile by its chat) or update every field, in the caller's
    transaction. Returns the listing with its id."""
    values = (
        listing.user_id,
        listing.name,
        " ".join(listing.themes),
        listing.contact,
        listing.about,
        " ".join(listing.languages),
        int(listing.welcomes_volunteers),
        listing.join_link,
        listing.status,
        listing.status_reason,
        listing.status_by,
        listing.confirmed_at,
        listing.review_asked_at,
        _search_text(listing),
        now,
    )
    listing_id = listing.id
    if not listing_id and listing.chat_id is not None:
        row = await tx.fetchone("SELECT id FROM listings WHERE chat_id = ?", (listing.chat_id,))
        listing_id = row["id"] if row else 0
    if listing_id:
        await tx.execute(
            """
            UPDATE listings SET user_id = ?, name = ?, themes = ?, contact = ?, about = ?,
                languages = ?, welcomes_volunteers = ?, join_link = ?, status = ?,
                status_reason = ?, status_by = ?, confirmed_at = ?, review_asked_at = ?,
                search_text = ?, updated_at = ?
            WHERE id = ?
            """,
            (*values, listing_id),
        )
    else:
        listing_id = await tx.insert(
            """
            INSERT INTO listings (user_id, name, themes, contact, about, languages,
                welcomes_volunteers, join_link, status, status_reason, status_by, confirmed_at,
                review_asked_at, search_text, updated_at, chat_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (*values, listing.chat_id, now),
        )
    await tx.execute("DELETE FROM listing_municipalities WHERE listing_id = ?", (listing_id,))
    await tx.executemany(
        "INSERT INTO listing_municipalities (listing_id, position, code) VALUES (?, ?, ?)",
        [(listing_id, i, code) for i, code in enumerate(dict.fromkeys(listing.municipalities))],
    )
    return replace(listing, id=listing_id)


async def set_status(
    db: Database,
    listing_id: int,
    status: Status,
    *,
    by: int | None = None,
    reason: str | None = None,
    expected: tuple[Status, ...] | None = None,
) -> bool:
    """Change a listing's status (only from one of `expected`, when given): False when it is
    gone or was in another state already (two coordinators tapping at once). Publishing or
    approving counts as a confirmation, so the yearly question starts again from now."""
    async with db.transaction() as tx:
        return await set_status_in(
            tx, listing_id, status, db.now(), by=by, reason=reason, expected=expected
        )


async def set_status_in(
    tx: Writer,
    listing_id: int,
    status: Status,
    now: int,
    *,
    by: int | None = None,
    reason: str | None = None,
    expected: tuple[Status, ...] | None = None,
) -> bool:
    """`set_status` in the caller's transaction (the message that tells the outcome is queued
    in the same one)."""
    confirmed = "confirmed_at = ?, review_asked_at = NULL, " if status == "public" else ""
    params: tuple[object, ...] = (status, reason, by, *((now,) if status == "public" else ()), now)
    where = "id = ?"
    extra: tuple[object, ...] = (listing_id,)
    if expected:
        where += f" AND status IN ({','.join('?' * len(expected))})"
        extra += expected
    changed = await tx.execute(
        f"UPDATE listings SET status = ?, status_reason = ?, status_by = ?, {confirmed}"
        f"updated_at = ? WHERE {where}",
        params + extra,
    )
    return changed > 0


async def due_for_review(tx: Writer, confirmed_before: int, now: int, limit: int) -> list[Listing]:
    """Public listings confirmed before `confirmed_before` and not asked yet: they are marked
    asked (now) in the caller's transaction, which also queues the question."""
    found = await _load(
        tx,
        "id IN (SELECT id FROM listings WHERE status = 'public' AND confirmed_at <= ? "
        f"AND review_asked_at IS NULL ORDER BY confirmed_at LIMIT {int(limit)})",
        (confirmed_before,),
    )
    for listing in found:
        await tx.execute(
            "UPDATE listings SET review_asked_at = ?, updated_at = ? WHERE id = ?",
            (now, now, listing.id),
        )
    return [replace(listing, review_asked_at=now) for listing in found]


async def lapse_unanswered(tx: Writer, asked_before: int, now: int, limit: int) -> list[Listing]:
    """Public listings asked before `asked_before` that nobody confirmed: now 'lapsed'."""
    found = await _load(
        tx,
        "id IN (SELECT id FROM listings WHERE status = 'public' AND review_asked_at <= ? "
        f"ORDER BY review_asked_at LIMIT {int(limit)})",
        (asked_before,),
    )
    for listing in found:
        await set_status_in(tx, listing.id, "lapsed", now, expected=("public",))
    return [replace(listing, status="lapsed") for listing in found]


async def delete(db: Database, listing_id: int) -> bool:
    return await db.execute("DELETE FROM listings WHERE id = ?", (listing_id,)) > 0


async def _export(db: Database, user_id: int) -> object:
    """What a person published or entered: their own listings, and the group profiles they
    published (by choice public; their name on it is the `user_id` column)."""
    return await privacy.rows(
        db,
        "SELECT id, chat_id, name, themes, contact, about, languages, welcomes_volunteers, "
        "join_link, status, confirmed_at, created_at, updated_at FROM listings "
        "WHERE user_id = ? ORDER BY id",
        (user_id,),
    )


async def _forget(tx: Writer, person: privacy.Person) -> None:
    # A listing a person entered for an association without a group is theirs: it goes. A
    # group's profile belongs to the group: only their part (who published it) goes.
    await tx.execute(
        "DELETE FROM listings WHERE chat_id IS NULL AND user_id = ?", (person.user_id,)
    )
    await tx.execute("UPDATE listings SET user_id = NULL WHERE user_id = ?", (person.user_id,))
    await tx.execute("UPDATE listings SET status_by = NULL WHERE status_by = ?", (person.user_id,))


privacy.register(privacy.Section("listings", ("listings",), export=_export, forget=_forget))
privacy.register(privacy.Section("listing_municipalities", ("listing_municipalities",)))
privacy.register(privacy.Section("directory_misses", ("directory_misses",)))
