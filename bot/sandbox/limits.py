"""Telegram's flood limits, deterministic under an injected clock.

- whole bot: at most `global_rate` messages per second, counted over a sliding window of
  timestamps (0 = off; a fractional rate such as 0.5 means one message per two seconds);
- private chat: about one message per second with a short burst tolerated. A sliding window
  cannot express "burst of 3, then 1/s" without making the sender wait for the whole window, so
  this one is a token bucket of `private_burst` tokens refilled at `private_rate` per second;
- group or supergroup: at most `group_per_minute` messages in any sliding minute.

Only messages that were actually sent are counted: a refused one consumes no budget. A refusal
gives the whole seconds to wait (at least 1), as Telegram's `retry_after` does. Everything reads
the injected clock, so tests step time by hand.
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
        # The oldest message that must leave the window before another one fits.
        return window[len(window) - limit] + span - now

    def _global_window(self) -> tuple[int, float]:
        """(messages, seconds) of the whole-bot window for the configured rate."""
        limit = max(1, math.floor(self.global_rate))
        return limit, limit / self.global_rate

    def check(self, chat_id: int, chat_type: str) -> int | None:
        """Record a message to the chat, or return retry_after seconds when it must be refused.

        The per-chat limits follow the chat's type; channels have none here.
        """
        now = self._clock()
        waits: list[float] = []
        if self.global_rate > 0:
            limit, span = self._global_window()
            waits.append(self._window_wait(self._global, limit, span, now))
        group_window: deque[float] | None = None
        bucket: _Bucket | None = None
        if self.per_chat and chat_type in ("group", "supergroup"):
            group_window = self._groups.setdefault(chat_id, deque())
            if self.group_per_minute > 0:
                waits.append(self._window_wait(group_window, self.group_per_minute, 60.0, now))
        elif self.per_chat and chat_type == "private" and self.private_rate > 0:
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
