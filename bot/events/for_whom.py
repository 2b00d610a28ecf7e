"""Whom an event is for and its programme (issue 20): the codes, the words people type for them
(in the CSV import and after /events), the programme's rules, and how both are shown.

An association reads "for whom" to judge whether its staff or its volunteer should come, so an
event may name several groups; naming none means everyone. The programme is a few short plain
lines ("18.00 Welcome"); it is shown as typed, so HTML in it is refused rather than escaped
into something the coordinator did not mean.
"""

from __future__ import annotations

import re

from bot.core.i18n import N_, Texts, escape
from bot.events.fields import FieldError
from storage.events import Event

__all__ = [
    "FOR_WHOM",
    "FOR_WHOM_NAMES",
    "MAX_PROGRAMME_LINE",
    "MAX_PROGRAMME_LINES",
    "card_lines",
    "check_programme",
    "code_of_word",
    "ics_text",
    "names",
    "parse_for_whom",
]

FOR_WHOM: tuple[str, ...] = ("staff", "volunteers", "public_sector", "everyone")
FOR_WHOM_NAMES: dict[str, str] = {
    "staff": N_("association staff"),
    "volunteers": N_("volunteers and members"),
    "public_sector": N_("municipality and county staff"),
    "everyone": N_("everyone"),
}
MAX_PROGRAMME_LINES = 10
MAX_PROGRAMME_LINE = 100

# What people type for each group, in Finnish, Swedish and English (folded to lower case).
_WORDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "staff",
            "employees",
            "henkilöstö",
            "henkilökunta",
            "työntekijät",
            "personal",
            "personalen",
            "anställda",
            "järjestöt",
            "föreningar",
        ),
        "staff",
    ),
    **dict.fromkeys(
        (
            "volunteers",
            "volunteer",
            "members",
            "vapaaehtoiset",
            "vapaaehtoinen",
            "jäsenet",
            "frivilliga",
            "frivillig",
            "medlemmar",
        ),
        "volunteers",
    ),
    **dict.fromkeys(
        (
            "public_sector",
            "public",
            "municipality",
            "municipalities",
            "county",
            "kunta",
            "kunnat",
            "kuntien",
            "hyvinvointialue",
            "kommun",
            "kommuner",
            "kommunen",
            "välfärdsområde",
            "välfärdsområdet",
        ),
        "public_sector",
    ),
    **dict.fromkeys(("everyone", "all", "kaikki", "kaikille", "alla", "öppet"), "everyone"),
}
_SPLIT = re.compile(r"[;,\s]+")
_LINES = re.compile(r"\s*(?:\n|\s\|\s)\s*")
# A tag or an entity: the programme is plain text.
_HTML = re.compile(r"<\s*/?\s*[A-Za-z!]|&[#A-Za-z0-9]+;")


def code_of_word(word: str) -> str | None:
    """The group a typed word names ("vapaaehtoiset" → volunteers), or None."""
    folded = word.strip().lower().replace("-", "_")
    return folded if folded in FOR_WHOM else _WORDS.get(folded)


def parse_for_whom(text: str) -> tuple[str, ...]:
    """Groups from words separated by commas, semicolons or spaces, in the canonical order;
    FieldError("unknown") names the first word that is no group."""
    codes: set[str] = set()
    for word in _SPLIT.split(text.strip()):
        if not word:
            continue
        code = code_of_word(word)
        if code is None:
            raise FieldError("unknown", None, word)
        codes.add(code)
    return tuple(code for code in FOR_WHOM if code in codes)


def check_programme(text: str) -> tuple[str, ...]:
    """Lines separated by newlines or " | "; at most 10 of at most 100 characters, no HTML."""
    lines = [" ".join(line.split()) for line in _LINES.split(text.strip())]
    lines = [line for line in lines if line]
    if len(lines) > MAX_PROGRAMME_LINES:
        raise FieldError("too_many", MAX_PROGRAMME_LINES)
    for line in lines:
        if len(line) > MAX_PROGRAMME_LINE:
            raise FieldError("too_long", MAX_PROGRAMME_LINE, line)
        if _HTML.search(line):
            raise FieldError("html", None, line)
        if any(ch < " " for ch in line):
            raise FieldError("format", None, line)
    return tuple(lines)


def names(codes: tuple[str, ...], t: Texts) -> str:
    return ", ".join(t._(FOR_WHOM_NAMES[code]) for code in codes if code in FOR_WHOM_NAMES)


def card_lines(event: Event, t: Texts) -> list[str]:
    """The card's "for whom" and programme lines (HTML; nothing when neither is set)."""
    lines = []
    if event.for_whom:
        lines.append(t._("🎯 For whom: {groups}", groups=names(event.for_whom, t)))
    if event.programme:
        lines.append(t._("🗒 Programme:"))
        lines.extend(escape(line) for line in event.programme)
    return lines


def ics_text(event: Event, t: Texts) -> str:
    """The same as plain text, for a calendar file's DESCRIPTION."""
    lines = []
    if event.for_whom:
        lines.append(t._("For whom:") + " " + names(event.for_whom, t))
    if event.programme:
        lines.append(t._("Programme:"))
        lines.extend(event.programme)
    return "\n".join(lines)
