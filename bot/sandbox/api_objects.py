"""The simulated world rendered as Bot API objects (Message, Document, ChatMember, …).

Everything returned here must de-serialise in python-telegram-bot, so required fields the world
does not model are filled with neutral values from the schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.world import SentFile, SentMessage, SimChat

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer

__all__ = ["MEMBER_TYPES", "chat_member_status", "file_to_api", "member_to_api", "message_to_api"]

MEMBER_TYPES = {
    "creator": "ChatMemberOwner",
    "administrator": "ChatMemberAdministrator",
    "member": "ChatMemberMember",
    "restricted": "ChatMemberRestricted",
    "left": "ChatMemberLeft",
    "kicked": "ChatMemberBanned",
}
# An administrator here may do everything an administrator can be allowed to do.
_ADMIN_RIGHTS_OFF = frozenset({"can_be_edited", "is_anonymous"})


def message_to_api(
    sb: SandboxServer, message: SentMessage, *, nested: bool = False
) -> dict[str, Any]:
    chat = sb.world.chats.get(message.chat_id) or SimChat(message.chat_id, "private")
    sender = sb.bot_user if message.from_bot else sb.world.users[message.sender_id].to_api()
    data: dict[str, Any] = {
        "message_id": message.message_id,
        "date": message.date,
        "chat": chat.to_api(),
        "from": sender,
    }
    if message.via_bot:
        data["via_bot"] = sb.bot_user
    if message.reply_to_message_id is not None and not nested:
        replied = sb.world.message(message.chat_id, message.reply_to_message_id)
        if replied is not None:
            data["reply_to_message"] = message_to_api(sb, replied, nested=True)
    if message.document is not None:
        data["document"] = file_to_api(message.document)
    if message.photo is not None:
        data["photo"] = [{**file_to_api(message.photo), "width": 800, "height": 600}]
    if message.poll is not None:
        data["poll"] = message.poll.to_api()
    if message.caption is not None:
        data["caption"] = message.caption
        if message.entities:
            data["caption_entities"] = message.entities
    elif message.text:
        data["text"] = message.text
        if message.entities:
            data["entities"] = message.entities
    if message.reply_markup:
        data["reply_markup"] = message.reply_markup
    if message.edit_count:
        data["edit_date"] = message.date + message.edit_count
    return data


def file_to_api(sent: SentFile) -> dict[str, Any]:
    data: dict[str, Any] = {
        "file_id": sent.file_id,
        "file_unique_id": sent.file_unique_id,
        "file_size": len(sent.data),
    }
    if sent.kind == "document":
        if sent.filename:
            data["file_name"] = sent.filename
        if sent.mime_type:
            data["mime_type"] = sent.mime_type
    return data


def member_to_api(sb: SandboxServer, user: dict[str, Any], status: str) -> dict[str, Any]:
    type_name = MEMBER_TYPES[status]
    data: dict[str, Any] = {"status": status, "user": user}
    if type_name == "ChatMemberAdministrator":
        for name in sb.schema.types[type_name]:
            if name.startswith(("can_", "is_")) and name not in _ADMIN_RIGHTS_OFF:
                data[name] = True
    if type_name == "ChatMemberRestricted":
        data["is_member"] = True
    return sb.schema.fill(type_name, data)


def chat_member_status(sb: SandboxServer, chat: SimChat, user_id: int) -> str:
    """The user's (or the bot's own) status in the chat."""
    if user_id == sb.bot_id:
        if chat.type == "private":
            return "kicked" if chat.blocked else "member"
        return chat.bot_status
    if chat.type == "private":
        return "member" if chat.user is not None and chat.user.id == user_id else "left"
    return chat.members.get(user_id, "left")
