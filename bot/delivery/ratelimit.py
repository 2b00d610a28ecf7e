"""One flood-control budget for the whole bot, shared by handler replies and the delivery worker.

Telegram allows a bot about 30 messages per second in total, about one per second in a private
chat (a short burst is tolerated) and 20 per minute in a group. One `SharedRateLimiter` instance is
both python-telegram-bot's rate limiter (`ApplicationBuilder().rate_limiter(...)`: every message a
handler sends passes `process_request`) and the delivery worker's source of send permits.

Global limit. A sliding window of N = ceil(global_rate) messages per N / global_rate seconds
(at least one second), counted conservatively: a message occupies its slot from the moment its
request is sent until one window span after its answer arrived, less the smallest round trip
seen (each way takes at least half of it). Telegram counts the message at some instant inside
that interval, so no second as Telegram sees it can hold more than N, whatever the jitter. On
top, bulk sends are paced evenly (1/global_rate apart) so the window never fills in one burst;
that keeps free slots coming every few tens of milliseconds for replies.

Priority. A handler's reply waiting for a global slot goes before the worker: while one waits,
the worker gets nothing. Methods that are not messages (answerCallbackQuery, edits, getChat…)
are not counted; they only respect a bot-wide pause.

429. `RetryAfter` pauses everything for `retry_after` (Telegram's flood control is per bot).
Handler requests are then retried here; the worker's rows are re-queued by the worker.

Late replies. A reply to a tap that arrives 40 s late is worse than none: a handler's request that
cannot go out within `reply_deadline` (waiting for a slot, a pause or its retries) is dropped with
`ReplyTooLate` (a `TimedOut`; the error handler logs it in one line). Requests that failed without
being carried out (refused connection, 500, 503) are retried up to `max_retries` times with
back-off inside that deadline (a 400 never: it is Telegram's answer); a request whose answer was
lost is retried only when it is not a message (answering a tap or editing one twice is harmless,
a second message is not). Background work that must not be dropped runs inside `patient_requests()`.

Per chat. Private chats: at most `private_burst` messages per `private_burst × private_interval`
seconds for replies, and for bulk sends also `private_interval` since the previous message.
Groups (negative chat ids): `group_per_minute` in any 60 s. A chat that must wait never holds up
other chats: replies wait for their chat before queueing for a global slot, and the worker asks
`busy_chats()` and picks a row for another chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import math
import random
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from datetime import timedelta
from typing import Any, Protocol

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.core.config import DeliverySettings
from bot.delivery.answer_once import answered_before, note_answered
from bot.delivery.http_client import is_uncertain

__all__ = [
    "Permit",
    "Relay",
    "ReplyTooLate",
    "SharedRateLimiter",
    "is_message_method",
    "patient_requests",
    "retry_seconds",
    "worker_requests",
]

_MESSAGE_METHODS = frozenset({"copymessage", "copymessages", "forwardmessage", "forwardmessages"})
_GROUP_SPAN = 60.0
# Set while the delivery worker sends: its permit is already taken, and it handles 429 itself.
_WORKER_REQUEST: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "jarjestobotti_worker_request", default=False
)
# Set around background work whose requests must not be dropped for being late (reports).
_PATIENT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "jarjestobotti_patient_request", default=False
)
# Start-up and set-up calls retry on their own schedule (bot/runtime/startup.py); not retried here.
_OWN_RETRIES = frozenset(
    {"getme", "getupdates", "setwebhook", "deletewebhook", "setmycommands", "logout", "close"}
)
REPLY_DEADLINE = 10.0


class Relay(Protocol):
    """The delivery leader's channel for this process's messages (bot/delivery/relay.py)."""

    async def send(
        self, endpoint: str, data: dict[str, Any], deadline: float | None
    ) -> bool | dict[str, Any] | list[dict[str, Any]] | None: ...


class ReplyTooLate(TimedOut):
    """A handler's request could not go out within the reply deadline; it was dropped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"Gave up: the request could not go out within {seconds:.0f} s")


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


