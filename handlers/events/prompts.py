"""What the /newevent wizard asks at each step, and what it says about a bad answer."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup

from bot.core.callbacks import button, claim, keyboard
from bot.core.config_values import Theme
from bot.core.i18n import Texts
from bot.events.cards import KIND_NAMES
from bot.events.draft import Draft
from bot.events.fields import KINDS, FieldError
from bot.events.for_whom import FOR_WHOM, FOR_WHOM_NAMES

__all__ = ["AREA", "field_error", "offset_label", "prompt"]

AREA = claim("nev", __name__)


def offset_label(t: Texts, seconds: int) -> str:
    offset = timedelta(seconds=seconds)
    if offset.days and not offset.seconds:
        return t.n_("{n} day before", "{n} days before", offset.days)
    if seconds % 3600 == 0:
        return t.n_("{n} hour before", "{n} hours before", seconds // 3600)
    return t.n_("{n} minute before", "{n} minutes before", seconds // 60)


def prompt(
    state: str, t: Texts, draft: Draft, themes: tuple[Theme, ...], offsets: tuple[int, ...]
) -> tuple[str, InlineKeyboardMarkup | None]:
    skip = t._("Skip")
    if state == "kind":
        rows = [[button(t._(KIND_NAMES[k]), AREA, "kind", k)] for k in KINDS]
        return t._("New event. What kind of event is it? (/cancel stops)"), keyboard(rows)
    if state == "title":
        return t._("The title? For example: Järjestöfoorumi: hyvinvointia yhdessä"), None
    if state == "start":
        return (
            t._(
                "When does it start? For example 26.11.2026 18.00, 26.11. klo 18 or ti 1.12. 17:30."
            ),
            None,
        )
    if state == "end":
        return (
            t._("When does it end? A time (20.00), a date and time, or a length (2 h, 90 min)."),
            keyboard([[button(t._("No end time"), AREA, "skip", "end")]]),
        )
    if state == "place":
        return (
            t._(
                "Where? Send the address, an online meeting link, or both, e.g. "
                "“Carelicum, Koskikatu 5, Joensuu https://meet.example/forum”."
            ),
            None,
        )
    if state == "municipalities":
        return (
            t._(
                "For which municipalities is it? Send names separated by commas; a region "
                "means all its municipalities. For example: Joensuu, Outokumpu"
            ),
            None,
        )
    if state == "themes":
        return _themes_prompt(t, draft, themes)
    if state == "description":
        return (
            t._("A description: programme, who it is for, how to sign up. Or skip."),
            keyboard([[button(skip, AREA, "skip", "description")]]),
        )
    if state == "forwhom":
        return _for_whom_prompt(t, draft)
    if state == "programme":
        return _programme_prompt(t)
    if state == "capacity":
        return (
            t._("How many people fit? Send a number, or tap for no limit."),
            keyboard([[button(t._("No limit"), AREA, "skip", "capacity")]]),
        )
    if state == "deadline":
        return (
            t._("Answer by when? A date and time before the start, or tap for no deadline."),
            keyboard([[button(t._("No deadline"), AREA, "skip", "deadline")]]),
        )
    if state == "reminders":
        return _reminders_prompt(t, draft, offsets)
    raise ValueError(state)


def _themes_prompt(
    t: Texts, draft: Draft, themes: tuple[Theme, ...]
) -> tuple[str, InlineKeyboardMarkup]:
    rows = []
    for theme in themes:
        mark = "✅ " if theme.id in draft.themes else ""
        rows.append([button(mark + theme.name(t.language), AREA, "theme", theme.id)])
    rows.append(
        [
            button(t._("All themes"), AREA, "allthemes"),
            button(t._("Done ▶"), AREA, "done", "themes"),
        ]
    )
    return t._("Which themes? Tap to choose; none chosen means every theme."), keyboard(rows)


def _programme_prompt(t: Texts) -> tuple[str, InlineKeyboardMarkup]:
    return (
        t._(
            "The programme? One line per item, at most 10 lines of 100 characters, e.g.\n"
            "18.00 Welcome\n18.15 Workshops\nOr skip."
        ),
        keyboard([[button(t._("Skip"), AREA, "skip", "programme")]]),
    )


def _for_whom_prompt(t: Texts, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    rows = []
    for code in FOR_WHOM:
        mark = "✅ " if code in draft.for_whom else "▫️ "
        rows.append([button(mark + t._(FOR_WHOM_NAMES[code]), AREA, "fw", code)])
    rows.append([button(t._("Done ▶"), AREA, "done", "forwhom")])
    return (
        t._("For whom is it? Tap all that fit; none chosen means everyone."),
        keyboard(rows),
    )


def _reminders_prompt(
    t: Texts, draft: Draft, offsets: tuple[int, ...]
) -> tuple[str, InlineKeyboardMarkup]:
    rows = []
    for offset in offsets:
        mark = "✅ " if offset in draft.reminders else "▫️ "
        rows.append([button(mark + offset_label(t, offset), AREA, "rem", offset)])
    rows.append([button(t._("Done ▶"), AREA, "done", "reminders")])
    return t._("Which reminders go to those coming? Tap to switch."), keyboard(rows)


def field_error(t: Texts, state: str, exc: FieldError) -> str:
    reason = exc.reason
    if state == "programme":
        return _programme_error(t, exc)
    if reason == "too_long" and state == "end":
        return t._("An event can last at most 14 days. Send the end again.")
    if reason == "too_long":
        return t._(
            "That is too long: at most {limit} characters. Shorten it and send again.",
            limit=exc.limit,
        )
    if reason == "empty":
        return t._("That was empty. Send it again, or /cancel.")
    if reason == "past":
        return t._("That time is already past. Send a future time like 26.11.2026 18.00.")
    if reason == "ambiguous":
        return t._(
            "The weekday does not match the date. Check it and send again, e.g. ti 1.12. 17:30."
        )
    if reason == "before_start":
        return t._("The end must be after the start. Send it again.")
    if reason == "after_start":
        return t._("The answer deadline must be before the start. Send it again.")
    if reason == "too_small":
        return t._("The number of places must be at least 1. Send a number, or tap No limit.")
    if reason == "too_big":
        return t._("That is more places than I can count. Send a smaller number.")
    if reason == "not_url":
        return t._("The link must start with https:// (or http://). Send it again.")
    if state == "capacity":
        return t._("Send the number of places as digits, like 40.")
    if state == "end":
        return t._("Send the end like 20.00, 26.11.2026 20.00 or 2 h.")
    return t._("Send the time like 26.11.2026 18.00, 26.11. klo 18 or ti 1.12. 17:30.")


def _programme_error(t: Texts, exc: FieldError) -> str:
    if exc.reason == "too_many":
        return t._(
            "A programme has at most {limit} lines. Shorten it and send it again.",
            limit=exc.limit,
        )
    if exc.reason == "too_long":
        return t._(
            "A programme line has at most {limit} characters: “{line}”. Send it again.",
            limit=exc.limit,
            line=exc.value[:40] + "…",
        )
    if exc.reason == "html":
        return t._(
            "The programme is plain text; remove the HTML from “{line}” and send it again.",
            line=exc.value[:60],
        )
    return t._("Send the programme as plain lines, like 18.00 Welcome.")
