"""Repeat rules: the stored text form, the dates (DST, positions, months, ends), rules that never
occur, how a rule reads in fi/sv/en, and the fields of each date of a series."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.i18n import Translator
from bot.events.fields import EventFields
from bot.events.series import (
    MAX_OCCURRENCES,
    PATTERNS,
    SeriesError,
    SeriesRule,
    horizon,
    ics_rrule,
    occurrences,
    parse_end,
    parse_rule,
    pattern_rule,
    patterns_for,
    with_default_end,
)
from bot.events.series_publish import occurrence_fields
from bot.events.series_text import describe, explain

HELSINKI = ZoneInfo("Europe/Helsinki")
TRANSLATOR = Translator("fi", HELSINKI)


def at(year: int, month: int, day: int, hour: int = 18, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HELSINKI)


def local_dates(starts: list[datetime]) -> list[date]:
    return [s.astimezone(HELSINKI).date() for s in starts]


# --- text form ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=WEEKLY;COUNT=10",
        "FREQ=WEEKLY;INTERVAL=2;UNTIL=20270601",
        "FREQ=WEEKLY;BYMONTH=1,2,3;COUNT=5",
        "FREQ=MONTHLY;BYDAY=1TU;COUNT=12",
        "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20271231",
        "FREQ=MONTHLY;BYMONTH=3,10;BYDAY=1TU;COUNT=6",
        "FREQ=MONTHLY;BYMONTH=1,4,7,10;BYMONTHDAY=15;COUNT=4",
    ],
)
def test_rule_text_round_trip(text: str) -> None:
    assert parse_rule(text).to_text() == text


def test_parse_accepts_rrule_prefix_any_case_and_any_order() -> None:
    rule = parse_rule("RRULE:count=6;byday=1tu;bymonth=10,3;freq=monthly")
    assert rule == SeriesRule("MONTHLY", weekday=1, position=1, months=(3, 10), count=6)
    assert rule.to_text() == "FREQ=MONTHLY;BYMONTH=3,10;BYDAY=1TU;COUNT=6"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "FREQ=DAILY;COUNT=3",
        "FREQ=YEARLY;COUNT=3",
        "FREQ=WEEKLY",  # no end
        "FREQ=WEEKLY;COUNT=3;UNTIL=20270101",  # two ends
        "FREQ=WEEKLY;BYDAY=1TU;COUNT=3",
        "FREQ=WEEKLY;INTERVAL=0;COUNT=3",
        "FREQ=WEEKLY;INTERVAL=53;COUNT=3",
        "FREQ=MONTHLY;COUNT=3",  # neither BYDAY nor BYMONTHDAY
        "FREQ=MONTHLY;BYDAY=1TU;BYMONTHDAY=3;COUNT=3",
        "FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU;COUNT=3",
        "FREQ=MONTHLY;BYDAY=6TU;COUNT=3",
        "FREQ=MONTHLY;BYDAY=-2TU;COUNT=3",
        "FREQ=MONTHLY;BYDAY=0TU;COUNT=3",
        "FREQ=MONTHLY;BYDAY=TU;COUNT=3",
        "FREQ=MONTHLY;BYDAY=1XX;COUNT=3",
        "FREQ=MONTHLY;BYMONTHDAY=32;COUNT=3",
        "FREQ=MONTHLY;BYMONTHDAY=0;COUNT=3",
        "FREQ=MONTHLY;BYMONTHDAY=1;BYMONTH=13;COUNT=3",
        "FREQ=MONTHLY;BYMONTHDAY=1;BYMONTH=3,3;COUNT=3",
        "FREQ=MONTHLY;BYMONTHDAY=1;BYMONTH=;COUNT=3",
        "FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=20270230",
        "FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=2027-01-01",
        "FREQ=MONTHLY;BYMONTHDAY=1;COUNT=-1",
        "FREQ=WEEKLY;COUNT=3;WKST=MO",
        "FREQ=WEEKLY;FREQ=WEEKLY;COUNT=3",
        "FREQ=WEEKLY;COUNT",
        "x" * 300,
    ],
)
def test_malformed_rules_are_format_errors(text: str) -> None:
    with pytest.raises(SeriesError) as error:
        parse_rule(text)
    assert error.value.reason == "format"


rules = st.builds(
    SeriesRule,
    freq=st.just("WEEKLY"),
    interval=st.integers(1, 52),
    months=st.lists(st.integers(1, 12), unique=True).map(lambda m: tuple(sorted(m))),
    count=st.integers(0, 999),
) | st.builds(
    SeriesRule,
    freq=st.just("MONTHLY"),
    weekday=st.integers(0, 6),
    position=st.sampled_from([1, 2, 3, 4, 5, -1]),
    months=st.lists(st.integers(1, 12), unique=True).map(lambda m: tuple(sorted(m))),
    until=st.dates(date(2000, 1, 1), date(2100, 1, 1)),
)


@given(rules)
def test_any_rule_survives_its_text_form(rule: SeriesRule) -> None:
    assert parse_rule(rule.to_text()) == rule


# --- dates --------------------------------------------------------------------------------------


def test_first_tuesday_of_march_and_october_keeps_local_time_across_dst() -> None:
    rule = parse_rule("FREQ=MONTHLY;BYMONTH=3,10;BYDAY=1TU;COUNT=4")
    starts = occurrences(rule, at(2027, 3, 2))
    assert local_dates(starts) == [
        date(2027, 3, 2),
        date(2027, 10, 5),
        date(2028, 3, 7),
        date(2028, 10, 3),
    ]
    assert {s.astimezone(HELSINKI).time() for s in starts} == {time(18, 0)}
    # Winter time (UTC+2) in March, summer time (UTC+3) in October.
    assert [s.astimezone(UTC).hour for s in starts] == [16, 15, 16, 15]


def test_last_sunday_of_the_month_across_both_dst_changes() -> None:
    """The clocks change on the last Sunday of March and of October."""
    rule = parse_rule("FREQ=MONTHLY;BYDAY=-1SU;COUNT=7")
    starts = occurrences(rule, at(2026, 9, 27, 10))
    assert local_dates(starts) == [
        date(2026, 9, 27),
        date(2026, 10, 25),  # summer time ends at 04:00 this morning
        date(2026, 11, 29),
        date(2026, 12, 27),
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 28),  # summer time starts at 03:00 this morning
    ]
    assert {s.astimezone(HELSINKI).time() for s in starts} == {time(10, 0)}
    assert [s.astimezone(UTC).hour for s in starts] == [7, 8, 8, 8, 8, 8, 7]


def test_weekly_through_the_spring_change_and_a_time_that_does_not_exist() -> None:
    starts = occurrences(parse_rule("FREQ=WEEKLY;COUNT=3"), at(2027, 3, 21, 3, 30))
    # 03:30 does not exist on 28 March 2027 (03:00 → 04:00): it resolves past the gap.
    assert [s.astimezone(HELSINKI).time() for s in starts] == [
        time(3, 30),
        time(4, 30),
        time(3, 30),
    ]
    evening = occurrences(parse_rule("FREQ=WEEKLY;INTERVAL=2;COUNT=4"), at(2027, 3, 14, 18))
    assert local_dates(evening) == [
        date(2027, 3, 14),
        date(2027, 3, 28),
        date(2027, 4, 11),
        date(2027, 4, 25),
    ]
    assert {s.astimezone(HELSINKI).hour for s in evening} == {18}


def test_fifth_weekday_only_in_months_that_have_one() -> None:
    rule = parse_rule("FREQ=MONTHLY;BYDAY=5TU;COUNT=4")
    starts = occurrences(rule, at(2026, 12, 29))
    assert local_dates(starts) == [
        date(2026, 12, 29),
        date(2027, 3, 30),
        date(2027, 6, 29),
        date(2027, 8, 31),
    ]


def test_nth_weekday_in_the_same_month_as_the_first_date() -> None:
    """The first date need not fit the rule; the rule's dates after it follow."""
    starts = occurrences(parse_rule("FREQ=MONTHLY;BYDAY=3TU;COUNT=3"), at(2026, 12, 1))
    assert local_dates(starts) == [date(2026, 12, 1), date(2026, 12, 15), date(2027, 1, 19)]


