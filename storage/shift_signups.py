"""Sign-ups for volunteer call shifts: one row per person and shift, 'yes' (holds a place),
'waitlist' (in line by queued_at) or 'cancelled' (kept for the history). The rules that change
them are in bot/volunteering/signup.py; every function here also has a raw twin for its
one-trip write block."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from storage import chats, privacy
from storage.chats import Recipient
from storage.db import Database, Writer

__all__ = [
    "Attended",
    "Signup",
    "Status",
    "active_for_call_sync",
    "attended_for_shift_sync",
    "check_in_sync",
    "clear_check_in_sync",
    "first_waiting_sync",
    "get",
    "get_sync",
    "hours_between_sync",
    "last_queued_sync",
    "position_sync",
    "reach_sync",
    "save_sync",
    "taken",
    "taken_sync",
    "yes_for_shift_sync",
]

Status = Literal["yes", "waitlist", "cancelled"]


@dataclass(frozen=True, slots=True)
class Signup:
    shift_id: int
    user_id: int
    chat_id: int
    status: Status
    queued_at: int | None
    confirmed_at: int | None
    created_at: int
    updated_at: int
    # Read only: written by check_in_sync and the organisers' marking, never by save_sync.
    checked_in_at: int | None = None


def _signup(row: sqlite3.Row) -> Signup:
    return Signup(
        row["shift_id"],
        row["user_id"],
        row["chat_id"],
        row["status"],
        row["queued_at"],
        row["confirmed_at"],
        row["created_at"],
        row["updated_at"],
        row["checked_in_at"],
    )


async def get(db: Database | Writer, shift_id: int, user_id: int) -> Signup | None:
    return await db.run(lambda raw: get_sync(raw, shift_id, user_id))


def get_sync(raw: sqlite3.Connection, shift_id: int, user_id: int) -> Signup | None:
    row = raw.execute(
        "SELECT * FROM shift_signups WHERE shift_id = ? AND user_id = ?", (shift_id, user_id)
    ).fetchone()
    return None if row is None else _signup(row)


def save_sync(raw: sqlite3.Connection, signups: Sequence[Signup]) -> None:
    raw.executemany(
        "INSERT INTO shift_signups (shift_id, user_id, chat_id, status, queued_at, "
        "confirmed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (shift_id, user_id) DO UPDATE SET chat_id = excluded.chat_id, "
        "status = excluded.status, queued_at = excluded.queued_at, "
        "confirmed_at = excluded.confirmed_at, updated_at = excluded.updated_at",
        [
            (
                s.shift_id,
                s.user_id,
                s.chat_id,
                s.status,
                s.queued_at,
                s.confirmed_at,
                s.created_at,
                s.updated_at,
            )
            for s in signups
        ],
    ).close()


async def taken(db: Database | Writer, call_id: int) -> dict[int, int]:
    return await db.run(lambda raw: taken_sync(raw, call_id))


def taken_sync(raw: sqlite3.Connection, call_id: int) -> dict[int, int]:
    """Places held ('yes') per shift of the call; shifts with none are left out."""
    rows = raw.execute(
        "SELECT g.shift_id, count(*) FROM shift_signups g JOIN call_shifts s ON s.id = g.shift_id "
        "WHERE s.call_id = ? AND g.status = 'yes' GROUP BY g.shift_id",
        (call_id,),
    ).fetchall()
    return {int(r[0]): int(r[1]) for r in rows}


def last_queued_sync(raw: sqlite3.Connection, shift_id: int) -> int | None:
    """When the last one joined the shift's waiting list; None when nobody waits."""
    row = raw.execute(
        "SELECT max(queued_at) FROM shift_signups WHERE shift_id = ? AND status = 'waitlist'",
        (shift_id,),
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def first_waiting_sync(raw: sqlite3.Connection, shift_id: int) -> Signup | None:
    row = raw.execute(
        "SELECT * FROM shift_signups WHERE shift_id = ? AND status = 'waitlist' "
        "ORDER BY queued_at, user_id LIMIT 1",
        (shift_id,),
    ).fetchone()
    return None if row is None else _signup(row)


def position_sync(raw: sqlite3.Connection, signup: Signup) -> int | None:
    """Where a waiting sign-up stands in its shift's line (None when it is not waiting)."""
    if signup.status != "waitlist":
        return None
    row = raw.execute(
        "SELECT count(*) FROM shift_signups WHERE shift_id = ? AND status = 'waitlist' "
        "AND (queued_at < ? OR (queued_at = ? AND user_id < ?))",
        (signup.shift_id, signup.queued_at, signup.queued_at, signup.user_id),
    ).fetchone()
    return int(row[0]) + 1


def active_for_call_sync(raw: sqlite3.Connection, call_id: int, user_id: int) -> list[Signup]:
    """The person's sign-ups (yes or waiting) for the call's shifts, in shift order."""
    rows = raw.execute(
        "SELECT g.* FROM shift_signups g JOIN call_shifts s ON s.id = g.shift_id "
        "WHERE s.call_id = ? AND g.user_id = ? AND g.status IN ('yes', 'waitlist') "
        "ORDER BY s.position",
        (call_id, user_id),
    ).fetchall()
    return [_signup(r) for r in rows]


def yes_for_shift_sync(raw: sqlite3.Connection, shift_id: int) -> list[Signup]:
    rows = raw.execute(
        "SELECT * FROM shift_signups WHERE shift_id = ? AND status = 'yes' ORDER BY user_id",
        (shift_id,),
    ).fetchall()
    return [_signup(r) for r in rows]


def check_in_sync(
    raw: sqlite3.Connection, shift_id: int, user_id: int, at: int, hours: float
) -> bool:
    """Record attendance (and the hours it earns) on a place held; False when none is held or
    the person had already checked in, so a replayed tap changes nothing."""
    cursor = raw.execute(
        "UPDATE shift_signups SET checked_in_at = ?, hours = ?, updated_at = ? "
        "WHERE shift_id = ? AND user_id = ? AND status = 'yes' AND checked_in_at IS NULL",
        (at, hours, at, shift_id, user_id),
    )
    changed = cursor.rowcount == 1
    cursor.close()
    return changed


def clear_check_in_sync(raw: sqlite3.Connection, shift_id: int, user_id: int) -> None:
    raw.execute(
        "UPDATE shift_signups SET checked_in_at = NULL, hours = NULL "
        "WHERE shift_id = ? AND user_id = ?",
        (shift_id, user_id),
    ).close()


@dataclass(frozen=True, slots=True)
class Attended:
    user_id: int
    chat_id: int
    hours: float


def attended_for_shift_sync(raw: sqlite3.Connection, shift_id: int) -> list[Attended]:
    """Those who held a place and checked in (or were marked by an organiser)."""
    rows = raw.execute(
        "SELECT user_id, chat_id, hours FROM shift_signups WHERE shift_id = ? AND status = 'yes' "
        "AND checked_in_at IS NOT NULL ORDER BY user_id",
        (shift_id,),
    ).fetchall()
    return [Attended(int(r[0]), int(r[1]), float(r[2] or 0)) for r in rows]


def hours_between_sync(raw: sqlite3.Connection, user_id: int, since: int, until: int) -> float:
    """A person's volunteered hours on shifts starting in [since, until)."""
    row = raw.execute(
        "SELECT sum(g.hours) FROM shift_signups g JOIN call_shifts s ON s.id = g.shift_id "
        "WHERE g.user_id = ? AND g.status = 'yes' AND g.checked_in_at IS NOT NULL "
        "AND s.starts_at >= ? AND s.starts_at < ?",
        (user_id, since, until),
    ).fetchone()
    return 0.0 if row is None or row[0] is None else float(row[0])


def reach_sync(raw: sqlite3.Connection, user_id: int, chat_id: int) -> Recipient:
    """Where to tell a person about their shift: their private chat with the bot when usable,
    else the chat they signed up in; with the language hints for the text."""
    private = raw.execute(
        "SELECT 1 FROM chats WHERE id = ? AND type = 'private' AND active = 1", (user_id,)
    ).fetchone()
    target = user_id if private is not None else chat_id
    found = chats.recipients_sync(raw, [target])
    return found.get(target) or Recipient(target, None, None, False)


async def _export(db: Database, user_id: int) -> object:
    return await privacy.rows(
        db,
        "SELECT c.title AS call, s.starts_at, s.ends_at, g.status, g.queued_at, g.confirmed_at, "
        "g.checked_in_at, g.hours, g.created_at, g.updated_at FROM shift_signups g "
        "JOIN call_shifts s ON s.id = g.shift_id JOIN volunteer_calls c ON c.id = s.call_id "
        "WHERE g.user_id = ? ORDER BY s.starts_at",
        (user_id,),
    )


async def _forget(tx: Writer, person: privacy.Person) -> None:
    # The sign-ups stay (places taken, hours volunteered are counted) under a pseudonym per
    # call, as storage/rsvps.py keeps answers: one call's shifts stay together, calls unlinked.
    # The chat (their private one, or a group) is no longer named either.
    for (call_id,) in await tx.fetchall(
        "SELECT DISTINCT s.call_id FROM shift_signups g JOIN call_shifts s ON s.id = g.shift_id "
        "WHERE g.user_id = ?",
        (person.user_id,),
    ):
        await tx.execute(
            "UPDATE shift_signups SET user_id = ?, chat_id = ? WHERE user_id = ? "
            "AND shift_id IN (SELECT id FROM call_shifts WHERE call_id = ?)",
            (person.pseudonym(f"call:{call_id}"), privacy.ANONYMOUS_CHAT, person.user_id, call_id),
        )


def _retain_sync(raw: sqlite3.Connection, cutoff: int, batch: int) -> privacy.RetainResult:
    # Calls whose last shift ended before the cutoff and still name someone: each person goes
    # to a fresh pseudonym per call (as /forget does), so places and hours stay counted.
    calls = [
        int(r[0])
        for r in raw.execute(
            "SELECT s.call_id FROM call_shifts s GROUP BY s.call_id HAVING max(s.ends_at) < ?1 "
            "AND EXISTS (SELECT 1 FROM shift_signups g JOIN call_shifts x ON x.id = g.shift_id "
            "WHERE x.call_id = s.call_id AND (g.user_id > ?2 OR g.chat_id != ?3)) "
            "ORDER BY s.call_id LIMIT ?4",
            (cutoff, privacy.PSEUDONYM_FLOOR, privacy.ANONYMOUS_CHAT, batch + 1),
        ).fetchall()
    ]
    changed = 0
    for call_id in calls[:batch]:
        shifts = "SELECT id FROM call_shifts WHERE call_id = ?"
        people = raw.execute(
            f"SELECT DISTINCT user_id FROM shift_signups WHERE shift_id IN ({shifts}) "
            "AND user_id > ?",
            (call_id, privacy.PSEUDONYM_FLOOR),
        ).fetchall()
        for (user_id,) in people:
            raw.execute(
                "UPDATE shift_signups SET user_id = ? WHERE user_id = ? "
                f"AND shift_id IN ({shifts})",
                (privacy.new_pseudonym(), user_id, call_id),
            ).close()
        cursor = raw.execute(
            f"UPDATE shift_signups SET chat_id = ? WHERE shift_id IN ({shifts})",
            (privacy.ANONYMOUS_CHAT, call_id),
        )
        changed += max(cursor.rowcount, 0)
        cursor.close()
    return privacy.RetainResult(changed, len(calls) > batch)


async def _retain(tx: Writer, retention: privacy.Retention) -> privacy.RetainResult:
    await privacy.ensure_anonymous_chat(tx, retention.now)
    return await tx.run(lambda raw: _retain_sync(raw, retention.cutoff, retention.batch))


privacy.register(
    privacy.Section(
        "shift_signups", ("shift_signups",), export=_export, forget=_forget, retain=_retain
    )
)
