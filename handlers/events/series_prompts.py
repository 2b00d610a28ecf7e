"""The /newevent wizard's repeat step and the series lines of its preview."""

from __future__ import annotations

from datetime import datetime, tzinfo

from babel.dates import get_month_names
from telegram import InlineKeyboardMarkup

from bot.core.callbacks import button, keyboard
from bot.core.i18n import Texts
from bot.events.draft import Draft
from bot.events.series import (
    SeriesRule,
    occurrences,
    pattern_rule,
    patterns_for,
)
from bot.events.series_text import describe, describe_pattern
from handlers.events.prompts import AREA

__all__ = ["REPEAT", "SHOWN_DATES", "dates_text", "repeat_prompt"]

REPEAT = "repeat"
# The preview lists this many dates; a longer series ends with "… and N more".
SHOWN_DATES = 8


def _month_label(t: Texts, month: int) -> str:
    return str(get_month_names("abbreviated", context="stand-alone", locale=t.language)[month])


def repeat_prompt(t: Texts, draft: Draft, tz: tzinfo) -> tuple[str, InlineKeyboardMarkup]:
    assert draft.starts_at is not None
    first = draft.starts_at.astimezone(tz)
    repeat = draft.repeat
    lines = [
        t._(
            "🔁 Does the event repeat? Each date becomes an event of its own, with its own "
            "answers and reminders. The first date is invited now, each later date 30 days "
            "before it."
        )
    ]
    rows = [[button(("✅ " if repeat is None else "") + t._("Doesn't repeat"), AREA, "rep", "no")]]
    for pattern in patterns_for(first.date()):
        rule = pattern_rule(pattern, first.date())
        mark = "✅ " if repeat is not None and repeat.pattern == pattern else ""
        label = describe_pattern(rule, t, first.weekday())
        rows.append([button(mark + label[:1].upper() + label[1:], AREA, "rep", pattern)])
    if repeat is not None:
        rule = repeat.rule(first)
        lines.append("")
        lines.append(t._("Now: {rule}", rule=describe(rule, t, first.weekday())))
        if rule.freq == "MONTHLY":
            lines.append(t._("Months: tap to choose only some; none chosen means every month."))
            months = [
                button(("✅ " if m in repeat.months else "") + _month_label(t, m), AREA, "mon", m)
                for m in range(1, 13)
            ]
            rows.extend(months[i : i + 4] for i in range(0, 12, 4))
        lines.append(
            t._(
                "To change the end, send the number of dates (e.g. 6) or the last date "
                "(e.g. 1.6.2027)."
            )
        )
        rows.append([button(t._("Done ▶"), AREA, "done", REPEAT)])
    return "\n".join(lines), keyboard(rows)


def dates_text(rule: SeriesRule, first_start: datetime, t: Texts) -> str:
    """The rule and its dates for the preview; SeriesError when the rule cannot be used."""
    starts = occurrences(rule, first_start)
    lines = [
        t._("🔁 {rule}", rule=describe(rule, t, first_start.weekday())),
        t.n_("{n} date:", "{n} dates:", len(starts)),
    ]
    lines.extend(f"• {t.when(start)}" for start in starts[:SHOWN_DATES])
    if len(starts) > SHOWN_DATES:
        rest = len(starts) - SHOWN_DATES
        lines.append(t.n_("… and {n} more", "… and {n} more", rest))
    return "\n".join(lines)
