"""Events: creation, publishing (with its invitation rows), edits, cancellation and lookups."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from storage.db import Database, Writer
from storage.subscriptions import ALL_THEMES

__all__ = [
    "FOR_GROUP",
    "MEETS_CHAT",
    "Event",
    "EventState",
    "NewEvent",
    "by_creator",
    "cancel",
    "create",
    "for_group_params",
    "get",
    "get_sync",
    "load",
    "load_sync",
    "mark_published",
    "set_invitations",
    "upcoming_for_chat",
    "update",
]

EventState = Literal["draft", "published", "cancelled"]


@dataclass(frozen=True, slots=True)
class NewEvent:
    """What a coordinator writes: the fields an event is created and edited with."""

    kind: str
    title: str
    description: str
    starts_at: int
    ends_at: int | None
    timezone: str
    place: str
    online_url: str
    capacity: int | None
    rsvp_deadline: int | None
    reminders: tuple[int, ...]
    municipalities: tuple[str, ...]
    themes: tuple[str, ...]
    series_id: int | None = None
    for_whom: tuple[str, ...] = ()  # codes of bot/events/audience.py; empty: everyone
    programme: tuple[str, ...] = ()  # lines such as "18.00 Welcome"


# The stored event is the written fields plus what the bot keeps about them. Its own fields are
# keyword-only: they follow the written ones, the last of which has a default.
@dataclass(frozen=True, slots=True, kw_only=True)
class Event(NewEvent):
    id: int
    uid: str
    state: EventState
    sequence: int
    created_by: int | None
    broadcast_id: int | None
    created_at: int
    updated_at: int
    published_at: int | None
    cancelled_at: int | None
    # Topic suggestions are taken until then (None: the default, bot/topics/rules.py).
    topics_until: int | None = None

    def answers_open(self, now: int) -> bool:
        """RSVPs are taken until the deadline (or the start) of a published event."""
        closes = self.rsvp_deadline if self.rsvp_deadline is not None else self.starts_at
        return self.state == "published" and now < closes


def _event(row: sqlite3.Row, municipalities: tuple[str, ...], themes: tuple[str, ...]) -> Event:
    return Event(
        id=row["id"],
        uid=row["uid"],
        kind=row["kind"],
        title=row["title"],
        description=row["description"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        timezone=row["timezone"],
        place=row["place"],
        online_url=row["online_url"],
        capacity=row["capacity"],
        rsvp_deadline=row["rsvp_deadline"],
        reminders=tuple(int(v) for v in row["reminders"].split()),
        state=row["state"],
        sequence=row["sequence"],
        created_by=row["created_by"],
        broadcast_id=row["broadcast_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        published_at=row["published_at"],
        cancelled_at=row["cancelled_at"],
        municipalities=municipalities,
        themes=themes,
        series_id=row["series_id"],
        for_whom=tuple(row["for_whom"].split()),
        programme=tuple(line for line in row["programme"].split("\n") if line),
        topics_until=row["topics_until"],
    )


def _fields(new: NewEvent) -> dict[str, Any]:
    return {
        "kind": new.kind,
        "title": new.title,
        "description": new.description,
        "starts_at": new.starts_at,
        "ends_at": new.ends_at,
        "timezone": new.timezone,
        "place": new.place,
        "online_url": new.online_url,
        "capacity": new.capacity,
        "rsvp_deadline": new.rsvp_deadline,
        "reminders": " ".join(str(v) for v in sorted(set(new.reminders), reverse=True)),
        "for_whom": " ".join(new.for_whom),
        "programme": "\n".join(new.programme),
    }


async def _write_targets(tx: Writer, event_id: int, new: NewEvent) -> None:
    await tx.execute("DELETE FROM event_municipalities WHERE event_id = ?", (event_id,))
    await tx.execute("DELETE FROM event_themes WHERE event_id = ?", (event_id,))
    await tx.executemany(
        "INSERT OR IGNORE INTO event_municipalities (event_id, code) VALUES (?, ?)",
        [(event_id, code) for code in new.municipalities],
    )
    await tx.executemany(
        "INSERT OR IGNORE INTO event_themes (event_id, theme_id) VALUES (?, ?)",
        [(event_id, theme) for theme in new.themes],
    )


async def create(tx: Writer, new: NewEvent, *, created_by: int | None, now: int) -> int:
    """A draft event, inside the caller's transaction."""
    fields = _fields(new)
    columns = ", ".join(fields)
    marks = ", ".join("?" * len(fields))
    event_id = await tx.insert(
        f"INSERT INTO events (uid, {columns}, created_by, created_at, updated_at) "
        f"VALUES (?, {marks}, ?, ?, ?)",
        (f"{uuid.uuid4()}@jarjestobotti", *fields.values(), created_by, now, now),
    )
    if new.series_id is not None:
        await tx.execute("UPDATE events SET series_id = ? WHERE id = ?", (new.series_id, event_id))
    await _write_targets(tx, event_id, new)
    return event_id


async def mark_published(tx: Writer, event_id: int, broadcast_id: int | None, now: int) -> bool:
    """Published; `broadcast_id` is None while the invitations wait (later dates of a series)."""
    changed = await tx.execute(
        "UPDATE events SET state = 'published', published_at = ?, broadcast_id = ?, "
        "updated_at = ? WHERE id = ? AND state = 'draft'",
        (now, broadcast_id, now, event_id),
    )
    return changed > 0


async def set_invitations(tx: Writer, event_id: int, broadcast_id: int, now: int) -> None:
    await tx.execute(
        "UPDATE events SET broadcast_id = ?, updated_at = ? WHERE id = ?",
        (broadcast_id, now, event_id),
    )


