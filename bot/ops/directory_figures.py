"""The directory's figures for `stats`, /stats and the year-end report: listed (public)
associations per municipality and per theme, and the searches that found nothing in the period
with their most common words (the words only: nobody's name or id is kept for a miss).

Where the network is thin shows here: few listings in a municipality, and the words people
searched without finding anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.config import Config
from bot.core.i18n import Texts
from bot.core.places import PlaceCatalog
from bot.core.sheets import csv_bytes
from storage import directory_search
from storage.db import Database

__all__ = ["DirectoryFigures", "Listed", "collect", "csv_report", "plain", "render", "to_json"]


@dataclass(frozen=True, slots=True)
class Listed:
    code: str
    name: str
    listings: int


@dataclass(frozen=True, slots=True)
class DirectoryFigures:
    municipalities: tuple[Listed, ...]  # most listings first
    themes: tuple[Listed, ...]
    misses: int
    missed_words: tuple[tuple[str, int], ...]


def _ranked(items: list[Listed]) -> tuple[Listed, ...]:
    return tuple(sorted(items, key=lambda item: (-item.listings, item.name)))


async def collect(
    db: Database, config: Config, catalog: PlaceCatalog, since: int, until: int, language: str
) -> DirectoryFigures:
    per_place = await directory_search.listed_per_municipality(db)
    per_theme = await directory_search.listed_per_theme(db)
    missed = await directory_search.misses(db, since, until)
    return DirectoryFigures(
        _ranked(
            [
                Listed(
                    code, place.name(language) if (place := catalog.municipality(code)) else code, n
                )
                for code, n in per_place.items()
            ]
        ),
        _ranked(
            [
                Listed(code, theme.name(language) if (theme := config.bot.theme(code)) else code, n)
                for code, n in per_theme.items()
            ]
        ),
        missed.count,
        missed.top_words,
    )


def plain(figures: DirectoryFigures) -> list[str]:
    """Lines for the operator's plain-text summary (English, like the rest of it)."""
    words = ", ".join(f"{word} ({n})" for word, n in figures.missed_words) or "–"
    return [
        "listed associations by municipality:",
        *(f"  {m.name} ({m.code}): {m.listings}" for m in figures.municipalities),
        "listed associations by theme:",
        *(f"  {t.name} ({t.code}): {t.listings}" for t in figures.themes),
        f"directory searches that found nothing: {figures.misses}; most common words: {words}",
    ]


def to_json(figures: DirectoryFigures) -> dict[str, Any]:
    return {
        "listed_by_municipality": [
            {"code": m.code, "name": m.name, "listings": m.listings} for m in figures.municipalities
        ],
        "listed_by_theme": [
            {"id": t.code, "name": t.name, "listings": t.listings} for t in figures.themes
        ],
        "directory_misses": {
            "searches": figures.misses,
            "top_words": [{"word": word, "searches": n} for word, n in figures.missed_words],
        },
    }


def render(figures: DirectoryFigures, t: Texts) -> list[str]:
    """Lines of the admin's /stats message (HTML), in the reader's language."""
    lines = ["", t._("<b>Listed associations by municipality</b>")]
    lines += [
        t._("• {name}: {n}", name=m.name, n=t.number(m.listings)) for m in figures.municipalities
    ] or [t._("• none yet")]
    lines += ["", t._("<b>Listed associations by theme</b>")]
    lines += [
        t._("• {name}: {n}", name=theme.name, n=t.number(theme.listings))
        for theme in figures.themes
    ] or [t._("• none yet")]
    words = ", ".join(f"{word} ({t.number(n)})" for word, n in figures.missed_words)
    lines += [
        "",
        t._("Directory searches that found nothing: {n}", n=t.number(figures.misses)),
    ]
    if words:
        lines.append(t._("Most common words: {words}", words=words))
    return lines


def csv_report(figures: DirectoryFigures, year: int, t: Texts) -> bytes:
    """The year-end report's directory file: one row per municipality, theme and missed word."""
    # "directory column: …" keeps these apart from other CSV files' headers in the catalogs.
    header = [
        t._("directory column: year"),
        t._("directory column: section"),
        t._("directory column: code"),
        t._("directory column: name"),
        t._("directory column: count"),
    ]
    rows: list[list[object]] = [
        [year, t._("listed by municipality"), m.code, m.name, m.listings]
        for m in figures.municipalities
    ]
    rows += [[year, t._("listed by theme"), x.code, x.name, x.listings] for x in figures.themes]
    rows.append([year, t._("searches that found nothing"), "", "", figures.misses])
    rows += [
        [year, t._("word searched without results"), "", w, n] for w, n in figures.missed_words
    ]
    return csv_bytes(header, rows)
