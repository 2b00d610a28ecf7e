"""Start-up that waits out a bad minute at Telegram instead of dying of it, and long polling that
says what goes wrong in one line.

The calls the bot needs before it can serve (getMe; deleteWebhook before long polling, setWebhook
in webhook mode) are retried with capped exponential back-off until Telegram answers; a refused
token is the operator's to fix and ends the retries; SIGINT/SIGTERM end them at once, also while
a request is in flight. Cosmetic calls (the command lists) run in the background, retried the
same way while the bot already serves.

Long polling is python-telegram-bot's loop. It hands only some failures to its error callback
(a timeout, a flood-control pause and a refused token it handles alone, the last one by ending
polling for good), so the client of getUpdates (`PollingRequest`) tells `PollingErrors` about
the others and turns a refused token into an error the loop retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.delivery.health import describe
from bot.delivery.http_client import TimeoutArg, UpdatesRequest
from bot.delivery.ratelimit import retry_seconds

__all__ = [
    "Backoff",
    "PollingErrors",
    "PollingRequest",
    "StartUp",
    "Stopped",
    "TokenRefused",
    "keep_trying",
    "reporting_polling_to",
    "unless_stopped",
    "until_answered",
]

log = logging.getLogger("jarjestobotti.startup")

FIRST_DELAY = 1.0
MAX_DELAY = 60.0
TOKEN_LOG_INTERVAL = 60.0


def _describe(error: BaseException) -> str:
    """`describe`, without the body python-telegram-bot quotes when an error answer is not JSON
    (a proxy's whole HTML page)."""
    return describe(error).split(". Parsing the server response")[0]


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


class Stopped(Exception):
    """SIGINT or SIGTERM came while start-up was still waiting for Telegram."""


async def unless_stopped(action: Awaitable[object], stop: asyncio.Event | None) -> bool:
    """Await `action` unless `stop` is set first (then it is cancelled): True when it finished.
    Its exception, if it failed, is raised."""
    if stop is None:
        await action
        return True
    task = asyncio.ensure_future(action)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((task, stopping), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not task.done():
            task.cancel()
            # Its outcome does not matter any more (a request cut short, a timeout).
            with contextlib.suppress(BaseException):
                await task
    if task.cancelled():
        return False
    task.result()
    return True


async def until_answered(
    action: Callable[[], Awaitable[object]],
    what: str,
    *,
    backoff: Backoff | None = None,
    stop: asyncio.Event | None = None,
) -> bool:
    """Run `action` until it succeeds (True) or `stop` is set (False, at once, also while a try
    is in flight), logging each failure as one WARNING line with its kind and the delay before
    the next try. InvalidToken is raised: retrying a refused token only hides the problem."""
    backoff = backoff or Backoff()
    while stop is None or not stop.is_set():
        try:
            if not await unless_stopped(action(), stop):
                return False
        except InvalidToken:
            raise
        except RetryAfter as exc:
            delay = retry_seconds(exc)
            log.warning("%s: Telegram asks to wait; retrying in %.0f s", what, delay)
        except (TelegramError, KeyError, TypeError, ValueError) as exc:
            # TypeError/KeyError/ValueError: an answer python-telegram-bot could not read.
            delay = backoff.next()
            log.warning("%s failed (%s); retrying in %.1f s", what, _describe(exc), delay)
        else:
            return True
        if stop is None:
            await asyncio.sleep(delay)
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
    return False


@dataclass(frozen=True, slots=True)
class StartUp:
    """What start-up's calls to Telegram share: the signal that ends the waiting (SIGINT or
    SIGTERM; None: never) and the back-off between tries (tests make it short)."""

    stop: asyncio.Event | None = None
    backoff: Callable[[], Backoff] = field(default=Backoff)

    async def call(self, action: Callable[[], Awaitable[object]], what: str) -> None:
        """`action` until Telegram answers; `Stopped` if a signal came first."""
        if not await until_answered(action, what, backoff=self.backoff(), stop=self.stop):
            raise Stopped

    async def unless_stopped(self, action: Awaitable[object]) -> None:
        """`action` (a step that already waits on its own); `Stopped` if a signal came first."""
        if not await unless_stopped(action, self.stop):
            raise Stopped


async def keep_trying(
    action: Callable[[], Awaitable[object]], what: str, *, backoff: Backoff | None = None
) -> bool:
    """`until_answered` for a background task: nothing escapes it. A refused token or a bug of
    ours ends the tries with one log line (a traceback only for the bug); cancel it to stop."""
    try:
        return await until_answered(action, what, backoff=backoff)
    except InvalidToken as exc:
        log.warning("%s given up: Telegram refuses the bot token (%s)", what, _describe(exc))
    except Exception:
        log.exception("%s given up", what)
    return False


class TokenRefused(NetworkError):
    """getUpdates answered 401 (or 404): the token is refused. python-telegram-bot would end long
    polling for good on its InvalidToken; as a NetworkError the loop goes on trying (Telegram has
    answered 401 for minutes during incidents) and the error callback says so once a minute."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status

    def __reduce__(self) -> tuple[type, tuple[str, int]]:  # type: ignore[override]
        return self.__class__, (self.message, self.status)


class PollingErrors:
    """Long polling's failures, one line each with their kind and the next try, no traceback;
    a refused token at most once a minute; one line when getUpdates works again.

    It follows python-telegram-bot's loop (`network_retry_loop`) to know the next try: after a
    success or a timeout at once, after a flood-control answer its `retry_after` plus 0.5 s,
    after any other error 1 s, then 1.5 times longer each time up to 30 s. The loop calls it
    (as `error_callback`) only for the last kind; `PollingRequest` reports the others.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._delay = 0.0
        self._failing = False
        self._token_logged = -float("inf")

    def __call__(self, error: TelegramError) -> None:
        self._delay = 1.0 if self._delay == 0 else min(30.0, 1.5 * self._delay)
        self._failing = True
        if isinstance(error, TokenRefused):
            now = self._clock()
            if now - self._token_logged >= TOKEN_LOG_INTERVAL:
                self._token_logged = now
                log.error(
                    "Telegram refuses the bot token (%s) while polling: no updates arrive; "
                    "next try in %.1f s (logged at most once a minute); check telegram.token",
                    error.message,
                    self._delay,
                )
            return
        if isinstance(error, Conflict):
            # Its description says what it is and quotes nobody's message.
            kind = "Conflict: another process polls with this token"
        else:
            kind = _describe(error)
        log.warning("polling for updates failed (%s); next try in %.1f s", kind, self._delay)

    def timed_out(self, error: TimedOut) -> None:
        self._delay = 0.0
        self._failing = True
        log.warning("polling for updates failed (%s); next try at once", _describe(error))

    def asked_to_wait(self, seconds: float) -> None:
        self._delay = seconds + 0.5
        self._failing = True
        log.warning(
            "polling for updates: Telegram asks to wait (429); next try in %.1f s", self._delay
        )

    def answered(self) -> None:
        self._delay = 0.0
        if self._failing:
            self._failing = False
            log.info("polling for updates works again")


_REPORTER: contextvars.ContextVar[PollingErrors | None] = contextvars.ContextVar(
    "jarjestobotti_polling_errors", default=None
)


@contextlib.contextmanager
def reporting_polling_to(errors: PollingErrors) -> Iterator[None]:
    """Start python-telegram-bot's polling inside: its task (created there) keeps this context,
    so the getUpdates requests it makes report to `errors`."""
    token = _REPORTER.set(errors)
    try:
        yield
    finally:
        _REPORTER.reset(token)


class PollingRequest(UpdatesRequest):
    """The client for getUpdates (skipping an update python-telegram-bot cannot read, see
    `UpdatesRequest`): a refused token becomes `TokenRefused`, and what the polling loop does
    not hand to its error callback (a timeout, a 429, an answer) goes to `PollingErrors`."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        write_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        connect_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        pool_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        arguments = (url, method, request_data, read_timeout, write_timeout, connect_timeout)
        if not url.endswith("/getUpdates"):
            return await super().do_request(*arguments, pool_timeout)
        reporter = _REPORTER.get()
        try:
            status, payload = await super().do_request(*arguments, pool_timeout)
        except TimedOut as exc:
            if reporter is not None:
                reporter.timed_out(exc)
            raise
        if status in (401, 404):
            raise TokenRefused(_description(status, payload), status)
        if reporter is not None:
            if status == 429:
                reporter.asked_to_wait(_retry_after(payload))
            elif 200 <= status < 300 and payload.lstrip()[:1] == b"{":
                reporter.answered()
        return status, payload


def _description(status: int, payload: bytes) -> str:
    body: Any = None
    with contextlib.suppress(orjson.JSONDecodeError):
        body = orjson.loads(payload)
    description = body.get("description") if isinstance(body, dict) else None
    phrase = "Unauthorized" if status == 401 else "Not Found"
    if not isinstance(description, str) or not description:
        description = phrase
    return f"{description.split(':')[0]} ({status})"


def _retry_after(payload: bytes) -> float:
    body: Any = None
    with contextlib.suppress(orjson.JSONDecodeError):
        body = orjson.loads(payload)
    parameters = body.get("parameters") if isinstance(body, dict) else None
    seconds = parameters.get("retry_after") if isinstance(parameters, dict) else None
    return float(seconds) if isinstance(seconds, int | float) else 0.0
