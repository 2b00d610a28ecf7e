"""Signed poll buttons and deep links.

Buttons: `pl:<poll>:<question>:<action>:<sig>` with actions `o<n>` (option n), `s<n>` (scale
value n) and `w` (write an answer); sig is `bot.events.cards.sign` with a key of their own for
(poll, chat), so a button copied to another chat, or rewritten to another poll, is refused.
A free-text question in a group links to the private chat with
`start=plt_<poll>_<question>_<chat>_<sig>`."""

from __future__ import annotations

import hashlib

from bot.core.callbacks import claim, sign, verify

AREA = claim("pl", __name__)
DEEP_LINK_PREFIX = "plt_"


def _key(key: bytes) -> bytes:
    """Poll buttons have a signing key of their own: an RSVP button's signature for event N in
    a chat must not pass as poll N's."""
    return hashlib.sha256(b"jarjestobotti-polls:" + key).digest()


def signature(key: bytes, poll_id: int, chat_id: int) -> str:
    return sign(_key(key), poll_id, chat_id)


def verify_button(key: bytes, poll_id: int, chat_id: int, sig: str | None) -> bool:
    return verify(_key(key), poll_id, chat_id, sig)


def deep_link_payload(key: bytes, poll_id: int, question: int, chat_id: int) -> str:
    return f"{DEEP_LINK_PREFIX}{poll_id}_{question}_{chat_id}_{signature(key, poll_id, chat_id)}"


def parse_deep_link(key: bytes, payload: str) -> tuple[int, int, int] | None:
    """(poll, question, chat) of a valid `plt_` payload."""
    parts = payload.removeprefix(DEEP_LINK_PREFIX).split("_", 3)  # the signature may hold _
    if len(parts) != 4 or not payload.startswith(DEEP_LINK_PREFIX):
        return None
    poll, question, chat, sig = parts
    numbers = (poll, question, chat.removeprefix("-"))
    if not all(p.isdigit() and len(p) <= 19 for p in numbers):
        return None
    if not verify_button(key, int(poll), int(chat), sig):
        return None
    return int(poll), int(question), int(chat)
