"""Telegram's flood limits, deterministic under an injected clock.

- whole bot: at most `global_rate` messages in any sliding window of one second (0 = off);
- private chat: about one message per second, with a short burst tolerated (a token bucket of
  `private_burst` tokens refilled at one per second);
- group or supergroup: at most 20 messages in any sliding window of a minute.

A refusal gives the whole seconds to wait (at least 1), as Telegram's `retry_after` does.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FloodLimits"]


@dataclass
class _Bucket:
    tokens: float
    updated: float


class FloodLimits:
    def __init__(
        self,
        clock: Callable[[], float],
        *,
        global_rate: float = 30.0,
        private_burst: int = 3,
        private_rate: float = 1.0,
        group_per_minute: int = 20,
        per_chat: bool = True,
    ) -> None:
        self._clock = clock
        self.global_rate = global_rate
        self.private_burst = private_burst
        self.private_rate = private_rate
        self.group_per_minute = group_per_minute
        self.per_chat = per_chat
        self._global: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._private: dict[int, _Bucket] = {}
        self.refusals = 0

    @staticmethod
    def _window_wait(window: deque[float], limit: int, span: float, now: float) -> float:
        while window and window[0] <= now - span:
            window.popleft()
        if len(window) < limit:
            return 0.0
        return window[0] + span - now

    def check(self, chat_id: int, chat_type: str) -> int | None:
        """Record a message to the chat, or return retry_after seconds when it must be refused."""
        now = self._clock()
        waits: list[float] = []
        if self.global_rate > 0:
            waits.append(self._window_wait(self._global, math.floor(self.global_rate), 1.0, now))
        group_window: deque[float] | None = None
        bucket: _Bucket | None = None
        if self.per_chat and chat_type in ("group", "supergroup"):
            group_window = self._groups.setdefault(chat_id, deque())
            waits.append(self._window_wait(group_window, self.group_per_minute, 60.0, now))
        elif self.per_chat and chat_type == "private":
            bucket = self._private.get(chat_id) or _Bucket(float(self.private_burst), now)
            bucket.tokens = min(
                float(self.private_burst),
                bucket.tokens + (now - bucket.updated) * self.private_rate,
            )
            bucket.updated = now
            self._private[chat_id] = bucket
            if bucket.tokens < 1.0:
                waits.append((1.0 - bucket.tokens) / self.private_rate)
        wait = max(waits, default=0.0)
        if wait > 0:
            self.refusals += 1
            return max(1, math.ceil(wait))
        if self.global_rate > 0:
            self._global.append(now)
        if group_window is not None:
            group_window.append(now)
        if bucket is not None:
            bucket.tokens -= 1.0
        return None
