"""The updates some process has begun to handle, by Telegram's update id (migration 0024).

Telegram sends a webhook update again when its 200 came late (a process starting, or starved
of CPU), and the reverse proxy may give it to another process; after a crash, long polling
gets again the updates it had not confirmed. Handled twice, a tap would undo itself (a shift's
or an event's button toggles) and a wizard step would run twice. handlers/tracking.py claims
each update's id in the same trip as recording its sender (storage/seen.py), before any feature
runs, and ends a second sighting there. The daily job forgets the ids after two days.
"""

from __future__ import annotations

import sqlite3

from storage import privacy
from storage.db import Writer

__all__ = ["KEEP_SECONDS", "claim_sync", "forget_old"]

# Telegram keeps an undelivered update for 24 hours; two days leaves room for clock skew.
KEEP_SECONDS = 2 * 86400


def claim_sync(raw: sqlite3.Connection, update_id: int, now: int) -> bool:
    """Claim the update for this process; False when some process (this one or another) has
    claimed it before. The primary key decides between processes."""
    claimed = raw.execute(
        "INSERT INTO seen_updates (update_id, seen_at) VALUES (?, ?) "
        "ON CONFLICT (update_id) DO NOTHING",
        (update_id, now),
    ).rowcount
    return claimed > 0


async def forget_old(tx: Writer, now: int) -> int:
    """Drop the ids older than KEEP_SECONDS; how many went."""
    return await tx.execute("DELETE FROM seen_updates WHERE seen_at < ?", (now - KEEP_SECONDS,))


# Update ids only: nobody's personal data.
privacy.register(privacy.Section("seen_updates", ("seen_updates",)))
