"""Chats, members, the bot's commands and menu button."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.sandbox.api_objects import chat_member_status, member_to_api
from bot.sandbox.common import target_chat
from bot.sandbox.errors import bad_request

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer

__all__ = [
    "delete_my_commands",
    "get_chat",
    "get_chat_administrators",
    "get_chat_member",
    "get_chat_menu_button",
    "get_my_commands",
    "set_chat_menu_button",
    "set_my_commands",
]

MAX_COMMANDS = 100
_COMMAND_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def commands_key(sb: SandboxServer, p: dict[str, Any]) -> tuple[str, str]:
    """Telegram keeps one command list per scope and language."""
    scope = dict(p.get("scope") or {"type": "default"})
    if "chat_id" in scope:
        scope["chat_id"] = target_chat(sb, scope["chat_id"], sending=False).id
    return json.dumps(scope, sort_keys=True), p.get("language_code") or ""


async def set_my_commands(sb: SandboxServer, p: dict[str, Any]) -> Any:
    commands: list[dict[str, Any]] = p["commands"]
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        name, description = command["command"], command["description"]
        if not (1 <= len(name) <= 32 and _COMMAND_CHARS.issuperset(name)):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    language = p.get("language_code") or ""
    if language and not (len(language) == 2 and language.isalpha()):
        raise bad_request("LANG_CODE_INVALID")
    key = commands_key(sb, p)
    if commands:
        sb.commands[key] = commands
    else:
        sb.commands.pop(key, None)
    return True


async def get_my_commands(sb: SandboxServer, p: dict[str, Any]) -> Any:
    return sb.commands.get(commands_key(sb, p), [])


async def delete_my_commands(sb: SandboxServer, p: dict[str, Any]) -> Any:
    sb.commands.pop(commands_key(sb, p), None)
    return True


async def get_chat(sb: SandboxServer, p: dict[str, Any]) -> Any:
    chat = target_chat(sb, p["chat_id"], sending=False)
    return sb.schema.fill(
        "ChatFullInfo", {**chat.to_api(), "accent_color_id": 0, "max_reaction_count": 11}
    )


def _member(sb: SandboxServer, chat_id: Any, user_id: int) -> dict[str, Any]:
    chat = target_chat(sb, chat_id, sending=False)
    if user_id == sb.bot_id:
        user = sb.bot_user
    elif user_id in sb.world.users:
        user = sb.world.users[user_id].to_api()
    else:
        raise bad_request("user not found")
    return member_to_api(sb, user, chat_member_status(sb, chat, user_id))


async def get_chat_member(sb: SandboxServer, p: dict[str, Any]) -> Any:
    return _member(sb, p["chat_id"], p["user_id"])


async def get_chat_administrators(sb: SandboxServer, p: dict[str, Any]) -> Any:
    chat = target_chat(sb, p["chat_id"], sending=False)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = [uid for uid, status in chat.members.items() if status in ("creator", "administrator")]
    if chat.bot_status == "administrator":
        admins.append(sb.bot_id)
    return [_member(sb, chat.id, uid) for uid in admins]


async def set_chat_menu_button(sb: SandboxServer, p: dict[str, Any]) -> Any:
    chat_id = target_chat(sb, p["chat_id"], sending=False).id if "chat_id" in p else None
    sb.menu_buttons[chat_id] = p.get("menu_button") or {"type": "default"}
    return True


async def get_chat_menu_button(sb: SandboxServer, p: dict[str, Any]) -> Any:
    chat_id = target_chat(sb, p["chat_id"], sending=False).id if "chat_id" in p else None
    # A chat's "default" button falls back to the bot-wide one, and that to the commands list.
    for key in (chat_id, None):
        button = sb.menu_buttons.get(key)
        if button is not None and button.get("type") != "default":
            return button
    return {"type": "commands"}
