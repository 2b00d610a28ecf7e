"""The /subscribe menu's working copy, one per chat, saved for real only on confirm."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.db import Database
from storage.subscriptions import Area

__all__ = ["Draft", "delete", "get", "save"]


@dataclass(frozen=True, slots=True)
class Draft:
    chat_id: int
    message_id: int
    user_id: int
    areas: frozenset[Area]
    themes: frozenset[str]
    view: str
    updated_at: int


def _areas(text: str) -> frozenset[Area]:
    found: set[Area] = set()
    for token in text.split():
        kind, _, code = token.partition(":")
        if kind in ("all", "region", "county", "municipality"):
            found.add(Area(kind, code))  # type: ignore[arg-type]
    return frozenset(found)


def _draft(row: sqlite3.Row) -> Draft:
    return Draft(
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        user_id=row["user_id"],
        areas=_areas(row["areas"]),
        themes=frozenset(row["themes"].split()),
        view=row["view"],
        updated_at=row["updated_at"],
    )


async def get(db: Database, chat_id: int) -> Draft | None:
    row = await db.fetchone("SELECT * FROM subscription_drafts WHERE chat_id = ?", (chat_id,))
    return None if row is None else _draft(row)


async def save(db: Database, draft: Draft) -> Draft:
    areas = " ".join(sorted(f"{a.kind}:{a.code}" for a in draft.areas))
    themes = " ".join(sorted(draft.themes))
    now = db.now()
    await db.execute(
        """
        INSERT INTO subscription_drafts (chat_id, message_id, user_id, areas, themes, view,
                                         updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (chat_id) DO UPDATE SET
            message_id = excluded.message_id, user_id = excluded.user_id,
            areas = excluded.areas, themes = excluded.themes, view = excluded.view,
            updated_at = excluded.updated_at
        """,
        (draft.chat_id, draft.message_id, draft.user_id, areas, themes, draft.view, now),
    )
    return Draft(
        draft.chat_id, draft.message_id, draft.user_id, draft.areas, draft.themes, draft.view, now
    )


async def delete(db: Database, chat_id: int) -> None:
    await db.execute("DELETE FROM subscription_drafts WHERE chat_id = ?", (chat_id,))
