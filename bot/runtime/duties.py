"""The delivery leader's duties, taken up by exactly one of the bot's processes at a time.

Several processes may serve one database (webhook mode, docs/scale-out.md). Every one of them
handles the updates it receives; one of them, the leader, also runs the delivery worker (the only
sender of messages, so the bot-wide budget and each chat's limits hold in one place), the
scheduler (so each job runs once) and the broadcast reporter. The others relay their handlers'
messages through the leader (bot/delivery/relay.py).

Fail-over: the others ask for the leader's lock every `retry` seconds; a leader that dies frees it
at once (storage/leadership.py), so another process leads within about `retry` seconds. The new
leader's delivery worker first takes back the rows the old one left in flight, sending each once
more at most (bot/delivery/worker.py): the duplicates are at most what the dead process had in
flight. The new leader's scheduler rebuilds its jobs from the rows and runs what is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.delivery.ratelimit import Relay, SharedRateLimiter
from storage.leadership import LeaderLock

__all__ = ["LEAD_RETRY", "LeaderDuties"]

log = logging.getLogger("jarjestobotti.leader")

LEAD_RETRY = 1.0


class LeaderDuties:
    def __init__(
        self,
        lock: LeaderLock,
        *,
        start: Callable[[], Awaitable[None]],
        stop: Callable[[], Awaitable[None]],
        limiter: SharedRateLimiter,
        relay: Relay,
        retry: float = LEAD_RETRY,
    ) -> None:
        self._lock = lock
        self._start = start
        self._stop = stop
        self._limiter = limiter
        self._relay = relay
        self._retry = retry
        self._task: asyncio.Task[None] | None = None
        self.leading = False
        self.changed = asyncio.Event()

    async def start(self) -> None:
        """Lead at once when no one else does (a single process always does); otherwise relay
        and keep asking in the background."""
        if await self._lock.try_acquire():
            await self._lead()
        else:
            self._follow()
            log.info("another process leads delivery and the schedule; this one relays to it")
        self._task = asyncio.get_running_loop().create_task(self._run(), name="leader-duties")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.leading:
            await self._step_down()
        await self._lock.release()

    async def _run(self) -> None:
        while True:
            try:
                await self._turn()
            except Exception:
                # The loop must outlive anything (a database away while stepping down): a
                # process that stopped asking would never lead again.
                log.exception("leader's duties: unexpected failure; asking again")
                await asyncio.sleep(self._retry)

    async def _turn(self) -> None:
        if self.leading:
            await self._lock.lost()
            log.warning("lost the leader's lock (its database connection broke): stepping down")
            await self._step_down()
        elif await self._lock.try_acquire():
            log.info("this process now leads delivery and the schedule")
            await self._lead()
        else:
            await asyncio.sleep(self._retry)

    async def _lead(self) -> None:
        self._limiter.relay = None
        try:
            await self._start()
        except BaseException:
            await self._lock.release()
            self._follow()
            raise
        self.leading = True
        self._signal()

    async def _step_down(self) -> None:
        self.leading = False
        try:
            await self._stop()
        finally:
            self._follow()
            self._signal()

    def _follow(self) -> None:
        self._limiter.relay = self._relay

    def _signal(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()
