"""Read-only figures of volunteer calls for `stats`, /stats and the year-end report: calls,
shifts, filled shifts, sign-ups, attendance and hours, in total and per municipality, theme or
association of the call.

What counts (the shared attendance rule of issue 21): the shifts of *published* calls starting in
[since, until); a cancelled call counts nowhere. A sign-up row with status 'yes' holds a place; one
with status 'yes' and `checked_in_at` set is an attended shift, and only those credit hours
(`hours`, or the shift's length if an older row has none). Volunteers are the distinct people
with an attended shift; /forget pseudonymises a user id, so a forgotten person still counts once.

Privacy: nothing here returns a user id, a name or a message text, only counts.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from typing import Literal

from storage.db import Database

__all__ = ["Dimension", "Figures", "by_dimension", "by_dimension_sync", "totals", "totals_sync"]

Dimension = Literal["municipality", "theme", "association"]


@dataclass(frozen=True, slots=True)
class Figures:
    key: str  # municipality code, theme id, listing id as text; '' for the total / no listing
    name: str | None  # the listing's name (association only), else None
    calls: int  # published calls with a shift in the period
    shifts: int
    shifts_filled: int  # every place taken by a 'yes' sign-up
    places: int
    signups: int  # 'yes' rows
    attended: int  # 'yes' rows checked in (or marked)
    volunteers: int  # distinct people with an attended shift
    hours: float  # credited hours of the attended rows


# The call → key pairs of each dimension. A call in two municipalities (or with two themes)
# counts in both, as events do in the participation report.
_KEYS: dict[str, str] = {
    "municipality": "SELECT call_id, code AS key FROM call_municipalities",
    "theme": "SELECT call_id, theme AS key FROM call_themes",
    "association": (
        "SELECT id AS call_id, coalesce(CAST(listing_id AS TEXT), '') AS key FROM volunteer_calls"
    ),
    "total": "SELECT id AS call_id, '' AS key FROM volunteer_calls",
}

# Shifts and sign-ups are aggregated separately and joined by key (joining sign-ups to shifts
# first would count a shift once per sign-up).
_SQL = """
    WITH s AS (SELECT sh.id, sh.call_id, sh.places, sh.starts_at, sh.ends_at
               FROM call_shifts sh JOIN volunteer_calls c ON c.id = sh.call_id
               WHERE c.state = 'published' AND sh.cancelled_at IS NULL
                     AND sh.starts_at >= ? AND sh.starts_at < ?),
    k AS (SELECT t.call_id, t.key FROM (%s) t WHERE t.call_id IN (SELECT call_id FROM s)),
    yes AS (SELECT g.shift_id, count(*) AS n FROM shift_signups g
            WHERE g.status = 'yes' AND g.shift_id IN (SELECT id FROM s) GROUP BY g.shift_id),
    sk AS (SELECT k.key, count(DISTINCT s.call_id) AS calls, count(*) AS shifts,
                  sum(s.places) AS places, sum(coalesce(yes.n, 0)) AS signups,
                  sum(CASE WHEN coalesce(yes.n, 0) >= s.places THEN 1 ELSE 0 END) AS filled
           FROM k JOIN s ON s.call_id = k.call_id LEFT JOIN yes ON yes.shift_id = s.id
           GROUP BY k.key),
    att AS (SELECT k.key, count(*) AS attended, count(DISTINCT g.user_id) AS volunteers,
                   sum(coalesce(g.hours, (s.ends_at - s.starts_at) / 3600.0)) AS hours
            FROM k JOIN s ON s.call_id = k.call_id
            JOIN shift_signups g ON g.shift_id = s.id
            WHERE g.status = 'yes' AND g.checked_in_at IS NOT NULL
            GROUP BY k.key)
    SELECT sk.key, sk.calls, sk.shifts, sk.places, sk.signups, sk.filled,
           coalesce(att.attended, 0) AS attended, coalesce(att.volunteers, 0) AS volunteers,
           coalesce(att.hours, 0) AS hours
    FROM sk LEFT JOIN att ON att.key = sk.key
    ORDER BY sk.key
"""


def _rows(raw: sqlite3.Connection, keys: str, since: int, until: int) -> list[Figures]:
    rows = raw.execute(_SQL % keys, (since, until)).fetchall()
    return [
        Figures(
            key=str(r["key"]),
            name=None,
            calls=int(r["calls"]),
            shifts=int(r["shifts"]),
            shifts_filled=int(r["filled"]),
            places=int(r["places"]),
            signups=int(r["signups"]),
            attended=int(r["attended"]),
            volunteers=int(r["volunteers"]),
            hours=float(r["hours"]),
        )
        for r in rows
    ]


def totals_sync(raw: sqlite3.Connection, since: int, until: int) -> Figures:
    found = _rows(raw, _KEYS["total"], since, until)
    return found[0] if found else Figures("", None, 0, 0, 0, 0, 0, 0, 0, 0.0)


async def totals(db: Database, since: int, until: int) -> Figures:
    """The whole network's figures for shifts starting in [since, until)."""
    return await db.run(lambda raw: totals_sync(raw, since, until))


def by_dimension_sync(
    raw: sqlite3.Connection, dimension: Dimension, since: int, until: int
) -> list[Figures]:
    found = _rows(raw, _KEYS[dimension], since, until)
    if dimension != "association":
        return found
    ids = [int(f.key) for f in found if f.key]
    names: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = raw.execute(f"SELECT id, name FROM listings WHERE id IN ({marks})", chunk)
        names.update((str(r["id"]), str(r["name"])) for r in rows.fetchall())
    return [replace(f, name=names.get(f.key)) for f in found]


async def by_dimension(db: Database, dimension: Dimension, since: int, until: int) -> list[Figures]:
    """Per municipality / theme of the call, or per association (the call's listing; key '' for
    calls without one), for shifts starting in [since, until); ordered by key."""
    if dimension not in ("municipality", "theme", "association"):
        raise ValueError(f"unknown dimension {dimension!r}")
    return await db.run(lambda raw: by_dimension_sync(raw, dimension, since, until))
