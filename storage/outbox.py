"""The outbox: durable queue of bulk messages, and the broadcasts that group them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from storage.db import Database, Writer

__all__ = [
    "MAYBE_TWICE",
    "PRIORITY",
    "Broadcast",
    "Kind",
    "NewFile",
    "NewMessage",
    "OutboxRow",
    "Progress",
    "Recovered",
    "add_file",
    "broadcast",
    "cancel_broadcast",
    "cancel_broadcast_in",
    "create_broadcast",
    "defer",
    "due",
    "enqueue",
    "enqueue_sync",
    "failures",
    "finish_broadcasts",
    "mark_failed",
    "mark_sending",
    "mark_sent",
    "progress",
    "reached_chats",
    "recover",
    "requeue",
    "skip_chat",
]

Kind = Literal["interactive", "reminder", "invitation", "feedback", "announcement", "digest"]
# Lower goes first: a button answer before a reminder before an invitation before bulk news.
PRIORITY: dict[str, int] = {
    "interactive": 0,
    "reminder": 1,
    "invitation": 2,
    "feedback": 2,
    "announcement": 3,
    "digest": 3,
}


@dataclass(frozen=True, slots=True)
class NewFile:
    filename: str
    mime_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class NewMessage:
    chat_id: int
    kind: Kind
    method: str
    params: dict[str, Any]
    file_id: int | None = None  # from add_file, shared by all rows of a broadcast
    file_param: str | None = None
    urgent: bool = False
    not_before: float | None = None
    # What the message carries, for the delivery worker's on-sent hook ('poll:<id>:<question>').
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    chat_id: int
    chat_type: str
    kind: str
    method: str
    params: dict[str, Any]
    file_id: int | None
    file_param: str | None
    urgent: bool
    attempts: int
    broadcast_id: int | None
    ref: str | None = None
    # Earlier attempts whose answer never came (the row may already be in the chat).
    uncertain: int = 0


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


async def add_file(tx: Writer, file: NewFile) -> int:
    return await tx.insert(
        "INSERT INTO outbox_files (filename, mime_type, data) VALUES (?, ?, ?)",
        (file.filename, file.mime_type, file.data),
    )


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


async def enqueue(
    tx: Writer, rows: Sequence[NewMessage], *, now: float, broadcast_id: int | None = None
) -> int:
    """Write rows inside the caller's transaction, so they exist exactly when the change does."""
    return await tx.run(lambda raw: enqueue_sync(raw, rows, now=now, broadcast_id=broadcast_id))


