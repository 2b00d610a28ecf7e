"""The organisers' side of a volunteer call: who is signed up and waiting (with names, for the
call's organisers only), attendance marked by them, corrected hours, the calls a person
organises, and cancelling a call. The sign-up taps themselves are storage/shift_signups.py.

Attendance rule (shared with check-in): a 'yes' row with `checked_in_at` set is an attended
shift, and `hours` holds the hours credited for it. Marking runs in the caller's write block,
after it locked the call's row (bot/volunteering/roster.py `mark`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from storage.db import Database, Writer

__all__ = [
    "CallSummary",
    "RosterRow",
    "Target",
    "cancel_call",
    "cancel_shift",
    "clear_attendance_sync",
    "credit_walk_in_sync",
    "mark_attendance_sync",
    "organised",
    "pending_shift_jobs",
    "posting_groups",
    "roster",
    "set_hours",
    "targets",
]

_NAME = "coalesce(trim(u.first_name || ' ' || coalesce(u.last_name, '')), '')"


@dataclass(frozen=True, slots=True)
class RosterRow:
    shift_id: int
    user_id: int
    status: str  # 'yes' or 'waitlist'
    position: int | None  # in the shift's waiting list (1 = next in line)
    confirmed_at: int | None
    checked_in_at: int | None
    hours: float | None
    name: str  # '' when the person is not known (anonymised by /forget)
    username: str | None
    skills: str = ""  # from their /volunteer profile: its privacy promise lets organisers see it

    @property
    def attended(self) -> bool:
        return self.status == "yes" and self.checked_in_at is not None


@dataclass(frozen=True, slots=True)
class CallSummary:
    id: int
    title: str
    state: str
    created_at: int
    first_start: int | None  # the earliest shift's start


@dataclass(frozen=True, slots=True)
class Target:
    """Someone signed up or waiting for a shift, and where they signed up."""

    shift_id: int
    user_id: int
    chat_id: int


async def roster(db: Database | Writer, call_id: int) -> list[RosterRow]:
    """Everyone signed up or waiting for the call's shifts, in shift order: those signed up
    first (in the order they came), then the waiting list in line."""
    return await db.run(lambda raw: _roster_sync(raw, call_id))


def _roster_sync(raw: sqlite3.Connection, call_id: int) -> list[RosterRow]:
    rows = raw.execute(
        f"SELECT g.shift_id, g.user_id, g.status, g.confirmed_at, g.checked_in_at, g.hours, "
        f"{_NAME} AS name, u.username, p.skills FROM shift_signups g "
        "JOIN call_shifts s ON s.id = g.shift_id LEFT JOIN users u ON u.id = g.user_id "
        "LEFT JOIN volunteer_profiles p ON p.user_id = g.user_id "
        "WHERE s.call_id = ? AND g.status IN ('yes', 'waitlist') "
        "ORDER BY s.position, CASE g.status WHEN 'yes' THEN 0 ELSE 1 END, "
        "coalesce(g.queued_at, g.created_at), g.user_id",
        (call_id,),
    ).fetchall()
    found: list[RosterRow] = []
    line: dict[int, int] = {}
    for r in rows:
        position = None
        if r["status"] == "waitlist":
            position = line[r["shift_id"]] = line.get(r["shift_id"], 0) + 1
        found.append(
            RosterRow(
                shift_id=int(r["shift_id"]),
                user_id=int(r["user_id"]),
                status=r["status"],
                position=position,
                confirmed_at=r["confirmed_at"],
                checked_in_at=r["checked_in_at"],
                hours=None if r["hours"] is None else float(r["hours"]),
                name=r["name"] or "",
                username=r["username"],
                skills=r["skills"] or "",
            )
        )
    return found


def mark_attendance_sync(
    raw: sqlite3.Connection, shift_id: int, user_id: int, hours: float, now: int
) -> bool:
    """Marked as there (now, with `hours`); False when the person holds no place or is marked
    already (their own check-in's time and corrected hours stay)."""
    changed = raw.execute(
        "UPDATE shift_signups SET checked_in_at = ?, hours = ?, updated_at = ? "
        "WHERE shift_id = ? AND user_id = ? AND status = 'yes' AND checked_in_at IS NULL",
        (now, hours, now, shift_id, user_id),
    ).rowcount
    return changed > 0


def credit_walk_in_sync(
    raw: sqlite3.Connection, shift_id: int, user_id: int, hours: float, now: int
) -> bool:
    """Someone from the shift's waiting list who came anyway, marked by an organiser: a held
    place (beyond the shift's places if need be: they were there), checked in now with `hours`.
    False when they are not waiting for it (any more)."""
    changed = raw.execute(
        "UPDATE shift_signups SET status = 'yes', queued_at = NULL, checked_in_at = ?, "
        "hours = ?, updated_at = ? WHERE shift_id = ? AND user_id = ? AND status = 'waitlist'",
        (now, hours, now, shift_id, user_id),
    ).rowcount
    return changed > 0


def clear_attendance_sync(raw: sqlite3.Connection, shift_id: int, user_id: int, now: int) -> bool:
    """Unmarked: no check-in and no hours; False when the person holds no place."""
    changed = raw.execute(
        "UPDATE shift_signups SET checked_in_at = NULL, hours = NULL, updated_at = ? "
        "WHERE shift_id = ? AND user_id = ? AND status = 'yes'",
        (now, shift_id, user_id),
    ).rowcount
    return changed > 0


async def set_hours(db: Database, shift_id: int, user_id: int, hours: float, now: int) -> bool:
    """The organiser's correction; only for an attended shift (False otherwise)."""
    changed = await db.execute(
        "UPDATE shift_signups SET hours = ?, updated_at = ? WHERE shift_id = ? AND user_id = ? "
        "AND status = 'yes' AND checked_in_at IS NOT NULL",
        (hours, now, shift_id, user_id),
    )
    return changed > 0


async def organised(
    db: Database, user_id: int | None, limit: int, groups: Sequence[int] = ()
) -> list[CallSummary]:
    """The calls `user_id` created, and those posted by the associations whose group chats are
    `groups` (user_id None: every call, for the network's administrators), newest first."""
    where = ""
    params: tuple[int, ...] = ()
    if user_id is not None:
        where, params = "WHERE c.created_by = ? ", (user_id,)
        if groups:
            marks = ", ".join("?" * len(groups))
            where = (
                "WHERE (c.created_by = ? OR c.listing_id IN "
                f"(SELECT l.id FROM listings l WHERE l.chat_id IN ({marks}))) "
            )
            params = (user_id, *groups)
    rows = await db.fetchall(
        "SELECT c.id, c.title, c.state, c.created_at, "
        "(SELECT min(s.starts_at) FROM call_shifts s WHERE s.call_id = c.id) AS first_start "
        f"FROM volunteer_calls c {where}ORDER BY c.created_at DESC, c.id DESC LIMIT ?",
        (*params, limit),
    )
    return [
        CallSummary(int(r["id"]), r["title"], r["state"], int(r["created_at"]), r["first_start"])
        for r in rows
    ]


async def posting_groups(db: Database, limit: int) -> list[int]:
    """The group chats of the associations that posted calls, the latest poster first."""
    rows = await db.fetchall(
        "SELECT l.chat_id FROM volunteer_calls c JOIN listings l ON l.id = c.listing_id "
        "WHERE l.chat_id IS NOT NULL GROUP BY l.chat_id ORDER BY max(c.created_at) DESC, "
        "l.chat_id LIMIT ?",
        (limit,),
    )
    return [int(r[0]) for r in rows]


async def cancel_call(tx: Writer, call_id: int, now: int) -> bool:
    """Published → cancelled; False when it was not published (already cancelled)."""
    changed = await tx.execute(
        "UPDATE volunteer_calls SET state = 'cancelled', updated_at = ? "
        "WHERE id = ? AND state = 'published'",
        (now, call_id),
    )
    return changed > 0


async def cancel_shift(tx: Writer, shift_id: int, now: int) -> bool:
    """One shift called off: the shift marked, and everyone signed up or waiting for it
    cancelled (rows kept, as a person's own cancel keeps them); False when it already was."""
    changed = await tx.execute(
        "UPDATE call_shifts SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL",
        (now, shift_id),
    )
    if not changed:
        return False
    await tx.execute(
        "UPDATE shift_signups SET status = 'cancelled', queued_at = NULL, checked_in_at = NULL, "
        "hours = NULL, updated_at = ? WHERE shift_id = ? AND status IN ('yes', 'waitlist')",
        (now, shift_id),
    )
    return True


async def targets(tx: Writer, call_id: int) -> list[Target]:
    """Everyone signed up or waiting for the call's shifts."""
    rows = await tx.fetchall(
        "SELECT g.shift_id, g.user_id, g.chat_id FROM shift_signups g "
        "JOIN call_shifts s ON s.id = g.shift_id "
        "WHERE s.call_id = ? AND g.status IN ('yes', 'waitlist') ORDER BY s.position, g.user_id",
        (call_id,),
    )
    return [Target(int(r[0]), int(r[1]), int(r[2])) for r in rows]


async def pending_shift_jobs(tx: Writer, shift_ids: Sequence[int]) -> list[str]:
    """Keys of the shifts' pending jobs: reminders (`shift_reminder:{id}:{offset}`), check-in
    (`shift_checkin:{id}`) and thanks (`shift_thanks:{id}`)."""
    keys: list[str] = []
    for shift_id in shift_ids:
        rows = await tx.fetchall(
            "SELECT key FROM schedule WHERE state = 'pending' "
            "AND (key LIKE ? OR key = ? OR key = ?) ORDER BY key",
            (
                f"shift_reminder:{shift_id}:%",
                f"shift_checkin:{shift_id}",
                f"shift_thanks:{shift_id}",
            ),
        )
        keys.extend(str(r[0]) for r in rows)
    return keys
