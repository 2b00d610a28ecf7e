"""Whether Telegram answers the delivery worker, and the bot-wide pause while it does not."""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable

from telegram.error import TelegramError

__all__ = ["FIRST_BACKOFF", "TOKEN_PAUSE", "TelegramHealth", "describe"]

log = logging.getLogger(__name__)

TOKEN_PAUSE = 60.0  # a refused token is an operator's problem: look again once a minute
FIRST_BACKOFF = 0.5


class TelegramHealth:
    """Whether Telegram answers the worker, and the bot-wide pause while it does not.

    One step of back-off per failure seen outside a pause (32 requests failing together are one
    failure, not 32 doublings), reset by any answer. Times are monotonic: Telegram's own.
    """

    def __init__(
        self,
        cap: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        token_pause: float = TOKEN_PAUSE,
    ) -> None:
        self.healthy = True
        self._cap = cap
        self._token_pause = token_pause
        self._clock = clock
        self._resume_at = -math.inf
        self._streak = 0
        self._token_logged = -math.inf

    def wait(self) -> float:
        return max(0.0, self._resume_at - self._clock())

    def answered(self) -> None:
        if not self.healthy:
            log.info("Telegram answers again; sending resumes")
        self.healthy = True
        self._streak = 0

    def trouble(self, error: BaseException) -> None:
        now = self._clock()
        self.healthy = False
        if now < self._resume_at:
            return
        self._streak += 1
        delay = min(self._cap, FIRST_BACKOFF * 2.0 ** (self._streak - 1))
        delay *= random.uniform(0.8, 1.2)
        self._resume_at = now + delay
        log.warning(
            "Telegram not answering (%s); all sending paused, next try in %.1f s",
            describe(error),
            delay,
        )

    def token_refused(self) -> None:
        now = self._clock()
        self.healthy = False
        self._resume_at = max(self._resume_at, now + self._token_pause)
        if now - self._token_logged >= self._token_pause:
            self._token_logged = now
            log.error(
                "Telegram refuses the bot token (401 Unauthorized): nothing is sent and every "
                "waiting message is kept; check telegram.token (next try in %.0f s)",
                self._token_pause,
            )


def describe(error: BaseException) -> str:
    """The kind of a failure for a log line: its type and, for Telegram's own errors, the text up
    to the first colon (what follows may quote a message)."""
    if isinstance(error, TelegramError):
        return f"{type(error).__name__}: {error.message.split(':')[0]}"
    return type(error).__name__
