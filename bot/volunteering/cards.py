"""The volunteer call's card: what the call is, and one button per shift with the places left
as of rendering, plus "📋 My shifts". Every button is signed for the chat it is sent to and for
its action (`signature`), so a rewritten or moved button fails `verify` and nothing is stored.

A card in a bulk send shows the places as they were when it was written; a tap decides on the
current numbers and redraws the tapper's card with them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Literal

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.callbacks import button, claim, keyboard, sign, verify
from bot.core.config_values import Theme
from bot.core.i18n import Texts, escape
from bot.core.places import PlaceCatalog
from bot.subscriptions.rules import theme_names
from storage.volunteer_calls import Call, Shift

__all__ = [
    "AREA",
    "Action",
    "card_keyboard",
    "card_text",
    "shift_label",
    "shift_when",
    "signature",
    "signed",
    "valid",
]

AREA = claim("vc", __name__)
# s: take or leave a shift; m: my shifts (of a call); x: cancel a shift from "my shifts";
# ok / no: a reminder's "I'll be there" / "I can't after all"; in: "📍 I'm here" (check-in).
Action = Literal["s", "m", "x", "ok", "no", "in"]
_CODES: dict[str, int] = {"s": 1, "m": 2, "x": 3, "ok": 4, "no": 5, "in": 6}


def signature(key: bytes, action: Action, item_id: int, chat_id: int) -> str:
    """Signed per chat and per action: a "take" button's bytes do not pass as a "cancel"."""
    return sign(key, item_id * 8 + _CODES[action], chat_id)


def valid(key: bytes, action: str, item_id: int, chat_id: int, sig: str | None) -> bool:
    code = _CODES.get(action)
    return code is not None and verify(key, item_id * 8 + code, chat_id, sig)


def signed(
    text: str, key: bytes, action: Action, item_id: int, chat_id: int
) -> InlineKeyboardButton:
    return button(text, AREA, action, item_id, signature(key, action, item_id, chat_id))


def _moment(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


# Every tap redraws up to MAX_SHIFTS labels; a shift's day and time change only with the shift.
@functools.lru_cache(maxsize=1024)
def shift_when(shift: Shift, t: Texts) -> str:
    """ "ke 3.12. 10.00–12.00" in the reader's language and time zone."""
    start, end = t.local(_moment(shift.starts_at)), t.local(_moment(shift.ends_at))
    day = format_date(start, "EEE d.M.", locale=t.language)
    if start.date() == end.date():
        return f"{day} {t.clock(start)}–{t.clock(end)}"
    return f"{day} {t.clock(start)} – {format_date(end, 'EEE d.M.', locale=t.language)} " + (
        t.clock(end)
    )


# Every tap redraws the card's labels; most of them show the same numbers as before.
@functools.lru_cache(maxsize=4096)
def shift_label(shift: Shift, taken: int, t: Texts) -> str:
    """A shift's button: when, and the places left, or that it is full."""
    left = max(shift.places - taken, 0)
    if left == 0:
        state = t._("full — waiting list")
    else:
        state = t._("{left}/{places} free", left=left, places=shift.places)
    return f"{shift_when(shift, t)} · {state}"


def card_text(call: Call, t: Texts, catalog: PlaceCatalog, themes: tuple[Theme, ...]) -> str:
    places = sorted(
        m.name(t.language)
        for code in call.municipalities
        if (m := catalog.municipality(code)) is not None
    )
    lines = [t._("🙋 <b>{title}</b>", title=call.title)]
    if call.state == "cancelled":
        lines.insert(0, t._("❌ <b>CANCELLED</b>"))
    if call.organiser:
        lines.append(t._("🤝 Organiser: {name}", name=call.organiser))
    lines.append(
        t._(
            "🏘 {places} · {themes}",
            places=", ".join(places),
            themes=", ".join(theme_names(call.themes, themes, t)),
        )
    )
    if call.skills:
        lines.append(t._("🛠 Skills wanted: {skills}", skills=call.skills))
    if call.description:
        lines.extend(["", escape(call.description)])
    lines.extend(["", t._("Tap a shift to sign up; tap it again to cancel.")])
    return "\n".join(lines)


def card_keyboard(
    call: Call,
    shifts: Sequence[Shift],
    taken: Mapping[int, int],
    t: Texts,
    key: bytes,
    chat_id: int,
) -> InlineKeyboardMarkup | None:
    """One row per shift still on (its label needs the whole width), then "📋 My shifts".
    `taken`: the places held per shift id when rendering."""
    if call.state != "published":
        return None
    rows = [
        [signed(shift_label(s, taken.get(s.id, 0), t), key, "s", s.id, chat_id)]
        for s in shifts
        if s.cancelled_at is None
    ]
    rows.append([signed(t._("📋 My shifts"), key, "m", call.id, chat_id)])
    return keyboard(rows)
