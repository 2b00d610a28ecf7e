"""Broadcasts: a bulk message's rows in the outbox (storage/outbox.py) grouped as one
announcement, invitation round or poll, with their progress, failures and cancelling."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from storage.db import Database, Writer
from storage.outbox import Kind

__all__ = [
    "MAYBE_TWICE",
    "Broadcast",
    "Progress",
    "broadcast",
    "broadcasts_by",
    "cancel_broadcast",
    "cancel_broadcast_in",
    "create_broadcast",
    "failures",
    "finish_broadcasts",
    "mark_reported",
    "progress",
    "reached_chats",
    "set_progress_message",
    "unreported",
]


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    kind: str
    created_by: int | None
    report_chat_id: int | None
    progress_message_id: int | None
    summary: str
    audience: str
    state: str
    scheduled_at: float
    started_at: int | None
    finished_at: int | None
    reported: bool


@dataclass(frozen=True, slots=True)
class Progress:
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    not_found: int = 0
    skipped: int = 0
    pending: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    # Sent after an attempt whose answer never came: the chat may have it twice.
    maybe_twice: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.skipped + self.pending

    @property
    def done(self) -> int:
        return self.total - self.pending


async def create_broadcast(
    tx: Writer,
    *,
    kind: Kind,
    created_by: int | None,
    report_chat_id: int | None,
    summary: str,
    audience: str,
    scheduled_at: float,
    now: int,
) -> int:
    return await tx.insert(
        """
        INSERT INTO broadcasts (kind, created_by, report_chat_id, summary, audience,
                                scheduled_at, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """,
        (kind, created_by, report_chat_id, summary, audience, scheduled_at, now),
    )


def _broadcast(row: sqlite3.Row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        kind=row["kind"],
        created_by=row["created_by"],
        report_chat_id=row["report_chat_id"],
        progress_message_id=row["progress_message_id"],
        summary=row["summary"],
        audience=row["audience"],
        state=row["state"],
        scheduled_at=row["scheduled_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        reported=bool(row["reported"]),
    )


async def broadcast(db: Database, broadcast_id: int) -> Broadcast | None:
    row = await db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
    return None if row is None else _broadcast(row)


async def broadcasts_by(db: Database, user_id: int | None, *, open_only: bool) -> list[Broadcast]:
    where = ["1 = 1"]
    params: list[Any] = []
    if user_id is not None:
        where.append("created_by = ?")
        params.append(user_id)
    if open_only:
        where.append("state IN ('scheduled', 'sending')")
    rows = await db.fetchall(
        f"SELECT * FROM broadcasts WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT 20", params
    )
    return [_broadcast(r) for r in rows]


async def unreported(db: Database) -> list[Broadcast]:
    rows = await db.fetchall(
        "SELECT * FROM broadcasts WHERE reported = 0 AND report_chat_id IS NOT NULL "
        "AND state IN ('sending', 'done', 'cancelled') ORDER BY id"
    )
    return [_broadcast(r) for r in rows]


async def set_progress_message(db: Database, broadcast_id: int, message_id: int) -> None:
    await db.execute(
        "UPDATE broadcasts SET progress_message_id = ? WHERE id = ?", (message_id, broadcast_id)
    )


async def mark_reported(db: Database, broadcast_id: int) -> None:
    await db.execute("UPDATE broadcasts SET reported = 1 WHERE id = ?", (broadcast_id,))


async def progress(db: Database, broadcast_id: int) -> Progress:
    rows = await db.fetchall(
        "SELECT state, coalesce(error_kind, '') AS why, uncertain > 0 AS doubt, count(*) AS n "
        "FROM outbox WHERE broadcast_id = ? GROUP BY state, why, doubt",
        (broadcast_id,),
    )
    counts: dict[str, int] = {}
    sent = failed = blocked = not_found = skipped = pending = maybe_twice = 0
    for row in rows:
        state, kind, n = row["state"], row["why"], row["n"]
        counts[f"{state}:{kind}"] = counts.get(f"{state}:{kind}", 0) + n
        if state == "sent":
            sent += n
            if row["doubt"]:
                maybe_twice += n
        elif state in ("pending", "sending"):
            pending += n
        elif state == "skipped":
            skipped += n
        else:
            failed += n
        if state in ("failed", "skipped") and kind == "blocked":
            blocked += n
        if state in ("failed", "skipped") and kind == "not_found":
            not_found += n
    return Progress(sent, failed, blocked, not_found, skipped, pending, counts, maybe_twice)


MAYBE_TWICE = "may_have_arrived_twice"


async def failures(db: Database, broadcast_id: int) -> list[tuple[int, str, str]]:
    """(chat id, kind, error) of every row that did not reach its chat, and of every row that
    may have reached it twice (kind `may_have_arrived_twice`)."""
    rows = await db.fetchall(
        "SELECT chat_id, CASE WHEN state = 'sent' THEN ? ELSE coalesce(error_kind, 'other') END "
        "AS why, CASE WHEN state = 'sent' THEN '' ELSE coalesce(error, '') END AS error "
        "FROM outbox WHERE broadcast_id = ? "
        "AND (state IN ('failed', 'skipped') OR (state = 'sent' AND uncertain > 0)) "
        "ORDER BY chat_id",
        (MAYBE_TWICE, broadcast_id),
    )
    return [(r["chat_id"], r["why"], r["error"]) for r in rows]


async def cancel_broadcast(db: Database, broadcast_id: int) -> int:
    """Stop a scheduled or running broadcast: what has not been sent yet is skipped."""
    async with db.transaction() as tx:
        return await cancel_broadcast_in(tx, broadcast_id, db.now())


async def cancel_broadcast_in(tx: Writer, broadcast_id: int, now: int) -> int:
    skipped = await tx.execute(
        "UPDATE outbox SET state = 'skipped', error_kind = 'cancelled', updated_at = ? "
        "WHERE broadcast_id = ? AND state = 'pending'",
        (now, broadcast_id),
    )
    await tx.execute(
        "UPDATE broadcasts SET state = 'cancelled', finished_at = ? "
        "WHERE id = ? AND state IN ('scheduled', 'sending')",
        (now, broadcast_id),
    )
    return skipped


async def reached_chats(db: Database | Writer, broadcast_id: int) -> list[int]:
    """Chats a broadcast's message was sent to (or is being sent to right now)."""
    rows = await db.fetchall(
        "SELECT DISTINCT chat_id FROM outbox WHERE broadcast_id = ? "
        "AND state IN ('sent', 'sending') ORDER BY chat_id",
        (broadcast_id,),
    )
    return [r[0] for r in rows]


async def finish_broadcasts(db: Database) -> list[int]:
    """Broadcasts with nothing left to send become done; returns their ids."""
    rows = await db.fetchall(
        """
        SELECT b.id FROM broadcasts b WHERE b.state = 'sending' AND NOT EXISTS (
            SELECT 1 FROM outbox o WHERE o.broadcast_id = b.id
            AND o.state IN ('pending', 'sending'))
        """
    )
    ids = [r["id"] for r in rows]
    if ids:
        await db.execute(
            f"UPDATE broadcasts SET state = 'done', finished_at = ? "
            f"WHERE id IN ({','.join('?' * len(ids))})",
            (db.now(), *ids),
        )
    return ids
