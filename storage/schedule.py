"""Scheduled work as rows: one row per job, keyed by its deterministic job id.

A row is 'pending' until the scheduler runs it; it turns 'done' (or 'skipped', with a note) in
the same transaction that queues its messages, so a restart neither loses nor repeats a job.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from storage.db import Database, Writer

__all__ = [
    "Job",
    "JobKind",
    "JobState",
    "PlannedJob",
    "cancel_for_event",
    "cancel_key",
    "changed_since",
    "claim",
    "due",
    "for_event",
    "get",
    "move",
    "pending",
    "replan_event",
    "retry_later",
    "upsert",
]

JobKind = Literal[
    "reminder",
    "nudge",
    "feedback",
    "invitation",
    "digest",
    "poll_reminder",
    "poll_close",
    "retention",
    "shift_reminder",  # a volunteer call's shift (ref_id), bot/volunteering/reminders.py
    "shift_checkin",  # "📍 I'm here" before a shift (ref_id), bot/volunteering/checkin.py
    "shift_thanks",  # thanks with the hours after a shift (ref_id), bot/volunteering/thanks.py
]
JobState = Literal["pending", "done", "skipped", "cancelled"]


@dataclass(frozen=True, slots=True)
class PlannedJob:
    key: str
    kind: JobKind
    due_at: int
    event_id: int | None = None
    chat_id: int | None = None
    ref_id: int | None = None  # another aggregate's id, e.g. a poll's


@dataclass(frozen=True, slots=True)
class Job:
    key: str
    kind: JobKind
    event_id: int | None
    chat_id: int | None
    ref_id: int | None
    due_at: int
    state: JobState
    done_at: int | None
    note: str
    changed_at: int


_COLUMNS = "key, kind, event_id, chat_id, ref_id, due_at, state, done_at, note, changed_at"


def _job(row: sqlite3.Row) -> Job:
    return Job(
        key=row["key"],
        kind=row["kind"],
        event_id=row["event_id"],
        chat_id=row["chat_id"],
        ref_id=row["ref_id"],
        due_at=row["due_at"],
        state=row["state"],
        done_at=row["done_at"],
        note=row["note"],
        changed_at=row["changed_at"],
    )


async def get(db: Database | Writer, key: str) -> Job | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM schedule WHERE key = ?", (key,))
    return _job(row) if row else None


async def for_event(db: Database | Writer, event_id: int) -> list[Job]:
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM schedule WHERE event_id = ? ORDER BY due_at, key", (event_id,)
    )
    return [_job(row) for row in rows]


async def pending(
    db: Database, *, until: int, after: int | None = None, limit: int = -1
) -> list[tuple[str, int]]:
    """(key, due_at) of pending jobs due by `until` (and after `after`), soonest first: what
    the scheduler holds in memory."""
    rows = await db.fetchall(
        "SELECT key, due_at FROM schedule WHERE state = 'pending' AND due_at <= ? AND due_at > ? "
        "ORDER BY due_at LIMIT ?",
        (until, after if after is not None else -(2**62), limit),
    )
    return [(row[0], row[1]) for row in rows]


async def changed_since(db: Database, since: int) -> list[tuple[str, int, str]]:
    """(key, due_at, state) of rows written at or after `since`."""
    rows = await db.fetchall(
        "SELECT key, due_at, state FROM schedule WHERE changed_at >= ?", (since,)
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def due(db: Database | Writer, now: int, limit: int = 500) -> list[Job]:
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM schedule WHERE state = 'pending' AND due_at <= ? "
        "ORDER BY due_at, key LIMIT ?",
        (now, limit),
    )
    return [_job(row) for row in rows]


async def upsert(tx: Writer, jobs: Iterable[PlannedJob], now: int) -> None:
    """Insert pending jobs, or move pending ones to their new time."""
    await tx.executemany(
        "INSERT INTO schedule (key, kind, event_id, chat_id, ref_id, due_at, changed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET due_at = excluded.due_at, state = 'pending', "
        "done_at = NULL, note = '', changed_at = excluded.changed_at",
        [(j.key, j.kind, j.event_id, j.chat_id, j.ref_id, j.due_at, now) for j in jobs],
    )


async def move(tx: Writer, key: str, due_at: int, now: int) -> None:
    """A recurring job (the weekly digest) done for now and due again at `due_at`."""
    await tx.execute(
        "UPDATE schedule SET due_at = ?, state = 'pending', done_at = ?, note = '', "
        "changed_at = ? WHERE key = ?",
        (due_at, now, now, key),
    )


async def retry_later(tx: Writer, key: str, due_at: int, note: str, now: int) -> None:
    """A pending job that failed, due again at `due_at`, with why in its note."""
    await tx.execute(
        "UPDATE schedule SET due_at = ?, note = ?, changed_at = ? WHERE key = ? "
        "AND state = 'pending'",
        (due_at, note, now, key),
    )


async def claim(tx: Writer, key: str, state: JobState, now: int, note: str = "") -> bool:
    """Finish a pending job; False when someone else already did (it must not run twice)."""
    changed = await tx.execute(
        "UPDATE schedule SET state = ?, done_at = ?, note = ?, changed_at = ? "
        "WHERE key = ? AND state = 'pending'",
        (state, now, note, now, key),
    )
    return changed > 0


async def replan_event(tx: Writer, event_id: int, planned: Sequence[PlannedJob], now: int) -> None:
    """Make the event's pending jobs match the plan.

    Jobs no longer planned are cancelled. A planned job keeps its state when its time did not
    change; when it did (the event moved), it is pending again if the new time is still ahead,
    so a reminder already sent for the old date comes again before the new one. Planned jobs
    whose time has passed at planning time are recorded as skipped, never sent late.
    """
    existing = {job.key: job for job in await for_event(tx, event_id)}
    wanted = {job.key: job for job in planned}
    for key, job in existing.items():
        if key not in wanted and job.state == "pending":
            await tx.execute(
                "UPDATE schedule SET state = 'cancelled', done_at = ?, changed_at = ? "
                "WHERE key = ?",
                (now, now, key),
            )
    fresh: list[PlannedJob] = []
    for key, plan in wanted.items():
        old = existing.get(key)
        if old is not None and old.due_at == plan.due_at and old.state != "cancelled":
            continue
        if plan.due_at <= now:
            if old is None or old.state in ("pending", "cancelled"):
                await tx.execute(
                    "INSERT INTO schedule (key, kind, event_id, chat_id, ref_id, due_at, state, "
                    "done_at, note, changed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'skipped', ?, 'past when planned', ?) "
                    "ON CONFLICT (key) DO UPDATE SET due_at = excluded.due_at, state = 'skipped', "
                    "done_at = excluded.done_at, note = excluded.note, "
                    "changed_at = excluded.changed_at",
                    (
                        key,
                        plan.kind,
                        plan.event_id,
                        plan.chat_id,
                        plan.ref_id,
                        plan.due_at,
                        now,
                        now,
                    ),
                )
            continue
        fresh.append(plan)
    await upsert(tx, fresh, now)


async def cancel_key(tx: Writer, key: str, now: int) -> bool:
    changed = await tx.execute(
        "UPDATE schedule SET state = 'cancelled', done_at = ?, changed_at = ? "
        "WHERE key = ? AND state = 'pending'",
        (now, now, key),
    )
    return changed > 0


async def cancel_for_event(tx: Writer, event_id: int, now: int) -> int:
    return await tx.execute(
        "UPDATE schedule SET state = 'cancelled', done_at = ?, changed_at = ? "
        "WHERE event_id = ? AND state = 'pending'",
        (now, now, event_id),
    )
