"""Grant calls (bot/grants/): the call with its municipalities and themes, the people who asked
for deadline reminders ("🔔 Remind me") and the reminders already queued for them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from storage import privacy
from storage.db import Database, Writer

__all__ = [
    "GrantCall",
    "NewGrantCall",
    "ReminderWish",
    "create_in",
    "get",
    "open_calls",
    "record_sent_in",
    "reminder_users",
    "set_deadline_in",
    "toggle_reminder",
    "wants_reminder",
    "wishes_in",
]

State = Literal["open", "cancelled"]


@dataclass(frozen=True, slots=True)
class NewGrantCall:
    title: str
    funder: str
    municipalities: tuple[str, ...]
    themes: tuple[str, ...]  # empty: every theme
    deadline_at: int
    opens_at: int | None = None
    amount: str = ""
    link: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class GrantCall:
    id: int
    title: str
    funder: str
    description: str
    amount: str
    link: str
    opens_at: int | None
    deadline_at: int
    sequence: int
    created_by: int | None
    state: State
    created_at: int
    updated_at: int
    municipalities: tuple[str, ...]
    themes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReminderWish:
    """A person's "Remind me" on an open call, with the reminders already queued for it."""

    call: GrantCall
    user_id: int
    since: int  # when they asked
    sent_days: frozenset[int]


async def create_in(tx: Writer, new: NewGrantCall, *, created_by: int | None, now: int) -> int:
    call_id = await tx.insert(
        "INSERT INTO grant_calls (title, funder, description, amount, link, opens_at, "
        "deadline_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            new.title,
            new.funder,
            new.description,
            new.amount,
            new.link,
            new.opens_at,
            new.deadline_at,
            created_by,
            now,
            now,
        ),
    )
    await tx.executemany(
        "INSERT INTO grant_call_municipalities (call_id, code) VALUES (?, ?)",
        [(call_id, code) for code in dict.fromkeys(new.municipalities)],
    )
    await tx.executemany(
        "INSERT INTO grant_call_themes (call_id, theme) VALUES (?, ?)",
        [(call_id, theme) for theme in dict.fromkeys(new.themes)],
    )
    return call_id


def _calls_sync(raw: sqlite3.Connection, where: str, params: Sequence[object]) -> list[GrantCall]:
    rows = raw.execute(f"SELECT * FROM grant_calls WHERE {where}", tuple(params)).fetchall()
    ids = [int(r["id"]) for r in rows]
    places: dict[int, list[str]] = {i: [] for i in ids}
    themes: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        marks = ", ".join("?" * len(ids))
        for r in raw.execute(
            f"SELECT call_id, code FROM grant_call_municipalities WHERE call_id IN ({marks}) "
            "ORDER BY call_id, code",
            ids,
        ).fetchall():
            places[int(r["call_id"])].append(str(r["code"]))
        for r in raw.execute(
            f"SELECT call_id, theme FROM grant_call_themes WHERE call_id IN ({marks}) "
            "ORDER BY call_id, theme",
            ids,
        ).fetchall():
            themes[int(r["call_id"])].append(str(r["theme"]))
    return [
        GrantCall(
            id=int(r["id"]),
            title=r["title"],
            funder=r["funder"],
            description=r["description"],
            amount=r["amount"],
            link=r["link"],
            opens_at=r["opens_at"],
            deadline_at=int(r["deadline_at"]),
            sequence=int(r["sequence"]),
            created_by=r["created_by"],
            state=r["state"],
            created_at=int(r["created_at"]),
            updated_at=int(r["updated_at"]),
            municipalities=tuple(places[int(r["id"])]),
            themes=tuple(themes[int(r["id"])]),
        )
        for r in rows
    ]


async def get(db: Database | Writer, call_id: int) -> GrantCall | None:
    found = await db.run(lambda raw: _calls_sync(raw, "id = ?", (call_id,)))
    return found[0] if found else None


async def open_calls(db: Database | Writer, *, closing_after: int) -> list[GrantCall]:
    """Open calls whose deadline is at or after `closing_after`, the nearest deadline first."""
    return await db.run(
        lambda raw: _calls_sync(
            raw, "state = 'open' AND deadline_at >= ? ORDER BY deadline_at, id", (closing_after,)
        )
    )


async def set_deadline_in(tx: Writer, call_id: int, deadline_at: int, now: int) -> None:
    """A new deadline: the reminders already sent count no more (their days moved)."""
    await tx.execute(
        "UPDATE grant_calls SET deadline_at = ?, sequence = sequence + 1, updated_at = ? "
        "WHERE id = ?",
        (deadline_at, now, call_id),
    )
    await tx.execute("DELETE FROM grant_reminders_sent WHERE call_id = ?", (call_id,))