def test_day_of_month_with_chosen_months_and_skipped_short_months() -> None:
    quarterly = parse_rule("FREQ=MONTHLY;BYMONTH=1,4,7,10;BYMONTHDAY=15;COUNT=4")
    assert local_dates(occurrences(quarterly, at(2027, 1, 15))) == [
        date(2027, 1, 15),
        date(2027, 4, 15),
        date(2027, 7, 15),
        date(2027, 10, 15),
    ]
    thirty_first = parse_rule("FREQ=MONTHLY;BYMONTHDAY=31;COUNT=4")
    assert local_dates(occurrences(thirty_first, at(2027, 1, 31))) == [
        date(2027, 1, 31),
        date(2027, 3, 31),
        date(2027, 5, 31),
        date(2027, 7, 31),
    ]


def test_until_is_an_inclusive_local_date() -> None:
    rule = parse_rule("FREQ=WEEKLY;UNTIL=20270105")
    assert local_dates(occurrences(rule, at(2026, 12, 1))) == [
        date(2026, 12, 1) + timedelta(weeks=k) for k in range(6)
    ]


def test_weekly_months_restriction_skips_other_months() -> None:
    rule = parse_rule("FREQ=WEEKLY;BYMONTH=6,8;COUNT=10")
    dates = local_dates(occurrences(rule, at(2027, 6, 1)))
    assert {d.month for d in dates} == {6, 8}
    assert dates[4] == date(2027, 6, 29) and dates[5] == date(2027, 8, 3)


