"""The simulated Telegram world: users, chats, messages, files and polls, as plain dataclasses."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "Button",
    "CallbackAnswer",
    "RequestRecord",
    "SentFile",
    "SentMessage",
    "SimChat",
    "SimPoll",
    "SimQuery",
    "SimUser",
    "World",
]

ChatKind = Literal["private", "group", "supergroup"]
MemberStatus = Literal["creator", "administrator", "member", "left", "kicked", "restricted"]


@dataclass
class SimUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "fi"
    deactivated: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class SimChat:
    id: int
    type: ChatKind
    title: str | None = None
    user: SimUser | None = None  # the other party of a private chat
    members: dict[int, MemberStatus] = field(default_factory=dict)
    bot_status: MemberStatus = "member"
    blocked: bool = False  # private chat: the user blocked the bot
    migrated_to: int | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        else:
            data["title"] = self.title or ""
        return data


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None

    @property
    def action(self) -> str | None:
        """What tapping does: the callback data, else the URL (None for other button kinds)."""
        return self.callback_data if self.callback_data is not None else self.url


@dataclass
class SentFile:
    file_id: str
    file_unique_id: str
    filename: str | None
    mime_type: str | None
    data: bytes
    kind: Literal["document", "photo"] = "document"

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


@dataclass
class SimPoll:
    id: str
    question: str
    options: list[str]
    is_anonymous: bool = True
    allows_multiple_answers: bool = False
    type: str = "regular"
    closed: bool = False
    votes: dict[int, list[int]] = field(default_factory=dict)  # user id → option ids

    def counts(self) -> list[int]:
        totals = [0] * len(self.options)
        for chosen in self.votes.values():
            for option in chosen:
                totals[option] += 1
        return totals

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "options": [
                {"persistent_id": f"{self.id}-{index}", "text": text, "voter_count": count}
                for index, (text, count) in enumerate(zip(self.options, self.counts(), strict=True))
            ],
            "total_voter_count": len(self.votes),
            "is_closed": self.closed,
            "is_anonymous": self.is_anonymous,
            "type": self.type,
            "allows_multiple_answers": self.allows_multiple_answers,
            "allows_revoting": True,
            "members_only": False,
        }


@dataclass
class SentMessage:
    """A message in a chat, in its current state (after edits)."""

    message_id: int
    chat_id: int
    date: int
    from_bot: bool
    sender_id: int
    text: str = ""  # what the user sees, after parse_mode parsing
    raw_text: str = ""  # text or caption as the bot sent it (HTML/Markdown source)
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)  # of the text or the caption
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: SentFile | None = None
    photo: SentFile | None = None
    poll: SimPoll | None = None
    reply_to_message_id: int | None = None
    via_bot: bool = False  # a person sent it by choosing the bot's inline result
    edit_count: int = 0
    deleted: bool = False

    @property
    def html(self) -> str:
        """The source as the bot sent it (kept under the name tests tend to look for)."""
        return self.raw_text

    @property
    def button_rows(self) -> list[list[Button]]:
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard", [])
        return [
            [Button(b["text"], b.get("callback_data"), b.get("url")) for b in row] for row in rows
        ]

    @property
    def keyboard(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard rows as (text, callback_data or url) pairs."""
        return [[(b.text, b.action) for b in row] for row in self.button_rows]

    @property
    def buttons(self) -> list[str]:
        return [b.text for row in self.button_rows for b in row]

    def button(self, text: str) -> Button | None:
        return next((b for row in self.button_rows for b in row if b.text == text), None)

    def transcript(self, who: str = "bot") -> str:
        """One readable line: sender, text or attachment, buttons in [brackets], edit marks."""
        parts: list[str] = []
        if self.document is not None:
            parts.append(f"📎 {self.document.filename or self.document.file_id}")
        if self.photo is not None:
            parts.append("🖼")
        if self.poll is not None:
            closed = " (closed)" if self.poll.closed else ""
            parts.append(f"📊 {self.poll.question} {' / '.join(self.poll.options)}{closed}")
        body = self.caption if self.caption is not None else self.text
        if body:
            parts.append(body.replace("\n", " ⏎ "))
        rows = [" ".join(f"[{b.text}]" for b in row) for row in self.button_rows]
        if rows:
            parts.append(" | ".join(rows))
        edited = f" (edited {self.edit_count}×)" if self.edit_count else ""
        deleted = " (deleted)" if self.deleted else ""
        return f"{who}: {' '.join(parts)}{edited}{deleted}"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    method: str
    params: dict[str, Any]
    status_code: int
    error_description: str | None
    time: float


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    query_id: str
    user_id: int
    text: str | None
    show_alert: bool
    data: str | None = None  # the callback data of the answered query
    at: float = field(default=0.0, compare=False)  # when the answer arrived (sandbox clock)


@dataclass
class SimQuery:
    """A callback query injected by a tap, and how the bot answered it (None: not yet)."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answer: CallbackAnswer | None = None
    tapped_at: float = 0.0  # when the update was queued (sandbox clock)


class World:
    """All simulated state; the server, the methods and the control API all work on it."""

    def __init__(self) -> None:
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, SimChat] = {}
        self.forgotten: set[int] = set()  # chats Telegram no longer knows: "chat not found"
        self.messages: dict[int, list[SentMessage]] = {}
        self.files: dict[str, SentFile] = {}
        self.polls: dict[str, SimPoll] = {}
        self.poll_messages: dict[str, SentMessage] = {}
        self._user_ids = itertools.count(1001)
        self._group_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._poll_ids = itertools.count(1)

    def next_user_id(self) -> int:
        while True:
            candidate = next(self._user_ids)
            if candidate not in self.users:
                return candidate

    def next_group_id(self, supergroup: bool) -> int:
        number = next(self._group_ids)
        return -(1_000_000_000_000 + number) if supergroup else -(4000 + number)

    def next_file_id(self) -> tuple[str, str]:
        number = next(self._file_ids)
        return f"SANDBOXFILE{number:08d}", f"U{number:08d}"

    def next_poll_id(self) -> str:
        return f"{next(self._poll_ids):019d}"

    def add_message(self, message: SentMessage) -> SentMessage:
        self.messages.setdefault(message.chat_id, []).append(message)
        return message

    def next_message_id(self, chat_id: int) -> int:
        existing = self.messages.get(chat_id)
        return existing[-1].message_id + 1 if existing else 1

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """The message, unless it never existed or was deleted."""
        for message in reversed(self.messages.get(chat_id, [])):
            if message.message_id == message_id:
                return None if message.deleted else message
        return None
