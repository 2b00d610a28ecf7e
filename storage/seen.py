"""Who wrote to the bot and in which chat: the user and chat rows every update refreshes.

Every update pays for this before any feature handler runs, so the update's claim
(storage/seen_updates.py) and both upserts go in one transaction and one block
(`Database.write`, inline: a trip to the database thread would cost the event loop more than
the statements cost SQLite, and it waits for no other transaction's trips),
and the block brings back the chat's row for the handlers that follow.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage import chats, seen_updates, users
from storage.chats import Chat, ChatType
from storage.db import Database

__all__ = ["Seen", "SeenChat", "SeenUser", "record", "record_update"]


@dataclass(frozen=True, slots=True)
class Seen:
    first: bool  # False: some process had this update already (sent again)
    chat: Chat | None


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
    """`record_update` without an update to claim: the chat's row, None when no chat was given."""
    return (await record_update(db, user, chat, None)).chat


async def record_update(
    db: Database, user: SeenUser | None, chat: SeenChat | None, update_id: int | None
) -> Seen:
    """Claim the update (storage/seen_updates.py; `first` is False for an update some process
    already had) and upsert the user and the chat as `users.upsert` and `chats.upsert` do (a
    row whose values are unchanged is not written, a chat heard from is active again); `chat`
    is the chat's row as it now stands, None when no chat was given."""
    now = db.now()
    claim = update_id
    if db.engine == "postgresql" and (user is not None or chat is not None):
        # There every write transaction takes the write lock all processes share, and each
        # statement is a round trip to the server. Nearly every update comes from someone
        # already recorded with the same names: one trip that claims the update (an insert by
        # key, which needs no shared lock) and reads the rows saves a locked write per update
        # (bench/scale.py); only a change then writes, in a second trip.
        def claim_and_read(raw: sqlite3.Connection) -> tuple[bool, bool, Chat | None]:
            if update_id is not None and not seen_updates.claim_sync(raw, update_id, now):
                return False, True, None
            return (True, *_unchanged_sync(raw, user, chat))

        if update_id is None:  # nothing to claim: a read
            first, unchanged, stored = await db.run(claim_and_read)
        else:
            # Not `inline`: there that shares the few hot-path slots with RSVP taps that wait
            # on an event's row lock, and every update would queue behind them.
            first, unchanged, stored = await db.write(claim_and_read, serialised=False)
        if not first:
            return Seen(False, None)
        if unchanged:
            return Seen(True, stored)
        claim = None  # claimed already

    def block(raw: sqlite3.Connection) -> Seen:
        if claim is not None and not seen_updates.claim_sync(raw, claim, now):
            return Seen(False, None)
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
            return Seen(True, None)
        return Seen(True, chats.upsert_sync(raw, chat.id, chat.type, chat.title, now))

    if user is None and chat is None and claim is None:
        return Seen(True, None)
    # A claim and two upserts by primary key on every update: short enough to run inline.
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
