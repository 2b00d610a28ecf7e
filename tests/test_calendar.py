"""The .ics files: what a calendar app reads back from them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.events.calendar import event_ics, feed_ics, ics_filename
from storage.events import Event

HELSINKI = ZoneInfo("Europe/Helsinki")


def _ts(year: int, month: int, day: int, hour: int) -> int:
    return int(datetime(year, month, day, hour, tzinfo=HELSINKI).timestamp())


def make_event(**changes: Any) -> Event:
    event = Event(
        id=12,
        uid="3f1c@jarjestobotti",
        kind="forum",
        title="Järjestöfoorumi, kevät",
        description="Kahvit klo 16.30; tervetuloa!",
        starts_at=_ts(2027, 2, 3, 17),
        ends_at=_ts(2027, 2, 3, 20),
        timezone="Europe/Helsinki",
        place="Carelicum, Joensuu",
        online_url="",
        capacity=120,
        rsvp_deadline=None,
        reminders=(86400,),
        state="published",
        sequence=3,
        created_by=1,
        broadcast_id=None,
        created_at=int(datetime(2026, 11, 1, 9, tzinfo=UTC).timestamp()),
        updated_at=int(datetime(2026, 11, 20, 8, 30, tzinfo=UTC).timestamp()),
        published_at=None,
        cancelled_at=None,
        municipalities=("167", "309"),
        themes=("hyte", "health"),
    )
    return replace(event, **changes)


def _only_event(data: bytes) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_event_ics_carries_identity_times_and_zone() -> None:
    data = event_ics(make_event(), location="Carelicum, Joensuu")
    assert b"\r\n" in data
    assert all(line.endswith(b"\r") for line in data.split(b"\n")[:-1])
    calendar, vevent = _only_event(data)
    assert str(calendar["PRODID"]) == "-//Järjestöbotti//FI"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(vevent["UID"]) == "3f1c@jarjestobotti"
    assert int(vevent["SEQUENCE"]) == 3
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert vevent["DTSTAMP"].dt == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert vevent["LAST-MODIFIED"].dt == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert vevent["CREATED"].dt == datetime(2026, 11, 1, 9, tzinfo=UTC)
    assert vevent["DTSTART"].params["TZID"] == "Europe/Helsinki"
    start = vevent["DTSTART"].dt
    assert (start.hour, start.minute, start.utcoffset().total_seconds()) == (17, 0, 7200)
    assert vevent["DTEND"].dt == datetime(2027, 2, 3, 20, tzinfo=HELSINKI)
    assert b"DTSTART;TZID=Europe/Helsinki:20270203T170000" in data
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Helsinki"]
    assert str(vevent["SUMMARY"]) == "Järjestöfoorumi, kevät"
    assert str(vevent["LOCATION"]) == "Carelicum, Joensuu"
    assert str(vevent["DESCRIPTION"]) == "Kahvit klo 16.30; tervetuloa!"
    assert "URL" not in vevent
    assert [str(c) for c in vevent.categories] == ["hyte", "health"]
    assert str(vevent["X-JARJESTOBOTTI-KIND"]) == "forum"
    assert str(vevent["X-JARJESTOBOTTI-MUNICIPALITIES"]) == "167;309"


def test_summer_time_start_keeps_local_clock() -> None:
    data = event_ics(make_event(starts_at=_ts(2027, 6, 9, 18), ends_at=None), location="Kitee")
    _, vevent = _only_event(data)
    start = vevent["DTSTART"].dt
    assert (start.hour, start.utcoffset().total_seconds()) == (18, 3 * 3600)
    assert "DTEND" not in vevent


def test_url_prefers_online_link_then_argument() -> None:
    _, with_link = _only_event(
        event_ics(make_event(online_url="https://meet.example/a"), location="x", url="https://b")
    )
    _, fallback = _only_event(event_ics(make_event(), location="x", url="https://t.me/bot"))
    assert str(with_link["URL"]) == "https://meet.example/a"
    assert str(fallback["URL"]) == "https://t.me/bot"


def test_cancelled_event_is_a_cancel_message() -> None:
    data = event_ics(make_event(state="cancelled", sequence=4), location="Joensuu")
    calendar, vevent = _only_event(data)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert int(vevent["SEQUENCE"]) == 4


def test_feed_has_every_event_one_timezone_and_a_name() -> None:
    first = make_event()
    second = make_event(id=13, uid="second@jarjestobotti", starts_at=_ts(2027, 9, 8, 13))
    third = make_event(id=14, uid="third@jarjestobotti", state="cancelled")
    data = feed_ics([first, second, third], name="Vuosikello 2027", locations={13: "Etänä"})
    calendar = Calendar.from_ical(data)
    assert str(calendar["X-WR-CALNAME"]) == "Vuosikello 2027"
    assert str(calendar["METHOD"]) == "PUBLISH"
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"3f1c@jarjestobotti", "second@jarjestobotti", "third@jarjestobotti"}
    assert str(events["second@jarjestobotti"]["LOCATION"]) == "Etänä"
    assert str(events["3f1c@jarjestobotti"]["LOCATION"]) == "Carelicum, Joensuu"
    assert str(events["third@jarjestobotti"]["STATUS"]) == "CANCELLED"
    assert len(calendar.walk("VTIMEZONE")) == 1


def test_empty_feed_is_still_a_calendar() -> None:
    calendar = Calendar.from_ical(feed_ics([], name="Tyhjä", locations={}))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["X-WR-CALNAME"]) == "Tyhjä"


def test_filename_is_ascii() -> None:
    assert ics_filename(make_event(id=12)) == "event-12.ics"
