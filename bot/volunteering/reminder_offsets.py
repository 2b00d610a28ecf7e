"""When those signed up for a call's shifts are reminded: the organiser's own offsets before each
shift ("1 d, 2 h", "3 h", "45 min"; "-" for none), read and written back in the reader's
language. Stored as seconds (volunteer_calls.reminders)."""

from __future__ import annotations

import re

from bot.core.i18n import Texts

__all__ = ["MAX_OFFSET", "MAX_OFFSETS", "MIN_OFFSET", "describe", "read_offsets"]

MAX_OFFSETS = 3
MIN_OFFSET = 15 * 60  # the check-in message comes 30 minutes before anyway
MAX_OFFSET = 14 * 86400
_PART = re.compile(r"(\d{1,4})\s*([a-zåäö]+)\.?")
_SEPARATORS = re.compile(r"[\s,;]|\b(?:and|ja|och)\b")
# Units in the three languages' usual short and long forms.
_UNITS: dict[str, int] = {
    **dict.fromkeys(("d", "day", "days", "pv", "päivä", "päivää", "dag", "dagar", "vrk"), 86400),
    **dict.fromkeys(("h", "hour", "hours", "t", "tunti", "tuntia", "tim", "timme", "timmar"), 3600),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "minuutti", "minuuttia"), 60),
    **dict.fromkeys(("minut", "minuter"), 60),
}


def read_offsets(text: str) -> tuple[int, ...] | None:
    """The offsets in seconds, latest first and without repeats; () for "-"; None when the
    text is not understood, an offset is outside MIN_OFFSET..MAX_OFFSET, or there are more
    than MAX_OFFSETS."""
    text = text.strip().lower()
    if text in ("-", "–", "0"):
        return ()
    pieces = _PART.findall(text)
    if not pieces or _SEPARATORS.sub("", _PART.sub("", text)):
        return None  # something besides amounts, units and separators
    found: set[int] = set()
    for amount, word in pieces:
        unit = _UNITS.get(word)
        if unit is None or not MIN_OFFSET <= int(amount) * unit <= MAX_OFFSET:
            return None
        found.add(int(amount) * unit)
    if len(found) > MAX_OFFSETS:
        return None
    return tuple(sorted(found, reverse=True))


def _one(t: Texts, seconds: int) -> str:
    if seconds % 86400 == 0:
        return t.n_("{n} day", "{n} days", seconds // 86400)
    if seconds % 3600 == 0:
        return t.n_("{n} hour", "{n} hours", seconds // 3600)
    return t.n_("{n} minute", "{n} minutes", seconds // 60)


def describe(t: Texts, offsets: tuple[int, ...]) -> str:
    """ "1 day and 2 hours before each shift", or that there are none."""
    if not offsets:
        return t._("no reminders")
    names = [_one(t, s) for s in offsets]
    joined = (
        names[0]
        if len(names) == 1
        else t._("{first} and {last}", first=", ".join(names[:-1]), last=names[-1])
    )
    return t._("{offsets} before each shift", offsets=joined)
