"""An event's breakout sessions: the parallel sessions (workshops) an answer "coming" picks
one of, their places, and how many each holds. The rules are in bot/events/sessions.py."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from storage import privacy
from storage.db import Database, Writer
from storage.row_locks import lock_row_sync

__all__ = [
    "Session",
    "SessionCount",
    "SessionSpec",
    "counts_sync",
    "for_event",
    "for_event_sync",
    "replace",
    "taken_sync",
]


@dataclass(frozen=True, slots=True)
class SessionSpec:
    """A session as the coordinator writes it."""

    title: str
    capacity: int | None = None


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    event_id: int
    position: int
    title: str
    capacity: int | None


@dataclass(frozen=True, slots=True)
class SessionCount:
    """One session on a card: its places and the people whose yes (or wait) is for it."""

    id: int
    title: str
    capacity: int | None
    taken: int = 0  # people coming (headcounts of yes answers)
    waiting: int = 0  # answers on its waiting list


def _session(row: sqlite3.Row) -> Session:
    return Session(row["id"], row["event_id"], row["position"], row["title"], row["capacity"])


async def for_event(db: Database | Writer, event_id: int) -> list[Session]:
    """The event's sessions in the coordinator's order; empty: the event has none."""
    return await db.run(lambda raw: for_event_sync(raw, event_id))


def for_event_sync(raw: sqlite3.Connection, event_id: int) -> list[Session]:
    """`for_event` as a block."""
    rows = raw.execute(
        "SELECT * FROM event_sessions WHERE event_id = ? ORDER BY position", (event_id,)
    ).fetchall()
    return [_session(r) for r in rows]


def counts_sync(raw: sqlite3.Connection, event_id: int) -> tuple[SessionCount, ...]:
    """Each session's places taken and answers waiting (a block; empty without sessions)."""
    rows = raw.execute(
        """
        SELECT s.id, s.title, s.capacity,
               coalesce(sum(CASE WHEN r.status = 'yes' THEN r.headcount ELSE 0 END), 0) AS taken,
               coalesce(sum(CASE WHEN r.status = 'waitlist' THEN 1 ELSE 0 END), 0) AS waiting
        FROM event_sessions s LEFT JOIN rsvps r ON r.session_id = s.id
        WHERE s.event_id = ?
        GROUP BY s.id, s.title, s.capacity, s.position
        ORDER BY s.position
        """,
        (event_id,),
    ).fetchall()
    return tuple(
        SessionCount(r["id"], r["title"], r["capacity"], int(r["taken"]), int(r["waiting"]))
        for r in rows
    )


def taken_sync(raw: sqlite3.Connection, event_id: int, except_user: int) -> dict[int, int]:
    """Places each session's yes answers hold, leaving out one person's (a block)."""
    rows = raw.execute(
        "SELECT session_id, sum(headcount) FROM rsvps WHERE event_id = ? AND status = 'yes' "
        "AND session_id IS NOT NULL AND user_id != ? GROUP BY session_id",
        (event_id, except_user),
    ).fetchall()
    return {int(r[0]): int(r[1]) for r in rows}


def _key(title: str) -> str:
    return " ".join(title.split()).casefold()


async def replace(db: Database, event_id: int, specs: Sequence[SessionSpec]) -> list[str]:
    """Make the event's sessions `specs`, in that order. A session whose title stays keeps its
    id (and the people who chose it); the others are removed. Refused, with nothing changed,
    when someone is coming to or waiting for a session that would be removed: those titles are
    returned (empty: done). Locks the event's row like an RSVP tap, so no tap picks a session
    between the check and the removal."""
    return await db.write(lambda raw: _replace_sync(raw, event_id, specs), serialised=False)


def _replace_sync(
    raw: sqlite3.Connection, event_id: int, specs: Sequence[SessionSpec]
) -> list[str]:
    lock_row_sync(raw, "events", event_id)
    current = for_event_sync(raw, event_id)
    wanted = {_key(spec.title) for spec in specs}
    removed = [s for s in current if _key(s.title) not in wanted]
    chosen = [
        s.title
        for s in removed
        if raw.execute(
            "SELECT 1 FROM rsvps WHERE session_id = ? AND status IN ('yes', 'waitlist') LIMIT 1",
            (s.id,),
        ).fetchone()
        is not None
    ]
    if chosen:
        return chosen
    for session in removed:
        raw.execute("UPDATE rsvps SET session_id = NULL WHERE session_id = ?", (session.id,))
        raw.execute("DELETE FROM event_sessions WHERE id = ?", (session.id,))
    kept = {_key(s.title): s for s in current if _key(s.title) in wanted}
    for position, spec in enumerate(specs, start=1):
        same = kept.get(_key(spec.title))
        if same is not None:
            raw.execute(
                "UPDATE event_sessions SET position = ?, title = ?, capacity = ? WHERE id = ?",
                (position, spec.title, spec.capacity, same.id),
            )
        else:
            raw.execute(
                "INSERT INTO event_sessions (event_id, position, title, capacity) "
                "VALUES (?, ?, ?, ?)",
                (event_id, position, spec.title, spec.capacity),
            )
    return []


# Titles and places only; the person's choice is their answer's `session_id`, exported with it.
privacy.register(privacy.Section("event_sessions", ("event_sessions",)))
