"""The Bot API methods the stand-in implements, on top of the simulated world.

Every function gets the sandbox and the schema-checked parameters and returns the `result` of a
successful answer, or raises `ApiError` with Telegram's code and wording.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.sandbox.errors import ApiError, bad_request, forbidden
from bot.sandbox.formatting import ParseError, parse, utf16_len
from bot.sandbox.schema import FileUpload
from bot.sandbox.world import SentFile, SentMessage, SimChat, SimPoll

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer as Sandbox

__all__ = ["METHODS", "message_to_api"]

Method = Callable[["Sandbox", dict[str, Any]], Awaitable[Any]]
MAX_TEXT = 4096
MAX_CAPTION = 1024


def _chat(sb: Sandbox, value: Any, *, sending: bool = True) -> SimChat:
    """The target chat, refusing as Telegram does for blocked, kicked or migrated chats."""
    chat: SimChat | None = None
    if isinstance(value, str) and value.startswith("@"):
        chat = next(
            (
                c
                for c in sb.world.chats.values()
                if c.user is not None and c.user.username == value[1:]
            ),
            None,
        )
    elif isinstance(value, int):
        chat = sb.world.chats.get(value)
    if chat is None:
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
        raise forbidden(
            f"bot was kicked from the {'supergroup' if chat.type == 'supergroup' else 'group'} chat"
        )
    elif chat.bot_status == "left":
        raise forbidden(f"bot is not a member of the {chat.type} chat")
    return chat


def _formatted(
    text: str, parse_mode: str | None, *, caption: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    try:
        plain, entities = parse(text, parse_mode)
    except ParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    limit = MAX_CAPTION if caption else MAX_TEXT
    if not caption and not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > limit:
        raise bad_request("message caption is too long" if caption else "message is too long")
    return plain, [e.to_api() for e in entities]


def _markup(value: Any) -> dict[str, Any] | None:
    """Check an inline keyboard as Telegram does; other keyboards are stored as they are."""
    if value is None:
        return None
    markup: dict[str, Any] = value
    for row in markup.get("inline_keyboard", []):
        for button in row:
            actions = [k for k in button if k not in ("text", "icon_custom_emoji_id", "style")]
            if len(actions) != 1:
                raise bad_request(
                    "can't find a button action"
                    if not actions
                    else "can't use more than one button action"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise bad_request("text buttons are unallowed in the inline keyboard")
    return markup


def message_to_api(sb: Sandbox, message: SentMessage) -> dict[str, Any]:
    chat = sb.world.chats[message.chat_id]
    sender = sb.bot_user if message.from_bot else sb.world.users[message.sender_id].to_api()
    data: dict[str, Any] = {
        "message_id": message.message_id,
        "date": message.date,
        "chat": chat.to_api(),
        "from": sender,
    }
    if message.document is not None:
        data["document"] = _file_to_api(message.document)
    if message.photo is not None:
        data["photo"] = [{**_file_to_api(message.photo), "width": 800, "height": 600}]
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


def _file_to_api(sent: SentFile) -> dict[str, Any]:
    data: dict[str, Any] = {
        "file_id": sent.file_id,
        "file_unique_id": sent.file_unique_id,
        "file_size": len(sent.data),
    }
    if sent.filename and sent.kind == "document":
        data["file_name"] = sent.filename
    if sent.mime_type and sent.kind == "document":
        data["mime_type"] = sent.mime_type
    return data


def _deliver(sb: Sandbox, chat: SimChat, **fields: Any) -> dict[str, Any]:
    """Apply the flood limits, then store the bot's new message."""
    retry = sb.limits.check(chat.id, chat.type)
    if retry is not None:
        raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
    message = SentMessage(
        message_id=sb.world.next_message_id(chat.id),
        chat_id=chat.id,
        date=int(time.time()),
        from_bot=True,
        sender_id=sb.bot_id,
        **fields,
    )
    sb.world.add_message(message)
    return message_to_api(sb, message)


async def get_me(sb: Sandbox, p: dict[str, Any]) -> Any:
    return sb.bot_user


async def send_message(sb: Sandbox, p: dict[str, Any]) -> Any:
    plain, entities = _formatted(p["text"], p.get("parse_mode"))
    markup = _markup(p.get("reply_markup"))
    chat = _chat(sb, p["chat_id"])
    return _deliver(
        sb, chat, text=plain, raw_text=p["text"], entities=entities, reply_markup=markup
    )