async def toggle_reminder(db: Database, call_id: int, user_id: int, now: int) -> bool:
    """Ask for reminders, or stop asking; True when the person now wants them."""

    def block(raw: sqlite3.Connection) -> bool:
        gone = raw.execute(
            "DELETE FROM grant_reminders WHERE call_id = ? AND user_id = ?", (call_id, user_id)
        ).rowcount
        if gone:
            return False
        raw.execute(
            "INSERT INTO grant_reminders (call_id, user_id, created_at) VALUES (?, ?, ?)",
            (call_id, user_id, now),
        )
        return True

    return await db.write(block)


async def wants_reminder(db: Database, call_id: int, user_id: int) -> bool:
    found = await db.fetchval(
        "SELECT 1 FROM grant_reminders WHERE call_id = ? AND user_id = ?", (call_id, user_id)
    )
    return found is not None


async def reminder_users(db: Database | Writer, call_id: int) -> list[int]:
    rows = await db.fetchall(
        "SELECT user_id FROM grant_reminders WHERE call_id = ? ORDER BY user_id", (call_id,)
    )
    return [int(r["user_id"]) for r in rows]


async def wishes_in(tx: Writer, *, closing_after: int) -> list[ReminderWish]:
    """Every "Remind me" on an open call whose deadline is at or after `closing_after`."""
    calls = {c.id: c for c in await open_calls(tx, closing_after=closing_after)}
    if not calls:
        return []
    rows = await tx.fetchall(
        "SELECT r.call_id, r.user_id, r.created_at FROM grant_reminders r "
        "JOIN grant_calls c ON c.id = r.call_id "
        "WHERE c.state = 'open' AND c.deadline_at >= ? ORDER BY r.call_id, r.user_id",
        (closing_after,),
    )
    sent: dict[tuple[int, int], set[int]] = {}
    for r in await tx.fetchall(
        "SELECT s.call_id, s.user_id, s.days FROM grant_reminders_sent s "
        "JOIN grant_calls c ON c.id = s.call_id WHERE c.state = 'open' AND c.deadline_at >= ?",
        (closing_after,),
    ):
        sent.setdefault((int(r["call_id"]), int(r["user_id"])), set()).add(int(r["days"]))
    return [
        ReminderWish(
            calls[int(r["call_id"])],
            int(r["user_id"]),
            int(r["created_at"]),
            frozenset(sent.get((int(r["call_id"]), int(r["user_id"])), ())),
        )
        for r in rows
        if int(r["call_id"]) in calls
    ]


async def record_sent_in(
    tx: Writer, call_id: int, user_id: int, days: Sequence[int], now: int
) -> None:
    await tx.executemany(
        "INSERT OR IGNORE INTO grant_reminders_sent (call_id, user_id, days, sent_at) "
        "VALUES (?, ?, ?, ?)",
        [(call_id, user_id, d, now) for d in days],
    )


async def _export(db: Database, user_id: int) -> object:
    return {
        "reminders": await privacy.rows(
            db,
            "SELECT r.call_id, c.title, r.created_at FROM grant_reminders r "
            "JOIN grant_calls c ON c.id = r.call_id WHERE r.user_id = ? ORDER BY r.call_id",
            (user_id,),
        ),
        "reminders_sent": await privacy.rows(
            db,
            "SELECT call_id, days, sent_at FROM grant_reminders_sent WHERE user_id = ? "
            "ORDER BY call_id, days",
            (user_id,),
        ),
        "created": await privacy.rows(
            db,
            "SELECT id, title, created_at FROM grant_calls WHERE created_by = ? ORDER BY id",
            (user_id,),
        ),
    }


async def _forget(tx: Writer, person: privacy.Person) -> None:
    # An opt-in is the person's own wish: gone. A published call stays, without who made it.
    await tx.execute("DELETE FROM grant_reminders WHERE user_id = ?", (person.user_id,))
    await tx.execute("DELETE FROM grant_reminders_sent WHERE user_id = ?", (person.user_id,))
    await tx.execute(
        "UPDATE grant_calls SET created_by = NULL WHERE created_by = ?", (person.user_id,)
    )


privacy.register(
    privacy.Section(
        "grant_calls",
        (
            "grant_calls",
            "grant_call_municipalities",
            "grant_call_themes",
            "grant_reminders",
            "grant_reminders_sent",
        ),
        export=_export,
        forget=_forget,
    )
)
