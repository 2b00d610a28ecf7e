"""Volunteer calls and their shifts: stored once at publishing, read by cards, sign-ups and
reminders (the sign-ups themselves: storage/shift_signups.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from storage import privacy
from storage.db import Database, Writer
from storage.row_locks import lock_row_sync

__all__ = [
    "Call",
    "NewCallRow",
    "NewShiftRow",
    "Shift",
    "by_ids_sync",
    "create",
    "get",
    "get_sync",
    "live_shift_sync",
    "locked_shift_sync",
    "reachable",
    "shift",
    "shift_sync",
    "shifts",
    "shifts_sync",
]


@dataclass(frozen=True, slots=True)
class NewShiftRow:
    starts_at: int
    ends_at: int
    places: int


@dataclass(frozen=True, slots=True)
class NewCallRow:
    title: str
    description: str
    skills: str
    municipalities: tuple[str, ...]
    themes: tuple[str, ...]
    shifts: tuple[NewShiftRow, ...]
    listing_id: int | None
    reminders: tuple[int, ...]  # seconds before a shift's start


@dataclass(frozen=True, slots=True)
class Call:
    id: int
    title: str
    description: str
    skills: str
    listing_id: int | None
    created_by: int | None
    state: str
    reminders: tuple[int, ...]
    municipalities: tuple[str, ...]
    themes: tuple[str, ...]
    organiser: str | None  # the association's name (listing), else the creator's name
    created_at: int


@dataclass(frozen=True, slots=True)
class Shift:
    id: int
    call_id: int
    position: int
    starts_at: int
    ends_at: int
    places: int
    cancelled_at: int | None = None  # one shift called off by its organiser (the call goes on)


async def create(tx: Writer, call: NewCallRow, *, created_by: int | None, now: int) -> int:
    """The call with its municipalities, themes and shifts (inside the caller's transaction)."""
    call_id = await tx.insert(
        "INSERT INTO volunteer_calls (title, description, skills, listing_id, created_by, "
        "reminders, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            call.title,
            call.description,
            call.skills,
            call.listing_id,
            created_by,
            " ".join(str(r) for r in call.reminders),
            now,
            now,
        ),
    )
    await tx.executemany(
        "INSERT INTO call_municipalities (call_id, code) VALUES (?, ?)",
        [(call_id, code) for code in sorted(set(call.municipalities))],
    )
    await tx.executemany(
        "INSERT INTO call_themes (call_id, theme) VALUES (?, ?)",
        [(call_id, theme) for theme in sorted(set(call.themes))],
    )
    await tx.executemany(
        "INSERT INTO call_shifts (call_id, position, starts_at, ends_at, places) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (call_id, i, s.starts_at, s.ends_at, s.places)
            for i, s in enumerate(call.shifts, start=1)
        ],
    )
    return call_id


async def get(db: Database | Writer, call_id: int) -> Call | None:
    return await db.run(lambda raw: get_sync(raw, call_id))


def get_sync(raw: sqlite3.Connection, call_id: int) -> Call | None:
    row = raw.execute(
        "SELECT c.*, coalesce(l.name, trim(u.first_name || ' ' || coalesce(u.last_name, ''))) "
        "AS organiser FROM volunteer_calls c LEFT JOIN listings l ON l.id = c.listing_id "
        "LEFT JOIN users u ON u.id = c.created_by WHERE c.id = ?",
        (call_id,),
    ).fetchone()
    if row is None:
        return None
    codes = raw.execute(
        "SELECT code FROM call_municipalities WHERE call_id = ? ORDER BY code", (call_id,)
    ).fetchall()
    themes = raw.execute(
        "SELECT theme FROM call_themes WHERE call_id = ? ORDER BY theme", (call_id,)
    ).fetchall()
    return Call(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        skills=row["skills"],
        listing_id=row["listing_id"],
        created_by=row["created_by"],
        state=row["state"],
        reminders=tuple(int(x) for x in row["reminders"].split()),
        municipalities=tuple(r[0] for r in codes),
        themes=tuple(r[0] for r in themes),
        organiser=row["organiser"] or None,
        created_at=row["created_at"],
    )


