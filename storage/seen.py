"""Who wrote to the bot and in which chat: the user and chat rows every update refreshes.

Every update pays for this before any feature handler runs, so both upserts go in one
transaction and one block (`Database.write`, inline: a trip to the database thread would cost the
event loop more than the statements cost SQLite, and it waits for no other transaction's trips),
and the block brings back the chat's row for the handlers that follow.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage import chats, users
from storage.chats import Chat, ChatType
from storage.db import Database

__all__ = ["SeenChat", "SeenUser", "record"]


@dataclass(frozen=True, slots=True)
class SeenUser:
    """A person as Telegram describes them in an update."""

    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None


@dataclass(frozen=True, slots=True)
class SeenChat:
    """A chat as Telegram describes it in an update."""

    id: int
    type: ChatType
    title: str | None


async def record(db: Database, user: SeenUser | None, chat: SeenChat | None) -> Chat | None:
    """Upsert the user and the chat as `users.upsert` and `chats.upsert` do (a row whose values
    are unchanged is not written, a chat heard from is active again); returns the chat's row as
    it now stands, None when no chat was given."""
    if user is None and chat is None:
        return None
    if db.engine == "postgresql":
        # There every write transaction takes the write lock all processes share, and each
        # statement is a round trip to the server. Nearly every update comes from someone
        # already recorded with the same names: a lock-free read then saves a locked write per
        # update (bench/scale.py). On SQLite the inline write costs less than a read's trip.
        unchanged, stored = await db.run(lambda raw: _unchanged_sync(raw, user, chat))
        if unchanged:
            return stored
    now = db.now()

    def block(raw: sqlite3.Connection) -> Chat | None:
        if user is not None:
            users.upsert_sync(
                raw,
                user.id,
                user.first_name,
                user.last_name,
                user.username,
                user.language_code,
                now,
            )
        if chat is None:
            return None
        return chats.upsert_sync(raw, chat.id, chat.type, chat.title, now)

    # Two upserts by primary key on every update: short enough to run inline (Database.write).
    return await db.write(block, inline=True)


def _unchanged_sync(
    raw: sqlite3.Connection, user: SeenUser | None, chat: SeenChat | None
) -> tuple[bool, Chat | None]:
    """Whether recording would write nothing (both rows there with these values, the chat
    active), and then the chat's row as it stands."""
    if user is not None:
        row = raw.execute(
            "SELECT first_name, last_name, username, language_code FROM users WHERE id = ?",
            (user.id,),
        ).fetchone()
        wanted = (user.first_name, user.last_name, user.username, user.language_code)
        if row is None or (row[0], row[1], row[2], row[3]) != wanted:
            return False, None
    if chat is None:
        return True, None
    stored = chats.get_sync(raw, chat.id)
    if stored is None or (stored.type, stored.title, stored.active) != (
        chat.type,
        chat.title,
        True,
    ):
        return False, None
    return True, stored