def enqueue_sync(
    raw: sqlite3.Connection,
    rows: Sequence[NewMessage],
    *,
    now: float,
    broadcast_id: int | None = None,
) -> int:
    """`enqueue` as a block for a transaction that runs in one trip (`Database.write`)."""
    raw.executemany(
        """
        INSERT INTO outbox (chat_id, kind, priority, method, params, file_id, file_param, urgent,
                            not_before, broadcast_id, created_at, updated_at, ref)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            (
                r.chat_id,
                r.kind,
                PRIORITY[r.kind],
                r.method,
                json.dumps(r.params, ensure_ascii=False),
                r.file_id,
                r.file_param,
                int(r.urgent),
                r.not_before if r.not_before is not None else now,
                broadcast_id,
                int(now),
                int(now),
                r.ref,
            )
            for r in rows
        ],
    ).close()
    return len(rows)


def _row(row: sqlite3.Row) -> OutboxRow:
    return OutboxRow(
        id=row["id"],
        chat_id=row["chat_id"],
        chat_type=row["type"],
        kind=row["kind"],
        method=row["method"],
        params=json.loads(row["params"]),
        file_id=row["file_id"],
        file_param=row["file_param"],
        urgent=bool(row["urgent"]),
        attempts=row["attempts"],
        broadcast_id=row["broadcast_id"],
        ref=row["ref"],
        uncertain=row["uncertain"],
    )


async def due(db: Database, now: float, limit: int) -> list[OutboxRow]:
    """Pending rows whose time has come, most important first."""
    rows = await db.fetchall(
        """
        SELECT o.*, c.type FROM outbox o JOIN chats c ON c.id = o.chat_id
        WHERE o.state = 'pending' AND o.not_before <= ?
        ORDER BY o.priority, o.not_before, o.id LIMIT ?
        """,
        (now, limit),
    )
    return [_row(r) for r in rows]


async def next_due_time(db: Database) -> float | None:
    value = await db.fetchval("SELECT min(not_before) FROM outbox WHERE state = 'pending'")
    return None if value is None else float(value)


async def unfinished(db: Database, now: float) -> int:
    """Rows due now or in flight."""
    value = await db.fetchval(
        "SELECT count(*) FROM outbox WHERE state = 'sending' "
        "OR (state = 'pending' AND not_before <= ?)",
        (now,),
    )
    return int(value)


async def mark_sending(db: Database, row_ids: Sequence[int]) -> set[int]:
    """Claim rows before their API call, committed, so that after a crash they are known to be
    in doubt. Returns the rows claimed: a row that stopped being pending since it was read (its
    chat blocked the bot meanwhile, its broadcast was cancelled) is not sent."""
    now = db.now()
    claimed: set[int] = set()
    async with db.transaction() as tx:
        for row_id in row_ids:
            if await tx.execute(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ? "
                "WHERE id = ? AND state = 'pending'",
                (now, row_id),
            ):
                claimed.add(row_id)
        if claimed:
            await tx.execute(
                f"""
                UPDATE broadcasts SET state = 'sending', started_at = coalesce(started_at, ?)
                WHERE state = 'scheduled' AND id IN (
                    SELECT broadcast_id FROM outbox WHERE id IN ({",".join("?" * len(claimed))}))
                """,
                (now, *claimed),
            )
    return claimed


async def mark_sent(
    db: Database,
    row_id: int,
    message_id: int | None,
    *,
    telegram_file: tuple[int, str] | None,
    after: Callable[[Writer], Awaitable[None]] | None = None,
) -> None:
    """`after` runs in the same transaction (the on-sent hook records what was sent)."""
    async with db.transaction() as tx:
        if after is not None:
            await after(tx)
        await tx.execute(
            "UPDATE outbox SET state = 'sent', message_id = ?, error = NULL, updated_at = ? "
            "WHERE id = ?",
            (message_id, db.now(), row_id),
        )
        if telegram_file is not None:
            await tx.execute(
                "UPDATE outbox_files SET telegram_file_id = ? WHERE id = ? "
                "AND telegram_file_id IS NULL",
                (telegram_file[1], telegram_file[0]),
            )


async def mark_failed(db: Database | Writer, row_id: int, error: str, error_kind: str) -> None:
    await db.execute(
        "UPDATE outbox SET state = 'failed', error = ?, error_kind = ?, updated_at = ? "
        "WHERE id = ?",
        (error[:500], error_kind, db.now(), row_id),
    )


async def requeue(
    db: Database,
    row_id: int,
    not_before: float,
    *,
    error: str | None,
    count_attempt: bool = True,
    uncertain: bool = False,
) -> None:
    """Back to pending; a flood-control wait or quiet hours do not count as a failed attempt.
    `uncertain`: the attempt's answer never came, so the row may already be in the chat."""
    await db.execute(
        "UPDATE outbox SET state = 'pending', not_before = ?, error = ?, updated_at = ?, "
        "attempts = attempts - ?, uncertain = uncertain + ? WHERE id = ?",
        (not_before, error, db.now(), 0 if count_attempt else 1, int(uncertain), row_id),
    )


async def defer(db: Database, row_id: int, not_before: float) -> None:
    """Not yet (quiet hours): the row waits, nothing else changes."""
    await db.execute(
        "UPDATE outbox SET not_before = ?, updated_at = ? WHERE id = ? AND state = 'pending'",
        (not_before, db.now(), row_id),
    )


async def skip_chat(db: Database | Writer, chat_id: int, reason: str, now: int) -> int:
    """A chat that blocked the bot or vanished: its waiting rows will never be sent."""
    return await db.execute(
        "UPDATE outbox SET state = 'skipped', error_kind = ?, updated_at = ? "
        "WHERE chat_id = ? AND state = 'pending'",
        (reason, now, chat_id),
    )


@dataclass(frozen=True, slots=True)
class Recovered:
    resent: int  # in doubt for the first time: sent again
    given_up: int  # already sent once after a lost answer: never a third time


async def recover(db: Database) -> Recovered:
    """At start-up: rows a crash left in 'sending' may or may not have gone out. Each is in doubt
    like a send whose answer was lost: sent again once, but never a third time."""
    now = db.now()
    async with db.transaction() as tx:
        given_up = await tx.execute(
            "UPDATE outbox SET state = 'failed', error_kind = 'uncertain', "
            "error = 'no answer from Telegram, twice', uncertain = uncertain + 1, updated_at = ? "
            "WHERE state = 'sending' AND uncertain >= 1",
            (now,),
        )
        resent = await tx.execute(
            "UPDATE outbox SET state = 'pending', uncertain = uncertain + 1, updated_at = ? "
            "WHERE state = 'sending'",
            (now,),
        )
    return Recovered(resent, given_up)


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


async def file(db: Database, file_id: int) -> tuple[str, str, bytes, str | None] | None:
    row = await db.fetchone(
        "SELECT filename, mime_type, data, telegram_file_id FROM outbox_files WHERE id = ?",
        (file_id,),
    )
    if row is None:
        return None
    return row["filename"], row["mime_type"], bytes(row["data"] or b""), row["telegram_file_id"]
