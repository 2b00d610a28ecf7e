"""Scheduler start-up benchmark: 10 000 published events with 30 000 pending reminders.

    python bench/scheduler.py [--events N] [--reminders-per-event K] [--days D]

Builds the database once (events spread evenly over the next D days, default a year), then
starts a fresh process that imports the bot, opens the database and starts the scheduler: the
pending rows due within its horizon become APScheduler jobs with their deterministic ids, and
the rest wait in the database's index. Prints the time to the rebuilt schedule as a ratio to the
2 s goal and the process's resident memory at that point as a ratio to the 120 MB goal.
`--days 0.4` is the worst case: every reminder within the horizon, so all become jobs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_SECONDS = 2.0
GOAL_MB = 120.0
DAY = 86400


async def populate(path: Path, events: int, per_event: int, days: float) -> None:
    from storage.db import Database

    db = await Database.open(path)
    now = db.now()
    offsets = [7 * DAY, DAY, 2 * 3600, 3 * DAY, 12 * 3600][:per_event]
    step = days * DAY / events
    # The worst case puts the starts (not only the reminders) within the horizon.
    first = now + (DAY if days >= 1 else 0)

    def start(i: int) -> int:
        return int(first + i * step)

    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO events (id, uid, kind, title, starts_at, ends_at, timezone, reminders, "
            "state, created_at, updated_at, published_at) VALUES "
            "(?, ?, 'forum', ?, ?, ?, 'Europe/Helsinki', ?, 'published', ?, ?, ?)",
            [
                (
                    i,
                    f"bench-{i}@jarjestobotti",
                    f"Foorumi {i}",
                    start(i),
                    start(i) + 7200,
                    " ".join(str(o) for o in offsets),
                    now,
                    now,
                    now,
                )
                for i in range(1, events + 1)
            ],
        )
        await tx.executemany(
            "INSERT INTO schedule (key, kind, event_id, due_at, changed_at) "
            "VALUES (?, 'reminder', ?, ?, ?)",
            [
                (f"reminder:{i}:{o}", i, start(i) - o if days >= 1 else start(i), now)
                for i in range(1, events + 1)
                for o in offsets
            ],
        )
    await db.close()


# Run in a fresh interpreter so the memory figure is that of a bot process, not of this one.
CHILD = r"""
import asyncio, json, resource, sys, time
sys.path.insert(0, sys.argv[2])
began = time.perf_counter()
import bot.app  # everything the bot imports
from bot.core.callbacks import callback_key
from bot.core.clock import SystemClock
from bot.core.config import Config
from bot.environment import Environment
from bot.core.i18n import Translator
from bot.core.places import load_catalog
from bot.scheduler.jobs import runners
from bot.scheduler.engine import Scheduler
from storage.db import Database

async def main():
    imported = time.perf_counter()
    config = Config()
    db = await Database.open(sys.argv[1])
    env = Environment(config, db, translator=Translator("fi", config.bot.timezone),
                      catalog=load_catalog(), key=callback_key("1:x"))
    scheduler = Scheduler(db, SystemClock(), runners(env))
    t0 = time.perf_counter()
    jobs = await scheduler.start()
    rebuilt = time.perf_counter() - t0
    with open("/proc/self/status") as status:
        rss = next(int(l.split()[1]) for l in status if l.startswith("VmRSS:")) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    await scheduler.stop()
    await db.close()
    print(json.dumps({"jobs": jobs, "rebuild_s": rebuilt, "import_s": imported - began,
                      "rss_mb": rss, "peak_mb": peak}))

asyncio.run(main())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--reminders-per-event", type=int, default=3, choices=range(1, 6))
    parser.add_argument("--days", type=float, default=365.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        t0 = time.perf_counter()
        asyncio.run(populate(path, args.events, args.reminders_per_event, args.days))
        print(f"built {args.events} events in {time.perf_counter() - t0:.1f} s")
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), str(ROOT)],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
    pending = args.events * args.reminders_per_event
    print(
        f"pending reminders: {pending}; within the horizon, now APScheduler jobs: {result['jobs']}"
    )
    print(
        f"schedule rebuilt in {result['rebuild_s']:.2f} s "
        f"(bot imports before it: {result['import_s']:.2f} s); "
        f"ratio to the {GOAL_SECONDS:.0f} s goal: {result['rebuild_s'] / GOAL_SECONDS:.2f}"
    )
    print(
        f"resident memory {result['rss_mb']:.0f} MB (peak {result['peak_mb']:.0f} MB); "
        f"ratio to the {GOAL_MB:.0f} MB goal: {result['peak_mb'] / GOAL_MB:.2f}"
    )


if __name__ == "__main__":
    main()
