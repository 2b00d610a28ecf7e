"""What one SQLite file holds: fill a database with a large network and time the key queries.

    python bench/storage_scale.py [--chats N] [--events N] [--rsvps-per-event N]

Prints the file size, bytes per chat / RSVP, and the median of 5 runs of each key query (audience,
an event's counts, /stats, the year report, export rows, backup). Not run by CI.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.audience.recipients import AudienceSpec, expand
from bot.core.places import load_catalog
from storage import ops, rsvps, subscriptions
from storage.backup import copy
from storage.db import Database

THEMES = ["health", "volunteering", "village", "families", "youth", "older", "culture"]
YEAR_START = 1_767_225_600  # 2026-01-01 UTC


def _fill(path: Path, chats: int, events: int, per_event: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    codes = [m.code for m in load_catalog().municipalities]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    _fill_chats(conn, chats, codes, rnd)
    for e in range(1, events + 1):
        _fill_event(conn, e, chats, per_event, codes, rnd)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _fill_chats(conn: sqlite3.Connection, chats: int, codes: list[str], rnd: random.Random) -> None:
    """Chats, their users, two municipalities and two themes each (duplicates ignored)."""
    conn.executemany(
        "INSERT INTO chats (id, type, title, language, created_at, updated_at) "
        "VALUES (?, ?, ?, 'fi', 0, 0)",
        ((i, "private" if i % 5 else "group", None if i % 5 else f"Yhdistys {i}")
         for i in range(1, chats + 1)),
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO users (id, first_name, last_name, created_at, updated_at) "
        "VALUES (?, ?, ?, 0, 0)",
        ((i, f"Etunimi{i}", f"Sukunimi{i}") for i in range(1, chats + 1)),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO subscription_areas (chat_id, kind, code, created_at) "
        "VALUES (?, 'municipality', ?, 0)",
        ((i, rnd.choice(codes)) for i in range(1, chats + 1) for _ in range(2)),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO subscription_themes (chat_id, theme_id) VALUES (?, ?)",
        ((i, rnd.choice(THEMES)) for i in range(1, chats + 1) for _ in range(2)),
    )


def _fill_event(
    conn: sqlite3.Connection,
    e: int,
    chats: int,
    per_event: int,
    codes: list[str],
    rnd: random.Random,
) -> None:
    """Event `e` with its broadcast, invitations to twice `per_event` chats, `per_event` RSVPs
    and feedback from a third of those."""
    start = YEAR_START + rnd.randrange(365 * 86400)
    conn.execute(
        "INSERT INTO broadcasts (id, kind, summary, audience, state, scheduled_at, "
        "created_at) VALUES (?, 'invitation', '', '', 'done', 0, 0)",
        (e,),
    )
    conn.execute(
        "INSERT INTO events (id, uid, kind, title, description, starts_at, ends_at, timezone,"
        " place, state, broadcast_id, created_at, updated_at, published_at) VALUES "
        "(?, ?, 'forum', ?, ?, ?, ?, 'Europe/Helsinki', 'Kunnantalo', 'published', ?, 0, 0,"
        " 0)",
        (e, f"uid-{e}", f"Järjestöfoorumi {e}", "Kuvaus " * 40, start, start + 7200, e),
    )
    conn.execute(
        "INSERT INTO event_municipalities (event_id, code) VALUES (?, ?)",
        (e, rnd.choice(codes)),
    )
    conn.execute("INSERT INTO event_themes (event_id, theme_id) VALUES (?, ?)",
                 (e, rnd.choice(THEMES)))  # fmt: skip
    people = rnd.sample(range(1, chats + 1), min(per_event * 2, chats))
    conn.executemany(
        "INSERT INTO outbox (chat_id, kind, priority, method, params, not_before, state, "
        "message_id, broadcast_id, created_at, updated_at) VALUES (?, 'invitation', 2, "
        "'send_message', '{\"text\": \"kutsu\"}', 0, 'sent', 1, ?, 0, 0)",
        ((p, e) for p in people),
    )
    answering = people[:per_event]
    conn.executemany(
        "INSERT INTO rsvps (event_id, user_id, chat_id, status, headcount, association, "
        "municipality_code, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, 0, 0)",
        ((e, p, p, rnd.choice(["yes", "yes", "maybe", "no"]),
          None if p % 5 else f"Yhdistys {p}", rnd.choice(codes)) for p in answering),
    )  # fmt: skip
    conn.execute(
        "INSERT INTO feedback_rounds (event_id, opened_at, closes_at, asked) VALUES (?, 0, 1, ?)",
        (e, per_event),
    )
    conn.executemany(
        "INSERT INTO feedback (event_id, user_id, rating, attended, comment, created_at, "
        "updated_at) VALUES (?, ?, ?, 1, ?, 0, 0)",
        ((e, p, rnd.randint(1, 5), "" if p % 3 else "Hyvä tilaisuus") for p in
         answering[: per_event // 3]),
    )  # fmt: skip


async def _time(fn: Callable[[], Awaitable[Any]], runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--rsvps-per-event", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scale.sqlite3"
        db = await Database.open(path)
        await db.close()
        started = time.perf_counter()
        _fill(path, args.chats, args.events, args.rsvps_per_event)
        fill_s = time.perf_counter() - started
        size = path.stat().st_size
        db = await Database.open(path)
        catalog = load_catalog()
        counts = {
            t: await db.fetchval(f"SELECT count(*) FROM {t}")
            for t in ("chats", "subscription_areas", "subscription_themes", "events", "outbox",
                      "rsvps", "feedback")
        }  # fmt: skip
        query = expand(
            AudienceSpec(regions=frozenset({"12"}), themes=frozenset({"health"})), catalog
        )
        since, until = YEAR_START, YEAR_START + 366 * 86400
        timings = {
            "audience (region 12, health)": await _time(lambda: subscriptions.audience(db, query)),
            "one event's answer counts": await _time(lambda: rsvps.counts(db, 1000)),
            "/stats overview": await _time(lambda: ops.overview(db, since, until)),
            "/stats by region": await _time(lambda: ops.subscribers_by_region(db)),
            "year report, municipalities": await _time(
                lambda: ops.participation(db, "municipality", since, until), runs=3
            ),
            "year report, associations": await _time(
                lambda: ops.participation(db, "association", since, until), runs=3
            ),
            "export: all RSVP rows": await _time(
                lambda: ops.rsvp_rows(db, with_names=False), runs=3
            ),
        }
        await db.close()
        started = time.perf_counter()
        copy(path, Path(folder) / "backup.sqlite3")
        backup_ms = (time.perf_counter() - started) * 1000
    print(f"filled in {fill_s:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"file size {size / 1e6:.1f} MB ({size / max(counts['rsvps'], 1):.0f} bytes per RSVP "
          f"incl. everything else)")  # fmt: skip
    for name, ms in timings.items():
        print(f"{name:32s} {ms:9.1f} ms")
    print(f"{'backup (online API + check)':32s} {backup_ms:9.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