def _target(sb: Sandbox, p: dict[str, Any]) -> SentMessage:
    if "inline_message_id" in p:
        raise bad_request("MESSAGE_ID_INVALID")
    if "chat_id" not in p or "message_id" not in p:
        raise bad_request("message to edit not found")
    chat = _chat(sb, p["chat_id"])
    message = sb.world.message(chat.id, p["message_id"])
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


async def edit_message_text(sb: Sandbox, p: dict[str, Any]) -> Any:
    message = _target(sb, p)
    plain, entities = _formatted(p["text"], p.get("parse_mode"))
    markup = _markup(p.get("reply_markup"))
    if (plain, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(_NOT_MODIFIED)
    message.text, message.raw_text, message.entities = plain, p["text"], entities
    message.reply_markup = markup
    message.edit_count += 1
    return message_to_api(sb, message)


async def edit_message_reply_markup(sb: Sandbox, p: dict[str, Any]) -> Any:
    message = _target(sb, p)
    markup = _markup(p.get("reply_markup"))
    if markup == message.reply_markup:
        raise bad_request(_NOT_MODIFIED)
    message.reply_markup = markup
    message.edit_count += 1
    return message_to_api(sb, message)


async def delete_message(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = _chat(sb, p["chat_id"], sending=False)
    message = sb.world.message(chat.id, p["message_id"])
    if message is None:
        raise bad_request("message to delete not found")
    message.deleted = True
    return True


async def answer_callback_query(sb: Sandbox, p: dict[str, Any]) -> Any:
    text = p.get("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    return sb.answer_query(p["callback_query_id"], text, bool(p.get("show_alert", False)))


def _file(sb: Sandbox, value: Any, kind: str, filename: str | None) -> SentFile:
    if isinstance(value, FileUpload):
        file_id, unique = sb.world.next_file_id()
        sent = SentFile(
            file_id,
            unique,
            value.filename or filename,
            value.content_type,
            value.data,
            "photo" if kind == "photo" else "document",
        )
        sb.world.files[file_id] = sent
        return sent
    if isinstance(value, str) and value in sb.world.files:
        return sb.world.files[value]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        file_id, unique = sb.world.next_file_id()
        sent = SentFile(
            file_id,
            unique,
            value.rsplit("/", 1)[-1],
            None,
            b"",
            "photo" if kind == "photo" else "document",
        )
        sb.world.files[file_id] = sent
        return sent
    raise bad_request("wrong file identifier/HTTP URL specified")


async def _send_file(sb: Sandbox, p: dict[str, Any], kind: str) -> Any:
    caption: str | None = None
    entities: list[dict[str, Any]] = []
    if p.get("caption") is not None:
        caption, entities = _formatted(p["caption"], p.get("parse_mode"), caption=True)
    markup = _markup(p.get("reply_markup"))
    chat = _chat(sb, p["chat_id"])
    sent = _file(sb, p[kind], kind, None)
    fields: dict[str, Any] = {"caption": caption, "entities": entities, "reply_markup": markup}
    fields[kind] = sent
    return _deliver(sb, chat, **fields)


async def send_document(sb: Sandbox, p: dict[str, Any]) -> Any:
    return await _send_file(sb, p, "document")


async def send_photo(sb: Sandbox, p: dict[str, Any]) -> Any:
    return await _send_file(sb, p, "photo")


async def send_poll(sb: Sandbox, p: dict[str, Any]) -> Any:
    question = p["question"]
    if not 1 <= len(question) <= 300:
        raise bad_request("POLL_QUESTION_INVALID")
    options = [o["text"] for o in p["options"]]
    if len(options) < 2:
        raise bad_request("POLL_OPTIONS_TOO_FEW" if options else "poll must have at least 2 option")
    if len(options) > 12:
        raise bad_request("POLL_OPTIONS_TOO_MUCH")
    if any(not 1 <= len(text) <= 100 for text in options):
        raise bad_request("POLL_OPTION_INVALID")
    markup = _markup(p.get("reply_markup"))
    chat = _chat(sb, p["chat_id"])
    poll = SimPoll(
        id=sb.world.next_poll_id(),
        question=question,
        options=options,
        is_anonymous=bool(p.get("is_anonymous", True)),
        allows_multiple_answers=bool(p.get("allows_multiple_answers", False)),
        type=p.get("type", "regular"),
        closed=bool(p.get("is_closed", False)),
    )
    result = _deliver(sb, chat, poll=poll, reply_markup=markup)
    sb.world.polls[poll.id] = poll
    sb.world.poll_messages[poll.id] = sb.world.messages[chat.id][-1]
    return result


async def stop_poll(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = _chat(sb, p["chat_id"])
    message = sb.world.message(chat.id, p["message_id"])
    if message is None or message.poll is None:
        raise bad_request("message with poll to stop not found")
    if message.poll.closed:
        raise bad_request("poll has already been closed")
    message.poll.closed = True
    return message.poll.to_api()


def _scope_key(p: dict[str, Any]) -> tuple[str, str]:
    scope = p.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), p.get("language_code", "")


async def set_my_commands(sb: Sandbox, p: dict[str, Any]) -> Any:
    for command in p["commands"]:
        name, description = command["command"], command["description"]
        if not (
            1 <= len(name) <= 32
            and name == name.lower()
            and all(c.isalnum() or c == "_" for c in name)
        ):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    scope = p.get("scope") or {}
    if scope.get("type") == "chat":
        _chat(sb, scope.get("chat_id"), sending=False)
    sb.commands[_scope_key(p)] = p["commands"]
    return True


async def get_my_commands(sb: Sandbox, p: dict[str, Any]) -> Any:
    return sb.commands.get(_scope_key(p), [])


async def delete_my_commands(sb: Sandbox, p: dict[str, Any]) -> Any:
    sb.commands.pop(_scope_key(p), None)
    return True


async def get_chat(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = _chat(sb, p["chat_id"], sending=False)
    return sb.schema_fill("ChatFullInfo", {**chat.to_api(), "max_reaction_count": 11})


def _member(sb: Sandbox, chat: SimChat, user_id: int) -> dict[str, Any]:
    if chat.type == "private":
        status = "member" if chat.user is not None and chat.user.id == user_id else "left"
    else:
        status = chat.members.get(user_id, "left")
    user = sb.world.users.get(user_id)
    if user is None and user_id != sb.bot_id:
        raise bad_request("user not found")
    user_api = sb.bot_user if user is None else user.to_api()
    type_name = {
        "creator": "ChatMemberOwner",
        "administrator": "ChatMemberAdministrator",
        "member": "ChatMemberMember",
        "restricted": "ChatMemberRestricted",
        "left": "ChatMemberLeft",
        "kicked": "ChatMemberBanned",
    }[status]
    return sb.schema_fill(type_name, {"status": status, "user": user_api})


async def get_chat_member(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = _chat(sb, p["chat_id"], sending=False)
    return _member(sb, chat, p["user_id"])


async def get_chat_administrators(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = _chat(sb, p["chat_id"], sending=False)
    return [
        _member(sb, chat, uid)
        for uid, status in chat.members.items()
        if status in ("creator", "administrator")
    ]


async def send_chat_action(sb: Sandbox, p: dict[str, Any]) -> Any:
    _chat(sb, p["chat_id"])
    return True


async def get_file(sb: Sandbox, p: dict[str, Any]) -> Any:
    sent = sb.world.files.get(p["file_id"])
    if sent is None:
        raise bad_request("invalid file_id")
    return {**_file_to_api(sent), "file_path": f"{sent.kind}s/{sent.file_id}"}


async def set_chat_menu_button(sb: Sandbox, p: dict[str, Any]) -> Any:
    return True


async def get_chat_menu_button(sb: Sandbox, p: dict[str, Any]) -> Any:
    return {"type": "commands"}


METHODS: dict[str, Method] = {
    "getme": get_me,
    "sendmessage": send_message,
    "editmessagetext": edit_message_text,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "answercallbackquery": answer_callback_query,
    "senddocument": send_document,
    "sendphoto": send_photo,
    "sendpoll": send_poll,
    "stoppoll": stop_poll,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "getchat": get_chat,
    "getchatmember": get_chat_member,
    "getchatadministrators": get_chat_administrators,
    "sendchataction": send_chat_action,
    "getfile": get_file,
    "setchatmenubutton": set_chat_menu_button,
    "getchatmenubutton": get_chat_menu_button,
}