async def update(tx: Writer, event_id: int, new: NewEvent, now: int) -> bool:
    """Replace an event's fields; SEQUENCE goes up so calendars take the new version."""
    fields = _fields(new)
    assignments = ", ".join(f"{name} = ?" for name in fields)
    changed = await tx.execute(
        f"UPDATE events SET {assignments}, sequence = sequence + 1, updated_at = ? "
        "WHERE id = ? AND state != 'cancelled'",
        (*fields.values(), now, event_id),
    )
    if changed:
        await _write_targets(tx, event_id, new)
    return changed > 0


async def cancel(tx: Writer, event_id: int, now: int) -> bool:
    changed = await tx.execute(
        "UPDATE events SET state = 'cancelled', cancelled_at = ?, sequence = sequence + 1, "
        "updated_at = ? WHERE id = ? AND state = 'published'",
        (now, now, event_id),
    )
    return changed > 0


# Event `e` meets chat `?` (bound twice: the chat id, then again): its municipalities meet the
# chat's subscribed areas (directly, by region or county, or all of Finland) and its themes meet
# the chat's themes (no themes: every theme). The audience rule of /events, digests, /vuosikello.
MEETS_CHAT = f"""
    EXISTS (
        SELECT 1 FROM event_municipalities em
        JOIN municipalities m ON m.code = em.code
        JOIN subscription_areas sa ON sa.chat_id = ? AND (
            sa.kind = 'all'
            OR (sa.kind = 'municipality' AND sa.code = m.code)
            OR (sa.kind = 'region' AND sa.code = m.region_code)
            OR (sa.kind = 'county' AND sa.code = m.county_id))
        WHERE em.event_id = e.id)
    AND (NOT EXISTS (SELECT 1 FROM event_themes et WHERE et.event_id = e.id)
         OR EXISTS (SELECT 1 FROM subscription_themes st WHERE st.chat_id = ?
                    AND (st.theme_id = '{ALL_THEMES}' OR st.theme_id IN
                         (SELECT theme_id FROM event_themes et WHERE et.event_id = e.id))))
"""


async def load(db: Database | Writer, rows: Sequence[sqlite3.Row]) -> list[Event]:
    """Events from `events` rows (SELECT e.* …), with their municipalities and themes."""
    if not rows:
        return []
    return await db.run(lambda raw: load_sync(raw, rows))


def load_sync(raw: sqlite3.Connection, rows: Sequence[sqlite3.Row]) -> list[Event]:
    """`load` as a block on the raw connection, for callers that read more in the same trip."""
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    marks = ",".join("?" * len(ids))
    municipalities: dict[int, list[str]] = {}
    themes: dict[int, list[str]] = {}
    for found in raw.execute(
        f"SELECT event_id, code FROM event_municipalities WHERE event_id IN ({marks}) "
        "ORDER BY event_id, code",
        ids,
    ).fetchall():
        municipalities.setdefault(found[0], []).append(found[1])
    for found in raw.execute(
        f"SELECT event_id, theme_id FROM event_themes WHERE event_id IN ({marks}) "
        "ORDER BY event_id, theme_id",
        ids,
    ).fetchall():
        themes.setdefault(found[0], []).append(found[1])
    return [
        _event(row, tuple(municipalities.get(row["id"], ())), tuple(themes.get(row["id"], ())))
        for row in rows
    ]


async def get(db: Database | Writer, event_id: int) -> Event | None:
    return await db.run(lambda raw: get_sync(raw, event_id))


def get_sync(raw: sqlite3.Connection, event_id: int) -> Event | None:
    """`get` as a block on the raw connection."""
    row = raw.execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
    return None if row is None else load_sync(raw, [row])[0]


# Event `e` is for a group (bot/events/for_whom.py): it names the group or everyone, or names
# nobody (which means everyone). Bound: `for_group_params(code)`; the patterns are parameters, as
# a `%` inside a quoted literal would not reach PostgreSQL intact (storage/pg_compat.py).
FOR_GROUP = """
    (e.for_whom = '' OR (' ' || e.for_whom || ' ') LIKE ? OR (' ' || e.for_whom || ' ') LIKE ?)
"""


def for_group_params(code: str) -> tuple[str, str]:
    return f"% {code} %", "% everyone %"


async def upcoming_for_chat(
    db: Database | Writer,
    chat_id: int,
    now: int,
    *,
    limit: int,
    offset: int,
    for_whom: str | None = None,
) -> tuple[list[Event], int]:
    """Published events not yet over whose municipalities meet the chat's subscribed areas and
    whose themes meet its themes, and, given `for_whom`, that are for that group; (one page,
    total)."""
    where = f"e.state = 'published' AND coalesce(e.ends_at, e.starts_at) > ? AND {MEETS_CHAT}"
    params: tuple[object, ...] = (now, chat_id, chat_id)
    if for_whom is not None:
        where += f" AND {FOR_GROUP}"
        params = (*params, *for_group_params(for_whom))
    total = int(await db.fetchval(f"SELECT count(*) FROM events e WHERE {where}", params) or 0)
    rows = await db.fetchall(
        f"SELECT e.* FROM events e WHERE {where} ORDER BY e.starts_at, e.id LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return await load(db, rows), total


async def by_creator(db: Database, user_id: int | None, now: int, *, limit: int) -> list[Event]:
    """Recent and upcoming events of one coordinator (all events for user_id None)."""
    where = "coalesce(ends_at, starts_at) > ? - 30 * 86400"
    params: list[Any] = [now]
    if user_id is not None:
        where += " AND created_by = ?"
        params.append(user_id)
    rows = await db.fetchall(
        f"SELECT * FROM events WHERE {where} ORDER BY starts_at, id LIMIT ?", (*params, limit)
    )
    return await load(db, rows)
