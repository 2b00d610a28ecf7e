"""The outbox: the durable queue of bulk messages (their broadcasts: storage/broadcasts.py)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from storage.db import Database, Writer

__all__ = [
    "PRIORITY",
    "Kind",
    "NewFile",
    "NewMessage",
    "OutboxRow",
    "Recovered",
    "add_file",
    "defer",
    "due",
    "enqueue",
    "enqueue_known_sync",
    "enqueue_sync",
    "mark_failed",
    "mark_sending",
    "mark_sent",
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


async def add_file(tx: Writer, file: NewFile) -> int:
    return await tx.insert(
        "INSERT INTO outbox_files (filename, mime_type, data) VALUES (?, ?, ?)",
        (file.filename, file.mime_type, file.data),
    )


async def enqueue(
    tx: Writer, rows: Sequence[NewMessage], *, now: float, broadcast_id: int | None = None
) -> int:
    """Write rows inside the caller's transaction, so they exist exactly when the change does."""
    return await tx.run(lambda raw: enqueue_sync(raw, rows, now=now, broadcast_id=broadcast_id))


_COLUMNS = (
    "chat_id, kind, priority, method, params, file_id, file_param, urgent, not_before, "
    "broadcast_id, created_at, updated_at, ref"
)


def _values(r: NewMessage, now: float, broadcast_id: int | None) -> tuple[object, ...]:
    return (
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


def enqueue_sync(
    raw: sqlite3.Connection,
    rows: Sequence[NewMessage],
    *,
    now: float,
    broadcast_id: int | None = None,
) -> int:
    """`enqueue` as a block for a transaction that runs in one trip (`Database.write`)."""
    raw.executemany(
        f"INSERT INTO outbox ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [_values(r, now, broadcast_id) for r in rows],
    ).close()
    return len(rows)


def enqueue_known_sync(raw: sqlite3.Connection, row: NewMessage, *, now: float) -> int | None:
    """One row, only when its chat is in the database (the outbox's foreign key): its id, or
    None for an unknown chat (a block)."""
    cursor = raw.execute(
        f"INSERT INTO outbox ({_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
        "WHERE EXISTS (SELECT 1 FROM chats WHERE id = ?) RETURNING id",
        (*_values(row, now, None), row.chat_id),
    )
    try:
        found = cursor.fetchone()
    finally:
        cursor.close()
    return None if found is None else int(found[0])


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
    chat blocked the bot meanwhile, its broadcast was cancelled) is not sent.

    The delivery worker's own writes (this, `mark_sent` without a hook, `requeue`, `defer`,
    `mark_failed`) are single-row updates that re-check the row's state, so they need no global
    order of writes (`serialised=False`): sending never waits for a burst of taps."""
    now = db.now()
    return await db.write(lambda raw: _mark_sending_sync(raw, row_ids, now), serialised=False)


def _mark_sending_sync(raw: sqlite3.Connection, row_ids: Sequence[int], now: int) -> set[int]:
    claimed: set[int] = set()
    for row_id in row_ids:
        cursor = raw.execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ? "
            "WHERE id = ? AND state = 'pending'",
            (now, row_id),
        )
        if cursor.rowcount:
            claimed.add(row_id)
        cursor.close()
    if claimed:
        raw.execute(
            f"""
            UPDATE broadcasts SET state = 'sending', started_at = coalesce(started_at, ?)
            WHERE state = 'scheduled' AND id IN (
                SELECT broadcast_id FROM outbox WHERE id IN ({",".join("?" * len(claimed))}))
            """,
            (now, *claimed),
        ).close()
    return claimed


async def mark_sent(
    db: Database,
    row_id: int,
    message_id: int | None,
    *,
    telegram_file: tuple[int, str] | None,
    after: Callable[[Writer], Awaitable[None]] | None = None,
    result: str | None = None,
) -> None:
    """`after` runs in the same transaction (the on-sent hook records what was sent); `result`
    is Telegram's answer as JSON, kept for a relayed reply's handler (storage/relay.py)."""
    now = db.now()
    if after is None:
        await db.write(
            lambda raw: _mark_sent_sync(raw, row_id, message_id, telegram_file, result, now),
            serialised=False,
        )
        return
    async with db.transaction() as tx:
        await after(tx)
        await tx.run(
            lambda raw: _mark_sent_sync(raw, row_id, message_id, telegram_file, result, now)
        )


def _mark_sent_sync(
    raw: sqlite3.Connection,
    row_id: int,
    message_id: int | None,
    telegram_file: tuple[int, str] | None,
    result: str | None,
    now: int,
) -> None:
    raw.execute(
        "UPDATE outbox SET state = 'sent', message_id = ?, error = NULL, updated_at = ?, "
        "result = ? WHERE id = ?",
        (message_id, now, result, row_id),
    ).close()
    if telegram_file is not None:
        raw.execute(
            "UPDATE outbox_files SET telegram_file_id = ? WHERE id = ? "
            "AND telegram_file_id IS NULL",
            (telegram_file[1], telegram_file[0]),
        ).close()


async def mark_failed(db: Database | Writer, row_id: int, error: str, error_kind: str) -> None:
    sql = (
        "UPDATE outbox SET state = 'failed', error = ?, error_kind = ?, updated_at = ? WHERE id = ?"
    )
    params = (error[:500], error_kind, db.now(), row_id)
    if isinstance(db, Writer):
        await db.execute(sql, params)
        return
    await _unordered(db, sql, params)


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
    await _unordered(
        db,
        "UPDATE outbox SET state = 'pending', not_before = ?, error = ?, updated_at = ?, "
        "attempts = attempts - ?, uncertain = uncertain + ? WHERE id = ?",
        (not_before, error, db.now(), 0 if count_attempt else 1, int(uncertain), row_id),
    )


async def defer(db: Database, row_id: int, not_before: float) -> None:
    """Not yet (quiet hours): the row waits, nothing else changes."""
    await _unordered(
        db,
        "UPDATE outbox SET not_before = ?, updated_at = ? WHERE id = ? AND state = 'pending'",
        (not_before, db.now(), row_id),
    )


async def _unordered(db: Database, sql: str, params: tuple[object, ...]) -> None:
    """One single-row update of the worker's, outside the global order of writes."""
    await db.write(lambda raw: raw.execute(sql, params).close(), serialised=False)


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


async def file(db: Database, file_id: int) -> tuple[str, str, bytes, str | None] | None:
    row = await db.fetchone(
        "SELECT filename, mime_type, data, telegram_file_id FROM outbox_files WHERE id = ?",
        (file_id,),
    )
    if row is None:
        return None
    return row["filename"], row["mime_type"], bytes(row["data"] or b""), row["telegram_file_id"]
