"""Start-up that waits out a bad minute at Telegram instead of dying of it.

The calls the bot needs before it can serve (getMe, and setWebhook in webhook mode) are retried
with capped exponential back-off until Telegram answers; a refused token is the operator's to fix
and ends the retries. Cosmetic calls (the command lists) run in the background, retried the same
way while the bot already serves. Long polling's own failures are logged here as one line each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable

from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.delivery import describe
from bot.ratelimit import retry_seconds

__all__ = ["Backoff", "PollingErrors", "until_answered"]

log = logging.getLogger("jarjestobotti.startup")

FIRST_DELAY = 1.0
MAX_DELAY = 60.0
TOKEN_LOG_INTERVAL = 60.0


class Backoff:
    """Exponential, ±20 % jitter, capped; `reset()` after a success."""

    def __init__(self, first: float = FIRST_DELAY, cap: float = MAX_DELAY) -> None:
        self._first = first
        self._cap = cap
        self._next = first

    def next(self) -> float:
        delay = min(self._cap, self._next) * random.uniform(0.8, 1.2)
        self._next = min(self._cap, self._next * 2)
        return delay

    def reset(self) -> None:
        self._next = self._first


async def until_answered(
    action: Callable[[], Awaitable[object]],
    what: str,
    *,
    backoff: Backoff | None = None,
    stop: asyncio.Event | None = None,
) -> bool:
    """Run `action` until it succeeds (True) or `stop` is set (False), logging each failure as
    one WARNING line with its kind and the delay before the next try. InvalidToken is raised:
    retrying a refused token only hides the problem."""
    backoff = backoff or Backoff()
    while stop is None or not stop.is_set():
        try:
            await action()
        except InvalidToken:
            raise
        except RetryAfter as exc:
            delay = retry_seconds(exc)
            log.warning("%s: Telegram asks to wait; retrying in %.0f s", what, delay)
        except (TelegramError, KeyError, TypeError, ValueError) as exc:
            # TypeError/KeyError/ValueError: an answer python-telegram-bot could not read.
            delay = backoff.next()
            log.warning("%s failed (%s); retrying in %.1f s", what, describe(exc), delay)
        else:
            return True
        if stop is None:
            await asyncio.sleep(delay)
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
    return False


class PollingErrors:
    """python-telegram-bot's long-polling error callback: one line per failure with its kind
    and the next try, no traceback; a refused token at most once a minute.

    python-telegram-bot retries a failed getUpdates after 1 s, then 1.5 times longer each time
    up to 30 s (a timeout at once); the delay shown follows that rule. A pause of more than the
    last delay plus a long poll means polling worked in between, so the count starts again.
    """

    def __init__(self, long_poll: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self._long_poll = long_poll
        self._clock = clock
        self._last = -float("inf")
        self._delay = 0.0
        self._token_logged = -float("inf")

    def __call__(self, error: TelegramError) -> None:
        now = self._clock()
        if isinstance(error, InvalidToken):
            if now - self._token_logged >= TOKEN_LOG_INTERVAL:
                self._token_logged = now
                log.error(
                    "Telegram refuses the bot token (%s): no updates arrive; check telegram.token",
                    describe(error),
                )
            return
        if now - self._last > self._delay + self._long_poll + 5:
            self._delay = 0.0
        self._last = now
        if isinstance(error, TimedOut):
            self._delay = 0.0
        elif isinstance(error, RetryAfter):
            self._delay = retry_seconds(error) + 0.5
        else:
            self._delay = 1.0 if self._delay == 0 else min(30.0, 1.5 * self._delay)
        log.warning(
            "polling for updates failed (%s); next try in %.1f s", describe(error), self._delay
        )