@pytest.mark.parametrize(
    ("text", "first", "reason"),
    [
        # Day 31 in February and April only: those months never have one.
        ("FREQ=MONTHLY;BYMONTH=2,4;BYMONTHDAY=31;COUNT=3", at(2026, 12, 31), "never"),
        # A fifth Tuesday of February needs a leap year whose February starts on a Tuesday
        # (2028); from 2029 none falls within two years.
        ("FREQ=MONTHLY;BYMONTH=2;BYDAY=5TU;COUNT=2", at(2029, 1, 2), "never"),
        ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20280101", at(2026, 12, 1), "never"),
        ("FREQ=WEEKLY;UNTIL=20261130", at(2026, 12, 1), "until_before_start"),
        ("FREQ=WEEKLY;UNTIL=20261205", at(2026, 12, 1), "until_too_soon"),
        ("FREQ=WEEKLY;UNTIL=20281202", at(2026, 12, 1), "too_far"),
        ("FREQ=MONTHLY;BYMONTH=3,10;BYDAY=1TU;COUNT=6", at(2027, 3, 2), "too_far"),
        ("FREQ=WEEKLY;COUNT=53", at(2026, 12, 1), "too_many"),
        ("FREQ=WEEKLY;UNTIL=20280101", at(2026, 12, 1), "too_many"),
        ("FREQ=WEEKLY;COUNT=1", at(2026, 12, 1), "too_few"),
        ("FREQ=WEEKLY;COUNT=0", at(2026, 12, 1), "too_few"),
    ],
)
def test_rules_that_cannot_be_used(text: str, first: datetime, reason: str) -> None:
    with pytest.raises(SeriesError) as error:
        occurrences(parse_rule(text), first)
    assert error.value.reason == reason
    for language in ("fi", "sv", "en"):
        message = explain(error.value, TRANSLATOR.texts(language))
        assert message and "{" not in message


def test_a_fifth_tuesday_of_february_2028_does_occur() -> None:
    rule = parse_rule("FREQ=MONTHLY;BYMONTH=2;BYDAY=5TU;COUNT=2")
    assert local_dates(occurrences(rule, at(2026, 12, 1))) == [date(2026, 12, 1), date(2028, 2, 29)]


def test_naive_first_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        occurrences(parse_rule("FREQ=WEEKLY;COUNT=2"), datetime(2027, 1, 1, 18))


@settings(max_examples=300, deadline=None)
@given(
    rule=rules,
    first=st.datetimes(datetime(2025, 1, 1), datetime(2030, 12, 31)),
    count=st.integers(2, MAX_OCCURRENCES),
)
def test_dates_are_increasing_at_one_local_time_within_the_limits(
    rule: SeriesRule, first: datetime, count: int
) -> None:
    # Hours 3–4 can fall in the spring gap; every other wall time exists every day.
    start = first.replace(hour=max(first.hour, 5), tzinfo=HELSINKI)
    rule = rule.ending(count=count)
    reason = ""
    try:
        starts = occurrences(rule, start)
    except SeriesError as error:
        reason = error.reason
        starts = []
    if not starts:
        assert reason in ("never", "too_far")
        return
    assert len(starts) == count
    assert starts[0] == start
    assert all(a < b for a, b in itertools.pairwise(starts))
    assert {s.astimezone(HELSINKI).time() for s in starts} == {start.time()}
    assert starts[-1].date() <= horizon(start.date())
    for later in starts[1:]:
        local = later.astimezone(HELSINKI).date()
        assert not rule.months or local.month in rule.months
        if rule.freq == "WEEKLY":
            assert (local - start.date()).days % (7 * rule.interval) == 0


