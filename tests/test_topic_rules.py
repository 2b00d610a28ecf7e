"""Topic suggestions' rules: until when an event takes them, the coordinator's date, and how
suggestions become a native poll's options (2–10, at most 100 characters)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.dates import DateError
from bot.core.i18n import Translator
from bot.topics import poll, rules, texts
from storage.events import Event
from storage.topics import Topic

DAY = 86400
START = int(datetime(2026, 12, 10, 15, 0, tzinfo=UTC).timestamp())
HELSINKI = ZoneInfo("Europe/Helsinki")


def _event(**changes: object) -> Event:
    event = Event(
        kind="forum",
        title="Foorumi",
        description="",
        starts_at=START,
        ends_at=None,
        timezone="Europe/Helsinki",
        place="",
        online_url="",
        capacity=None,
        rsvp_deadline=None,
        reminders=(),
        municipalities=("167",),
        themes=(),
        id=1,
        uid="u",
        state="published",
        sequence=0,
        created_by=None,
        broadcast_id=None,
        created_at=START - 30 * DAY,
        updated_at=START - 30 * DAY,
        published_at=START - 30 * DAY,
        cancelled_at=None,
    )
    return replace(event, **changes)  # type: ignore[arg-type]


def test_default_is_a_week_before_the_start() -> None:
    event = _event()
    assert rules.closes_at(event) == START - 7 * DAY
    assert rules.is_open(event, START - 7 * DAY - 1)
    assert not rules.is_open(event, START - 7 * DAY)


def test_an_event_published_within_the_week_takes_them_until_the_day_before() -> None:
    event = _event(published_at=START - 3 * DAY)
    assert rules.closes_at(event) == START - DAY


def test_the_coordinators_date_wins_but_never_after_the_start() -> None:
    assert rules.closes_at(_event(topics_until=START - 2 * DAY)) == START - 2 * DAY
    assert rules.closes_at(_event(topics_until=START + DAY)) == START


@pytest.mark.parametrize("kind", ["association_evening", "partnership_evening", "training"])
def test_only_forums_and_workshops_take_suggestions(kind: str) -> None:
    assert not rules.is_open(_event(kind=kind), START - 20 * DAY)
    assert rules.is_open(_event(kind="workshop"), START - 20 * DAY)
    assert rules.is_open(_event(kind="evaluation_workshop"), START - 20 * DAY)


def test_text_limits() -> None:
    assert rules.check_text("  x  ") == ("x", None)
    assert rules.check_text(" ")[1] == "empty"
    assert rules.check_text("x" * 500)[1] is None
    assert rules.check_text("x" * 501)[1] == "too_long"


def test_parse_until() -> None:
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    day = rules.parse_until("30.11.", _event(), now, HELSINKI)
    assert day == datetime(2026, 11, 30, 23, 59, tzinfo=HELSINKI)
    hour = rules.parse_until("1.12. klo 16", _event(), now, HELSINKI)
    assert hour == datetime(2026, 12, 1, 16, 0, tzinfo=HELSINKI)
    for text, reason in (("24.11.", "past"), ("11.12.", "after_start"), ("huomenna", "format")):
        with pytest.raises(DateError) as caught:
            rules.parse_until(text, _event(), now, HELSINKI)
        assert caught.value.reason == reason


def _topics(*texts: str) -> list[Topic]:
    return [Topic(n, 1, "", True, text, 0) for n, text in enumerate(texts)]


def test_poll_options_merge_cut_and_keep_ten() -> None:
    texts = [f"Aihe {n}" for n in range(12)]
    chosen = poll.options(_topics("aihe 0", *texts, "x" * 150))
    assert chosen.options == ("aihe 0", *texts[1:10])
    assert chosen.merged == 1 and chosen.left_out == 3 and chosen.cut == 0
    long = poll.options(_topics("Lyhyt", "y" * 150))
    assert long.options[1] == "y" * 99 + "…" and long.cut == 1
    assert not poll.options(_topics("Sama", " sama ")).enough


def test_a_long_list_fits_one_message_and_points_to_the_csv() -> None:
    t = Translator("en", HELSINKI).texts("en")
    found = [Topic(n, 1, "Kylä & koulu", False, "&" * 500, 0) for n in range(12)]
    text = texts.topics_text(t, _event(), found, now=START - 20 * DAY)
    assert len(text) <= 4096
    assert text.endswith("… and 11 more: the CSV has them all.")
    assert "1. Kylä &amp; koulu: " in text
    everyone = texts.topics_text(t, _event(), found[:1], now=START - 20 * DAY)
    assert "more" not in everyone
