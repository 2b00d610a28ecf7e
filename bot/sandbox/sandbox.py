"""The stand-in's control API: build a world, act as its users, read what the bot sent.

    async with Sandbox() as sb:
        liisa = sb.add_user("Liisa")
        chat = sb.private_chat(liisa)
        sb.send_message(chat, liisa, "/start")
        await sb.wait_for_message(chat)
        sb.press(chat, liisa, "Suomi")

The same actions are available over HTTP under /_sandbox/ (see `bot.sandbox.control`).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.sandbox.methods import message_to_api
from bot.sandbox.server import SandboxServer
from bot.sandbox.world import MemberStatus, SentFile, SentMessage, SimChat, SimUser

__all__ = ["DEFAULT_TOKEN", "Sandbox"]

DEFAULT_TOKEN = "123456:SANDBOX-TOKEN"
_MEMBER_TYPES = {
    "creator": "ChatMemberOwner",
    "administrator": "ChatMemberAdministrator",
    "member": "ChatMemberMember",
    "restricted": "ChatMemberRestricted",
    "left": "ChatMemberLeft",
    "kicked": "ChatMemberBanned",
}


class Sandbox(SandboxServer):
    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "jarjestobotti_bot",
        host: str = "127.0.0.1",
        port: int = 0,
        global_rate: float = 30.0,
        private_burst: int = 3,
        group_per_minute: int = 20,
        per_chat_limits: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            token,
            bot_username=bot_username,
            host=host,
            port=port,
            global_rate=global_rate,
            private_burst=private_burst,
            group_per_minute=group_per_minute,
            per_chat_limits=per_chat_limits,
            clock=clock,
        )
        self._query_ids = itertools.count(1)

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def add_control_routes(self, app: web.Application) -> None:
        from bot.sandbox.control import control_routes

        app.add_routes(control_routes(self))

    # --- building the world ----------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "fi",
        user_id: int | None = None,
    ) -> SimUser:
        user = SimUser(
            user_id or self.world.next_user_id(), first_name, last_name, username, language_code
        )
        self.world.users[user.id] = user
        return user

    def private_chat(self, user: SimUser) -> SimChat:
        chat = self.world.chats.get(user.id)
        if chat is None:
            chat = SimChat(user.id, "private", user=user)
            self.world.chats[user.id] = chat
        return chat

    def add_group(
        self,
        title: str,
        *,
        members: list[SimUser],
        admins: list[SimUser] = (),  # type: ignore[assignment]
        creator: SimUser | None = None,
        supergroup: bool = False,
        chat_id: int | None = None,
        bot_present: bool = False,
    ) -> SimChat:
        chat = SimChat(
            chat_id or self.world.next_group_id(supergroup),
            "supergroup" if supergroup else "group",
            title=title,
            bot_status="member" if bot_present else "left",
        )
        for user in members:
            chat.members[user.id] = "member"
        for user in admins:
            chat.members[user.id] = "administrator"
        if creator is not None:
            chat.members[creator.id] = "creator"
        self.world.chats[chat.id] = chat
        return chat

    # --- acting as users -------------------------------------------------------------------

    def _user_message(self, chat: SimChat, user: SimUser, **fields: Any) -> SentMessage:
        return self.world.add_message(
            SentMessage(
                message_id=self.world.next_message_id(chat.id),
                chat_id=chat.id,
                date=int(time.time()),
                from_bot=False,
                sender_id=user.id,
                **fields,
            )
        )

    def send_message(self, chat: SimChat, user: SimUser, text: str) -> dict[str, Any]:
        entities: list[dict[str, Any]] = []
        if text.startswith("/"):
            command = text.split()[0]
            entities.append({"type": "bot_command", "offset": 0, "length": len(command)})
        message = self._user_message(chat, user, text=text, raw_text=text, entities=entities)
        return self.push_update("message", message_to_api(self, message))

    def _upload(self, data: bytes, filename: str, mime: str, kind: str) -> SentFile:
        file_id, unique = self.world.next_file_id()
        sent = SentFile(
            file_id, unique, filename, mime, data, "photo" if kind == "photo" else "document"
        )
        self.world.files[file_id] = sent
        return sent

    def send_document(
        self,
        chat: SimChat,
        user: SimUser,
        data: bytes,
        filename: str,
        *,
        mime: str = "application/octet-stream",
        caption: str | None = None,
    ) -> dict[str, Any]:
        sent = self._upload(data, filename, mime, "document")
        message = self._user_message(chat, user, document=sent, caption=caption)
        return self.push_update("message", message_to_api(self, message))

    def send_photo(
        self, chat: SimChat, user: SimUser, data: bytes, *, caption: str | None = None
    ) -> dict[str, Any]:
        sent = self._upload(data, "photo.jpg", "image/jpeg", "photo")
        message = self._user_message(chat, user, photo=sent, caption=caption)
        return self.push_update("message", message_to_api(self, message))

    def tap(self, chat: SimChat, user: SimUser, message_id: int, data: str) -> dict[str, Any]:
        message = self.world.message(chat.id, message_id)
        if message is None:
            raise AssertionError(f"no message {message_id} in chat {chat.id}")
        query_id = f"{self.bot_id}{next(self._query_ids):010d}"
        self.queries[query_id] = (user.id, False)
        return self.push_update(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_api(),
                "message": message_to_api(self, message),
                "chat_instance": str(abs(chat.id)),
                "data": data,
            },
        )

    def press(
        self, chat: SimChat, user: SimUser, button_text: str, *, message_id: int | None = None
    ) -> dict[str, Any]:
        """Tap the button with this text on the newest bot message that has it."""
        candidates = [
            m for m in self.messages(chat) if message_id is None or m.message_id == message_id
        ]
        for message in reversed(candidates):
            button = message.button(button_text)
            if button is not None and button.callback_data is not None:
                return self.tap(chat, user, message.message_id, button.callback_data)
        available = [m.buttons for m in candidates if m.buttons]
        raise AssertionError(f"no button {button_text!r} in chat {chat.id}; buttons: {available}")

    def answer_poll(self, user: SimUser, poll_id: str, option_ids: list[int]) -> dict[str, Any]:
        poll = self.world.polls[poll_id]
        if poll.closed:
            raise AssertionError(f"poll {poll_id} is closed")
        if option_ids:
            poll.votes[user.id] = list(option_ids)
        else:
            poll.votes.pop(user.id, None)
        return self.push_update(
            "poll_answer", {"poll_id": poll_id, "user": user.to_api(), "option_ids": option_ids}
        )

    def _member(self, chat: SimChat, user: dict[str, Any], status: str) -> dict[str, Any]:
        data: dict[str, Any] = {"status": status, "user": user}
        if status == "kicked":
            data["until_date"] = 0
        return self.schema_fill(_MEMBER_TYPES[status], data)

    def _bot_membership(self, chat: SimChat, by: SimUser, new: MemberStatus) -> dict[str, Any]:
        old = chat.bot_status
        chat.bot_status = new
        return self.push_update(
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": by.to_api(),
                "date": int(time.time()),
                "old_chat_member": self._member(chat, self.bot_user, old),
                "new_chat_member": self._member(chat, self.bot_user, new),
            },
        )

    def bot_added_to_group(
        self, chat: SimChat, by: SimUser, *, as_admin: bool = False
    ) -> dict[str, Any]:
        return self._bot_membership(chat, by, "administrator" if as_admin else "member")

    def bot_removed_from_group(
        self, chat: SimChat, by: SimUser, *, status: MemberStatus = "kicked"
    ) -> dict[str, Any]:
        return self._bot_membership(chat, by, status)

    def user_blocks_bot(self, chat: SimChat) -> dict[str, Any]:
        """The user blocks the bot: Telegram sends my_chat_member with status kicked."""
        assert chat.user is not None
        chat.blocked = True
        return self.push_update(
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": chat.user.to_api(),
                "date": int(time.time()),
                "old_chat_member": self._member(chat, self.bot_user, "member"),
                "new_chat_member": self._member(chat, self.bot_user, "kicked"),
            },
        )

    def set_member_status(self, chat: SimChat, user: SimUser, status: MemberStatus) -> None:
        chat.members[user.id] = status

    # --- failure switches ------------------------------------------------------------------

    def block(self, chat: SimChat) -> None:
        chat.blocked = True

    def unblock(self, chat: SimChat) -> None:
        chat.blocked = False

    def deactivate(self, user: SimUser) -> None:
        user.deactivated = True

    def kick_bot(self, chat: SimChat) -> None:
        chat.bot_status = "kicked"

    def migrate_to_supergroup(self, chat: SimChat) -> SimChat:
        """The group becomes a supergroup with a new id; the old id answers with migrate_to."""
        new = SimChat(
            self.world.next_group_id(True),
            "supergroup",
            title=chat.title,
            members=dict(chat.members),
            bot_status=chat.bot_status,
        )
        chat.migrated_to = new.id
        self.world.chats[new.id] = new
        return new

    def forget_chat(self, chat_id: int) -> None:
        self.world.chats.pop(chat_id, None)

    # --- reading ---------------------------------------------------------------------------

    def messages(self, chat: SimChat | int) -> list[SentMessage]:
        chat_id = chat if isinstance(chat, int) else chat.id
        return [m for m in self.world.messages.get(chat_id, []) if m.from_bot and not m.deleted]

    def last_message(self, chat: SimChat | int) -> SentMessage | None:
        found = self.messages(chat)
        return found[-1] if found else None

    def count(self, method: str, *, status: int | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if r.method.lower() == method.lower() and (status is None or r.status_code == status)
        )

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until the predicate holds, re-checking after every request the bot makes."""
        async with asyncio.timeout(timeout):
            async with self.changed:
                while not predicate():
                    await self.changed.wait()

    async def wait_for_message(
        self, chat: SimChat, *, count: int | None = None, timeout: float = 5.0
    ) -> SentMessage:
        wanted = count if count is not None else len(self.messages(chat)) + 1
        await self.wait_for(lambda: len(self.messages(chat)) >= wanted, timeout)
        return self.messages(chat)[wanted - 1]
