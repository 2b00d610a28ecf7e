"""When things are due: reminder offsets across daylight-saving changes, the digest's weekly
slot, quiet-hour windows and the /settings input forms."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.config import Config, FeedbackSettings, ReminderSettings
from bot.core.config_values import QuietHours
from bot.delivery.quiet_hours import quiet_until
from bot.events.digest import next_slot
from bot.events.schedule import before_start, feedback_due, plan
from bot.settings.chat_preferences import DigestChoice, QuietChoice, parse_digest, parse_quiet
from storage.events import Event

HELSINKI = ZoneInfo("Europe/Helsinki")
DAY = 86400


def _event(start: datetime, *, end: datetime | None = None, **changes: object) -> Event:
    values: dict[str, object] = {
        "id": 5,
        "uid": "u",
        "kind": "forum",
        "title": "Foorumi",
        "description": "",
        "starts_at": int(start.timestamp()),
        "ends_at": int(end.timestamp()) if end else None,
        "timezone": "Europe/Helsinki",
        "place": "",
        "online_url": "",
        "capacity": None,
        "rsvp_deadline": None,
        "reminders": (7 * DAY, DAY, 7200),
        "state": "published",
        "sequence": 0,
        "created_by": None,
        "broadcast_id": 1,
        "created_at": 0,
        "updated_at": 0,
        "published_at": 0,
        "cancelled_at": None,
        "municipalities": ("167",),
        "themes": (),
    }
    values.update(changes)
    return Event(**values)  # type: ignore[arg-type]


def _local(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, HELSINKI)


def test_day_offsets_keep_the_local_time_across_spring_forward() -> None:
    # Summer time starts on Sunday 28 March 2027 at 03:00.
    event = _event(datetime(2027, 3, 29, 18, 0, tzinfo=HELSINKI))
    week, day, hours = (before_start(event, o) for o in (7 * DAY, DAY, 7200))
    assert _local(week) == datetime(2027, 3, 22, 18, 0, tzinfo=HELSINKI)
    assert _local(week).utcoffset() == timedelta(hours=2)
    assert _local(day) == datetime(2027, 3, 28, 18, 0, tzinfo=HELSINKI)
    assert event.starts_at - week == 7 * DAY - 3600  # one hour shorter than 7 × 24 h
    assert event.starts_at - hours == 7200  # hours are exact


def test_day_offsets_keep_the_local_time_across_fall_back() -> None:
    # Summer time ends on Sunday 31 October 2027 at 04:00.
    event = _event(datetime(2027, 10, 31, 9, 0, tzinfo=HELSINKI))
    day = before_start(event, DAY)
    assert _local(day) == datetime(2027, 10, 30, 9, 0, tzinfo=HELSINKI)
    assert event.starts_at - day == DAY + 3600
    # A 2-hour reminder over the change itself is 2 real hours.
    night = _event(datetime(2027, 10, 31, 4, 30, tzinfo=HELSINKI))
    assert night.starts_at - before_start(night, 7200) == 7200


def test_plan_lists_every_job_and_nothing_for_a_cancelled_event() -> None:
    config = Config(
        reminders=ReminderSettings(nudge=timedelta(days=3)),
        feedback=FeedbackSettings(delay=timedelta(hours=1)),
    )
    start = datetime(2026, 12, 10, 18, 0, tzinfo=HELSINKI)
    event = _event(start, end=start + timedelta(hours=2))
    jobs = {job.key: job for job in plan(event, config, now=0)}
    assert set(jobs) == {
        "reminder:5:604800",
        "reminder:5:86400",
        "reminder:5:7200",
        "nudge:5",
        "feedback:5",
    }
    assert jobs["feedback:5"].due_at == int((start + timedelta(hours=3)).timestamp())
    assert plan(_event(start, state="cancelled"), config, now=0) == []
    # Without an end, the event is taken to last two hours.
    assert feedback_due(_event(start), config) == int((start + timedelta(hours=3)).timestamp())


def test_a_later_series_date_gets_its_invitation_thirty_days_ahead() -> None:
    start = datetime(2027, 3, 2, 18, 0, tzinfo=HELSINKI)
    event = _event(start, broadcast_id=None)
    now = int(datetime(2026, 12, 1, tzinfo=UTC).timestamp())
    jobs = {job.key: job for job in plan(event, Config(), now)}
    assert jobs["invitation:5"].due_at == int((start - timedelta(days=30)).timestamp())
    close = int((start - timedelta(days=10)).timestamp())
    assert "invitation:5" not in {job.key for job in plan(event, Config(), close)}


def test_digest_slot_is_the_next_weekday_hour_in_local_time() -> None:
    tue = 1
    after = int(datetime(2026, 12, 1, 18, 0, tzinfo=HELSINKI).timestamp())  # a Tuesday, 18:00
    assert _local(next_slot(tue, 18, HELSINKI, after)) == datetime(
        2026, 12, 8, 18, 0, tzinfo=HELSINKI
    )
    assert _local(next_slot(tue, 18, HELSINKI, after - 1)) == datetime(
        2026, 12, 1, 18, 0, tzinfo=HELSINKI
    )
    # Across the spring change: still 9:00 local.
    march = int(datetime(2027, 3, 23, 10, 0, tzinfo=HELSINKI).timestamp())
    assert _local(next_slot(0, 9, HELSINKI, march)) == datetime(2027, 3, 29, 9, 0, tzinfo=HELSINKI)


@given(st.integers(min_value=0, max_value=6), st.integers(min_value=0, max_value=23))
def test_digest_slot_is_always_ahead_and_within_a_week(weekday: int, hour: int) -> None:
    after = int(datetime(2027, 10, 28, 12, 0, tzinfo=HELSINKI).timestamp())
    slot = next_slot(weekday, hour, HELSINKI, after)
    assert after < slot <= after + 7 * DAY + 3600
    assert _local(slot).weekday() == weekday and _local(slot).hour == hour


def test_quiet_hours_end_in_the_morning_and_hold_nothing_by_day() -> None:
    window = QuietHours(time(21, 0), time(8, 0))
    evening = datetime(2026, 12, 10, 22, 30, tzinfo=HELSINKI)
    assert quiet_until(window, evening, HELSINKI) == datetime(2026, 12, 11, 8, 0, tzinfo=HELSINKI)
    early = datetime(2026, 12, 11, 6, 0, tzinfo=HELSINKI)
    assert quiet_until(window, early, HELSINKI) == datetime(2026, 12, 11, 8, 0, tzinfo=HELSINKI)
    assert quiet_until(window, datetime(2026, 12, 11, 8, 0, tzinfo=HELSINKI), HELSINKI) is None
    assert quiet_until(None, evening, HELSINKI) is None
    daytime = QuietHours(time(12, 0), time(13, 0))
    lunch = datetime(2026, 12, 11, 12, 15, tzinfo=HELSINKI)
    assert quiet_until(daytime, lunch, HELSINKI) == datetime(2026, 12, 11, 13, 0, tzinfo=HELSINKI)
    # The night clocks go back (31.10.2027, 04:00 → 03:00): a window ending at 03:30 ends at
    # the second 03:30, also for a moment in the repeated hour.
    late = QuietHours(time(1, 0), time(3, 30))
    second_pass = datetime(2027, 10, 31, 3, 10, fold=1, tzinfo=HELSINKI)
    end = quiet_until(late, second_pass, HELSINKI)
    assert end is not None and end.timestamp() - second_pass.timestamp() == 20 * 60
    # The night summer time starts: 03:00 does not exist, the window still ends at 08:00.
    dst = datetime(2027, 3, 28, 2, 30, tzinfo=HELSINKI)
    assert quiet_until(window, dst, HELSINKI) == datetime(2027, 3, 28, 8, 0, tzinfo=HELSINKI)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("22:00-07:00", "22:00-07:00"),
        ("22.00-7.00", "22:00-07:00"),
        ("off", ""),
        ("pois", ""),
        ("default", None),
        ("oletus", None),
    ],
)
def test_quiet_hours_input(text: str, stored: str | None) -> None:
    assert parse_quiet(text) == QuietChoice(stored)


@pytest.mark.parametrize("text", ["25:00-08:00", "21:00", "21:00-21:00", "", "soon", "21:60-08:00"])
def test_bad_quiet_hours_input(text: str) -> None:
    with pytest.raises(ValueError, match=r".+"):
        parse_quiet(text)


@pytest.mark.parametrize(
    ("words", "choice"),
    [
        (["ma", "9"], DigestChoice(0, 9)),
        (["tisdag", "18"], DigestChoice(1, 18)),
        (["fri", "7:00"], DigestChoice(4, 7)),
        (["su", "klo 20"], DigestChoice(6, 20)),
        (["off"], DigestChoice(None)),
    ],
)
def test_digest_input(words: list[str], choice: DigestChoice) -> None:
    assert parse_digest(words) == choice


@pytest.mark.parametrize("words", [["ma"], ["xx", "9"], ["ma", "24"], ["ma", "9", "10"], []])
def test_bad_digest_input(words: list[str]) -> None:
    with pytest.raises(ValueError, match="form"):
        parse_digest(words)
