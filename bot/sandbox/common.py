"""Checks shared by the Bot API methods: target chat, formatted text, keyboards, flood limits.

Every sending method runs them in the same order, which decides what a bad request costs:

1. the request itself (schema, text, keyboard, poll options)  → 400, nothing else happens;
2. the target chat (unknown, migrated, blocked, kicked, …)      → 400/403;
3. the flood limits                                             → 429;
4. only then are files, polls and the message created.

So a request Telegram would refuse for its content or its chat consumes no flood budget, and a
refused request leaves no trace in the world except its line in the request log.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from bot.sandbox.entities import Entity, check_url, trim
from bot.sandbox.errors import ApiError, bad_request, forbidden
from bot.sandbox.formatting import PARSE_MODES, ParseError, format_text, utf16_len
from bot.sandbox.world import SentMessage, SimChat

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer

__all__ = [
    "MAX_CAPTION",
    "MAX_TEXT",
    "admit",
    "formatted",
    "inline_markup",
    "reply_target",
    "store",
    "target_chat",
]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
_BUTTON_DECOR = frozenset({"text", "icon_custom_emoji_id", "style"})


def target_chat(sb: SandboxServer, value: Any, *, sending: bool = True) -> SimChat:
    """The chat a request names, refused as Telegram refuses it; `sending` adds the 403s."""
    # "@username" names only public channels and supergroups, which the sandbox has none of;
    # Telegram never lets a bot address a user by username.
    chat = sb.world.chats.get(value) if isinstance(value, int) else None
    if chat is None:
        if sending and value in sb.world.users and value not in sb.world.forgotten:
            raise forbidden("bot can't initiate conversation with a user")
        raise bad_request("chat not found")
    if chat.migrated_to is not None:
        raise bad_request(
            "group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": chat.migrated_to},
        )
    if not sending:
        return chat
    if chat.type == "private":
        if chat.user is not None and chat.user.deactivated:
            raise forbidden("user is deactivated")
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
    elif chat.bot_status == "kicked":
        raise forbidden(f"bot was kicked from the {chat.type} chat")
    elif chat.bot_status == "left":
        raise forbidden(f"bot is not a member of the {chat.type} chat")
    return chat


def _entity(data: dict[str, Any]) -> Entity:
    user = data.get("user")
    return Entity(
        data["type"],
        data["offset"],
        data["length"],
        url=data.get("url"),
        language=data.get("language"),
        custom_emoji_id=data.get("custom_emoji_id"),
        user_id=user["id"] if isinstance(user, dict) else None,
    )


def formatted(
    sb: SandboxServer,
    text: str,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None,
    *,
    caption: bool = False,
) -> tuple[str, list[dict[str, Any]]]:
    """The plain text the recipient sees and its entities, or Telegram's 400."""
    if entities is not None:
        # Explicit entities win over parse_mode, as in Telegram; ones past the end are clipped.
        size = utf16_len(text)
        given = [_entity(e) for e in entities if 0 <= e["offset"] < size and e["length"] > 0]
        plain, parsed = trim(text, given)
    else:
        if parse_mode and parse_mode.lower() not in PARSE_MODES:
            raise bad_request("unsupported parse_mode")
        try:
            plain, parsed = format_text(text, parse_mode)
        except ParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    if not caption and not plain:
        raise bad_request("message text is empty")
    if utf16_len(plain) > (MAX_CAPTION if caption else MAX_TEXT):
        raise bad_request("message caption is too long" if caption else "message is too long")
    result: list[dict[str, Any]] = []
    for entity in parsed:
        data = entity.to_api()
        if entity.user_id is not None:
            user = sb.world.users.get(entity.user_id)
            if user is None:
                continue  # Telegram drops mentions of users the bot cannot see
            data["user"] = user.to_api()
        result.append(data)
    return plain, result


def inline_markup(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Check an inline keyboard as Telegram does; other keyboards are kept as they are."""
    if value is None:
        return None
    for row in value.get("inline_keyboard", []):
        for button in row:
            actions = [key for key in button if key not in _BUTTON_DECOR]
            if not actions:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
            if len(actions) > 1:
                raise bad_request(
                    "can't parse inline keyboard button: only one of the optional fields can "
                    f"be used, found {', '.join(actions)}"
                )
            if not button["text"]:
                raise bad_request("BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and check_url(url) is None:
                raise bad_request("BUTTON_URL_INVALID")
    return value


def reply_target(sb: SandboxServer, chat: SimChat, params: dict[str, Any]) -> int | None:
    """The message a reply refers to, checked as Telegram checks it."""
    reply = params.get("reply_parameters")
    if not reply:
        return None
    chat_ref = reply.get("chat_id")
    where = chat if chat_ref is None else target_chat(sb, chat_ref, sending=False)
    if sb.world.message(where.id, reply["message_id"]) is not None and where is chat:
        return int(reply["message_id"])
    if reply.get("allow_sending_without_reply"):
        return None
    raise bad_request("message to be replied not found")


def admit(sb: SandboxServer, chat: SimChat) -> None:
    """Count one message against the flood limits, or refuse it with 429."""
    retry = sb.limits.check(chat.id, chat.type)
    if retry is not None:
        raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})


def store(sb: SandboxServer, chat: SimChat, **fields: Any) -> SentMessage:
    """Add the bot's new message to the chat."""
    return sb.world.add_message(
        SentMessage(
            message_id=sb.world.next_message_id(chat.id),
            chat_id=chat.id,
            date=int(time.time()),
            from_bot=True,
            sender_id=sb.bot_id,
            **fields,
        )
    )
