"""The directory's search over public listings, the searches that found nothing, and the
directory's figures for the statistics.

A search is one trip: the count, one page of ids in name order, and that page's listings with
their municipalities. Places go through `listing_municipalities_by_code`; themes and languages
are whole words of their space-separated columns; free words are substrings of `search_text`
(already folded, as the words are). Every value is a parameter.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from storage.db import Database
from storage.listings import COLUMNS, Listing, from_row

__all__ = [
    "MissSummary",
    "Page",
    "SearchFilter",
    "listed_per_municipality",
    "listed_per_theme",
    "misses",
    "record_miss",
    "search",
    "search_sync",
]


@dataclass(frozen=True, slots=True)
class SearchFilter:
    """Municipalities: any of them (empty: anywhere). Every group of `theme_groups` must meet
    the listing's themes (a group is alternatives); every language and word must match."""

    municipalities: Sequence[str] = ()
    theme_groups: Sequence[Sequence[str]] = ()
    languages: Sequence[str] = ()
    words: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Page:
    total: int
    listings: tuple[Listing, ...]


@dataclass(frozen=True, slots=True)
class MissSummary:
    count: int
    top_words: tuple[tuple[str, int], ...]  # the most common words, most common first


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(query: SearchFilter) -> tuple[str, list[object]]:
    clauses = ["l.status = 'public'"]
    params: list[object] = []
    if query.municipalities:
        marks = ",".join("?" * len(query.municipalities))
        clauses.append(
            f"l.id IN (SELECT listing_id FROM listing_municipalities WHERE code IN ({marks}))"
        )
        params.extend(query.municipalities)
    for group in query.theme_groups:
        alternatives = " OR ".join(["(' ' || l.themes || ' ') LIKE ? ESCAPE '\\'"] * len(group))
        clauses.append(f"({alternatives})")
        params.extend(f"% {_like(theme)} %" for theme in group)
    for code in query.languages:
        clauses.append("(' ' || l.languages || ' ') LIKE ? ESCAPE '\\'")
        params.append(f"% {_like(code)} %")
    for word in query.words:
        clauses.append("l.search_text LIKE ? ESCAPE '\\'")
        params.append(f"%{_like(word)}%")
    return " AND ".join(clauses), params


def search_sync(raw: sqlite3.Connection, query: SearchFilter, offset: int, limit: int) -> Page:
    """`search` as a block on the raw connection."""
    where, params = _where(query)
    total = raw.execute(f"SELECT count(*) FROM listings l WHERE {where}", params).fetchone()[0]
    if not total or offset >= total:
        return Page(int(total), ())
    rows = raw.execute(
        f"SELECT {COLUMNS} FROM listings l WHERE {where} ORDER BY l.name, l.id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    ids = [row["id"] for row in rows]
    places: dict[int, list[str]] = {listing_id: [] for listing_id in ids}
    for row in raw.execute(
        "SELECT listing_id, code FROM listing_municipalities "
        f"WHERE listing_id IN ({','.join('?' * len(ids))}) ORDER BY listing_id, position",
        ids,
    ):
        places[row["listing_id"]].append(row["code"])
    return Page(int(total), tuple(from_row(row, tuple(places[row["id"]])) for row in rows))


async def search(db: Database, query: SearchFilter, *, offset: int = 0, limit: int = 5) -> Page:
    """Public listings matching the filter, in name order: the total and one page."""
    return await db.run(lambda raw: search_sync(raw, query, max(0, offset), limit))


async def record_miss(db: Database, words: str) -> None:
    """A search that found nothing: its folded words only, never who searched."""
    await db.execute(
        "INSERT INTO directory_misses (words, searched_at) VALUES (?, ?)", (words, db.now())
    )


async def misses(db: Database, start: int, end: int, *, top: int = 10) -> MissSummary:
    """Searches that found nothing in [start, end), and their most common words."""
    rows = await db.fetchall(
        "SELECT words FROM directory_misses WHERE searched_at >= ? AND searched_at < ?",
        (start, end),
    )
    counted = Counter(word for row in rows for word in dict.fromkeys(row["words"].split()))
    ranked = sorted(counted.items(), key=lambda item: (-item[1], item[0]))[:top]
    return MissSummary(len(rows), tuple(ranked))


async def listed_per_municipality(db: Database) -> dict[str, int]:
    """Public listings by municipality code (a listing in two municipalities counts in both)."""
    rows = await db.fetchall(
        "SELECT m.code, count(*) AS n FROM listing_municipalities m "
        "JOIN listings l ON l.id = m.listing_id WHERE l.status = 'public' GROUP BY m.code"
    )
    return {row["code"]: int(row["n"]) for row in rows}


async def listed_per_theme(db: Database) -> dict[str, int]:
    """Public listings by theme id."""
    rows = await db.fetchall("SELECT themes FROM listings WHERE status = 'public'")
    return dict(Counter(theme for row in rows for theme in row["themes"].split()))
