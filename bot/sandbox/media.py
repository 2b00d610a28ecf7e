"""Documents, photos, polls and file downloads.

A file reaches the sandbox as a multipart upload, as a file_id it gave out before, or as an HTTP
URL (stored empty: the sandbox does not fetch the internet). New files are stored only once the
message is accepted, so a refused upload leaves nothing behind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from bot.sandbox.api_objects import file_to_api, message_to_api
from bot.sandbox.common import admit, formatted, inline_markup, reply_target, store, target_chat
from bot.sandbox.entities import utf16_len
from bot.sandbox.errors import bad_request
from bot.sandbox.schema import FileUpload
from bot.sandbox.world import SentFile, SimPoll

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer

__all__ = ["get_file", "send_document", "send_photo", "send_poll", "stop_poll"]

MAX_QUESTION = 300
# Telegram has long refused polls with fewer than two options; api.json 10.1 says 1-12.
MIN_OPTIONS, MAX_OPTIONS = 2, 12
MAX_OPTION = 100


def _file(sb: SandboxServer, value: Any, kind: Literal["document", "photo"]) -> SentFile:
    """The file a request sends: a known one, or a new one not yet stored in the world."""
    if isinstance(value, FileUpload):
        if not value.data:
            raise bad_request("file must be non-empty")
        file_id, unique = sb.world.next_file_id()
        name = value.filename if kind == "document" else None
        return SentFile(file_id, unique, name, value.content_type, value.data, kind)
    if value in sb.world.files:
        return sb.world.files[value]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        file_id, unique = sb.world.next_file_id()
        name = value.rsplit("/", 1)[-1] or None
        return SentFile(file_id, unique, name, None, b"", kind)
    raise bad_request("wrong file identifier/HTTP URL specified")


async def _send_file(
    sb: SandboxServer, p: dict[str, Any], kind: Literal["document", "photo"]
) -> Any:
    caption: str | None = None
    entities: list[dict[str, Any]] = []
    if p.get("caption"):
        caption, entities = formatted(
            sb, p["caption"], p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
    markup = inline_markup(p.get("reply_markup"))
    chat = target_chat(sb, p["chat_id"])
    sent = _file(sb, p[kind], kind)
    reply_to = reply_target(sb, chat, p)
    admit(sb, chat)
    sb.world.files.setdefault(sent.file_id, sent)
    fields: dict[str, Any] = {
        "caption": caption or None,
        "raw_text": p.get("caption") or "",
        "parse_mode": p.get("parse_mode"),
        "entities": entities,
        "reply_markup": markup,
        "reply_to_message_id": reply_to,
        kind: sent,
    }
    return message_to_api(sb, store(sb, chat, **fields))


async def send_document(sb: SandboxServer, p: dict[str, Any]) -> Any:
    return await _send_file(sb, p, "document")


async def send_photo(sb: SandboxServer, p: dict[str, Any]) -> Any:
    return await _send_file(sb, p, "photo")


async def send_poll(sb: SandboxServer, p: dict[str, Any]) -> Any:
    question: str = p["question"].strip()
    if not question:
        raise bad_request("poll question must be non-empty")
    if utf16_len(question) > MAX_QUESTION:
        raise bad_request("POLL_QUESTION_INVALID")
    options = [o["text"].strip() for o in p["options"]]
    if len(options) < MIN_OPTIONS:
        raise bad_request("poll must have at least 2 option")
    if len(options) > MAX_OPTIONS:
        raise bad_request("POLL_OPTIONS_TOO_MUCH")
    if any(not 1 <= utf16_len(text) <= MAX_OPTION for text in options):
        raise bad_request("POLL_OPTION_INVALID")
    if len(set(options)) != len(options):
        raise bad_request("POLL_OPTION_DUPLICATE")
    poll_type = p.get("type", "regular")
    if poll_type not in ("regular", "quiz"):
        raise bad_request("poll type is invalid")
    markup = inline_markup(p.get("reply_markup"))
    chat = target_chat(sb, p["chat_id"])
    reply_to = reply_target(sb, chat, p)
    admit(sb, chat)
    poll = SimPoll(
        id=sb.world.next_poll_id(),
        question=question,
        options=options,
        is_anonymous=bool(p.get("is_anonymous", True)),
        allows_multiple_answers=bool(p.get("allows_multiple_answers", False)),
        type=poll_type,
        closed=bool(p.get("is_closed", False)),
    )
    message = store(sb, chat, poll=poll, reply_markup=markup, reply_to_message_id=reply_to)
    sb.world.polls[poll.id] = poll
    sb.world.poll_messages[poll.id] = message
    return message_to_api(sb, message)


async def stop_poll(sb: SandboxServer, p: dict[str, Any]) -> Any:
    chat = target_chat(sb, p["chat_id"])
    message = sb.world.message(chat.id, p["message_id"])
    if message is None or message.poll is None:
        raise bad_request("message with poll to stop not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    if message.poll.closed:
        raise bad_request("poll has already been closed")
    message.poll.closed = True
    if "reply_markup" in p:
        message.reply_markup = inline_markup(p["reply_markup"])
    message.edit_count += 1
    return message.poll.to_api()


def file_path(sent: SentFile) -> str:
    return f"{sent.kind}s/{sent.file_id}"


async def get_file(sb: SandboxServer, p: dict[str, Any]) -> Any:
    sent = sb.world.files.get(p["file_id"])
    if sent is None:
        raise bad_request("invalid file_id")
    return {**file_to_api(sent), "file_path": file_path(sent)}
