"""A person's volunteering record: their sign-ups (held or waiting) for volunteer call shifts in
a time range, with each shift's times, the call's title and organiser, and the attendance and
hours the organisers recorded. Read by /myvolunteering and the certificate
(bot/volunteering/record.py); it only reads shift_signups, whose privacy section
(storage/shift_signups.py) covers the data."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.db import Database
from storage.shift_signups import Status

__all__ = ["RecordRow", "signups", "signups_sync"]


@dataclass(frozen=True, slots=True)
class RecordRow:
    call_id: int
    call_title: str
    call_state: str  # 'published' or 'cancelled'
    organiser: str | None  # the association's name (listing), else the creator's; None: nobody
    shift_id: int
    starts_at: int
    ends_at: int
    status: Status  # 'yes' or 'waitlist' (cancelled sign-ups are not part of a record)
    checked_in_at: int | None
    hours: float | None

    @property
    def attended(self) -> bool:
        """The shared rule: a held place that was checked in (by the person or an organiser)."""
        return self.status == "yes" and self.checked_in_at is not None


def _row(row: sqlite3.Row) -> RecordRow:
    hours = row["hours"]
    return RecordRow(
        call_id=row["call_id"],
        call_title=row["title"],
        call_state=row["state"],
        organiser=row["organiser"] or None,
        shift_id=row["shift_id"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        status=row["status"],
        checked_in_at=row["checked_in_at"],
        hours=None if hours is None else float(hours),
    )


async def signups(db: Database, user_id: int, since: int, until: int) -> list[RecordRow]:
    """The person's held and waiting sign-ups for shifts starting in [since, until), earliest
    first."""
    return await db.run(lambda raw: signups_sync(raw, user_id, since, until))


def signups_sync(raw: sqlite3.Connection, user_id: int, since: int, until: int) -> list[RecordRow]:
    rows = raw.execute(
        "SELECT c.id AS call_id, c.title, c.state, "
        "coalesce(l.name, trim(u.first_name || ' ' || coalesce(u.last_name, ''))) AS organiser, "
        "s.id AS shift_id, s.starts_at, s.ends_at, g.status, g.checked_in_at, g.hours "
        "FROM shift_signups g JOIN call_shifts s ON s.id = g.shift_id "
        "JOIN volunteer_calls c ON c.id = s.call_id "
        "LEFT JOIN listings l ON l.id = c.listing_id LEFT JOIN users u ON u.id = c.created_by "
        "WHERE g.user_id = ? AND g.status IN ('yes', 'waitlist') "
        "AND s.starts_at >= ? AND s.starts_at < ? ORDER BY s.starts_at, s.id",
        (user_id, since, until),
    ).fetchall()
    return [_row(r) for r in rows]
