"""Flood control shared by the bot's direct replies and the delivery worker.

Telegram refuses a bot that sends more than about one message per second to a private chat (a
short burst is tolerated), twenty per minute to a group, or thirty per second in total. One
instance of this class is python-telegram-bot's rate limiter for the Application (every reply a
handler makes passes `process_request`) and the delivery worker's source of global send slots, so
both share one budget. A reply waiting for a slot goes before the worker (`bulk_wait` answers
"not now" while a reply waits). A reply that would exceed a limit waits instead of failing; if
Telegram still answers 429, the whole bot pauses for `retry_after` (flood control is per bot).

The global limit is a sliding window of N = ceil(rate) messages per N / rate seconds: 29.4/s means
30 messages in any 1.02 s, which keeps a safety margin under Telegram's 30 in any second.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.config import DeliverySettings

__all__ = ["BULK", "ReplyLimiter", "is_message_method", "retry_seconds"]

_PRIVATE_BURST = 3
# rate_limit_args value the delivery worker passes: the slot is already taken, and the worker
# handles 429 itself (re-queueing the row) instead of retrying here.
BULK = -1
_MESSAGE_METHODS = {"copymessage", "forwardmessage", "sendmediagroup"}


def retry_seconds(error: RetryAfter) -> float:
    """`retry_after` in seconds, whichever type this python-telegram-bot version gives."""
    with warnings.catch_warnings():
        # PTB 22 warns that the attribute becomes a timedelta; both forms are handled here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def is_message_method(endpoint: str) -> bool:
    """Methods that count against Telegram's message limits."""
    name = endpoint.lower()
    return (name.startswith("send") and name != "sendchataction") or name in _MESSAGE_METHODS


class ReplyLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        settings: DeliverySettings,
        *,
        max_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._max_retries = max_retries
        self._clock = clock
        self._global: deque[float] = deque()
        self._private: dict[int, tuple[float, float]] = {}  # chat → (tokens, updated)
        self._groups: dict[int, deque[float]] = {}
        self._lock = asyncio.Lock()
        self._paused_until = 0.0
        self._interactive_waiting = 0
        self._window_size = max(1, math.ceil(settings.global_rate))
        self._window_span = self._window_size / settings.global_rate

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def pause(self, seconds: float) -> None:
        """Telegram asked the whole bot to wait."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _wait_for(self, chat_id: int | None) -> float:
        """Seconds until a message to this chat fits every limit (0: now, and it is counted)."""
        now = self._clock()
        waits = [self._paused_until - now]
        window = self._global
        while window and window[0] <= now - self._window_span:
            window.popleft()
        if len(window) >= self._window_size:
            waits.append(window[0] + self._window_span - now)
        group: deque[float] | None = None
        tokens = 0.0
        if chat_id is not None and chat_id < 0:
            group = self._groups.setdefault(chat_id, deque())
            while group and group[0] <= now - 60.0:
                group.popleft()
            if len(group) >= self._settings.group_per_minute:
                waits.append(group[0] + 60.0 - now)
        elif chat_id is not None:
            rate = 1.0 / self._settings.private_interval
            held, updated = self._private.get(chat_id, (float(_PRIVATE_BURST), now))
            tokens = min(float(_PRIVATE_BURST), held + (now - updated) * rate)
            if tokens < 1.0:
                waits.append((1.0 - tokens) / rate)
        wait = max(waits)
        if wait > 0:
            return wait
        window.append(now)
        if group is not None:
            group.append(now)
        elif chat_id is not None:
            self._private[chat_id] = (tokens - 1.0, now)
        return 0.0

    async def _acquire(self, chat_id: int | None) -> None:
        self._interactive_waiting += 1
        try:
            while True:
                async with self._lock:
                    wait = self._wait_for(chat_id)
                if wait <= 0:
                    return
                await asyncio.sleep(wait)
        finally:
            self._interactive_waiting -= 1

    def bulk_wait(self) -> float:
        """For the delivery worker: 0 when a global slot was taken for it, else seconds to wait.

        Per-chat spacing is the worker's own business (it knows the chat types)."""
        if self._interactive_waiting:
            return 0.005
        return self._wait_for(None)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if rate_limit_args == BULK:
            return await callback(*args, **kwargs)
        counted = is_message_method(endpoint)
        chat_id: int | None = None
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(data["chat_id"]) if "chat_id" in data else None
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            if counted:
                await self._acquire(chat_id)
            elif self._paused_until > self._clock():
                await asyncio.sleep(self._paused_until - self._clock())
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                self.pause(retry_seconds(exc))
        raise AssertionError("unreachable")  # pragma: no cover
