"""Text messages and their life: send, edit, delete, callback answers, chat actions.

Every function gets the sandbox and the schema-checked parameters and returns the `result` of a
successful answer, or raises `ApiError` with Telegram's code and wording.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.api_objects import message_to_api
from bot.sandbox.common import (
    admit,
    formatted,
    inline_markup,
    reply_target,
    store,
    target_chat,
)
from bot.sandbox.errors import bad_request
from bot.sandbox.world import SentMessage

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer

__all__ = [
    "answer_callback_query",
    "delete_message",
    "edit_message_caption",
    "edit_message_reply_markup",
    "edit_message_text",
    "get_me",
    "send_chat_action",
    "send_message",
]

MAX_CALLBACK_ANSWER = 200
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice"}
    | {"upload_document", "choose_sticker", "find_location", "record_video_note"}
    | {"upload_video_note"}
)


async def get_me(sb: SandboxServer, p: dict[str, Any]) -> Any:
    return sb.bot_user


async def send_message(sb: SandboxServer, p: dict[str, Any]) -> Any:
    text, entities = formatted(sb, p["text"], p.get("parse_mode"), p.get("entities"))
    markup = inline_markup(p.get("reply_markup"))
    chat = target_chat(sb, p["chat_id"])
    reply_to = reply_target(sb, chat, p)
    admit(sb, chat)
    message = store(
        sb,
        chat,
        text=text,
        raw_text=p["text"],
        parse_mode=p.get("parse_mode"),
        entities=entities,
        reply_markup=markup,
        reply_to_message_id=reply_to,
    )
    return message_to_api(sb, message)


def _editable(sb: SandboxServer, p: dict[str, Any]) -> SentMessage:
    if "inline_message_id" in p:
        raise bad_request("MESSAGE_ID_INVALID")  # the sandbox has no inline messages
    if "chat_id" not in p:
        raise bad_request("chat_id is empty")
    if "message_id" not in p:
        raise bad_request("message identifier is not specified")
    chat = target_chat(sb, p["chat_id"])
    message = sb.world.message(chat.id, p["message_id"])
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


async def edit_message_text(sb: SandboxServer, p: dict[str, Any]) -> Any:
    message = _editable(sb, p)
    if message.caption is not None or message.poll is not None or message.document is not None:
        raise bad_request("there is no text in the message to edit")
    text, entities = formatted(sb, p["text"], p.get("parse_mode"), p.get("entities"))
    # Without reply_markup, Telegram removes the keyboard: an edit replaces both.
    markup = inline_markup(p.get("reply_markup"))
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(_NOT_MODIFIED)
    message.text, message.raw_text, message.entities = text, p["text"], entities
    message.parse_mode = p.get("parse_mode")
    message.reply_markup = markup
    message.edit_count += 1
    return message_to_api(sb, message)


async def edit_message_caption(sb: SandboxServer, p: dict[str, Any]) -> Any:
    message = _editable(sb, p)
    if message.document is None and message.photo is None:
        raise bad_request("there is no caption in the message to edit")
    caption: str | None = None
    entities: list[dict[str, Any]] = []
    if p.get("caption"):
        caption, entities = formatted(
            sb, p["caption"], p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
    markup = inline_markup(p.get("reply_markup"))
    if (caption or None, entities, markup) == (
        message.caption or None,
        message.entities,
        message.reply_markup,
    ):
        raise bad_request(_NOT_MODIFIED)
    message.caption, message.raw_text, message.entities = caption, p.get("caption", ""), entities
    message.reply_markup = markup
    message.edit_count += 1
    return message_to_api(sb, message)


async def edit_message_reply_markup(sb: SandboxServer, p: dict[str, Any]) -> Any:
    message = _editable(sb, p)
    markup = inline_markup(p.get("reply_markup"))
    if markup == message.reply_markup:
        raise bad_request(_NOT_MODIFIED)
    message.reply_markup = markup
    message.edit_count += 1
    return message_to_api(sb, message)


async def delete_message(sb: SandboxServer, p: dict[str, Any]) -> Any:
    chat = target_chat(sb, p["chat_id"], sending=False)
    message = sb.world.message(chat.id, p["message_id"])
    if message is None:
        raise bad_request("message to delete not found")
    # In groups only an administrator may delete other people's messages.
    if not message.from_bot and chat.type != "private" and chat.bot_status != "administrator":
        raise bad_request("message can't be deleted")
    message.deleted = True
    return True


async def answer_callback_query(sb: SandboxServer, p: dict[str, Any]) -> Any:
    text = p.get("text")
    if text is not None and len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    return sb.answer_query(p["callback_query_id"], text, bool(p.get("show_alert", False)))


async def send_chat_action(sb: SandboxServer, p: dict[str, Any]) -> Any:
    if p["action"] not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    target_chat(sb, p["chat_id"])
    return True
