"""Telegram's bad days, on demand: stalls, server errors, dropped connections, slow and odd
answers, for the tests, the demo and the benchmarks.

    sb.faults.stall(20)                     # carried out, but every answer held for 20 s
    sb.faults.errors(502, 0.2, 10)          # a fifth of requests answered 502 for 10 s
    sb.faults.reset(1.0, 5, methods=["sendMessage"])  # carried out, connection reset unanswered
    sb.faults.latency(200)                  # every answer 200 ms late
    sb.faults.malformed("getMe")            # the next answer lacks a required field
    sb.faults.unknown_fields()              # every object carries fields from the future
    sb.faults.clear()
    sb.faults.stats["errored"]              # stalled, errored, reset, malformed, future_updates

Fault windows run on real (monotonic) time, not on the sandbox's injectable clock: a test that
stops that clock (it drives the flood limits and timestamps) must still see a stall end. Which
requests fail is deterministic (the n-th of a window fails when ⌊(n+1)·f⌋ > ⌊n·f⌋), so a test
sees the same sequence every run. Only Bot API methods are affected: control requests under
/_sandbox/ and file downloads never are.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FUTURE_FIELD", "FUTURE_UPDATE", "Faults"]

_PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
# What a future Bot API might add: a field on every object, and an update of a kind not known yet.
FUTURE_FIELD = "x_future_field"
FUTURE_VALUE: dict[str, Any] = {"kind": "x_future_object", "id": 1, "flags": ["a", "b"]}
FUTURE_UPDATE = "x_future_update"
# While unknown fields are on, every this-many-th update (the first included) is preceded by one
# of the future kind: often enough that a short test meets one, rare enough to stay a side note.
_FUTURE_UPDATE_EVERY = 4


@dataclass
class _Window:
    """Requests (of `methods`, or all) that arrive before `until` are hit, `fraction` of them."""

    fraction: float
    until: float
    methods: frozenset[str] | None
    status: int = 0
    seen: int = 0

    def hits(self, method: str, now: float) -> bool:
        if now >= self.until or (self.methods is not None and method.lower() not in self.methods):
            return False
        n = self.seen
        self.seen += 1
        return math.floor((n + 1) * self.fraction) > math.floor(n * self.fraction)

    def describe(self, now: float) -> dict[str, Any]:
        return {
            "fraction": self.fraction,
            "seconds_left": self.until - now,
            "methods": sorted(self.methods) if self.methods else None,
        }


@dataclass
class Faults:
    """Switched on from tests (`sandbox.faults`) or over HTTP (/_sandbox/faults/…); consulted by
    the server for every Bot API request. `known` tells real method names from typos."""

    clock: Callable[[], float] = time.monotonic
    known: Callable[[str], bool] = lambda name: True
    stats: Counter[str] = field(default_factory=Counter)
    _stall_until: float = -math.inf
    _latency: float = 0.0
    _errors: list[_Window] = field(default_factory=list)
    _resets: list[_Window] = field(default_factory=list)
    _malformed: set[str] = field(default_factory=set)
    _unknown: bool = False
    _updates_seen: int = 0
    # Swapped (set, then replaced) whenever a stall ends early, so held answers go at once.
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    # --- switching faults on and off ---------------------------------------------------------

    def stall(self, seconds: float) -> None:
        """Requests are carried out, but their answers wait until `seconds` from now (a later
        end of a stall already on wins)."""
        _check_seconds(seconds)
        self._stall_until = max(self._stall_until, self.clock() + seconds)

    def errors(
        self,
        status: int,
        fraction: float,
        seconds: float,
        methods: Iterable[str] | None = None,
    ) -> None:
        """That share of requests is answered with `status` (Telegram's JSON error body) and is
        not carried out."""
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP status 4xx or 5xx, not {status!r}")
        _check_fraction(fraction)
        _check_seconds(seconds)
        window = _Window(fraction, self.clock() + seconds, self._methods(methods), status=status)
        self._errors.append(window)

    def reset(self, fraction: float, seconds: float, methods: Iterable[str] | None = None) -> None:
        """That share of requests is carried out, then its connection reset without an answer."""
        _check_fraction(fraction)
        _check_seconds(seconds)
        self._resets.append(_Window(fraction, self.clock() + seconds, self._methods(methods)))

    def latency(self, ms: float) -> None:
        """Every answer is delayed by `ms` milliseconds (0: off)."""
        if isinstance(ms, bool) or not isinstance(ms, (int, float)) or not 0 <= ms < math.inf:
            raise ValueError("ms must be a number ≥ 0")
        self._latency = ms / 1000

    def malformed(self, method: str) -> None:
        """The next successful answer to `method` lacks a required field of its result."""
        self._malformed |= self._methods([method]) or frozenset()

    def unknown_fields(self, on: bool = True) -> None:
        """Every object in answers and updates carries a field from the future, and now and then
        an update of a kind from the future arrives."""
        if on and not self._unknown:
            self._updates_seen = 0  # the next update brings a future one along
        self._unknown = on

    def clear(self) -> None:
        """Everything off; answers held by a stall go at once. The counts stay."""
        self._stall_until = -math.inf
        self._latency = 0.0
        self._errors.clear()
        self._resets.clear()
        self._malformed.clear()
        self._unknown = False
        self._release()

    def active(self) -> dict[str, Any]:
        now = self.clock()
        return {
            "stall_seconds_left": max(0.0, self._stall_until - now),
            "latency_ms": self._latency * 1000,
            "errors": [
                {"status": w.status, **w.describe(now)} for w in self._errors if w.until > now
            ],
            "resets": [w.describe(now) for w in self._resets if w.until > now],
            "malformed": sorted(self._malformed),
            "unknown_fields": self._unknown,
            "stats": dict(self.stats),
        }

    # --- used by the server ------------------------------------------------------------------

    def error_for(self, method: str) -> tuple[int, str] | None:
        """(status, description) when this request is to be refused, else None."""
        now = self.clock()
        self._errors = [w for w in self._errors if w.until > now]
        for window in self._errors:
            if window.hits(method, now):
                self.stats["errored"] += 1
                return window.status, _PHRASES.get(window.status, "Error")
        return None

    def drops(self, method: str) -> bool:
        """Whether this (carried out) request's connection is to be reset unanswered."""
        now = self.clock()
        self._resets = [w for w in self._resets if w.until > now]
        if any(window.hits(method, now) for window in self._resets):
            self.stats["reset"] += 1
            return True
        return False

    async def hold(self) -> None:
        """Wait out the stall (it may be extended, or cleared, meanwhile) and the latency."""
        stalled = False
        while (left := self._stall_until - self.clock()) > 0:
            stalled = True
            released = self._released
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):
                    await released.wait()
        if stalled:
            self.stats["stalled"] += 1
        if self._latency > 0:
            await asyncio.sleep(self._latency)

    def answer(self, method: str, result: Any) -> dict[str, Any]:
        """The answer's body for a successful request, bent as the faults say."""
        if self._unknown:
            result = with_future_fields(result)
        key = method.lower()
        if key in self._malformed:
            self._malformed.discard(key)
            self.stats["malformed"] += 1
            return _without_required_field(result)
        return {"ok": True, "result": result}

    def future_update(self) -> dict[str, Any] | None:
        """The payload of an update of a future kind to queue before the next real one, or
        None."""
        if not self._unknown:
            return None
        due = self._updates_seen % _FUTURE_UPDATE_EVERY == 0
        self._updates_seen += 1
        if not due:
            return None
        self.stats["future_updates"] += 1
        return dict(FUTURE_VALUE)

    def shape_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """An update as it leaves the sandbox by webhook (getUpdates goes through `answer`)."""
        return with_future_fields(update) if self._unknown else update

    # --- helpers -----------------------------------------------------------------------------

    def _release(self) -> None:
        self._released.set()
        self._released = asyncio.Event()

    def _methods(self, methods: Iterable[str] | None) -> frozenset[str] | None:
        if methods is None:
            return None
        if isinstance(methods, str):
            methods = [methods]
        names = list(methods)
        for name in names:
            if not isinstance(name, str) or not self.known(name):
                raise ValueError(f"unknown Bot API method {name!r}")
        if not names:
            raise ValueError("methods must name at least one method (or be left out)")
        return frozenset(m.lower() for m in names)


def _without_required_field(result: Any) -> dict[str, Any]:
    if isinstance(result, dict):
        # getMe's User needs is_bot; a Message needs its chat and date.
        broken = {k: v for k, v in result.items() if k not in ("is_bot", "chat", "date")}
        if broken == result:
            broken.pop(next(iter(broken)), None)
        return {"ok": True, "result": broken}
    return {"ok": True}  # a True / list result: no `result` at all


def with_future_fields(value: Any) -> Any:
    """A copy of an answer or update in which every object carries FUTURE_FIELD."""
    if isinstance(value, dict):
        found = {k: with_future_fields(v) for k, v in value.items()}
        found[FUTURE_FIELD] = dict(FUTURE_VALUE)
        return found
    if isinstance(value, list):
        return [with_future_fields(v) for v in value]
    return value


def _check_fraction(fraction: float) -> None:
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)):
        raise ValueError("fraction must be a number in (0, 1]")
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")


def _check_seconds(seconds: float) -> None:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ValueError("seconds must be a number ≥ 0")
    if not 0 <= seconds < math.inf:
        raise ValueError("seconds must be a number ≥ 0")
