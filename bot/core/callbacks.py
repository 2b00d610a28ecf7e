"""Callback data, the bytes behind inline buttons: encoded, decoded, signed and claimed here.

Format: `<area>:<part>:<part>...` with ASCII letters, digits, `_` and `-` only, at most 64 bytes
(Telegram's limit). Decoding returns None for anything else; handlers then re-check that what the
data names still exists and that the tapping user may act on it. Buttons already sent stay in
chats for months, so the bytes produced here must not change.

Areas: every feature claims the areas it routes where it defines them
(`AREA = claim("rsvp", __name__)`). A second owner claiming an area raises `AreaClash` while its
module is imported, and the application imports every handler module, so the clash stops the bot
at start-up instead of sending one feature's taps to another.

Signing: buttons that name something private to a chat carry `sign(key, item_id, chat_id)`, an
HMAC cut to 10 characters. A client that rewrites the id (to answer an event it was not shown, or
a stale one) fails `verify`, and nothing is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

__all__ = [
    "AREAS",
    "MAX_CALLBACK_BYTES",
    "AreaClash",
    "Callback",
    "Registry",
    "button",
    "callback_key",
    "claim",
    "decode",
    "encode",
    "keyboard",
    "pattern",
    "sign",
    "verify",
]

MAX_CALLBACK_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_-]*$")
_AREA = re.compile(r"^[a-z][a-z0-9]{0,7}$")


# Encoding and decoding


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


# Signing and verifying


def callback_key(token: str) -> bytes:
    """Derived from the bot token: stable across restarts, secret like the token."""
    return hashlib.sha256(b"jarjestobotti-callbacks:" + token.encode()).digest()


def sign(key: bytes, item_id: int, chat_id: int) -> str:
    digest = hmac.new(key, f"{item_id}|{chat_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:10].replace("=", "")


def verify(key: bytes, item_id: int, chat_id: int, signature: str | None) -> bool:
    return signature is not None and hmac.compare_digest(sign(key, item_id, chat_id), signature)


# The registry of areas


class AreaClash(RuntimeError):
    """Two features claimed the same callback area: one would receive the other's taps."""


class Registry:
    """Which module owns which callback area."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}

    def claim(self, area: str, owner: str) -> str:
        """Record `owner` (a module name) as the area's only owner; returns the area.

        The same owner may claim again: reloading a module (as tests do) is not a clash.
        """
        if not _AREA.match(area):
            raise ValueError(f"bad callback area {area!r}")
        taken = self._owners.setdefault(area, owner)
        if taken != owner:
            raise AreaClash(f"callback area {area!r} is claimed by both {taken} and {owner}")
        return area

    def owner(self, area: str) -> str | None:
        return self._owners.get(area)

    def owners(self) -> Mapping[str, str]:
        """Area → owning module, a copy."""
        return dict(self._owners)


AREAS = Registry()


def claim(area: str, owner: str) -> str:
    """Claim an area in the bot's registry: `AREA = claim("ann", __name__)`."""
    return AREAS.claim(area, owner)
