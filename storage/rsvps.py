"""RSVPs: one answer per person and event, the counts cards show, and the coordinator's lists."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from storage import chats, events, organisers, sessions, subscriptions
from storage.chats import Recipient
from storage.db import Database, Writer
from storage.events import Event
from storage.sessions import SessionCount

__all__ = [
    "Attendee",
    "CardReads",
    "Counts",
    "Rsvp",
    "Status",
    "TapState",
    "attendees",
    "card_reads",
    "counts",
    "get",
    "last_queued_sync",
    "notify_chats",
    "reach_sync",
    "read_tap_sync",
    "store_tap_sync",
    "unanswered_chats",
    "waitlist_head_sync",
    "waitlist_key",
    "waitlist_position",
    "waitlist_position_sync",
]

Status = Literal["yes", "maybe", "no", "waitlist"]


@dataclass(frozen=True, slots=True)
class Rsvp:
    event_id: int
    user_id: int
    chat_id: int
    status: Status
    headcount: int
    association: str | None
    municipality_code: str | None
    queued_at: int | None
    created_at: int
    updated_at: int
    session_id: int | None = None  # the breakout session chosen (storage/sessions.py)


@dataclass(frozen=True, slots=True)
class Counts:
    yes: int = 0
    yes_people: int = 0
    maybe: int = 0
    maybe_people: int = 0
    no: int = 0
    waitlist: int = 0
    waitlist_people: int = 0
    sessions: tuple[SessionCount, ...] = ()  # per breakout session; empty without sessions

    @property
    def answered(self) -> int:
        return self.yes + self.maybe + self.no + self.waitlist


@dataclass(frozen=True, slots=True)
class Attendee:
    rsvp: Rsvp
    name: str
    username: str | None
    chat_title: str | None
    # Where the answer counts: the association's municipality, else the one municipality the
    # chat it came from follows (subscriptions.only_municipality_sql), else None.
    municipality_code: str | None = None
    session_title: str | None = None


def _rsvp(row: sqlite3.Row) -> Rsvp:
    return Rsvp(
        event_id=row["event_id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        status=row["status"],
        headcount=row["headcount"],
        association=row["association"],
        municipality_code=row["municipality_code"],
        queued_at=row["queued_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        session_id=row["session_id"],
    )


async def get(db: Database | Writer, event_id: int, user_id: int) -> Rsvp | None:
    return await db.run(lambda raw: _get_sync(raw, event_id, user_id))


def _get_sync(raw: sqlite3.Connection, event_id: int, user_id: int) -> Rsvp | None:
    row = raw.execute(
        "SELECT * FROM rsvps WHERE event_id = ? AND user_id = ?", (event_id, user_id)
    ).fetchone()
    return None if row is None else _rsvp(row)


_SAVE = """
    INSERT INTO rsvps (event_id, user_id, chat_id, status, headcount, association,
                       municipality_code, queued_at, created_at, updated_at, session_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (event_id, user_id) DO UPDATE SET
        chat_id = excluded.chat_id, status = excluded.status, headcount = excluded.headcount,
        association = excluded.association, municipality_code = excluded.municipality_code,
        queued_at = excluded.queued_at, updated_at = excluded.updated_at,
        session_id = excluded.session_id
"""


def _values(rsvp: Rsvp) -> tuple[object, ...]:
    return (
        rsvp.event_id,
        rsvp.user_id,
        rsvp.chat_id,
        rsvp.status,
        rsvp.headcount,
        rsvp.association,
        rsvp.municipality_code,
        rsvp.queued_at,
        rsvp.created_at,
        rsvp.updated_at,
        rsvp.session_id,
    )


@dataclass(frozen=True, slots=True)
class TapState:
    """What the rules for one tap read, at the start of its transaction."""

    event: Event | None
    current: Rsvp | None  # the person's answer so far
    taken_by_others: int  # places held by everyone else's yes


def read_tap_sync(raw: sqlite3.Connection, event_id: int, user_id: int) -> TapState:
    """Everything the rules for one tap decide on (a block for `Database.write`)."""
    event = events.get_sync(raw, event_id)
    if event is None:
        return TapState(None, None, 0)
    return TapState(event, _get_sync(raw, event_id, user_id), _taken_sync(raw, event_id, user_id))


def reach_sync(raw: sqlite3.Connection, rsvp: Rsvp) -> Recipient:
    """Where to tell one person about their answer (a block): their private chat with the bot
    when it is usable, else the chat they answered in; with the language hints for the text."""
    private = raw.execute(
        "SELECT 1 FROM chats WHERE id = ? AND type = 'private' AND active = 1", (rsvp.user_id,)
    ).fetchone()
    target = rsvp.user_id if private is not None else rsvp.chat_id
    found = chats.recipients_sync(raw, [target])
    return found.get(target) or Recipient(target, None, None, False)


def last_queued_sync(raw: sqlite3.Connection, event_id: int) -> int | None:
    """When the last person joined the event's waiting list (a block), None when nobody waits."""
    row = raw.execute(
        "SELECT max(queued_at) FROM rsvps WHERE event_id = ? AND status = 'waitlist'", (event_id,)
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def store_tap_sync(raw: sqlite3.Connection, event_id: int, changed: Sequence[Rsvp]) -> Counts:
    """Store a tap's changed answers and return the event's counts with them (a block for
    `Database.write`)."""
    raw.executemany(_SAVE, [_values(rsvp) for rsvp in changed]).close()
    return _counts_sync(raw, event_id)


def _taken_sync(raw: sqlite3.Connection, event_id: int, except_user: int | None) -> int:
    row = raw.execute(
        "SELECT coalesce(sum(headcount), 0) FROM rsvps WHERE event_id = ? AND status = 'yes' "
        "AND user_id IS NOT ?",
        (event_id, except_user),
    ).fetchone()
    return int(row[0])


def waitlist_key(rsvp: Rsvp) -> tuple[int, int, int]:
    """The order of the waiting list: who joined it first, then who answered first."""
    return (rsvp.queued_at or 0, rsvp.created_at, rsvp.user_id)


def waitlist_head_sync(raw: sqlite3.Connection, event_id: int, limit: int | None) -> list[Rsvp]:
    """The first `limit` on the waiting list (all when None), first in line first (a block):
    a tap reads only as far as the places it may free, not a big event's whole list."""
    rows = raw.execute(
        "SELECT * FROM rsvps WHERE event_id = ? AND status = 'waitlist' "
        "ORDER BY queued_at, created_at, user_id LIMIT ?",
        (event_id, -1 if limit is None else limit),
    ).fetchall()
    return [_rsvp(r) for r in rows]


async def waitlist_position(db: Database | Writer, rsvp: Rsvp) -> int | None:
    """Where a waiting answer stands in line (None when it is not waiting)."""
    return await db.run(lambda raw: waitlist_position_sync(raw, rsvp))


def waitlist_position_sync(raw: sqlite3.Connection, rsvp: Rsvp) -> int | None:
    """`waitlist_position` as a block. With breakout sessions each session has its own line."""
    if rsvp.status != "waitlist":
        return None
    ahead = raw.execute(
        "SELECT count(*) FROM rsvps WHERE event_id = ? AND status = 'waitlist' "
        "AND session_id IS ? AND (queued_at, created_at, user_id) < (?, ?, ?)",
        (rsvp.event_id, rsvp.session_id, rsvp.queued_at, rsvp.created_at, rsvp.user_id),
    ).fetchone()
    return int(ahead[0]) + 1


async def counts(db: Database | Writer, event_id: int) -> Counts:
    return await db.run(lambda raw: _counts_sync(raw, event_id))


def _counts_sync(raw: sqlite3.Connection, event_id: int) -> Counts:
    rows = raw.execute(
        "SELECT status, count(*) AS n, sum(headcount) AS people FROM rsvps WHERE event_id = ? "
        "GROUP BY status",
        (event_id,),
    ).fetchall()
    by = {r["status"]: (r["n"], r["people"]) for r in rows}
    return Counts(
        yes=by.get("yes", (0, 0))[0],
        yes_people=by.get("yes", (0, 0))[1],
        maybe=by.get("maybe", (0, 0))[0],
        maybe_people=by.get("maybe", (0, 0))[1],
        no=by.get("no", (0, 0))[0],
        waitlist=by.get("waitlist", (0, 0))[0],
        waitlist_people=by.get("waitlist", (0, 0))[1],
        sessions=sessions.counts_sync(raw, event_id),
    )


@dataclass(frozen=True, slots=True)
class CardReads:
    """What an event's cards for a batch of chats show, read together."""

    counts: Counts
    answers: dict[int, tuple[Rsvp, int | None]]  # by person: their answer, place in line
    recipients: dict[int, Recipient]  # by chat: language hints, association profile
    organisers: tuple[str, ...] = ()  # the co-organising associations' names


async def card_reads(
    db: Database | Writer, event_id: int, chat_ids: Sequence[int], people: Sequence[int]
) -> CardReads:
    """The event's counts, the answers of `people` (with their place on the waiting list) and
    what is known of `chat_ids`, in one trip: reminders read this for hundreds of chats inside
    the scheduler's write transaction, which other writers wait for."""
    return await db.run(lambda raw: _card_reads_sync(raw, event_id, chat_ids, people))


def _card_reads_sync(
    raw: sqlite3.Connection, event_id: int, chat_ids: Sequence[int], people: Sequence[int]
) -> CardReads:
    answers: dict[int, tuple[Rsvp, int | None]] = {}
    for start in range(0, len(people), 500):
        chunk = list(people[start : start + 500])
        marks = ",".join("?" * len(chunk))
        rows = raw.execute(
            f"SELECT * FROM rsvps WHERE event_id = ? AND user_id IN ({marks})", (event_id, *chunk)
        ).fetchall()
        for row in rows:
            rsvp = _rsvp(row)
            answers[rsvp.user_id] = (rsvp, waitlist_position_sync(raw, rsvp))
    return CardReads(
        _counts_sync(raw, event_id),
        answers,
        chats.recipients_sync(raw, chat_ids),
        organisers.names_sync(raw, event_id),
    )


# Sorted by its lower(), SQLite's NOCASE order (ASCII letters folded): PostgreSQL neither knows
# NOCASE nor lets ORDER BY apply a function to an output column's alias.
_FULL_NAME = "coalesce(trim(u.first_name || ' ' || coalesce(u.last_name, '')), '')"


async def attendees(db: Database, event_id: int) -> list[Attendee]:
    """Everyone who answered, with names, for the event's coordinators only."""
    rows = await db.fetchall(
        f"""
        SELECT r.*, {_FULL_NAME} AS name,
               u.username, c.title AS chat_title, s.title AS session_title,
               coalesce(r.municipality_code, {subscriptions.only_municipality_sql("r.chat_id")})
                   AS counted_municipality
        FROM rsvps r LEFT JOIN users u ON u.id = r.user_id LEFT JOIN chats c ON c.id = r.chat_id
             LEFT JOIN event_sessions s ON s.id = r.session_id
        WHERE r.event_id = ?
        ORDER BY CASE r.status WHEN 'yes' THEN 0 WHEN 'waitlist' THEN 1 WHEN 'maybe' THEN 2
                 ELSE 3 END, r.queued_at, lower({_FULL_NAME}), r.user_id
        """,
        (event_id,),
    )
    return [
        Attendee(
            _rsvp(r),
            r["name"],
            r["username"],
            r["chat_title"],
            r["counted_municipality"],
            r["session_title"],
        )
        for r in rows
    ]


async def notify_chats(
    db: Database | Writer, event_id: int, statuses: tuple[Status, ...]
) -> list[int]:
    """Where to reach the people with these answers: their private chat with the bot when it is
    usable, else the chat they answered in; each chat once."""
    marks = ",".join("?" * len(statuses))
    rows = await db.fetchall(
        f"""
        SELECT DISTINCT CASE WHEN p.id IS NOT NULL THEN p.id ELSE r.chat_id END AS target
        FROM rsvps r LEFT JOIN chats p ON p.id = r.user_id AND p.type = 'private' AND p.active = 1
        WHERE r.event_id = ? AND r.status IN ({marks})
        ORDER BY target
        """,
        (event_id, *statuses),
    )
    return [r[0] for r in rows]


async def unanswered_chats(
    db: Database | Writer, event_id: int, chat_ids: Sequence[int]
) -> list[int]:
    """Those of `chat_ids` where nobody has answered the event (a private chat counts as
    answered when its person answered anywhere)."""
    answered = {
        row[0]
        for row in await db.fetchall(
            "SELECT chat_id FROM rsvps WHERE event_id = ? UNION SELECT user_id FROM rsvps "
            "WHERE event_id = ?",
            (event_id, event_id),
        )
    }
    return [chat_id for chat_id in chat_ids if chat_id not in answered]
