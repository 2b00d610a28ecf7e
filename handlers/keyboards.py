"""Callback data: encoded and decoded in one place, never trusted.

Format: `<area>:<part>:<part>...` with ASCII letters, digits, `_` and `-` only, at most 64 bytes
(Telegram's limit). Decoding returns None for anything else; handlers then re-check that what the
data names still exists and that the tapping user may act on it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

__all__ = [
    "MAX_CALLBACK_BYTES",
    "Callback",
    "button",
    "decode",
    "encode",
    "keyboard",
    "pattern",
]

MAX_CALLBACK_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_-]*$")
_AREA = re.compile(r"^[a-z][a-z0-9]{0,7}$")


@dataclass(frozen=True, slots=True)
class Callback:
    area: str
    parts: tuple[str, ...]

    def part(self, index: int) -> str | None:
        return self.parts[index] if index < len(self.parts) else None

    def int_part(self, index: int) -> int | None:
        value = self.part(index)
        if value is None or not re.fullmatch(r"-?\d{1,19}", value):
            return None
        return int(value)


def encode(area: str, *parts: str | int) -> str:
    if not _AREA.match(area):
        raise ValueError(f"bad callback area {area!r}")
    texts = [str(p) for p in parts]
    for text in texts:
        if not _PART.match(text):
            raise ValueError(f"bad callback part {text!r}")
    data = ":".join((area, *texts))
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    if not data or len(data.encode("utf-8", "replace")) > MAX_CALLBACK_BYTES:
        return None
    area, *parts = data.split(":")
    if not _AREA.match(area) or not all(_PART.match(p) for p in parts):
        return None
    return Callback(area, tuple(parts))


def pattern(area: str) -> str:
    """Regex for CallbackQueryHandler that routes an area's buttons to its handler."""
    return rf"^{re.escape(area)}(:|$)"


def button(text: str, area: str, *parts: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=encode(area, *parts))


def keyboard(rows: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(row) for row in rows if row])
