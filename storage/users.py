"""People the bot knows: their Telegram names and language choice."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.db import Database

__all__ = ["User", "get", "set_language", "upsert", "upsert_sync"]


@dataclass(frozen=True, slots=True)
class User:
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    language: str | None

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or str(self.id)


def _user(row: sqlite3.Row) -> User:
    return User(
        id=row["id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        language_code=row["language_code"],
        language=row["language"],
    )


async def get(db: Database, user_id: int) -> User | None:
    row = await db.fetchone("SELECT * FROM users WHERE id = ?", (user_id,))
    return None if row is None else _user(row)


_UPSERT = """
    INSERT INTO users (id, first_name, last_name, username, language_code, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET
        first_name = excluded.first_name, last_name = excluded.last_name,
        username = excluded.username, language_code = excluded.language_code,
        updated_at = excluded.updated_at
    WHERE users.first_name IS NOT excluded.first_name
       OR users.last_name IS NOT excluded.last_name
       OR users.username IS NOT excluded.username
       OR users.language_code IS NOT excluded.language_code
"""


async def upsert(
    db: Database,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
) -> None:
    """Keep names current; skip the write when nothing changed. (Updates record their sender
    through storage/seen.py, with the chat in the same trip.)"""
    now = db.now()
    await db.write(
        lambda raw: upsert_sync(raw, user_id, first_name, last_name, username, language_code, now)
    )


def upsert_sync(
    raw: sqlite3.Connection,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
    now: int,
) -> None:
    """`upsert` as a block on the raw connection, inside the caller's transaction."""
    raw.execute(
        _UPSERT, (user_id, first_name, last_name, username, language_code, now, now)
    ).close()


async def set_language(db: Database, user_id: int, language: str) -> None:
    await db.execute(
        "UPDATE users SET language = ?, updated_at = ? WHERE id = ?",
        (language, db.now(), user_id),
    )
