"""The sandbox as tests and the demo use it: build a world, act in it, read what the bot did.

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
from collections.abc import Callable, Sequence
from types import TracebackType

from aiohttp import web

from bot.sandbox.actions import UserActions
from bot.sandbox.limits import FloodLimits
from bot.sandbox.world import MemberStatus, SentMessage, SimChat, SimUser

__all__ = ["DEFAULT_TOKEN", "Sandbox"]

DEFAULT_TOKEN = "123456:SANDBOX-TOKEN"


class Sandbox(UserActions):
    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "jarjestobotti_bot",
        host: str = "127.0.0.1",
        port: int = 0,
        global_rate: float = 30.0,
        private_burst: int = 3,
        private_rate: float = 1.0,
        group_per_minute: int = 20,
        per_chat_limits: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        limits = FloodLimits(
            clock,
            global_rate=global_rate,
            private_burst=private_burst,
            private_rate=private_rate,
            group_per_minute=group_per_minute,
            per_chat=per_chat_limits,
        )
        super().__init__(
            token, bot_username=bot_username, host=host, port=port, limits=limits, clock=clock
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
        from bot.sandbox.control import control_routes  # the control API builds on Sandbox

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
        if user_id is not None and user_id in self.world.users:
            raise ValueError(f"user {user_id} exists already")
        user = SimUser(
            user_id or self.world.next_user_id(), first_name, last_name, username, language_code
        )
        self.world.users[user.id] = user
        return user

    def private_chat(self, user: SimUser) -> SimChat:
        """The user's chat with the bot; its id is the user's id, as in Telegram."""
        chat = self.world.chats.get(user.id)
        if chat is None:
            chat = SimChat(user.id, "private", user=user)
            self.world.chats[user.id] = chat
            self.world.forgotten.discard(user.id)
        return chat

    def add_group(
        self,
        title: str,
        *,
        members: Sequence[SimUser] = (),
        admins: Sequence[SimUser] = (),
        creator: SimUser | None = None,
        supergroup: bool = False,
        chat_id: int | None = None,
        bot_present: bool = False,
    ) -> SimChat:
        """A group (negative id) or supergroup (-100…); the bot joins via bot_added_to_group,
        or is there from the start with bot_present=True."""
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

    def set_member_status(self, chat: SimChat, user: SimUser, status: MemberStatus) -> None:
        """Change a member's status silently (see chat_member_update for the update)."""
        chat.members[user.id] = status

    # --- failure switches ------------------------------------------------------------------

    def block(self, chat: SimChat) -> None:
        """The user has blocked the bot: sends answer 403 (no update; see user_blocks_bot)."""
        chat.blocked = True

    def unblock(self, chat: SimChat) -> None:
        chat.blocked = False

    def deactivate(self, user: SimUser) -> None:
        user.deactivated = True

    def kick_bot(self, chat: SimChat) -> None:
        """The bot was removed from the group: sends answer 403 (no update)."""
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
        """Telegram no longer knows the chat: it answers "chat not found"."""
        self.world.chats.pop(chat_id, None)
        self.world.forgotten.add(chat_id)

    # --- reading ---------------------------------------------------------------------------

    def messages(self, chat: SimChat | int, *, include_deleted: bool = False) -> list[SentMessage]:
        """The bot's messages in the chat, as they are now (edited; deleted ones left out)."""
        chat_id = chat if isinstance(chat, int) else chat.id
        return [
            m
            for m in self.world.messages.get(chat_id, [])
            if m.from_bot and (include_deleted or not m.deleted)
        ]

    def history(self, chat: SimChat | int) -> list[SentMessage]:
        """Everything said in the chat, by users and by the bot, in order."""
        chat_id = chat if isinstance(chat, int) else chat.id
        return list(self.world.messages.get(chat_id, []))

    def transcript(self, chat: SimChat | int) -> list[str]:
        """The chat's history as readable lines, for assertions and failure messages."""
        lines = []
        for message in self.history(chat):
            user = self.world.users.get(message.sender_id)
            who = "bot" if message.from_bot else user.first_name if user else str(message.sender_id)
            lines.append(message.transcript(who))
        return lines

    def last_message(self, chat: SimChat | int) -> SentMessage | None:
        found = self.messages(chat)
        return found[-1] if found else None

    def count(self, method: str, *, status: int | None = None) -> int:
        """How many requests of this method (any case) the bot made, optionally by status."""
        return sum(
            1
            for r in self.requests
            if r.method.lower() == method.lower() and (status is None or r.status_code == status)
        )

    def unanswered_queries(self) -> list[str]:
        return [q.id for q in self.queries.values() if q.answer is None]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until the predicate holds, re-checking after every request and update."""
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await self.pulse.wait()
        except TimeoutError:
            raise TimeoutError(f"the sandbox did not reach the state within {timeout} s") from None

    async def wait_for_message(
        self, chat: SimChat | int, *, count: int | None = None, timeout: float = 5.0
    ) -> SentMessage:
        """Wait for the bot's next message in the chat (or until it has `count` messages)."""
        wanted = count if count is not None else len(self.messages(chat)) + 1
        await self.wait_for(lambda: len(self.messages(chat)) >= wanted, timeout)
        return self.messages(chat)[wanted - 1]
