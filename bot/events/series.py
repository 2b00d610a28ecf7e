"""Repeating event series (the vuosikello): the rule and its dates. Pure: no I/O. How a rule
reads: `bot.events.series_text`.

A series is stored as one `event_series` row whose `rule` is a subset of RFC 5545 RRULE syntax,
so the same text can go into an .ics file:

    FREQ=WEEKLY;INTERVAL=2;COUNT=10                   every 2 weeks, 10 dates
    FREQ=MONTHLY;BYDAY=1TU;COUNT=12                   the first Tuesday of every month
    FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270601            the last Friday of every month until 1.6.2027
    FREQ=MONTHLY;BYMONTH=3,10;BYDAY=1TU;COUNT=4       the first Tuesday of March and October
    FREQ=MONTHLY;BYMONTHDAY=15;BYMONTH=1,4,7,10;COUNT=4

Parts, separated by `;`, in any order (`to_text` writes them in the order above):
- `FREQ` (required): `WEEKLY` (on the first date's weekday) or `MONTHLY`.
- `INTERVAL`: weeks between dates for WEEKLY, 1–52 (default 1); MONTHLY allows only 1.
- `BYMONTH`: comma-separated months 1–12; only dates in these months (both frequencies).
- `BYDAY` (MONTHLY): one weekday with its position in the month, `1TU`…`5TU` or `-1TU` (last);
  weekdays `MO TU WE TH FR SA SU`.
- `BYMONTHDAY` (MONTHLY): a day of the month, 1–31; months without that day are skipped.
  A MONTHLY rule has exactly one of BYDAY and BYMONTHDAY.
- The end, exactly one of: `COUNT` (dates in all, the first included, 2–52) or `UNTIL` (a local
  date `YYYYMMDD`, inclusive). For an .ics file `ics_rrule` writes UNTIL as the UTC end of that
  day, as RFC 5545 requires with a zoned DTSTART.

The first date is always the event as the coordinator set it (even when it does not fit the rule,
e.g. a start in December with BYMONTH=3,10); the later dates follow the rule, at the same local
wall-clock time as the first (across daylight-saving changes; a time that does not exist on the
day the clocks go forward moves on by the gap, as zoneinfo resolves it). A series has at most
`MAX_OCCURRENCES` dates and reaches at most `MAX_YEARS` years past its first date; a rule that
gives no date after the first within that is refused with `SeriesError`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from bot.core.dates import DateError, parse_date

__all__ = [
    "DEFAULT_SPAN_MONTHS",
    "MAX_OCCURRENCES",
    "MAX_YEARS",
    "PATTERNS",
    "Frequency",
    "Pattern",
    "SeriesError",
    "SeriesRule",
    "horizon",
    "ics_rrule",
    "occurrences",
    "parse_end",
    "parse_rule",
    "pattern_rule",
    "patterns_for",
    "weekday_position",
    "with_default_end",
]

MAX_OCCURRENCES = 52
MAX_YEARS = 2
DEFAULT_SPAN_MONTHS = 12
MAX_WEEK_INTERVAL = 52

Frequency = Literal["WEEKLY", "MONTHLY"]
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"^([+-]?\d)(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMBER = re.compile(r"^\d{1,3}$")


class SeriesError(ValueError):
    """Why a rule cannot be used. `reason` is one of:

    format              the text is not a rule this module understands
    too_few             COUNT below 2 (a single date is not a series)
    too_many            more than MAX_OCCURRENCES dates
    too_far             the dates (COUNT, or UNTIL) reach past MAX_YEARS from the first date
    until_before_start  UNTIL is before the first date
    until_too_soon      the rule's next date comes after UNTIL
    never               no date after the first within MAX_YEARS (a 5th Tuesday of February, day
                        31 of February and April only, …)
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class SeriesRule:
    """A repeat rule; build with `parse_rule` or construct and call `check()`."""

    freq: Frequency
    interval: int = 1
    weekday: int | None = None  # MONTHLY BYDAY: 0 = Monday
    position: int | None = None  # MONTHLY BYDAY: 1–5, or -1 for the last
    monthday: int | None = None  # MONTHLY BYMONTHDAY: 1–31
    months: tuple[int, ...] = ()  # BYMONTH, sorted; empty: every month
    count: int | None = None
    until: date | None = None

    def check(self) -> SeriesRule:
        """The rule itself, or SeriesError('format') naming what is wrong with it."""
        if self.freq not in ("WEEKLY", "MONTHLY"):
            raise SeriesError("format", "FREQ")
        if self.freq == "WEEKLY":
            if not 1 <= self.interval <= MAX_WEEK_INTERVAL:
                raise SeriesError("format", "INTERVAL")
            if (self.weekday, self.position, self.monthday) != (None, None, None):
                raise SeriesError("format", "BYDAY/BYMONTHDAY with WEEKLY")
        else:
            if self.interval != 1:
                raise SeriesError("format", "INTERVAL with MONTHLY")
            by_day = self.weekday is not None or self.position is not None
            if by_day == (self.monthday is not None):
                raise SeriesError("format", "MONTHLY needs one of BYDAY and BYMONTHDAY")
            if by_day and (
                self.weekday is None
                or not 0 <= self.weekday <= 6
                or self.position not in (1, 2, 3, 4, 5, -1)
            ):
                raise SeriesError("format", "BYDAY")
            if self.monthday is not None and not 1 <= self.monthday <= 31:
                raise SeriesError("format", "BYMONTHDAY")
        if list(self.months) != sorted(set(self.months)) or not all(
            1 <= m <= 12 for m in self.months
        ):
            raise SeriesError("format", "BYMONTH")
        if (self.count is None) == (self.until is None):
            raise SeriesError("format", "one of COUNT and UNTIL")
        if self.count is not None and self.count < 0:
            raise SeriesError("format", "COUNT")
        return self

    def to_text(self) -> str:
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.months:
            parts.append("BYMONTH=" + ",".join(str(m) for m in self.months))
        if self.weekday is not None and self.position is not None:
            parts.append(f"BYDAY={self.position}{_DAYS[self.weekday]}")
        if self.monthday is not None:
            parts.append(f"BYMONTHDAY={self.monthday}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.until is not None:
            parts.append(f"UNTIL={self.until:%Y%m%d}")
        return ";".join(parts)

    def with_months(self, months: tuple[int, ...]) -> SeriesRule:
        return replace(self, months=tuple(sorted(set(months))))

    def ending(self, *, count: int | None = None, until: date | None = None) -> SeriesRule:
        return replace(self, count=count, until=until)


def _number(value: str, name: str) -> int:
    if not _NUMBER.match(value):
        raise SeriesError("format", name)
    return int(value)


def parse_rule(text: str) -> SeriesRule:
    """The rule in `text` (an optional `RRULE:` prefix and any letter case are accepted)."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    if not body or len(body) > 200:
        raise SeriesError("format", "empty or too long")
    values: dict[str, str] = {}
    for part in body.split(";"):
        name, sep, value = part.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not sep or not name or not value or name in values:
            raise SeriesError("format", part)
        values[name] = value
    unknown = set(values) - {"FREQ", "INTERVAL", "BYMONTH", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL"}
    if unknown:
        raise SeriesError("format", ",".join(sorted(unknown)))
    freq = values.get("FREQ")
    if freq not in ("WEEKLY", "MONTHLY"):
        raise SeriesError("format", "FREQ")
    weekday = position = None
    if "BYDAY" in values:
        match = _BYDAY.match(values["BYDAY"])
        if not match:
            raise SeriesError("format", "BYDAY")
        position, weekday = int(match.group(1)), _DAYS.index(match.group(2))
    until = None
    if "UNTIL" in values:
        found = _UNTIL.match(values["UNTIL"])
        if not found:
            raise SeriesError("format", "UNTIL")
        try:
            until = date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        except ValueError:
            raise SeriesError("format", "UNTIL") from None
    months = tuple(_number(m, "BYMONTH") for m in values.get("BYMONTH", "").split(",") if m)
    if "BYMONTH" in values and (not months or len(months) != len(set(months))):
        raise SeriesError("format", "BYMONTH")
    rule = SeriesRule(
        freq=freq,  # type: ignore[arg-type]  # checked just above
        interval=_number(values.get("INTERVAL", "1"), "INTERVAL"),
        weekday=weekday,
        position=position,
        monthday=_number(values["BYMONTHDAY"], "BYMONTHDAY") if "BYMONTHDAY" in values else None,
        months=tuple(sorted(months)),
        count=_number(values["COUNT"], "COUNT") if "COUNT" in values else None,
        until=until,
    )
    return rule.check()


def ics_rrule(rule: SeriesRule, tz: tzinfo) -> str:
    """The rule for an .ics RRULE whose DTSTART carries a TZID: UNTIL becomes the UTC moment
    that ends the local day."""
    if rule.until is None:
        return rule.to_text()
    end = datetime.combine(rule.until, time(23, 59, 59), tz).astimezone(UTC)
    return rule.ending().to_text() + f";UNTIL={end:%Y%m%dT%H%M%SZ}"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def horizon(first: date) -> date:
    """The last day a series starting on `first` may reach."""
    return _add_years(first, MAX_YEARS)


def weekday_position(day: date) -> int:
    """Which of its weekday in the month `day` is: 1–5 (a fifth one is also the last)."""
    return (day.day - 1) // 7 + 1


def _nth_weekday(year: int, month: int, weekday: int, position: int) -> date | None:
    length = calendar.monthrange(year, month)[1]
    if position > 0:
        first = date(year, month, 1)
        day = 1 + (weekday - first.weekday()) % 7 + 7 * (position - 1)
    else:
        last = date(year, month, length)
        day = length - (last.weekday() - weekday) % 7 - 7 * (-position - 1)
    if not 1 <= day <= length:
        return None
    return date(year, month, day)


def _candidates(rule: SeriesRule, first: date, last: date) -> Iterator[date]:
    """The rule's dates strictly after `first` up to `last`, in order, without the end."""
    if rule.freq == "WEEKLY":
        step = timedelta(weeks=rule.interval)
        day = first + step
        while day <= last:
            if not rule.months or day.month in rule.months:
                yield day
            day += step
        return
    month_start = first.replace(day=1)
    while month_start <= last:
        year, month = month_start.year, month_start.month
        found: date | None = None
        if not rule.months or month in rule.months:
            if rule.monthday is not None:
                if rule.monthday <= calendar.monthrange(year, month)[1]:
                    found = date(year, month, rule.monthday)
            elif rule.weekday is not None and rule.position is not None:
                found = _nth_weekday(year, month, rule.weekday, rule.position)
        if found is not None and first < found <= last:
            yield found
        month_start = _add_months(month_start, 1)


def _local(day: date, clock: time, tz: tzinfo) -> datetime:
    """`clock` on `day` in `tz`; a wall time skipped by a DST change resolves past the gap."""
    return datetime.combine(day, clock, tz).astimezone(UTC).astimezone(tz)


def occurrences(rule: SeriesRule, first_start: datetime) -> list[datetime]:
    """Every start of the series, the first included, at the first start's local time, aware in
    its zone (pass it in the local zone). SeriesError when the rule cannot be used."""
    tz = first_start.tzinfo
    if tz is None:
        raise ValueError("first_start must be timezone-aware")
    rule.check()
    first = first_start.date()
    clock = first_start.time().replace(fold=0)
    last = horizon(first)
    if rule.count is not None:
        if rule.count < 2:
            raise SeriesError("too_few")
        if rule.count > MAX_OCCURRENCES:
            raise SeriesError("too_many")
    if rule.until is not None:
        if rule.until < first:
            raise SeriesError("until_before_start")
        if rule.until > last:
            raise SeriesError("too_far")
    dates = [first]
    for day in _candidates(rule, first, last):
        if rule.until is not None and day > rule.until:
            break
        if rule.count is not None and len(dates) >= rule.count:
            break
        dates.append(day)
        if len(dates) > MAX_OCCURRENCES:
            raise SeriesError("too_many")
    if len(dates) == 1:
        never = rule.until is None or next(_candidates(rule, first, last), None) is None
        raise SeriesError("never" if never else "until_too_soon")
    if rule.count is not None and len(dates) < rule.count:
        raise SeriesError("too_far")
    return [first_start, *(_local(day, clock, tz) for day in dates[1:])]


def with_default_end(rule: SeriesRule, first_start: datetime) -> SeriesRule:
    """The rule ending after the dates of the next DEFAULT_SPAN_MONTHS months (at most
    MAX_OCCURRENCES), as a COUNT; the rule unchanged if that gives no second date (its dates
    within MAX_YEARS then decide, and occurrences() says why when there are none)."""
    first = first_start.date()
    span_end = _add_months(first, DEFAULT_SPAN_MONTHS) - timedelta(days=1)
    found = 1 + sum(1 for _ in _candidates(rule, first, span_end))
    if found >= 2:
        return rule.ending(count=min(found, MAX_OCCURRENCES))
    later = 1 + sum(1 for _ in _candidates(rule, first, horizon(first)))
    return rule.ending(count=max(2, min(later, MAX_OCCURRENCES)))


# --- the wizard's choices -----------------------------------------------------------------------

# every week, every 2 weeks, the first date's weekday position in the month (1st–4th), the last
# such weekday of the month, the first date's day of the month.
Pattern = Literal["w1", "w2", "mw", "ml", "md"]
PATTERNS: tuple[Pattern, ...] = ("w1", "w2", "mw", "ml", "md")


def pattern_rule(pattern: Pattern, first: date) -> SeriesRule:
    """The rule (without months and end) a wizard choice means for a series starting on `first`;
    a fifth weekday of the month is taken as the last."""
    if pattern == "w1":
        return SeriesRule("WEEKLY")
    if pattern == "w2":
        return SeriesRule("WEEKLY", interval=2)
    if pattern == "md":
        return SeriesRule("MONTHLY", monthday=first.day)
    position = weekday_position(first)
    if pattern == "ml" or position == 5:
        position = -1
    return SeriesRule("MONTHLY", weekday=first.weekday(), position=position)


def patterns_for(first: date) -> tuple[Pattern, ...]:
    """The choices that fit `first`: "the last Tuesday" only when it is the month's last one,
    "the 1st–4th Tuesday" only when it is not the fifth."""
    length = calendar.monthrange(first.year, first.month)[1]
    found: list[Pattern] = ["w1", "w2"]
    if weekday_position(first) <= 4:
        found.append("mw")
    if first.day + 7 > length:
        found.append("ml")
    found.append("md")
    return tuple(found)


def parse_end(text: str, today: date) -> tuple[int | None, date | None]:
    """The end as typed: a number of dates ("6") or the last date ("1.6.2027", "1.6.");
    (count, until). SeriesError('format') for anything else."""
    value = text.strip()
    if _NUMBER.match(value):
        return int(value), None
    try:
        return None, parse_date(value, today, allow_past=True, recent_is_past=False)
    except DateError:
        raise SeriesError("format", "end") from None
