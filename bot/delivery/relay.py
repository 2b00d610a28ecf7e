"""Handlers' messages in a process that is not the delivery leader go through the leader.

Telegram's limits are per bot: about 30 messages a second in total, one a second per private chat,
20 a minute per group. With several processes, only one of them (the delivery leader,
bot/runtime/leadership.py) sends messages, so its `SharedRateLimiter` sees every message and
holds those limits exactly, replies first. Every other process hands a handler's message to the
leader here: the request's parameters become an outbox row of priority 'interactive'
(storage/relay.py), the leader sends it ahead of any bulk row and stores Telegram's answer, and
the handler gets that answer back as if it had sent the message itself (a Message, or the same
error Telegram gave). Requests that are not messages (answering a tap, editing a message) are not
counted by Telegram's message limits and go straight from the process that handles the update.

A message carrying an upload (a file, not a file_id), addressed to a chat the database does not
know, or sent while the database is away cannot be relayed; it goes directly, counted in this
process only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any

from telegram import InputFile, TelegramObject
from telegram.error import BadRequest, Forbidden, TimedOut

from bot.delivery.ratelimit import ReplyTooLate
from storage import relay
from storage.db import Database, DatabaseError

__all__ = ["NotRelayable", "ReplyRelay", "relayable_params"]

log = logging.getLogger(__name__)

# A missed notification (or none: SQLite) costs at most this much latency.
POLL_INTERVAL = 0.05


class NotRelayable(ValueError):
    """The request cannot be stored as JSON (it uploads a file)."""


def _json_value(value: object) -> object:
    if isinstance(value, InputFile):
        raise NotRelayable("upload")
    if isinstance(value, TelegramObject):
        return _json_value(value.to_dict())
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, Enum):
        return _json_value(value.value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise NotRelayable(type(value).__name__)


def relayable_params(data: dict[str, Any]) -> dict[str, Any]:
    """The request's parameters as JSON values (`NotRelayable` when they upload a file)."""
    return {key: _json_value(value) for key, value in data.items() if value is not None}


class ReplyRelay:
    """Sends a handler's message through the delivery leader and waits for Telegram's answer."""

    def __init__(
        self, db: Database, reply_deadline: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._db = db
        self.reply_deadline = reply_deadline
        self._clock = clock
        self._changed = asyncio.Event()
        self.relayed = 0

    def finished(self, _payload: str = "") -> None:
        """A relayed row finished somewhere (PostgreSQL's NOTIFY): waiters look now."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def send(
        self, endpoint: str, data: dict[str, Any], deadline: float | None
    ) -> bool | dict[str, Any] | list[dict[str, Any]] | None:
        """Telegram's answer to the relayed request; None when it cannot be relayed (the caller
        sends it itself). Raises what Telegram's answer means (Forbidden, BadRequest), or
        `TimedOut` when the deadline passes before the leader sent it (then it is not sent)."""
        try:
            params = relayable_params(data)
            chat_id = int(params["chat_id"])
        except (NotRelayable, KeyError, TypeError, ValueError):
            return None
        try:
            # The stored clock (not_before), which the leader compares with its own.
            row_id = await relay.enqueue(self._db, chat_id, endpoint, params, self._db.now())
        except DatabaseError:
            # The database is away: the leader could not see the row either. Sent from here
            # (counted in this process only), so "try again in a moment" still reaches people.
            return None
        if row_id is None:
            return None
        self.relayed += 1
        done = await self._wait(row_id, deadline)
        if done is None:
            if await relay.cancel(self._db, row_id):
                raise ReplyTooLate(self.reply_deadline)
            done = await self._wait(row_id, None)  # in flight: its answer is coming
            assert done is not None
        return _answer(done)

    async def _wait(self, row_id: int, deadline: float | None) -> relay.RelayedReply | None:
        while True:
            changed = self._changed
            done = await relay.finished(self._db, row_id)
            if done is not None:
                return done
            left = math.inf if deadline is None else deadline - self._clock()
            if left <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(POLL_INTERVAL, left))


def _answer(done: relay.RelayedReply) -> bool | dict[str, Any] | list[dict[str, Any]]:
    if done.state == "sent":
        result: bool | dict[str, Any] | list[dict[str, Any]] = done.result
        return result
    # Skipped rows carry no text of their own: the words Telegram uses for the same refusal.
    if done.error_kind == "not_found":
        raise BadRequest(done.error or "Chat not found")
    if done.error_kind == "uncertain":
        raise TimedOut(done.error or "no answer from Telegram")
    if done.error_kind == "blocked" or done.state == "skipped":
        raise Forbidden(done.error or "Forbidden: bot was blocked by the user")
    raise BadRequest(done.error or "not sent")
