"""APScheduler wiring: the `schedule` table is the truth, APScheduler only wakes us up.

At start-up every pending row due within `HORIZON` (at most `MAX_JOBS` of the soonest) becomes
an APScheduler job whose id is the row's key (`reminder:12:86400`, `feedback:12`,
`digest:-100123`, ...); the horizon moves on as time passes, so memory and start-up time follow
the next hours' work, not the whole year's (bench/scheduler.py). The minutely refresh also runs
whatever is due, so even a row beyond a full horizon is at most a minute late.

A job that fires runs everything due by the bot's clock, each row in its own transaction that
also queues its messages and marks it done, so a crash or restart in the middle neither loses
nor repeats a job. Missed jobs are run once at start-up; whether they are still useful is each
runner's decision (a reminder the next one has overtaken is skipped, a digest more than half a
day late waits for next week).

Rows written elsewhere (an edit in this process, or `python -m bot events import --publish`
in another) are picked up through their `changed_at`: at once when this process made the
change (`changed()`), within `REFRESH_INTERVAL` otherwise.

APScheduler's defaults would drop a job more than one second late and run a piled-up job
several times; here every job may run however late (`misfire_grace_time=None`), coalesced
into one run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.core.clock import Clock
from storage import schedule
from storage.db import Database, Writer
from storage.schedule import Job, JobKind

__all__ = ["JOB_DEFAULTS", "REFRESH_INTERVAL", "Runner", "Scheduler"]

log = logging.getLogger("jarjestobotti.scheduler")

# A runner does a job inside the given transaction: it returns None when done, or a note
# saying why the job was skipped instead.
Runner = Callable[[Writer, Job, int], Awaitable[str | None]]

JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": None, "max_instances": 1}
REFRESH_INTERVAL = 60.0
REFRESH_ID = "refresh"
HORIZON = 12 * 3600
MAX_JOBS = 5000
_OWN_JOBS = (REFRESH_ID,)
BATCH = 200
RETRY_DELAY = 300
RETRY_NOTE = "retrying after "


class Scheduler:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        runners: Mapping[JobKind, Runner],
        *,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._runners = runners
        self._on_queued = on_queued
        self._aps = AsyncIOScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
        self._seen = 0
        self._horizon_end = 0
        self._run_lock = asyncio.Lock()
        self._refresh_task: asyncio.Task[None] | None = None
        self._again = False
        # Only the delivery leader runs the schedule (bot/runtime/duties.py); elsewhere a
        # change announced here is the leader's to take in (PostgreSQL tells it at commit).
        self._running = False

    @property
    def aps(self) -> AsyncIOScheduler:
        return self._aps

    async def start(self) -> int:
        """Rebuild the jobs from the database, then run what was missed; returns the job count."""
        self._seen = self._db.now()
        self._horizon_end = -(2**62)
        # Jobs added before start() are stored in one go, without a wake-up per job.
        added = await self.extend()
        self._aps.add_job(
            self.refresh, "interval", seconds=REFRESH_INTERVAL, id=REFRESH_ID, replace_existing=True
        )
        # With a clock that does not move on its own (a test's), APScheduler keeps the jobs but
        # never fires them on the real clock: that raced the test's own run_due whenever the
        # manual date was in the real past.
        self._aps.start(paused=not self._clock.ticks)
        self._running = True
        await self.run_due()
        return added

    async def extend(self) -> int:
        """Take in the rows that have come within the horizon; returns how many."""
        start, end = self._horizon_end, self._db.now() + HORIZON
        room = MAX_JOBS - len(self._aps.get_jobs())
        if end <= start or room <= 0:
            return 0
        rows = await schedule.pending(self._db, until=end, after=start, limit=room)
        if len(rows) == room:
            # Full: stop short of the last due time so rows sharing it are all taken next time.
            end = rows[-1][1] - 1
            rows = [(key, due_at) for key, due_at in rows if due_at <= end]
        for key, due_at in rows:
            self._add(key, due_at)
        self._horizon_end = max(self._horizon_end, end)
        return len(rows)

    async def stop(self) -> None:
        self._running = False
        if self._refresh_task is not None:
            await self._refresh_task
        if self._aps.running:
            self._aps.shutdown(wait=False)
            # A process that leads again later starts afresh (its jobs are rebuilt from the rows).
            self._aps = AsyncIOScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
        async with self._run_lock:  # let a run in progress finish its transaction
            pass

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self._aps.get_jobs() if job.id not in _OWN_JOBS)

    def run_date(self, key: str) -> datetime | None:
        job = self._aps.get_job(key)
        return None if job is None else job.next_run_time

    def changed(self) -> None:
        """Rows were written in this process: take them in now rather than at the next refresh."""
        if not self._running:
            return
        self._again = True
        if self._refresh_task is None or self._refresh_task.done():
            self._refresh_task = asyncio.get_running_loop().create_task(self._refresh_soon())

    async def _refresh_soon(self) -> None:
        while self._again:
            self._again = False
            try:
                await self.refresh()
            except Exception:
                log.exception("refreshing the schedule failed")

    async def settle(self) -> None:
        """Wait until changes announced with `changed()` are taken in (tests and the demo)."""
        while self._refresh_task is not None and not self._refresh_task.done():
            await self._refresh_task

    async def refresh(self) -> None:
        """Match the jobs to rows written since the last look, and move the horizon on."""
        await self.extend()
        since = self._seen
        self._seen = self._db.now()
        for key, due_at, state in await schedule.changed_since(self._db, since - 1):
            if state == "pending" and due_at <= self._horizon_end:
                self._add(key, due_at)
            else:
                self._remove(key)
        await self.run_due()

    def _add(self, key: str, due_at: int) -> None:
        self._aps.add_job(
            self.run_due,
            DateTrigger(run_date=datetime.fromtimestamp(due_at, UTC)),
            id=key,
            replace_existing=True,
        )

    def _remove(self, key: str) -> None:
        with contextlib.suppress(JobLookupError):
            self._aps.remove_job(key)

    async def _record_failure(self, job: Job, now: int, error: str) -> Job | None:
        try:
            async with self._db.transaction() as tx:
                if job.note.startswith(RETRY_NOTE):
                    await schedule.claim(tx, job.key, "skipped", now, f"failed: {error}")
                    return None
                await schedule.retry_later(
                    tx, job.key, now + RETRY_DELAY, f"{RETRY_NOTE}{error}", now
                )
                return await schedule.get(tx, job.key)
        except Exception:  # the database itself fails: the row stays pending for the next run
            log.exception("could not record the failure of job %s", job.key)
            return None

    async def run_due(self) -> int:
        """Run every job due by the bot's clock; returns how many ran (done or skipped)."""
        ran = 0
        async with self._run_lock:
            while True:
                now = self._db.now()
                jobs = await schedule.due(self._db, now, BATCH)
                if not jobs:
                    break
                for job in jobs:
                    await self._run_one(job, now)
                    ran += 1
        if ran and self._on_queued is not None:
            self._on_queued()
        return ran

    async def _run_one(self, job: Job, now: int) -> None:
        runner = self._runners.get(job.kind)
        try:
            async with self._db.transaction() as tx:
                current = await schedule.get(tx, job.key)
                if current is None or current.state != "pending" or current.due_at > now:
                    return  # done meanwhile, or moved by a recurring runner
                if runner is None:
                    note: str | None = f"no runner for {job.kind}"
                else:
                    note = await runner(tx, current, now)
                after: Job | None = await schedule.get(tx, job.key)
                if after is None or after.state != "pending" or after.due_at <= now:
                    if note:
                        await schedule.claim(tx, job.key, "skipped", now, note)
                    else:
                        await schedule.claim(tx, job.key, "done", now)
                    after = None  # finished
            if note:
                log.info("job %s skipped: %s", job.key, note)
        except Exception as exc:
            # The transaction rolled back. A passing problem (a locked database) gets one more
            # try a few minutes later; a second failure is recorded, so a broken job is not
            # retried forever.
            log.exception("job %s failed", job.key)
            after = await self._record_failure(job, now, type(exc).__name__)
        if after is not None and after.state == "pending" and after.due_at <= self._horizon_end:
            self._add(job.key, after.due_at)  # a recurring job moved itself to its next time
        else:
            self._remove(job.key)
