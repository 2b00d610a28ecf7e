"""The annual calendar (vuosikello): a year's published events for a chat's subscriptions or for
some municipalities, as a list grouped by month and as an .ics feed.

Which year: the current calendar year in the configured zone (1 January – 31 December), or the
year asked for. When nothing of the current year is still to come (late December, or a quiet
year), the next year is included too, so the answer is never just a list of past events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.core.i18n import Texts
from bot.core.place_search import PlaceIndex
from bot.core.places import PlaceCatalog
from bot.events import for_whom
from bot.events.calendar import feed_ics
from bot.events.cards import location_line
from storage import series as stored_series
from storage.db import Database
from storage.events import Event

__all__ = [
    "MAX_MESSAGE",
    "Place",
    "YearCalendar",
    "feed",
    "find_place",
    "for_chat",
    "for_place",
    "month_heading",
    "year_bounds",
]

# Telegram's limit is 4096 characters; leave room for entities.
MAX_MESSAGE = 3800


@dataclass(frozen=True, slots=True)
class Place:
    """A municipality (or a region or wellbeing county, meaning all its municipalities)."""

    kind: str
    code: str
    name: str  # in the reader's language
    municipalities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class YearCalendar:
    first_year: int
    last_year: int
    events: tuple[Event, ...]


def year_bounds(first_year: int, last_year: int, tz: ZoneInfo) -> tuple[int, int]:
    """Unix seconds from 1 January of `first_year` to the end of `last_year`, local time."""
    start = datetime.combine(date(first_year, 1, 1), time(0), tz)
    end = datetime.combine(date(last_year + 1, 1, 1), time(0), tz)
    return int(start.timestamp()), int(end.timestamp())


def find_place(
    text: str, index: PlaceIndex, catalog: PlaceCatalog, language: str
) -> Place | list[str]:
    """The place named (Finnish or Swedish name, or code), or the names it might have meant
    (possibly none)."""
    result = index.search(text)
    found = result.exact
    if found is None:
        names = []
        for ref in result.candidates:
            if ref.kind == "municipality" and (m := catalog.municipality(ref.code)):
                names.append(m.name(language))
            elif ref.kind == "region" and (r := catalog.region(ref.code)):
                names.append(r.name(language))
            elif ref.kind == "county" and (c := catalog.county(ref.code)):
                names.append(c.name(language))
        return names
    if found.kind == "municipality":
        municipality = catalog.municipality(found.code)
        assert municipality is not None
        return Place(found.kind, found.code, municipality.name(language), (found.code,))
    if found.kind == "region":
        region = catalog.region(found.code)
        assert region is not None
        codes = tuple(m.code for m in catalog.municipalities_in_region(found.code))
        return Place(found.kind, found.code, region.name(language), codes)
    county = catalog.county(found.code)
    assert county is not None
    codes = tuple(m.code for m in catalog.municipalities_in_county(found.code))
    return Place(found.kind, found.code, county.name(language), codes)


async def _year(
    db: Database,
    fetch: _Fetch,
    year: int | None,
    now: int,
    tz: ZoneInfo,
) -> YearCalendar:
    if year is not None:
        start, end = year_bounds(year, year, tz)
        return YearCalendar(year, year, tuple(await fetch(db, start, end)))
    this_year = datetime.fromtimestamp(now, tz).year
    start, end = year_bounds(this_year, this_year, tz)
    found = await fetch(db, start, end)
    if any(event.starts_at >= now for event in found):
        return YearCalendar(this_year, this_year, tuple(found))
    start, end = year_bounds(this_year, this_year + 1, tz)
    return YearCalendar(this_year, this_year + 1, tuple(await fetch(db, start, end)))


class _Fetch:
    def __init__(self, chat_id: int | None, codes: Sequence[str]) -> None:
        self.chat_id = chat_id
        self.codes = tuple(codes)

    async def __call__(self, db: Database, start: int, end: int) -> list[Event]:
        if self.chat_id is not None:
            return await stored_series.year_for_chat(db, self.chat_id, start, end)
        return await stored_series.year_in_municipalities(db, self.codes, start, end)


async def for_chat(
    db: Database, chat_id: int, year: int | None, now: int, tz: ZoneInfo
) -> YearCalendar:
    """The year's events that meet the chat's subscriptions."""
    return await _year(db, _Fetch(chat_id, ()), year, now, tz)


async def for_place(
    db: Database, place: Place, year: int | None, now: int, tz: ZoneInfo
) -> YearCalendar:
    """The year's events for the place's municipalities."""
    return await _year(db, _Fetch(None, place.municipalities), year, now, tz)


def month_heading(t: Texts, moment: datetime) -> str:
    """ "Joulukuu 2026", "December 2026"."""
    text = format_date(t.local(moment).date(), "LLLL yyyy", locale=t.language)
    return text[:1].upper() + text[1:]


def feed(events: Sequence[Event], name: str, t: Texts) -> bytes:
    """The .ics feed of the listed events, whom each is for and its programme in `t`'s language."""
    return feed_ics(
        events,
        name=name,
        locations={e.id: location_line(e) for e in events},
        abouts={e.id: for_whom.ics_text(e, t) for e in events},
    )
