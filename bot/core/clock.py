"""Injectable time, so the demo and tests can fast-forward instead of sleeping."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "FastForwardClock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    @property
    def ticks(self) -> bool:
        """Whether this clock moves on its own with real time. Timers that wait in real time
        (APScheduler's) are only armed for a clock that does; a test's manual clock is moved,
        and the work it makes due is run, by the test."""

    def now(self) -> datetime:
        """The current moment, timezone-aware in UTC."""

    def timestamp(self) -> float:
        """The current moment as unix seconds."""


class SystemClock:
    ticks = True

    def now(self) -> datetime:
        return datetime.now(UTC)

    def timestamp(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to."""

    ticks = False

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def timestamp(self) -> float:
        return self._now.timestamp()

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)


class FastForwardClock:
    """Real time plus a jump: time keeps flowing (retries, rate limits) and the demo can skip
    ahead to the next reminder."""

    ticks = True

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("FastForwardClock needs an aware datetime")
        self._offset = 0.0 if start is None else start.timestamp() - time.time()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def timestamp(self) -> float:
        return time.time() + self._offset

    def jump_to(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("jump_to needs an aware datetime")
        self._offset = max(self._offset, moment.timestamp() - time.time())
