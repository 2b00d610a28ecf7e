"""The Bot API methods the sandbox implements, by lower-cased name (Telegram ignores case).

A method in api.json but not here answers 404 like an unknown one, so a bot relying on it fails
loudly in tests instead of getting a made-up answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.sandbox import chats, inline, media, messaging

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer

__all__ = ["METHODS", "Method"]

Method = Callable[["SandboxServer", dict[str, Any]], Awaitable[Any]]


async def _get_updates(sb: SandboxServer, p: dict[str, Any]) -> Any:
    return await sb.updates.get_updates(p)


async def _set_webhook(sb: SandboxServer, p: dict[str, Any]) -> Any:
    return await sb.updates.set_webhook(p)


async def _delete_webhook(sb: SandboxServer, p: dict[str, Any]) -> Any:
    return await sb.updates.delete_webhook(p)


async def _get_webhook_info(sb: SandboxServer, p: dict[str, Any]) -> Any:
    return sb.updates.webhook_info()


METHODS: dict[str, Method] = {
    "getupdates": _get_updates,
    "setwebhook": _set_webhook,
    "deletewebhook": _delete_webhook,
    "getwebhookinfo": _get_webhook_info,
    "getme": messaging.get_me,
    "sendmessage": messaging.send_message,
    "editmessagetext": messaging.edit_message_text,
    "editmessagecaption": messaging.edit_message_caption,
    "editmessagereplymarkup": messaging.edit_message_reply_markup,
    "deletemessage": messaging.delete_message,
    "answercallbackquery": messaging.answer_callback_query,
    "answerinlinequery": inline.answer_inline_query,
    "sendchataction": messaging.send_chat_action,
    "senddocument": media.send_document,
    "sendphoto": media.send_photo,
    "sendpoll": media.send_poll,
    "stoppoll": media.stop_poll,
    "getfile": media.get_file,
    "setmycommands": chats.set_my_commands,
    "getmycommands": chats.get_my_commands,
    "deletemycommands": chats.delete_my_commands,
    "getchat": chats.get_chat,
    "getchatmember": chats.get_chat_member,
    "getchatadministrators": chats.get_chat_administrators,
    "setchatmenubutton": chats.set_chat_menu_button,
    "getchatmenubutton": chats.get_chat_menu_button,
}
