"""Simulated people acting: messages, uploads, button taps, poll answers, membership changes.

Each action changes the world as Telegram would and queues the Update the bot then receives; it
returns that Update (a dict) so a test can wait until the bot has handled its update_id.
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Any, Literal

from bot.sandbox.api_objects import chat_member_status, member_to_api, message_to_api
from bot.sandbox.common import formatted, inline_markup
from bot.sandbox.entities import utf16_len
from bot.sandbox.inline import InlineAnswer, SimInlineQuery
from bot.sandbox.server import SandboxServer
from bot.sandbox.world import MemberStatus, SentFile, SentMessage, SimChat, SimQuery, SimUser

__all__ = ["UserActions"]

# Telegram marks commands anywhere in a text, /name or /name@bot_username.
_COMMAND = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w@/])")


def command_entities(text: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND.finditer(text)
    ]


class UserActions(SandboxServer):
    """The part of the Sandbox that acts as users; see `bot.sandbox.Sandbox`."""

    _query_ids: itertools.count[int]  # set by Sandbox.__init__

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

    def send_message(
        self, chat: SimChat, user: SimUser, text: str, *, reply_to: int | None = None
    ) -> dict[str, Any]:
        """The user writes in the chat; commands get their bot_command entities."""
        message = self._user_message(
            chat,
            user,
            text=text,
            raw_text=text,
            entities=command_entities(text),
            reply_to_message_id=reply_to,
        )
        return self.push_update("message", message_to_api(self, message))

    def _upload(
        self, data: bytes, filename: str | None, mime: str, kind: Literal["document", "photo"]
    ) -> SentFile:
        file_id, unique = self.world.next_file_id()
        sent = SentFile(file_id, unique, filename, mime, data, kind)
        self.world.files[file_id] = sent
        return sent

    def send_document(
        self,
        chat: SimChat,
        user: SimUser,
        data: bytes,
        filename: str,
        caption: str | None = None,
        *,
        mime: str = "application/octet-stream",
    ) -> dict[str, Any]:
        """The user uploads a file; the bot can fetch it with getFile by the new file_id."""
        sent = self._upload(data, filename, mime, "document")
        message = self._user_message(
            chat, user, document=sent, caption=caption, raw_text=caption or ""
        )
        return self.push_update("message", message_to_api(self, message))

    def send_photo(
        self,
        chat: SimChat,
        user: SimUser,
        data: bytes,
        filename: str = "photo.jpg",
        caption: str | None = None,
    ) -> dict[str, Any]:
        sent = self._upload(data, filename, "image/jpeg", "photo")
        message = self._user_message(
            chat, user, photo=sent, caption=caption, raw_text=caption or ""
        )
        return self.push_update("message", message_to_api(self, message))

    def tap(self, chat: SimChat, user: SimUser, message_id: int, data: str) -> dict[str, Any]:
        """The user taps a callback button carrying `data` on the bot's message."""
        message = self.world.message(chat.id, message_id)
        if message is None:
            raise AssertionError(f"no message {message_id} in chat {chat.id}")
        query_id = f"{self.bot_id}{next(self._query_ids):010d}"
        self.queries[query_id] = SimQuery(
            query_id, user.id, chat.id, message_id, data, tapped_at=self.clock()
        )
        return self.push_update(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_api(),
                "message": message_to_api(self, message),
                "chat_instance": str(abs(chat.id) * 7919 + self.bot_id),
                "data": data,
            },
        )

    def press(
        self, chat: SimChat, user: SimUser, button_text: str, *, message_id: int | None = None
    ) -> dict[str, Any]:
        """Tap the callback button with this text on the newest bot message that has one."""
        candidates = [
            m
            for m in self.world.messages.get(chat.id, [])
            if m.from_bot and not m.deleted and message_id in (None, m.message_id)
        ]
        for message in reversed(candidates):
            button = message.button(button_text)
            if button is not None and button.callback_data is not None:
                return self.tap(chat, user, message.message_id, button.callback_data)
        available = {m.message_id: m.buttons for m in candidates if m.buttons}
        where = f"message {message_id}" if message_id is not None else f"chat {chat.id}"
        raise AssertionError(
            f"no callback button {button_text!r} in {where}; buttons by message: {available}"
        )

    # --- inline mode ---------------------------------------------------------------------------

    def inline_query(
        self, user: SimUser, query: str, *, offset: str = "", chat_type: str = "sender"
    ) -> dict[str, Any]:
        """The user types `@bot query` in some chat (`chat_type`: sender, private, group,
        supergroup, channel); the bot gets an inline_query. The user need not have started
        the bot."""
        query_id = f"{self.bot_id}{next(self._query_ids):010d}"
        self.inline_queries[query_id] = SimInlineQuery(query_id, user.id, query, offset, chat_type)
        return self.push_update(
            "inline_query",
            {
                "id": query_id,
                "from": user.to_api(),
                "query": query,
                "offset": offset,
                "chat_type": chat_type,
            },
        )

    def inline_answer(self, query_id: str) -> InlineAnswer:
        query = self.inline_queries.get(query_id)
        if query is None or query.answer is None:
            raise AssertionError(f"inline query {query_id} was not answered")
        return query.answer

    def choose_inline_result(
        self, chat: SimChat, user: SimUser, query_id: str, result_id: str
    ) -> SentMessage:
        """The user taps one of the answered results: its message goes into the chat as the
        user's, with via_bot. No update reaches the bot (inline feedback is off)."""
        result = self.inline_answer(query_id).result(result_id)
        if result is None:
            raise AssertionError(f"no result {result_id!r} in the answer to {query_id}")
        content = result.get("input_message_content") or {}
        if "message_text" not in content:
            raise AssertionError("the sandbox sends only text results")
        text, entities = formatted(
            self, content["message_text"], content.get("parse_mode"), content.get("entities")
        )
        return self._user_message(
            chat,
            user,
            text=text,
            raw_text=content["message_text"],
            parse_mode=content.get("parse_mode"),
            entities=entities,
            reply_markup=inline_markup(result.get("reply_markup")),
            via_bot=True,
        )

    def answer_poll(self, user: SimUser, poll_id: str, option_ids: list[int]) -> dict[str, Any]:
        """The user votes (an empty list retracts the vote).

        Telegram tells the bot who voted only in non-anonymous polls (poll_answer); an anonymous
        poll just changes, which arrives as a `poll` update with the new counts.
        """
        poll = self.world.polls.get(poll_id)
        if poll is None:
            raise AssertionError(f"no poll {poll_id}")
        if poll.closed:
            raise AssertionError(f"poll {poll_id} is closed")
        if any(not 0 <= i < len(poll.options) for i in option_ids) or (
            len(option_ids) > 1 and not poll.allows_multiple_answers
        ):
            raise AssertionError(f"invalid options {option_ids} for poll {poll_id}")
        if option_ids:
            poll.votes[user.id] = list(option_ids)
        else:
            poll.votes.pop(user.id, None)
        if poll.is_anonymous:
            return self.push_update("poll", poll.to_api())
        # Bot API 9.6 made option_persistent_ids part of every poll_answer.
        return self.push_update(
            "poll_answer",
            {
                "poll_id": poll_id,
                "user": user.to_api(),
                "option_ids": option_ids,
                "option_persistent_ids": [f"{poll_id}-{i}" for i in option_ids],
            },
        )

    # --- membership ------------------------------------------------------------------------

    def _membership_update(
        self,
        kind: Literal["my_chat_member", "chat_member"],
        chat: SimChat,
        by: SimUser,
        member: dict[str, Any],
        old: str,
        new: str,
    ) -> dict[str, Any]:
        return self.push_update(
            kind,
            {
                "chat": chat.to_api(),
                "from": by.to_api(),
                "date": int(time.time()),
                "old_chat_member": member_to_api(self, member, old),
                "new_chat_member": member_to_api(self, member, new),
            },
        )

    def set_bot_status(self, chat: SimChat, by: SimUser, status: MemberStatus) -> dict[str, Any]:
        """Change the bot's own status in a group; the bot gets my_chat_member."""
        old = chat.bot_status
        chat.bot_status = status
        return self._membership_update("my_chat_member", chat, by, self.bot_user, old, status)

    def bot_added_to_group(
        self, chat: SimChat, by: SimUser, *, as_admin: bool = False
    ) -> dict[str, Any]:
        return self.set_bot_status(chat, by, "administrator" if as_admin else "member")

    def bot_removed_from_group(
        self, chat: SimChat, by: SimUser, *, status: Literal["kicked", "left"] = "kicked"
    ) -> dict[str, Any]:
        return self.set_bot_status(chat, by, status)

    def user_blocks_bot(self, chat: SimChat) -> dict[str, Any]:
        """The user blocks the bot: later sends fail with 403, and the bot hears of it."""
        assert chat.user is not None, "only a private chat can be blocked"
        chat.blocked = True
        return self._membership_update(
            "my_chat_member", chat, chat.user, self.bot_user, "member", "kicked"
        )

    def user_unblocks_bot(self, chat: SimChat) -> dict[str, Any]:
        assert chat.user is not None, "only a private chat can be unblocked"
        chat.blocked = False
        return self._membership_update(
            "my_chat_member", chat, chat.user, self.bot_user, "kicked", "member"
        )

    def chat_member_update(
        self, chat: SimChat, user: SimUser, status: MemberStatus, *, by: SimUser | None = None
    ) -> dict[str, Any]:
        """A member's status changes and the bot hears of it (chat_member).

        Telegram sends these only to administrator bots that asked for them in allowed_updates;
        the update queue applies the allowed_updates part.
        """
        old = chat_member_status(self, chat, user.id)
        chat.members[user.id] = status
        return self._membership_update("chat_member", chat, by or user, user.to_api(), old, status)
