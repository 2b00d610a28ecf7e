"""bot/events/clashes.py's rules on their own: three hours either way inclusive, the ISO week in
Helsinki time (Monday 00:00 starts a new one), a shared theme and region, never itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.places import load_catalog
from bot.events.clashes import Subject, classify
from tests.test_calendar import make_event

HKI = ZoneInfo("Europe/Helsinki")
CATALOG = load_catalog()


def _ts(day: int, hour: int, minute: int = 0) -> int:
    return int(datetime(2026, 12, day, hour, minute, tzinfo=HKI).timestamp())


# Tuesday 1 December 2026 at 18:00, Joensuu, health.
SUBJECT = Subject(_ts(1, 18), ("167",), ("health",), event_id=1)


def _found(**changes: Any) -> list[tuple[int, str]]:
    other = replace(make_event(), **{"id": 2, "municipalities": ("167",), **changes})
    return [(c.event.id, c.reason) for c in classify(SUBJECT, [other], CATALOG, HKI)]


def test_three_hours_either_way_is_near_and_a_minute_more_is_not() -> None:
    culture = ("culture",)
    assert _found(starts_at=_ts(1, 21), themes=culture) == [(2, "near")]
    assert _found(starts_at=_ts(1, 15), themes=culture) == [(2, "near")]
    assert _found(starts_at=_ts(1, 21, 1), themes=culture) == []
    assert _found(starts_at=_ts(1, 19), themes=culture, municipalities=("309",)) == []


def test_same_theme_and_region_in_the_same_iso_week() -> None:
    outokumpu = ("309",)
    sunday_late = _ts(6, 23, 59)
    assert _found(starts_at=sunday_late, themes=("health",), municipalities=outokumpu) == [
        (2, "theme_week")
    ]
    monday = _ts(7, 0)
    assert _found(starts_at=monday, themes=("health",), municipalities=outokumpu) == []
    week_start = int(datetime(2026, 11, 30, 0, tzinfo=HKI).timestamp())  # Monday
    assert _found(starts_at=week_start, themes=("health",), municipalities=outokumpu) == [
        (2, "theme_week")
    ]
    assert _found(starts_at=week_start - 1, themes=("health",), municipalities=outokumpu) == []
    assert _found(starts_at=_ts(3, 18), themes=("culture",), municipalities=outokumpu) == []
    assert _found(starts_at=_ts(3, 18), themes=("health",), municipalities=("091",)) == []
    assert _found(starts_at=_ts(3, 18), themes=(), municipalities=outokumpu) == []


def test_never_itself_nor_a_cancelled_event() -> None:
    assert _found(id=1, starts_at=_ts(1, 18)) == []
    assert _found(starts_at=_ts(1, 18), state="cancelled") == []