def _shift(row: sqlite3.Row) -> Shift:
    return Shift(
        row["id"],
        row["call_id"],
        row["position"],
        row["starts_at"],
        row["ends_at"],
        row["places"],
        row["cancelled_at"],
    )


async def shifts(db: Database | Writer, call_id: int) -> list[Shift]:
    return await db.run(lambda raw: shifts_sync(raw, call_id))


def shifts_sync(raw: sqlite3.Connection, call_id: int) -> list[Shift]:
    rows = raw.execute(
        "SELECT * FROM call_shifts WHERE call_id = ? ORDER BY position", (call_id,)
    ).fetchall()
    return [_shift(r) for r in rows]


async def shift(db: Database | Writer, shift_id: int) -> Shift | None:
    return await db.run(lambda raw: shift_sync(raw, shift_id))


def shift_sync(raw: sqlite3.Connection, shift_id: int) -> Shift | None:
    row = raw.execute("SELECT * FROM call_shifts WHERE id = ?", (shift_id,)).fetchone()
    return None if row is None else _shift(row)


def locked_shift_sync(raw: sqlite3.Connection, shift_id: int) -> tuple[Shift, Call] | None:
    """The shift and its call, the call's row locked until the transaction ends (a tap counts,
    then writes, beside other processes' taps on the call); None when either is gone."""
    shift = shift_sync(raw, shift_id)
    if shift is None:
        return None
    lock_row_sync(raw, "volunteer_calls", shift.call_id)
    call = get_sync(raw, shift.call_id)
    return None if call is None else (shift, call)


def live_shift_sync(raw: sqlite3.Connection, shift_id: int) -> tuple[Shift, Call] | None:
    """The shift and its call while both are on (what a scheduled shift job acts on); None
    when either is gone or was cancelled (its jobs are cancelled with it, but one may be
    running at that moment)."""
    shift = shift_sync(raw, shift_id)
    call = get_sync(raw, shift.call_id) if shift is not None else None
    if shift is None or shift.cancelled_at is not None or call is None:
        return None
    if call.state != "published":
        return None
    return shift, call


def by_ids_sync(raw: sqlite3.Connection, shift_ids: Sequence[int]) -> dict[int, Shift]:
    if not shift_ids:
        return {}
    marks = ",".join("?" * len(shift_ids))
    rows = raw.execute(f"SELECT * FROM call_shifts WHERE id IN ({marks})", tuple(shift_ids))
    return {r["id"]: _shift(r) for r in rows.fetchall()}


async def reachable(db: Database | Writer, user_ids: Sequence[int]) -> list[int]:
    """Those of `user_ids` whose private chat with the bot is usable now (active, not paused):
    where a call for a volunteer profile goes."""
    found: list[int] = []
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = await db.fetchall(
            f"SELECT id FROM chats WHERE id IN ({marks}) AND type = 'private' AND active = 1 "
            "AND (paused_until IS NULL OR paused_until <= ?)",
            (*chunk, db.now()),
        )
        found.extend(int(r[0]) for r in rows)
    return found


async def _export(db: Database, user_id: int) -> object:
    return await privacy.rows(
        db,
        "SELECT id, title, description, skills, state, created_at FROM volunteer_calls "
        "WHERE created_by = ? ORDER BY id",
        (user_id,),
    )


async def _forget(tx: Writer, person: privacy.Person) -> None:
    # The call stays for those signed up; only who made it goes.
    await tx.execute(
        "UPDATE volunteer_calls SET created_by = NULL WHERE created_by = ?", (person.user_id,)
    )


privacy.register(
    privacy.Section("volunteer_calls", ("volunteer_calls",), export=_export, forget=_forget)
)
# What a call is: places, times, areas and themes; nobody's data.
privacy.register(
    privacy.Section("call_details", ("call_municipalities", "call_themes", "call_shifts"))
)
