"""Wizard drafts: the named step and the JSON payload of what a person is preparing in a chat.

One row per (user, chat, wizard kind). A draft older than `TTL` is as good as gone: reads ignore
it and `save` clears such rows on the way. The rows' personal data section is in
storage/privacy.py (/mydata exports them, /forget deletes them).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from storage.db import Database

__all__ = ["TTL", "Draft", "delete", "delete_all", "get", "latest", "save"]

# A day: long enough for a coordinator who comes back after lunch or the next morning, short
# enough that a forgotten half-made poll does not linger.
TTL = 24 * 3600


@dataclass(frozen=True, slots=True)
class Draft:
    user_id: int
    chat_id: int
    kind: str
    step: str
    payload: dict[str, Any]
    revision: int
    updated_at: int


def _draft(row: sqlite3.Row) -> Draft:
    return Draft(
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        kind=row["kind"],
        step=row["step"],
        payload=json.loads(row["payload"]),
        revision=row["revision"],
        updated_at=row["updated_at"],
    )


async def get(db: Database, user_id: int, chat_id: int, kind: str) -> Draft | None:
    """The person's live `kind` draft in the chat."""
    row = await db.fetchone(
        "SELECT * FROM drafts WHERE user_id = ? AND chat_id = ? AND kind = ? AND updated_at > ?",
        (user_id, chat_id, kind, db.now() - TTL),
    )
    return None if row is None else _draft(row)


async def latest(db: Database, user_id: int, chat_id: int) -> Draft | None:
    """The person's most recently touched live draft in the chat, of any kind."""
    row = await db.fetchone(
        "SELECT * FROM drafts WHERE user_id = ? AND chat_id = ? AND updated_at > ? "
        "ORDER BY updated_at DESC, revision DESC LIMIT 1",
        (user_id, chat_id, db.now() - TTL),
    )
    return None if row is None else _draft(row)


async def save(
    db: Database, user_id: int, chat_id: int, kind: str, step: str, payload: dict[str, Any]
) -> Draft:
    """Store the draft (a new one or the next step of one) and return it as stored."""
    now = db.now()
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM drafts WHERE updated_at <= ?", (now - TTL,))
        await tx.execute(
            """
            INSERT INTO drafts (user_id, chat_id, kind, step, payload, revision, updated_at)
            VALUES (?, ?, ?, ?, ?, 1, ?)
            ON CONFLICT (user_id, chat_id, kind) DO UPDATE SET
                step = excluded.step, payload = excluded.payload,
                revision = drafts.revision + 1, updated_at = excluded.updated_at
            """,
            (user_id, chat_id, kind, step, text, now),
        )
        revision = await tx.fetchval(
            "SELECT revision FROM drafts WHERE user_id = ? AND chat_id = ? AND kind = ?",
            (user_id, chat_id, kind),
        )
    return Draft(user_id, chat_id, kind, step, payload, int(revision), now)


async def delete(
    db: Database, user_id: int, chat_id: int, kind: str, *, revision: int | None = None
) -> bool:
    """Drop the draft (only if it is still at `revision`, when given); True if one was live."""
    sql = "DELETE FROM drafts WHERE user_id = ? AND chat_id = ? AND kind = ? AND updated_at > ?"
    params: tuple[int | str, ...] = (user_id, chat_id, kind, db.now() - TTL)
    if revision is not None:
        sql += " AND revision = ?"
        params = (*params, revision)
    return await db.execute(sql, params) > 0


async def delete_all(db: Database, user_id: int, chat_id: int) -> None:
    """Drop every draft the person has in the chat (a new wizard replaces an old one)."""
    await db.execute("DELETE FROM drafts WHERE user_id = ? AND chat_id = ?", (user_id, chat_id))
