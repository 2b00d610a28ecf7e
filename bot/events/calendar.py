"""iCalendar (.ics) files for events: one event as an invitation attachment, or a feed of many.

Times are written in the event's own zone with a VTIMEZONE, so calendar apps show the local time
the coordinator meant even across daylight-saving changes. UID and SEQUENCE let the apps replace
an earlier copy when the event is edited or cancelled. The X-JARJESTOBOTTI-* properties carry
what iCalendar has no field for, so a file the bot wrote can be imported back (bot/events_import).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent

from storage.events import Event

__all__ = [
    "CAPACITY_PROPERTY",
    "KIND_PROPERTY",
    "MUNICIPALITIES_PROPERTY",
    "PRODID",
    "deadline_ics",
    "event_ics",
    "feed_ics",
    "ics_filename",
]

PRODID = "-//Järjestöbotti//FI"
MUNICIPALITIES_PROPERTY = "X-JARJESTOBOTTI-MUNICIPALITIES"
KIND_PROPERTY = "X-JARJESTOBOTTI-KIND"
CAPACITY_PROPERTY = "X-JARJESTOBOTTI-CAPACITY"


def _utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _vevent(event: Event, location: str, url: str | None, about: str = "") -> VEvent:
    zone = ZoneInfo(event.timezone)
    vevent = VEvent()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", _utc(event.updated_at))
    vevent.add("created", _utc(event.created_at))
    vevent.add("last-modified", _utc(event.updated_at))
    vevent.add("dtstart", datetime.fromtimestamp(event.starts_at, zone))
    if event.ends_at is not None:
        vevent.add("dtend", datetime.fromtimestamp(event.ends_at, zone))
    vevent.add("summary", event.title)
    if location:
        vevent.add("location", location)
    link = event.online_url or url
    if link:
        vevent.add("url", link)
    # `about`: whom it is for and the programme, in the reader's language (for_whom.ics_text).
    description = "\n\n".join(part for part in (event.description, about) if part)
    if description:
        vevent.add("description", description)
    if event.themes:
        vevent.add("categories", list(event.themes))
    vevent.add("status", "CANCELLED" if event.state == "cancelled" else "CONFIRMED")
    vevent.add(KIND_PROPERTY, event.kind)
    if event.municipalities:
        vevent.add(MUNICIPALITIES_PROPERTY, ";".join(event.municipalities))
    if event.capacity is not None:
        vevent.add(CAPACITY_PROPERTY, str(event.capacity))
    return vevent


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    return calendar


def _add_timezones(calendar: Calendar, events: Sequence[Event]) -> None:
    if not events:
        return
    # The transitions only need to span the events' years; the default range (1970–2038)
    # would add a few kilobytes of RDATEs to every invitation.
    years = [datetime.fromtimestamp(e.starts_at, UTC).year for e in events]
    ends = [datetime.fromtimestamp(e.ends_at or e.starts_at, UTC).year for e in events]
    calendar.add_missing_timezones(date(min(years) - 1, 1, 1), date(max(ends) + 2, 1, 1))


def event_ics(event: Event, *, location: str, url: str | None = None, about: str = "") -> bytes:
    """One event as a calendar file; a cancelled event gives METHOD:CANCEL, which tells the
    calendar app to remove the copy it has under the same UID."""
    calendar = _calendar("CANCEL" if event.state == "cancelled" else "PUBLISH")
    calendar.add_component(_vevent(event, location, url, about))
    _add_timezones(calendar, [event])
    data: bytes = calendar.to_ical()
    return data


def feed_ics(
    events: Sequence[Event],
    *,
    name: str,
    locations: Mapping[int, str],
    abouts: Mapping[int, str] | None = None,
) -> bytes:
    """Several events in one calendar (the annual calendar feed). `locations` maps an event id
    to its LOCATION text; an event missing from it shows its place. `abouts`: the text added to
    an event's DESCRIPTION (whom it is for, its programme)."""
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", name)
    for event in events:
        location = locations.get(event.id, event.place)
        about = (abouts or {}).get(event.id, "")
        calendar.add_component(_vevent(event, location, None, about))
    _add_timezones(calendar, events)
    data: bytes = calendar.to_ical()
    return data


def ics_filename(event: Event) -> str:
    """ASCII only: some Telegram clients and mail gateways mangle other file names."""
    return f"event-{event.id}.ics"


def deadline_ics(
    *,
    uid: str,
    sequence: int,
    summary: str,
    deadline: datetime,
    stamp: int,
    description: str = "",
    url: str = "",
) -> bytes:
    """One moment (a grant call's deadline) as a calendar entry in its own zone: a VEVENT that
    starts and ends at the deadline, with a VTIMEZONE like an event's file."""
    calendar = _calendar("PUBLISH")
    vevent = VEvent()
    vevent.add("uid", uid)
    vevent.add("sequence", sequence)
    vevent.add("dtstamp", _utc(stamp))
    vevent.add("dtstart", deadline)
    vevent.add("dtend", deadline)
    vevent.add("summary", summary)
    if description:
        vevent.add("description", description)
    if url:
        vevent.add("url", url)
    calendar.add_component(vevent)
    calendar.add_missing_timezones(date(deadline.year - 1, 1, 1), date(deadline.year + 2, 1, 1))
    data: bytes = calendar.to_ical()
    return data
