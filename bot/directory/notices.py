"""The messages the directory's publishing side sends unprompted, as outbox rows: a coordinator's
approval request, and what an association's administrators or representative are told (approved,
declined, hidden, the yearly "is this still right?", lapsed).

Each is rendered in its recipient's language and written in the transaction that makes the
change, so the message exists exactly when the change does."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from telegram import InlineKeyboardMarkup

from bot.core.callbacks import button, claim, keyboard
from bot.core.i18n import Texts, pick_language
from bot.environment import Environment
from storage import chats, outbox
from storage.db import Writer
from storage.listings import Listing
from storage.outbox import NewMessage

__all__ = [
    "AREA",
    "RenderFn",
    "approval_markup",
    "owner_chat",
    "queue",
    "review_markup",
    "status_line",
]

RenderFn = Callable[[Texts], tuple[str, InlineKeyboardMarkup | None]]

# Taps on the directory's moderation and review buttons: `lst:<action>:<listing id>`.
AREA = claim("lst", __name__)


def owner_chat(listing: Listing) -> int | None:
    """Where a listing's owners are reached: the group, or the representative's private chat."""
    return listing.chat_id if listing.chat_id is not None else listing.user_id


def approval_markup(listing: Listing, t: Texts) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                button(t._("✅ Approve"), AREA, "ok", listing.id),
                button(t._("❌ Decline"), AREA, "no", listing.id),
            ]
        ]
    )


def review_markup(listing: Listing, t: Texts) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                button(t._("✅ Still right"), AREA, "still", listing.id),
                button(t._("✏️ Update"), AREA, "upd", listing.id),
            ]
        ]
    )


def _message(chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> NewMessage:
    params: dict[str, object] = {
        "text": text,
        "parse_mode": "HTML",
        "disable_web_page_preview": True,
    }
    if markup is not None:
        params["reply_markup"] = markup.to_dict()
    return NewMessage(chat_id, "interactive", "sendMessage", params)


async def queue(
    env: Environment,
    tx: Writer,
    chat_ids: Sequence[int],
    render: RenderFn,
    now: int,
) -> int:
    """One row per chat (only chats the bot knows: the outbox's foreign key), each rendered in
    that chat's language; how many were queued."""
    info = await chats.recipients(tx, list(chat_ids))
    queued = 0
    for chat_id in dict.fromkeys(chat_ids):
        if chat_id not in info:
            continue
        found = info[chat_id]
        language = pick_language(
            found.language, found.client_language, env.config.bot.default_language
        )
        text, markup = render(env.translator.texts(language))
        if await tx.run(
            partial(outbox.enqueue_known_sync, row=_message(chat_id, text, markup), now=now)
        ):
            queued += 1
    return queued


def status_line(listing: Listing, t: Texts) -> str:
    if listing.status == "public":
        return t._("🌍 Public in /directory.")
    if listing.status == "pending":
        return t._("⏳ Waiting for a coordinator's approval.")
    if listing.status == "hidden":
        return t._(
            "🙈 Hidden by a coordinator. Reason: {reason}", reason=listing.status_reason or "—"
        )
    if listing.status == "lapsed":
        return t._("💤 Not shown in /directory: nobody confirmed it. Publish it again to show it.")
    return t._("🔒 Not published: only coordinators see it.")
