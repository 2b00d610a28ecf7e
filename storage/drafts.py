"""Wizard drafts: the named step and the JSON payload of what a person is preparing in a chat.

One row per (user, chat, wizard kind); a draft the whole chat shares (a group's /subscribe menu,
which any of its administrators may continue) is one row per (chat, kind), saved with
`shared=True` and read with `shared`. A draft older than `TTL` is as good as gone: reads ignore
it and `save` clears such rows on the way (a wizard with a shorter timeout applies it on top, in
handlers/wizard.py). `revision` counts the saves: `save(..., expected_revision=n)` is a
compare-and-set, so two updates that read the same draft cannot both write it. The rows'
personal data section is in storage/privacy.py (/mydata exports them, /forget deletes them).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from storage.db import Database

__all__ = [
    "TTL",
    "Draft",
    "DraftConflict",
    "delete",
    "delete_all",
    "get",
    "latest",
    "save",
    "shared",
    "touch",
]

# A day: long enough for a coordinator who comes back after lunch or the next morning, short
# enough that a forgotten half-made poll does not linger.
TTL = 24 * 3600


class DraftConflict(Exception):
    """The draft moved on (another save, or it ended) since it was read at the expected
    revision."""


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


async def shared(db: Database, chat_id: int, kind: str) -> Draft | None:
    """The chat's live `kind` draft, whoever saved it last."""
    row = await db.fetchone(
        "SELECT * FROM drafts WHERE chat_id = ? AND kind = ? AND updated_at > ? "
        "ORDER BY updated_at DESC LIMIT 1",
        (chat_id, kind, db.now() - TTL),
    )
    return None if row is None else _draft(row)


def _marks(kinds: Collection[str]) -> str:
    return ", ".join("?" * len(kinds))


async def latest(db: Database, user_id: int, chat_id: int, kinds: Collection[str]) -> Draft | None:
    """The person's most recently touched live draft in the chat, of one of `kinds`."""
    row = await db.fetchone(
        f"SELECT * FROM drafts WHERE user_id = ? AND chat_id = ? AND updated_at > ? "
        f"AND kind IN ({_marks(kinds)}) ORDER BY updated_at DESC, revision DESC LIMIT 1",
        (user_id, chat_id, db.now() - TTL, *kinds),
    )
    return None if row is None else _draft(row)


async def save(
    db: Database,
    user_id: int,
    chat_id: int,
    kind: str,
    step: str,
    payload: dict[str, Any],
    *,
    shared: bool = False,
    expected_revision: int | None = None,
) -> Draft:
    """Store the draft (a new one or the next step of one) and return it as stored; `shared`:
    it replaces anybody's `kind` draft in the chat. With `expected_revision`, raise
    DraftConflict unless the live draft (the chat's, when shared) is still at that revision."""
    now = db.now()
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    mine = "user_id = ? AND " if not shared else ""
    owner: tuple[int, ...] = (user_id,) if not shared else ()
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM drafts WHERE updated_at <= ?", (now - TTL,))
        current = await tx.fetchval(
            f"SELECT revision FROM drafts WHERE {mine}chat_id = ? AND kind = ? "
            "ORDER BY updated_at DESC, revision DESC LIMIT 1",
            (*owner, chat_id, kind),
        )
        if expected_revision is not None and current != expected_revision:
            raise DraftConflict(f"{kind} draft of {user_id} in {chat_id} moved on")
        revision = (current or 0) + 1
        if shared:
            await tx.execute(
                "DELETE FROM drafts WHERE chat_id = ? AND kind = ? AND user_id != ?",
                (chat_id, kind, user_id),
            )
        await tx.execute(
            """
            INSERT INTO drafts (user_id, chat_id, kind, step, payload, revision, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id, chat_id, kind) DO UPDATE SET
                step = excluded.step, payload = excluded.payload,
                revision = excluded.revision, updated_at = excluded.updated_at
            """,
            (user_id, chat_id, kind, step, text, revision, now),
        )
    return Draft(user_id, chat_id, kind, step, payload, revision, now)


async def touch(db: Database, draft: Draft) -> Draft:
    """Mark the draft as just used (an update reached it) without a new revision."""
    now = db.now()
    await db.execute(
        "UPDATE drafts SET updated_at = ? WHERE user_id = ? AND chat_id = ? AND kind = ? "
        "AND revision = ?",
        (now, draft.user_id, draft.chat_id, draft.kind, draft.revision),
    )
    return replace(draft, updated_at=now)


async def delete(
    db: Database,
    user_id: int | None,
    chat_id: int,
    kind: str,
    *,
    revision: int | None = None,
    untouched_since: int | None = None,
) -> bool:
    """Drop the draft (only if it is still at `revision`, and not used after `untouched_since`,
    when given; anybody's with user_id None); True if one was live."""
    sql = "DELETE FROM drafts WHERE chat_id = ? AND kind = ? AND updated_at > ?"
    params: tuple[int | str, ...] = (chat_id, kind, db.now() - TTL)
    if user_id is not None:
        sql += " AND user_id = ?"
        params = (*params, user_id)
    if revision is not None:
        sql += " AND revision = ?"
        params = (*params, revision)
    if untouched_since is not None:
        sql += " AND updated_at <= ?"
        params = (*params, untouched_since)
    return await db.execute(sql, params) > 0


async def delete_all(
    db: Database, user_id: int, chat_id: int, kinds: Collection[str]
) -> list[Draft]:
    """Drop the person's drafts of `kinds` in the chat (a new wizard replaces an old one);
    returns the live ones dropped, so that the person can be told."""
    marks = _marks(kinds)
    async with db.transaction() as tx:
        rows = await tx.fetchall(
            f"SELECT * FROM drafts WHERE user_id = ? AND chat_id = ? AND updated_at > ? "
            f"AND kind IN ({marks}) ORDER BY updated_at",
            (user_id, chat_id, tx.now() - TTL, *kinds),
        )
        await tx.execute(
            f"DELETE FROM drafts WHERE user_id = ? AND chat_id = ? AND kind IN ({marks})",
            (user_id, chat_id, *kinds),
        )
    return [_draft(row) for row in rows]
