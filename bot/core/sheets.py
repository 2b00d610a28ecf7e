"""CSV files people open in a spreadsheet: column names and words in the reader's language, cells
that cannot run as formulas, and a BOM so that Excel reads the ä and ö right.

Column names are catalog entries whose English text is the column's old machine name
(`event_id`, `answered_at`), so English files keep the columns scripts already read; Finnish and
Swedish readers get their own words. Values that are codes (an RSVP status, yes / no, a chat
type) go through `word`; unknown codes are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from bot.core.i18n import N_, Texts

__all__ = ["csv_bytes", "header", "safe_cell", "word", "yes_no"]

_WORDS: dict[str, str] = {
    # RSVP answers
    "yes": N_("yes"),
    "maybe": N_("maybe"),
    "no": N_("no"),
    "waitlist": N_("waiting list"),
    # event states
    "draft": N_("draft"),
    "published": N_("published"),
    "cancelled": N_("cancelled"),
    # where an answer was given
    "private": N_("private"),
    "group": N_("group"),
    # why a message did not reach a chat (outbox error kinds)
    "blocked": N_("blocked the bot or left"),
    "not_found": N_("chat not found"),
    "uncertain": N_("Telegram did not answer in time"),
    "may_have_arrived_twice": N_("may have arrived twice"),
    "other": N_("other error"),
    # "cancelled" (a send stopped with its announcement) is the event state's word above
}


def word(t: Texts, code: str) -> str:
    """A stored code (status, state, reason) as a word of the reader's language."""
    message = _WORDS.get(code)
    return t._(message) if message else code


def yes_no(t: Texts, value: bool | None) -> str:
    """yes / no in the reader's language; nothing when not answered."""
    if value is None:
        return ""
    return word(t, "yes" if value else "no")


def header(t: Texts, columns: Sequence[str]) -> list[str]:
    """Column names (catalog entries marked with N_) in the reader's language."""
    return [t._(column) for column in columns]


def safe_cell(value: object) -> str:
    """A spreadsheet must not run a cell as a formula (= + - @, and tab / CR that Excel strips).
    Numbers stay numbers: a group's negative chat id is no formula."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a BOM; every cell (the header's too: a translation is text as well) made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(c) for c in columns])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
