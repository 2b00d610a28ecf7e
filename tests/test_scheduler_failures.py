"""A job whose runner fails: one more try a few minutes later, then it is recorded as failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.clock import ManualClock
from bot.scheduler.engine import RETRY_DELAY, Scheduler
from storage import schedule
from storage.db import Database, Writer
from storage.schedule import Job, PlannedJob

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def test_a_failed_job_is_tried_once_more_then_recorded(tmp_path: Path) -> None:
    clock = ManualClock(START)
    db = await Database.open(tmp_path / "s.sqlite3", clock=clock.timestamp)
    calls: list[str] = []
    failures = {"digest:1": 1, "digest:2": 5}  # the first recovers, the second never does

    async def flaky(tx: Writer, job: Job, now: int) -> str | None:
        calls.append(job.key)
        if failures[job.key] > 0:
            failures[job.key] -= 1
            raise RuntimeError("database is locked")
        return None

    try:
        now = db.now()
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO chats (id, type, created_at, updated_at) VALUES "
                "(1, 'private', 0, 0), (2, 'private', 0, 0)"
            )
            await schedule.upsert(
                tx,
                [PlannedJob(f"digest:{i}", "digest", now + 60, chat_id=i) for i in (1, 2)],
                now,
            )
        scheduler = Scheduler(db, clock, {"digest": flaky})
        await scheduler.start()
        clock.advance(timedelta(seconds=60))
        assert await scheduler.run_due() == 2
        for key in ("digest:1", "digest:2"):
            job = await schedule.get(db, key)
            assert job is not None and job.state == "pending"
            assert job.due_at == db.now() + RETRY_DELAY
            assert job.note == "retrying after RuntimeError"
        clock.advance(timedelta(seconds=RETRY_DELAY))
        assert await scheduler.run_due() == 2
        first = await schedule.get(db, "digest:1")
        second = await schedule.get(db, "digest:2")
        assert first is not None and (first.state, first.note) == ("done", "")
        assert second is not None and (second.state, second.note) == (
            "skipped",
            "failed: RuntimeError",
        )
        clock.advance(timedelta(hours=1))
        assert await scheduler.run_due() == 0
        assert calls == ["digest:1", "digest:2", "digest:1", "digest:2"]
        await scheduler.stop()
    finally:
        await db.close()