@settings(max_examples=200, deadline=None)
@given(
    first=st.dates(date(2025, 1, 1), date(2030, 12, 31)),
    pattern=st.sampled_from(PATTERNS),
    count=st.integers(2, 20),
)
def test_dates_agree_with_dateutil_when_the_first_date_fits(
    first: date, pattern: str, count: int
) -> None:
    rrule = pytest.importorskip("dateutil.rrule")
    rule = pattern_rule(pattern, first).ending(count=count)  # type: ignore[arg-type]
    start = datetime.combine(first, time(18), HELSINKI)
    try:
        ours = local_dates(occurrences(rule, start))
    except SeriesError:
        return
    if rule.freq == "WEEKLY":
        oracle = rrule.rrule(rrule.WEEKLY, interval=rule.interval, dtstart=start, count=count)
    elif rule.monthday is not None:
        oracle = rrule.rrule(rrule.MONTHLY, bymonthday=rule.monthday, dtstart=start, count=count)
    else:
        assert rule.weekday is not None and rule.position is not None
        weekday = rrule.weekdays[rule.weekday](rule.position)
        oracle = rrule.rrule(rrule.MONTHLY, byweekday=weekday, dtstart=start, count=count)
    theirs = [d.date() for d in oracle]
    if theirs[0] != first:  # the first date does not fit: not comparable
        return
    assert ours == theirs


# --- the wizard's choices -----------------------------------------------------------------------


def test_patterns_follow_the_first_date() -> None:
    assert patterns_for(date(2026, 12, 1)) == ("w1", "w2", "mw", "md")  # first Tuesday
    assert patterns_for(date(2026, 12, 22)) == ("w1", "w2", "mw", "md")  # fourth, not last
    assert patterns_for(date(2026, 12, 29)) == ("w1", "w2", "ml", "md")  # fifth and last
    assert patterns_for(date(2026, 11, 24)) == ("w1", "w2", "mw", "ml", "md")  # fourth and last
    assert pattern_rule("mw", date(2026, 12, 1)) == SeriesRule("MONTHLY", weekday=1, position=1)
    assert pattern_rule("mw", date(2026, 12, 29)).position == -1
    assert pattern_rule("ml", date(2026, 11, 24)).position == -1
    assert pattern_rule("md", date(2026, 12, 31)) == SeriesRule("MONTHLY", monthday=31)
    assert pattern_rule("w2", date(2026, 12, 1)) == SeriesRule("WEEKLY", interval=2)


def test_default_end_is_the_next_twelve_months() -> None:
    first = at(2026, 12, 1)
    assert with_default_end(SeriesRule("WEEKLY"), first).count == MAX_OCCURRENCES
    assert with_default_end(SeriesRule("WEEKLY", interval=2), first).count == 27  # 1.12.–30.11.
    monthly = SeriesRule("MONTHLY", weekday=1, position=1)
    assert with_default_end(monthly, first).count == 12
    assert with_default_end(monthly.with_months((3, 10)), first).count == 3
    # Nothing within 12 months: the two-year limit decides.
    december = monthly.with_months((12,))
    assert with_default_end(december, at(2026, 12, 1)).count == 2
    never = SeriesRule("MONTHLY", monthday=31, months=(2,))
    with pytest.raises(SeriesError) as error:
        occurrences(with_default_end(never, first), first)
    assert error.value.reason == "never"


def test_parse_end() -> None:
    today = date(2026, 11, 25)
    assert parse_end("6", today) == (6, None)
    assert parse_end(" 1.6.2027 ", today) == (None, date(2027, 6, 1))
    assert parse_end("1.6.", today) == (None, date(2027, 6, 1))
    for bad in ("", "six", "1.13.2027", "-3"):
        with pytest.raises(SeriesError):
            parse_end(bad, today)


def test_ics_rrule_writes_until_in_utc() -> None:
    rule = parse_rule("FREQ=MONTHLY;BYDAY=1TU;UNTIL=20270601")
    assert ics_rrule(rule, HELSINKI) == "FREQ=MONTHLY;BYDAY=1TU;UNTIL=20270601T205959Z"
    counted = parse_rule("FREQ=WEEKLY;COUNT=3")
    assert ics_rrule(counted, HELSINKI) == "FREQ=WEEKLY;COUNT=3"


