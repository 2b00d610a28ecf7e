"""Clash warnings (issue 20): which published events an event might overlap with, so a
coordinator sees that Joensuu already has an association evening at the same hour.

Two kinds of clash, each only a warning (nothing is ever blocked):
- near: another event in one of the same municipalities starting within three hours;
- theme_week: another event with a theme in common, in the same region (maakunta) and the same
  ISO week (in the bot's time zone).

The candidates are read by start time only (storage/event_clashes.py, one indexed range); the
rest is decided here, without storage, so /newevent's preview, an edit, `events import` and the
coming /propose all share it: build a `Subject` and call `find`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal

from bot.core.i18n import Html, Texts
from bot.core.places import PlaceCatalog
from bot.events.cards import time_line
from bot.events.fields import EventFields
from storage import event_clashes
from storage.db import Database, Writer
from storage.events import Event

__all__ = ["NEAR", "Clash", "Reason", "Subject", "classify", "find", "lines", "subject_of"]

NEAR = 3 * 3600  # seconds: "within three hours" of the start, both ways, inclusive
Reason = Literal["near", "theme_week"]


@dataclass(frozen=True, slots=True)
class Subject:
    """What is checked: an event being written (or proposed) or a stored one being edited."""

    starts_at: int  # unix seconds
    municipalities: tuple[str, ...]
    themes: tuple[str, ...]  # empty: every theme, which names no theme to share
    event_id: int | None = None  # the stored event itself, never its own clash


@dataclass(frozen=True, slots=True)
class Clash:
    event: Event
    reason: Reason


def subject_of(fields: EventFields, event_id: int | None = None) -> Subject:
    return Subject(
        int(fields.starts_at.timestamp()), fields.municipalities, fields.themes, event_id
    )


def _week(starts_at: int, tz: tzinfo) -> tuple[int, int]:
    """The ISO week (Monday 00:00 to the next Monday, local time) holding the start."""
    local = datetime.fromtimestamp(starts_at, UTC).astimezone(tz)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), datetime.min.time())
    start = monday.replace(tzinfo=tz)
    end = (monday + timedelta(days=7)).replace(tzinfo=tz)
    return int(start.timestamp()), int(end.timestamp())


def _regions(codes: Sequence[str], catalog: PlaceCatalog) -> set[str]:
    return {m.region_code for code in codes if (m := catalog.municipality(code)) is not None}


def classify(
    subject: Subject, candidates: Sequence[Event], catalog: PlaceCatalog, tz: tzinfo
) -> list[Clash]:
    """The candidates that clash with `subject`, each once (a near clash first), by start."""
    week_start, week_end = _week(subject.starts_at, tz)
    places = set(subject.municipalities)
    regions = _regions(subject.municipalities, catalog)
    themes = set(subject.themes)
    found: list[Clash] = []
    for event in candidates:
        if event.id == subject.event_id or event.state != "published":
            continue
        if abs(event.starts_at - subject.starts_at) <= NEAR and places & set(event.municipalities):
            found.append(Clash(event, "near"))
        elif (
            week_start <= event.starts_at < week_end
            and themes & set(event.themes)
            and regions & _regions(event.municipalities, catalog)
        ):
            found.append(Clash(event, "theme_week"))
    return sorted(found, key=lambda c: (c.event.starts_at, c.event.id))


async def find(
    db: Database | Writer, catalog: PlaceCatalog, subject: Subject, tz: tzinfo
) -> list[Clash]:
    """The published events that clash with `subject`: one read of the start-time range that
    covers both rules, then `classify`."""
    week_start, week_end = _week(subject.starts_at, tz)
    first = min(week_start, subject.starts_at - NEAR)
    last = max(week_end - 1, subject.starts_at + NEAR)
    candidates = await event_clashes.published_starting_between(
        db, first, last, exclude=subject.event_id
    )
    return classify(subject, candidates, catalog, tz)


def lines(clashes: Sequence[Clash], t: Texts, link: Callable[[int], str]) -> list[str]:
    """The warning: a heading and one line per clash with its time, title and link (`link`
    gives an event's link: the deep link in chat, /event N elsewhere)."""
    if not clashes:
        return []
    found = [
        t._("⚠️ Other events that may clash (you can still publish):"),
    ]
    for clash in clashes:
        why = (
            t._("same municipality, within 3 hours")
            if clash.reason == "near"
            else t._("same theme, region and week")
        )
        found.append(
            t._(
                "• {when}: {title} — {link} ({why})",
                when=time_line(clash.event, t),
                title=clash.event.title,
                link=Html(link(clash.event.id)),
                why=why,
            )
        )
    return found
