"""Finnish date input: the forms the wizard accepts, and which day a date without a year means."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.dates import DateError, parse_date, parse_datetime
from bot.events.series import parse_end

HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # 12.00 in Helsinki
TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("26.11.2026 18.00", datetime(2026, 11, 26, 18, 0, tzinfo=HELSINKI)),
        ("26.11. klo 18", datetime(2026, 11, 26, 18, 0, tzinfo=HELSINKI)),
        ("ti 1.12. 17:30", datetime(2026, 12, 1, 17, 30, tzinfo=HELSINKI)),
        ("2026-12-01 18:00", datetime(2026, 12, 1, 18, 0, tzinfo=HELSINKI)),
        ("25.11. klo 13", datetime(2026, 11, 25, 13, 0, tzinfo=HELSINKI)),  # later today
        ("15.1. 18", datetime(2027, 1, 15, 18, 0, tzinfo=HELSINKI)),  # next January
        ("1.10. 18", datetime(2027, 10, 1, 18, 0, tzinfo=HELSINKI)),  # long gone: next year's
    ],
)
def test_the_forms_coordinators_type(text: str, expected: datetime) -> None:
    assert parse_datetime(text, NOW, HELSINKI) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("24.11. klo 18", "past"),  # yesterday, no year: a slip, not November 2027
        ("26.10. 18", "past"),  # within the last month
        ("25.11. klo 11", "past"),  # earlier today
        ("1.1.2020 18.00", "past"),
        ("ma 1.12. 17:30", "ambiguous"),  # 1.12.2026 is a Tuesday
        ("31.11. 18", "invalid"),
        ("tomorrow 18", "format"),
    ],
)
def test_what_is_refused_and_why(text: str, reason: str) -> None:
    with pytest.raises(DateError) as refused:
        parse_datetime(text, NOW, HELSINKI)
    assert refused.value.reason == reason


def test_a_day_without_a_year() -> None:
    assert parse_date("25.11.", TODAY) == TODAY
    assert parse_date("31.12.", TODAY) == date(2026, 12, 31)
    assert parse_date("24.10.", TODAY) == date(2027, 10, 24)  # more than a month ago
    with pytest.raises(DateError) as refused:
        parse_date("24.11.", TODAY)
    assert refused.value.reason == "past"
    assert parse_date("24.11.", TODAY, allow_past=True) == date(2026, 11, 24)


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (date(2027, 1, 5), "20.12.", None),  # 16 days ago, over the turn of the year
        (date(2027, 1, 1), "31.12.", None),  # yesterday
        (date(2027, 1, 5), "20.11.", date(2027, 11, 20)),  # long gone: next year's
        (date(2027, 12, 1), "29.2.", date(2028, 2, 29)),  # the next leap day
        (date(2026, 12, 31), "1.1.", date(2027, 1, 1)),
    ],
)
def test_a_day_without_a_year_around_the_turn_of_the_year(
    today: date, text: str, expected: date | None
) -> None:
    if expected is None:
        with pytest.raises(DateError) as refused:
            parse_date(text, today)
        assert refused.value.reason == "past"
    else:
        assert parse_date(text, today) == expected


def test_the_end_of_a_repeating_event_is_always_ahead() -> None:
    """A series' last date is read ahead of its first: "1.11." typed on 15.11. for a weekly
    series from 20.11. means next November, not a slip."""
    assert parse_date("1.11.", date(2026, 11, 15), recent_is_past=False) == date(2027, 11, 1)
    assert parse_end("1.11.", date(2026, 11, 15)) == (None, date(2027, 11, 1))
