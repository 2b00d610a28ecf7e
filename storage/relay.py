"""Replies relayed through the outbox: a handler in a process that is not the delivery leader
queues its message here, the leader sends it first of all (priority 'interactive', past quiet
hours) and stores Telegram's answer, and the handler reads that answer back.

A relayed row is an ordinary outbox row with `ref = RELAY_REF`, so it shares the leader's
bot-wide budget, each chat's limits, flood-control pauses and crash recovery with everything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage.db import Database
from storage.outbox import NewMessage, enqueue_known_sync

__all__ = ["RELAY_REF", "RelayedReply", "cancel", "enqueue", "finished"]

RELAY_REF = "relay"


@dataclass(frozen=True, slots=True)
class RelayedReply:
    state: str  # pending, sending, sent, failed, skipped
    result: Any  # Telegram's answer (JSON) once sent
    error: str | None
    error_kind: str | None


async def enqueue(
    db: Database, chat_id: int, method: str, params: dict[str, Any], now: float
) -> int | None:
    """The relayed row's id, or None when the chat is not in the database."""
    row = NewMessage(chat_id, "interactive", method, params, urgent=True, ref=RELAY_REF)
    return await db.write(lambda raw: enqueue_known_sync(raw, row, now=now))


async def finished(db: Database, row_id: int) -> RelayedReply | None:
    """The row's outcome once it is final; None while it waits or is in flight."""
    row = await db.fetchone(
        "SELECT state, result, error, error_kind FROM outbox WHERE id = ? "
        "AND state IN ('sent', 'failed', 'skipped')",
        (row_id,),
    )
    if row is None:
        return None
    result = None if row["result"] is None else json.loads(row["result"])
    return RelayedReply(row["state"], result, row["error"], row["error_kind"])


async def cancel(db: Database, row_id: int) -> bool:
    """The reply is no longer wanted (its handler gave up): True when it had not gone yet."""
    changed = await db.execute(
        "UPDATE outbox SET state = 'skipped', error_kind = 'cancelled', updated_at = ? "
        "WHERE id = ? AND state = 'pending'",
        (db.now(), row_id),
    )
    return changed > 0
