"""The updates some process has begun to handle, by Telegram's update id
(migration 0024; handlers/once.py)."""

from __future__ import annotations

import sqlite3

from storage.db import Database, Writer

__all__ = ["KEEP_SECONDS", "first_sighting", "forget_old"]

# Telegram keeps an undelivered update for 24 hours; two days leaves room for clock skew.
KEEP_SECONDS = 2 * 86400


async def first_sighting(db: Database, update_id: int, now: int) -> bool:
    """Claim the update for this process; False when some process (this one or another) has
    claimed it before."""

    def claim(raw: sqlite3.Connection) -> bool:
        return (
            raw.execute(
                "INSERT INTO seen_updates (update_id, seen_at) VALUES (?, ?) "
                "ON CONFLICT (update_id) DO NOTHING",
                (update_id, now),
            ).rowcount
            > 0
        )

    # One insert by primary key on every update: inline, as the sender's tracking is; the
    # key itself decides between processes, without the shared write lock.
    return await db.write(claim, inline=True, serialised=False)


async def forget_old(tx: Writer, now: int) -> int:
    """Drop the ids older than KEEP_SECONDS; how many went."""
    return await tx.execute("DELETE FROM seen_updates WHERE seen_at < ?", (now - KEEP_SECONDS,))