@contextlib.contextmanager
def patient_requests() -> Iterator[None]:
    """Requests made inside wait as long as it takes (no reply deadline)."""
    token = _PATIENT.set(True)
    try:
        yield
    finally:
        _PATIENT.reset(token)


@contextlib.contextmanager
def worker_requests() -> Iterator[None]:
    """Mark requests made inside as the worker's (they pass `process_request` unthrottled)."""
    token = _WORKER_REQUEST.set(True)
    try:
        yield
    finally:
        _WORKER_REQUEST.reset(token)


class _Window:
    """At most `capacity` messages per `span` seconds, counted from request to answer + span."""

    __slots__ = ("capacity", "done", "in_flight", "span")

    def __init__(self, capacity: int, span: float) -> None:
        self.capacity = capacity
        self.span = span
        self.in_flight = 0
        self.done: deque[float] = deque()  # answer times, in order

    def _prune(self, now: float) -> None:
        while self.done and self.done[0] <= now - self.span:
            self.done.popleft()

    def delay(self, now: float) -> float:
        """0 when a slot is free; else seconds until one frees (inf: when a request answers)."""
        self._prune(now)
        if self.in_flight + len(self.done) < self.capacity:
            return 0.0
        if not self.done:
            return math.inf
        return self.done[0] + self.span - now

    def since_last(self, now: float) -> float:
        """Seconds since the last answer (inf when none; 0 while a request is in flight)."""
        if self.in_flight:
            return 0.0
        return now - self.done[-1] if self.done else math.inf

    def idle(self, now: float) -> bool:
        self._prune(now)
        return not self.in_flight and not self.done


class Permit:
    """One message's slot in the global window and, once bound, in its chat's window.

    `release()` after the request was made (whatever the answer); `cancel()` if it never was.
    """

    __slots__ = ("_chat", "_limiter", "_pacing", "_sent_at", "_state")

    def __init__(self, limiter: SharedRateLimiter, pacing: float | None) -> None:
        self._limiter = limiter
        self._chat: _Window | None = None
        self._pacing = pacing  # the bulk pacing mark before this permit, restored on cancel
        self._state = "held"
        self._sent_at: float | None = None

    def bind(self, chat_id: int) -> None:
        """Count the message against its chat too (the caller checked `busy_chats`)."""
        self._chat = self._limiter._chat_window(chat_id)
        self._chat.in_flight += 1

    def sending(self) -> None:
        """Stamp the moment the request leaves, so its round trip can be measured."""
        self._sent_at = self._limiter._clock()

    def release(self) -> None:
        if self._state == "held":
            self._state = "released"
            self._limiter._finish(self._chat, used=True, sent_at=self._sent_at)

    def cancel(self) -> None:
        if self._state == "held":
            self._state = "cancelled"
            if self._pacing is not None:
                self._limiter._next_bulk = self._pacing
            self._limiter._finish(self._chat, used=False)


class SharedRateLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        settings: DeliverySettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        private_burst: int = 3,
        max_retries: int = 3,
        reply_deadline: float = REPLY_DEADLINE,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._max_retries = max_retries
        self.reply_deadline = reply_deadline
        self._private_burst = max(1, private_burst)
        # N = ceil(rate) messages per N / rate seconds: 29.4/s is 30 per 1.0204 s, never more
        # than 30 in any second, yet 29.4/s on average.
        capacity = max(1, math.ceil(settings.global_rate))
        self._global = _Window(capacity, capacity / settings.global_rate)
        self._interval = 1.0 / settings.global_rate
        self._next_bulk = -math.inf
        self._chats: dict[int, _Window] = {}
        self._paused_until = -math.inf
        self._min_rtt = math.inf
        self._interactive_waiting = 0
        self._changed = asyncio.Event()
        self._listeners: list[Callable[[], None]] = []
        # Set while another process is the delivery leader: messages go through it.
        self.relay: Relay | None = None

    # --- PTB hooks ---------------------------------------------------------------------------

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        query_id = data.get("callback_query_id") if endpoint == "answerCallbackQuery" else None
        if query_id is not None and answered_before(str(query_id)):
            return True  # bot/delivery/answer_once.py: a handler run again after a conflict
        result = await self._process(callback, args, kwargs, endpoint, data, rate_limit_args)
        if query_id is not None:
            note_answered(str(query_id))
        return result

    async def _process(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if _WORKER_REQUEST.get():
            return await callback(*args, **kwargs)
        counted = is_message_method(endpoint)
        chat_id: int | None = None
        with contextlib.suppress(TypeError, ValueError, KeyError):
            chat_id = int(data["chat_id"])
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        deadline = None if _PATIENT.get() else self._clock() + self.reply_deadline
        relay = self.relay
        if counted and relay is not None:
            answer = await relay.send(endpoint, data, deadline)
            if answer is not None:
                return answer
        for attempt in range(retries + 1):
            permit = await self.acquire_reply(chat_id, deadline) if counted else None
            if permit is None:
                await self.wait_unpaused(deadline)
            if permit is not None:
                permit.sending()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.pause(retry_seconds(exc))
                if attempt == retries:
                    raise
            except NetworkError as exc:
                if attempt == retries or not self._may_retry(endpoint, exc):
                    raise
                delay = min(4.0, 0.25 * 2.0**attempt) * random.uniform(0.8, 1.2)
                if deadline is not None and self._clock() + delay > deadline:
                    raise
                await asyncio.sleep(delay)
            finally:
                if permit is not None:
                    permit.release()
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _may_retry(endpoint: str, error: NetworkError) -> bool:
        # PTB's BadRequest is a NetworkError, but a 400 is Telegram's final word: the same
        # request gets the same answer. Retried, an edit that changes nothing ("message is not
        # modified", common when a tap leaves a card as it was) held its update ~1.75 s and the
        # taps queued behind it (bench/shifts.py's p95 of 18 s).
        if isinstance(error, BadRequest):
            return False
        if endpoint.lower() in _OWN_RETRIES or isinstance(error, ReplyTooLate):
            return False
        return not is_uncertain(error) or not is_message_method(endpoint)

    # --- shared state ------------------------------------------------------------------------

    def pause(self, seconds: float) -> None:
        """Telegram asked the whole bot to wait (429 retry_after)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._notify()

    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._clock())

    def global_delay(self, *, bulk: bool) -> float:
        """Seconds until a global slot is free for this kind of sender (0: now)."""
        now = self._clock()
        if bulk and self._interactive_waiting:
            return math.inf
        waits = [self._paused_until - now, self._global.delay(now)]
        if bulk:
            waits.append(self._next_bulk - now)
        return max(0.0, *waits)

    def chat_delay(self, chat_id: int, *, bulk: bool) -> float:
        """Seconds until a message to this chat fits its limits (0: now; inf: after an answer)."""
        window = self._chats.get(chat_id)
        if window is None:
            return 0.0
        now = self._clock()
        wait = window.delay(now)
        if bulk and chat_id > 0:
            wait = max(wait, self.settings.private_interval - window.since_last(now))
        return max(0.0, wait)

    def busy_chats(self) -> tuple[list[int], float]:
        """Chats the worker must not pick now, and the seconds until the first frees (inf: none
        frees by time alone). Forgets chats whose windows are empty."""
        now = self._clock()
        busy: list[int] = []
        soonest = math.inf
        for chat_id in list(self._chats):
            if self._chats[chat_id].idle(now):
                del self._chats[chat_id]
                continue
            wait = self.chat_delay(chat_id, bulk=True)
            if wait > 0:
                busy.append(chat_id)
                soonest = min(soonest, wait)
        return busy, soonest

    def _chat_window(self, chat_id: int) -> _Window:
        window = self._chats.get(chat_id)
        if window is None:
            if chat_id < 0:
                window = _Window(self.settings.group_per_minute, _GROUP_SPAN)
            else:
                span = self._private_burst * self.settings.private_interval
                window = _Window(self._private_burst, span)
            self._chats[chat_id] = window
        return window

    def _finish(self, chat: _Window | None, *, used: bool, sent_at: float | None = None) -> None:
        now = self._clock()
        self._global.in_flight -= 1
        if chat is not None:
            chat.in_flight -= 1
        if used:
            if sent_at is not None:
                self._min_rtt = min(self._min_rtt, now - sent_at)
            self._global.done.append(self._counted_at(now))
            if chat is not None:
                chat.done.append(now)
        self._notify()

    def _counted_at(self, answered: float) -> float:
        """The latest moment Telegram can have counted a message answered now.

        Assumption: each direction takes at least half the smallest round trip seen, so the
        message was counted no later than `answered - min_rtt / 2 - min_rtt / 2`. With a 100 ms
        round trip this is worth 10 % of the throughput. Kept in order for the window's deque.
        """
        rtt = 0.0 if math.isinf(self._min_rtt) else self._min_rtt
        latest = self._global.done[-1] if self._global.done else -math.inf
        return max(answered - rtt, latest)

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Called whenever a slot frees or a pause changes (the worker's wake-up)."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
        for listener in self._listeners:
            listener()

    async def _sleep(self, seconds: float) -> None:
        """Wait `seconds` or until something changes (a slot freed, a pause set)."""
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), None if math.isinf(seconds) else seconds)

    # --- acquiring ---------------------------------------------------------------------------

    def _until(self, wait: float, deadline: float | None) -> float:
        """`wait`, unless it ends past the deadline: then `ReplyTooLate`."""
        if deadline is None:
            return wait
        left = deadline - self._clock()
        if left <= 0:
            raise ReplyTooLate(self.reply_deadline)
        return min(wait, left)

    async def wait_unpaused(self, deadline: float | None = None) -> None:
        while (wait := self.paused_for()) > 0:
            await self._sleep(self._until(wait, deadline))

    async def acquire_reply(self, chat_id: int | None, deadline: float | None = None) -> Permit:
        """A handler's message: waits for its chat first (without blocking anyone), then for a
        global slot ahead of the worker; `ReplyTooLate` past the deadline."""
        if chat_id is not None:
            while (wait := self.chat_delay(chat_id, bulk=False)) > 0:
                await self._sleep(self._until(wait, deadline))
        permit = Permit(self, None)
        if chat_id is not None:
            permit.bind(chat_id)
        self._interactive_waiting += 1
        try:
            while (wait := self.global_delay(bulk=False)) > 0:
                await self._sleep(self._until(wait, deadline))
        except BaseException:
            permit._state = "cancelled"
            self._finish_chat_only(permit)
            raise
        finally:
            self._interactive_waiting -= 1
            if not self._interactive_waiting:
                self._notify()
        self._global.in_flight += 1
        return permit

    def _finish_chat_only(self, permit: Permit) -> None:
        if permit._chat is not None:
            permit._chat.in_flight -= 1
        self._notify()

    async def acquire_bulk(self) -> Permit:
        """The worker's global slot, paced evenly; bind it to a chat with `Permit.bind`."""
        while (wait := self.global_delay(bulk=True)) > 0:
            await self._sleep(wait)
        previous = self._next_bulk
        # Lateness of up to one interval (a timer firing late, a slow claim) is made up, so the
        # pace holds on average; the window still caps every second.
        self._next_bulk = max(self._next_bulk, self._clock() - self._interval) + self._interval
        self._global.in_flight += 1
        return Permit(self, previous)
