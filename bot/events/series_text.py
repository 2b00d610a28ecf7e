"""How a series rule reads in the reader's language ("every first Tuesday of March and October,
6 times"), and what to tell a coordinator about a refused rule. The rule itself and its dates:
`bot.events.series`."""

from __future__ import annotations

from babel.dates import get_day_names

from bot.core.i18n import N_, Texts
from bot.events.series import MAX_OCCURRENCES, MAX_YEARS, SeriesError, SeriesRule

__all__ = ["describe", "describe_pattern", "explain", "month_list", "weekday_name"]

# (every month, chosen months) for each position of a weekday in the month.
_POSITION_PHRASES: dict[int, tuple[str, str]] = {
    1: (N_("every first {weekday} of the month"), N_("every first {weekday} of {months}")),
    2: (N_("every second {weekday} of the month"), N_("every second {weekday} of {months}")),
    3: (N_("every third {weekday} of the month"), N_("every third {weekday} of {months}")),
    4: (N_("every fourth {weekday} of the month"), N_("every fourth {weekday} of {months}")),
    5: (N_("every fifth {weekday} of the month"), N_("every fifth {weekday} of {months}")),
    -1: (N_("every last {weekday} of the month"), N_("every last {weekday} of {months}")),
}
# A month as the last (or only) item of a list of months, and as an earlier item: Finnish writes
# "maalis-, kesä- ja lokakuussa".
_MONTH_LAST: dict[int, str] = {
    1: N_("month, last in a list: January"),
    2: N_("month, last in a list: February"),
    3: N_("month, last in a list: March"),
    4: N_("month, last in a list: April"),
    5: N_("month, last in a list: May"),
    6: N_("month, last in a list: June"),
    7: N_("month, last in a list: July"),
    8: N_("month, last in a list: August"),
    9: N_("month, last in a list: September"),
    10: N_("month, last in a list: October"),
    11: N_("month, last in a list: November"),
    12: N_("month, last in a list: December"),
}
_MONTH_EARLIER: dict[int, str] = {
    1: N_("month, earlier in a list: January"),
    2: N_("month, earlier in a list: February"),
    3: N_("month, earlier in a list: March"),
    4: N_("month, earlier in a list: April"),
    5: N_("month, earlier in a list: May"),
    6: N_("month, earlier in a list: June"),
    7: N_("month, earlier in a list: July"),
    8: N_("month, earlier in a list: August"),
    9: N_("month, earlier in a list: September"),
    10: N_("month, earlier in a list: October"),
    11: N_("month, earlier in a list: November"),
    12: N_("month, earlier in a list: December"),
}


def weekday_name(t: Texts, weekday: int) -> str:
    """The weekday as a word that stands alone ("tiistai", "tisdag", "Tuesday")."""
    return str(get_day_names("wide", context="stand-alone", locale=t.language)[weekday])


def month_list(t: Texts, months: tuple[int, ...]) -> str:
    """ "maalis- ja lokakuussa", "mars och oktober", "March and October"."""
    if not months:
        return ""
    last = t._(_MONTH_LAST[months[-1]])
    if len(months) == 1:
        return last
    earlier = ", ".join(t._(_MONTH_EARLIER[m]) for m in months[:-1])
    return t._("{months} and {last}", months=earlier, last=last)


def describe_pattern(rule: SeriesRule, t: Texts, first_weekday: int) -> str:
    """How the dates repeat, without the end ("every first Tuesday of March and October").
    `first_weekday` is the first date's weekday (a WEEKLY rule repeats on it)."""
    months = month_list(t, rule.months)
    if rule.freq == "WEEKLY":
        day = weekday_name(t, first_weekday)
        if rule.interval == 1:
            if months:
                return t._("every {weekday} in {months}", weekday=day, months=months)
            return t._("every {weekday}", weekday=day)
        if months:
            return t._(
                "every {n} weeks on {weekday} in {months}",
                n=rule.interval,
                weekday=day,
                months=months,
            )
        return t._("every {n} weeks on {weekday}", n=rule.interval, weekday=day)
    if rule.monthday is not None:
        if months:
            return t._("on day {day} of {months}", day=rule.monthday, months=months)
        return t._("every month on day {day}", day=rule.monthday)
    assert rule.weekday is not None and rule.position is not None
    every_month, chosen = _POSITION_PHRASES[rule.position]
    day = weekday_name(t, rule.weekday)
    if months:
        return t._(chosen, weekday=day, months=months)
    return t._(every_month, weekday=day)


def describe(rule: SeriesRule, t: Texts, first_weekday: int | None = None) -> str:
    """The whole rule in the reader's language: "every first Tuesday of March and October,
    6 times". A WEEKLY rule names its weekday only when `first_weekday` is given."""
    if rule.freq == "WEEKLY" and first_weekday is None:
        pattern = (
            t._("every week") if rule.interval == 1 else t._("every {n} weeks", n=rule.interval)
        )
        if rule.months:
            pattern = t._(
                "{pattern} in {months}", pattern=pattern, months=month_list(t, rule.months)
            )
    else:
        pattern = describe_pattern(rule, t, first_weekday or 0)
    if rule.count is not None:
        return pattern + t.n_(", {n} time", ", {n} times", rule.count)
    if rule.until is not None:
        return pattern + t._(", until {date}", date=t.day(rule.until))
    return pattern


def explain(error: SeriesError, t: Texts) -> str:
    """What to tell the coordinator about a refused rule."""
    reason = error.reason
    if reason == "too_few":
        return t._("A repeating event needs at least 2 dates.")
    if reason == "too_many":
        return t.n_(
            "That would be more than {n} date. Choose fewer dates or an earlier end.",
            "That would be more than {n} dates. Choose fewer dates or an earlier end.",
            MAX_OCCURRENCES,
        )
    if reason == "too_far":
        return t.n_(
            "The dates would reach more than {n} year ahead. Choose fewer dates or an earlier end.",
            "The dates would reach more than {n} years ahead. Choose fewer dates or an earlier "
            "end.",
            MAX_YEARS,
        )
    if reason == "until_before_start":
        return t._("The end date is before the first date. Send a later end date.")
    if reason == "until_too_soon":
        return t._("No date of this rule falls between the first date and the end date.")
    if reason == "never":
        return t.n_(
            "This rule gives no date after the first one within {n} year (for example a fifth "
            "Tuesday or day 31 in months that never have one). Choose other months or another "
            "rule.",
            "This rule gives no date after the first one within {n} years (for example a fifth "
            "Tuesday or day 31 in months that never have one). Choose other months or another "
            "rule.",
            MAX_YEARS,
        )
    return t._("I could not understand that repeat rule.")
