"""Shifts typed as text (bot/volunteering/shift_text.py): the issue's example, Finnish and
Swedish words, carried-over dates, and every kind of problem, localized."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.i18n import Texts, Translator
from bot.volunteering.calls import MAX_PLACES, MAX_SHIFTS, NewShift
from bot.volunteering.shift_text import parse_shifts, read_shifts

TZ = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
TRANSLATOR = Translator("en", TZ)


def _t(language: str = "en") -> Texts:
    return TRANSLATOR.texts(language)


def _at(day: int, month: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def test_the_issues_example_gives_two_shifts_on_one_day() -> None:
    shifts, problems = read_shifts(_t(), "3.12. 10–12, 4 places; 12–14, 4 places", NOW, TZ)
    assert problems == []
    assert shifts == (
        NewShift(_at(3, 12, 10), _at(3, 12, 12), 4),
        NewShift(_at(3, 12, 12), _at(3, 12, 14), 4),
    )


@pytest.mark.parametrize(
    "text",
    [
        "3.12. klo 10-12 4 paikkaa\n4.12. klo 9.30–11.30 2 paikkaa",
        "3.12.2026 10:00-12:00, 4 platser; 4.12. kl 9.30 - 11.30, 2 platser",
        "2026-12-03 10–12, 4\n2026-12-04 9.30–11.30, 2 places",
    ],
)
def test_finnish_swedish_and_iso_forms(text: str) -> None:
    shifts, problems = read_shifts(_t(), text, NOW, TZ)
    assert problems == []
    assert shifts == (
        NewShift(_at(3, 12, 10), _at(3, 12, 12), 4),
        NewShift(_at(4, 12, 9, 30), _at(4, 12, 11, 30), 2),
    )


def test_a_day_without_a_year_is_its_next_occurrence() -> None:
    shifts, _ = read_shifts(_t(), "15.1. 10–12, 3 places", NOW, TZ)
    assert shifts[0].starts_at == _at(15, 1, 10, year=2027)


def test_a_part_without_a_date_before_any_date_is_a_problem() -> None:
    shifts, problems = parse_shifts(_t(), "10–12, 4 places; 3.12. 12–14, 4 places", NOW, TZ)
    assert shifts == ()
    assert problems == ["“10–12, 4 places” has no date; give the date before the first time."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.12. 10–12", "give the number of places"),
        ("3.12. 10–12, 4 bananas", "give the number of places"),
        ("3.12. ten to twelve", "is not a shift"),
        ("31.2. 10–12, 4 places", "is not a date"),
        ("3.12. 10–25, 4 places", "a time that does not exist"),
        ("", "at least one shift"),
    ],
)
def test_unreadable_parts_are_named(text: str, expected: str) -> None:
    shifts, problems = read_shifts(_t(), text, NOW, TZ)
    assert shifts == ()
    assert len(problems) == 1
    assert expected in problems[0]


def test_problems_are_in_the_readers_language() -> None:
    _, fi = parse_shifts(_t("fi"), "3.12. 10–12", NOW, TZ)
    _, sv = parse_shifts(_t("sv"), "3.12. 10–12", NOW, TZ)
    assert "paikkojen määrä" in fi[0]
    assert "antalet platser" in sv[0]


@pytest.mark.parametrize(
    "text",
    [
        "3.12. 12–10, 4 places",  # ends before it starts
        "19.11. 10–12, 4 places",  # yesterday
        "3.12. 10–12, 0 places",
        "3.12. 10–12, 10000 places",
        f"3.12. 10–12, {MAX_PLACES + 1} places",
        "3.12. 10–12, 4 places; 10–12, 2 places",  # the same shift twice
    ],
)
def test_shifts_that_are_read_but_not_allowed_give_problems_and_no_shifts(text: str) -> None:
    shifts, problems = read_shifts(_t(), text, NOW, TZ)
    assert shifts == ()
    assert problems


def test_more_than_the_limit_of_shifts_is_refused() -> None:
    many = "; ".join(f"{1 + i // 8}.12. {8 + i % 8}–{9 + i % 8}, 2 places" for i in range(60))
    shifts, problems = read_shifts(_t(), many, NOW, TZ)
    assert shifts == ()
    assert problems
    allowed = "; ".join(
        f"{1 + i // 8}.12. {8 + i % 8}–{9 + i % 8}, 2 places" for i in range(MAX_SHIFTS)
    )
    shifts, problems = read_shifts(_t(), allowed, NOW, TZ)
    assert problems == []
    assert len(shifts) == MAX_SHIFTS


@given(st.text(max_size=80))
def test_any_text_gives_shifts_or_problems_never_both_or_an_error(text: str) -> None:
    shifts, problems = read_shifts(_t(), text, NOW, TZ)
    assert bool(shifts) != bool(problems)
