"""Chats the bot talks in: private chats and association groups."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from storage.db import Database, Writer

__all__ = [
    "Chat",
    "ChatType",
    "Recipient",
    "chat_type",
    "deactivate",
    "get",
    "language_hints",
    "migrate_id",
    "recipients",
    "recipients_sync",
    "set_language",
    "upsert",
    "upsert_sync",
]

ChatType = Literal["private", "group", "supergroup", "channel"]
_CHAT_TYPES: tuple[ChatType, ...] = ("private", "group", "supergroup", "channel")


def chat_type(value: str) -> ChatType:
    """Narrow Telegram's chat type string; unknown future types are treated as groups."""
    for known in _CHAT_TYPES:
        if value == known:
            return known
    return "group"


@dataclass(frozen=True, slots=True)
class Chat:
    id: int
    type: ChatType
    title: str | None
    language: str | None
    active: bool
    inactive_reason: str | None
    created_at: int
    updated_at: int

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")


def _chat(row: sqlite3.Row) -> Chat:
    return Chat(
        id=row["id"],
        type=row["type"],
        title=row["title"],
        language=row["language"],
        active=bool(row["active"]),
        inactive_reason=row["inactive_reason"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def get(db: Database | Writer, chat_id: int) -> Chat | None:
    row = await db.fetchone("SELECT * FROM chats WHERE id = ?", (chat_id,))
    return None if row is None else _chat(row)


def get_sync(raw: sqlite3.Connection, chat_id: int) -> Chat | None:
    """`get` as a block on the raw connection."""
    row = raw.execute("SELECT * FROM chats WHERE id = ?", (chat_id,)).fetchone()
    return None if row is None else _chat(row)


# ?5: whether hearing from the chat reactivates it.
_UPSERT = """
    INSERT INTO chats (id, type, title, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
    ON CONFLICT (id) DO UPDATE SET
        type = excluded.type,
        title = excluded.title,
        active = CASE WHEN ?5 = 1 THEN 1 ELSE chats.active END,
        inactive_reason = CASE WHEN ?5 = 1 THEN NULL ELSE chats.inactive_reason END,
        updated_at = excluded.updated_at
    WHERE chats.type IS NOT excluded.type OR chats.title IS NOT excluded.title
       OR (?5 = 1 AND chats.active = 0)
"""


async def upsert(
    db: Database, chat_id: int, chat_type: ChatType, title: str | None, *, reactivate: bool = True
) -> Chat:
    """Record a chat we heard from; hearing from it again means the bot is usable there again."""
    now = db.now()
    return await db.write(
        lambda raw: upsert_sync(raw, chat_id, chat_type, title, now, reactivate=reactivate)
    )


def upsert_sync(
    raw: sqlite3.Connection,
    chat_id: int,
    chat_type: ChatType,
    title: str | None,
    now: int,
    *,
    reactivate: bool = True,
) -> Chat:
    """`upsert` as a block on the raw connection, inside the caller's transaction; returns the
    chat's row as it now stands (a skipped write returns nothing to RETURNING, hence the read)."""
    raw.execute(_UPSERT, (chat_id, chat_type, title, now, int(reactivate))).close()
    row = raw.execute("SELECT * FROM chats WHERE id = ?", (chat_id,)).fetchone()
    assert row is not None  # just inserted or already there, in this transaction
    return _chat(row)


async def language_hints(db: Database, chat_id: int) -> tuple[str | None, str | None]:
    """(chosen language, Telegram client language) for a chat the bot writes to unprompted;
    the client language is known for private chats only."""
    row = await db.fetchone(
        "SELECT c.language, u.language_code FROM chats c LEFT JOIN users u ON u.id = c.id "
        "WHERE c.id = ?",
        (chat_id,),
    )
    return (None, None) if row is None else (row[0], row[1])


async def set_language(db: Database, chat_id: int, language: str) -> None:
    await db.execute(
        "UPDATE chats SET language = ?, updated_at = ? WHERE id = ?",
        (language, db.now(), chat_id),
    )


async def deactivate(db: Database | Writer, chat_id: int, reason: str, now: int) -> bool:
    """Stop delivering to a chat (blocked, kicked, left, not found); returns whether it changed."""
    changed = await db.execute(
        "UPDATE chats SET active = 0, inactive_reason = ?, updated_at = ? "
        "WHERE id = ? AND active = 1",
        (reason, now, chat_id),
    )
    return changed > 0


async def migrate_id(tx: Writer, old_id: int, new_id: int, now: int) -> None:
    """Follow a group's upgrade to a supergroup: the new id takes over the old chat's row.

    Tables that reference chats use ON UPDATE CASCADE, so subscriptions and history follow;
    drafts are moved here.
    """
    exists = await tx.fetchval("SELECT 1 FROM chats WHERE id = ?", (new_id,))
    if exists:
        await tx.execute("DELETE FROM chats WHERE id = ?", (new_id,))
    await tx.execute(
        "UPDATE chats SET id = ?, type = 'supergroup', updated_at = ? WHERE id = ?",
        (new_id, now, old_id),
    )
    # A job keyed by the chat id (the weekly digest) takes the new id into its key too, or the
    # supergroup's own /settings would plan a second one beside it.
    await tx.execute(
        "UPDATE schedule SET key = 'digest:' || ?1, changed_at = ?2 "
        "WHERE kind = 'digest' AND chat_id = ?1 AND key != 'digest:' || ?1",
        (new_id, now),
    )
    # Drafts (storage/drafts.py) have no foreign key (a private chat's draft outlives nothing it
    # names): an open /subscribe menu or wizard in the group continues in the supergroup.
    await tx.execute("UPDATE drafts SET chat_id = ? WHERE chat_id = ?", (new_id, old_id))


@dataclass(frozen=True, slots=True)
class Recipient:
    """What a bulk message to a chat needs to know: its language hints and whether it is an
    association's group (its cards get the "for our association" button)."""

    chat_id: int
    language: str | None
    client_language: str | None
    association: bool


async def recipients(db: Database | Writer, chat_ids: Sequence[int]) -> dict[int, Recipient]:
    return await db.run(lambda raw: recipients_sync(raw, chat_ids))


def recipients_sync(raw: sqlite3.Connection, chat_ids: Sequence[int]) -> dict[int, Recipient]:
    """`recipients` as a block on the raw connection."""
    found: dict[int, Recipient] = {}
    for start in range(0, len(chat_ids), 500):
        chunk = list(chat_ids[start : start + 500])
        rows = raw.execute(
            f"""
            SELECT c.id, c.language, u.language_code, p.chat_id IS NOT NULL AS association
            FROM chats c LEFT JOIN users u ON u.id = c.id
                 LEFT JOIN listings p ON p.chat_id = c.id
            WHERE c.id IN ({",".join("?" * len(chunk))})
            """,
            chunk,
        ).fetchall()
        for row in rows:
            found[row[0]] = Recipient(row[0], row[1], row[2], bool(row[3]))
    return found