# --- how a rule reads ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "FREQ=MONTHLY;BYMONTH=3,10;BYDAY=1TU;COUNT=6",
            {
                "fi": "ensimmäinen tiistai maalis- ja lokakuussa, 6 kertaa",
                "sv": "den första tisdagen i mars och oktober, 6 gånger",
                "en": "every first Tuesday of March and October, 6 times",
            },
        ),
        (
            "FREQ=MONTHLY;BYDAY=1TU;COUNT=12",
            {
                "fi": "joka kuun ensimmäinen tiistai, 12 kertaa",
                "sv": "den första tisdagen varje månad, 12 gånger",
                "en": "every first Tuesday of the month, 12 times",
            },
        ),
        (
            "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270601",
            {
                "fi": "joka kuun viimeinen perjantai, ti 1.6.2027 asti",
                "sv": "den sista fredagen varje månad, till och med tis 1.6.2027",
                "en": "every last Friday of the month, until Tue 1 Jun 2027",
            },
        ),
        (
            "FREQ=MONTHLY;BYMONTH=1,4,7,10;BYMONTHDAY=15;COUNT=4",
            {
                "fi": "15. päivä tammi-, huhti-, heinä- ja lokakuussa, 4 kertaa",
                "sv": "den 15 i januari, april, juli och oktober, 4 gånger",
                "en": "on day 15 of January, April, July and October, 4 times",
            },
        ),
        (
            "FREQ=WEEKLY;INTERVAL=2;COUNT=10",
            {
                "fi": "joka 2. keskiviikko, 10 kertaa",
                "sv": "var 2:e onsdag, 10 gånger",
                "en": "every 2 weeks on Wednesday, 10 times",
            },
        ),
        (
            "FREQ=WEEKLY;BYMONTH=6;COUNT=3",
            {
                "fi": "joka keskiviikko kesäkuussa, 3 kertaa",
                "sv": "varje onsdag i juni, 3 gånger",
                "en": "every Wednesday in June, 3 times",
            },
        ),
    ],
)
def test_describe_in_three_languages(text: str, expected: dict[str, str]) -> None:
    rule = parse_rule(text)
    for language, phrase in expected.items():
        assert describe(rule, TRANSLATOR.texts(language), first_weekday=2) == phrase


def test_describe_a_weekly_rule_without_its_weekday() -> None:
    rule = parse_rule("FREQ=WEEKLY;INTERVAL=2;BYMONTH=3;COUNT=2")
    assert describe(rule, TRANSLATOR.texts("fi")) == "2 viikon välein maaliskuussa, 2 kertaa"
    assert describe(parse_rule("FREQ=WEEKLY;COUNT=2"), TRANSLATOR.texts("sv")) == (
        "varje vecka, 2 gånger"
    )


# --- the fields of each date --------------------------------------------------------------------


def test_each_date_keeps_local_start_end_and_deadline() -> None:
    fields = EventFields(
        kind="forum",
        title="Järjestöfoorumi",
        starts_at=at(2027, 3, 2, 17, 30).astimezone(UTC),
        ends_at=at(2027, 3, 2, 19, 30).astimezone(UTC),
        place="Carelicum",
        online_url="",
        municipalities=("167",),
        themes=(),
        rsvp_deadline=at(2027, 2, 28, 12).astimezone(UTC),
    )
    rule = parse_rule("FREQ=MONTHLY;BYMONTH=3,10;BYDAY=1TU;COUNT=3")
    dates = occurrence_fields(fields, rule, HELSINKI)
    assert [f.starts_at.astimezone(HELSINKI) for f in dates] == [
        at(2027, 3, 2, 17, 30),
        at(2027, 10, 5, 17, 30),
        at(2028, 3, 7, 17, 30),
    ]
    assert [f.ends_at.astimezone(HELSINKI) for f in dates if f.ends_at] == [
        at(2027, 3, 2, 19, 30),
        at(2027, 10, 5, 19, 30),
        at(2028, 3, 7, 19, 30),
    ]
    # The deadline was two days before the first date: so it is for each date.
    assert [f.rsvp_deadline.astimezone(HELSINKI) for f in dates if f.rsvp_deadline] == [
        at(2027, 2, 28, 12),
        at(2027, 10, 3, 12),
        at(2028, 3, 5, 12),
    ]
    assert {f.title for f in dates} == {"Järjestöfoorumi"}
