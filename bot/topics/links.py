"""The "💡 Suggest a topic" button on an event's card and the deep link a tap in a group leads to.

Button: `tps:<event>:s:<sig>`, sig the card's own (`bot.core.callbacks.sign(key, event, chat)`,
the RSVP buttons' signature): the button is valid in the chat the card was sent to only.
A tap in a group answers with `https://t.me/<bot>?start=tps_<event>_<chat>_<sig>`: the private
chat then knows which group (and so which association) the suggestion came from, and the
signature keeps a hand-made link from naming another group.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.core.callbacks import button, claim, sign, verify
from bot.core.i18n import Texts

__all__ = ["AREA", "DEEP_LINK_PREFIX", "deep_link", "parse_deep_link", "suggest_button"]

AREA = claim("tps", __name__)
DEEP_LINK_PREFIX = "tps_"


def suggest_button(t: Texts, event_id: int, sig: str) -> InlineKeyboardButton:
    return button(t._("💡 Suggest a topic"), AREA, event_id, "s", sig)


def deep_link(key: bytes, bot_username: str, event_id: int, chat_id: int) -> str:
    payload = f"{DEEP_LINK_PREFIX}{event_id}_{chat_id}_{sign(key, event_id, chat_id)}"
    return f"https://t.me/{bot_username}?start={payload}"


def parse_deep_link(key: bytes, payload: str) -> tuple[int, int] | None:
    """(event, chat) of a valid `tps_` payload."""
    if not payload.startswith(DEEP_LINK_PREFIX):
        return None
    parts = payload.removeprefix(DEEP_LINK_PREFIX).split("_", 2)  # the signature may hold _
    if len(parts) != 3:
        return None
    event, chat, sig = parts
    if not (event.isdigit() and chat.removeprefix("-").isdigit()):
        return None
    if len(event) > 12 or len(chat) > 20 or not verify(key, int(event), int(chat), sig):
        return None
    return int(event), int(chat)
