"""Audience query benchmark: 100 000 chats, 300 000 subscription rows, 200 random events.

    python bench/audience.py [--chats N] [--rows N] [--events N]

Prints p50/p95 of the audience query (resolving the chat ids) as a ratio to the 50 ms goal, and
start-up time with that database as a ratio to the 2 s goal. Subscriptions are skewed like real
life: big cities hold most subscribers (weights follow a Zipf-like curve over municipalities).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.audience.recipients import AudienceSpec, count, resolve
from bot.core.config import DEFAULT_THEMES
from bot.core.place_search import PlaceIndex
from bot.core.places import PlaceCatalog, _packaged, load_catalog
from bot.core.regions_sync import sync_places
from storage.db import Database

GOAL_QUERY_MS = 50.0
GOAL_STARTUP_S = 2.0


async def populate(
    db: Database, catalog: PlaceCatalog, chats: int, rows: int, rng: random.Random
) -> None:
    # The biggest cities first (Helsinki, Espoo, Tampere, Vantaa, Oulu, Turku, Jyväskylä), the
    # rest in random order: subscribers follow population roughly like this.
    biggest = ["091", "049", "837", "092", "564", "853", "179"]
    rest = [m.code for m in catalog.municipalities if m.code not in biggest]
    rng.shuffle(rest)
    municipalities = biggest + rest
    weights = [1.0 / (rank + 1) ** 1.1 for rank in range(len(municipalities))]
    regions = [r.code for r in catalog.regions]
    counties = [c.id for c in catalog.counties]
    themes = [t.id for t in DEFAULT_THEMES]
    now = db.now()
    chat_rows = [(i, "private" if i % 5 else "group", now, now) for i in range(1, chats + 1)]
    area_rows: set[tuple[int, str, str]] = set()
    theme_rows: set[tuple[int, str]] = set()
    # About two thirds of subscription rows are areas, one third themes.
    target_areas = rows * 2 // 3
    while len(area_rows) < target_areas:
        chat = rng.randint(1, chats)
        roll = rng.random()
        if roll < 0.9:
            area = ("municipality", rng.choices(municipalities, weights)[0])
        elif roll < 0.96:
            area = ("region", rng.choice(regions))
        elif roll < 0.99:
            area = ("county", rng.choice(counties))
        else:
            area = ("all", "")
        area_rows.add((chat, *area))
    while len(theme_rows) < rows - target_areas:
        chat = rng.randint(1, chats)
        theme_rows.add((chat, "*" if rng.random() < 0.4 else rng.choice(themes)))
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO chats (id, type, created_at, updated_at) VALUES (?, ?, ?, ?)", chat_rows
        )
        await tx.executemany(
            "INSERT INTO subscription_areas (chat_id, kind, code, created_at) VALUES (?, ?, ?, 0)",
            sorted(area_rows),
        )
        await tx.executemany(
            "INSERT INTO subscription_themes (chat_id, theme_id) VALUES (?, ?)", sorted(theme_rows)
        )
    await db.execute("ANALYZE")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        db = await Database.open(path)
        build = time.perf_counter()
        await populate(db, catalog, args.chats, args.rows, rng)
        print(
            f"database: {args.chats} chats, {args.rows} subscription rows "
            f"(built in {time.perf_counter() - build:.1f} s)"
        )
        themes = [t.id for t in DEFAULT_THEMES]
        codes = [m.code for m in catalog.municipalities]
        timings: list[float] = []
        sizes: list[int] = []
        for _ in range(args.events):
            spec = AudienceSpec(
                municipalities=frozenset(rng.sample(codes, rng.choice((1, 1, 1, 2, 3)))),
                themes=frozenset(rng.sample(themes, rng.choice((1, 2)))),
            )
            started = time.perf_counter()
            chats = await resolve(db, catalog, spec)
            timings.append((time.perf_counter() - started) * 1000)
            sizes.append(len(chats))
        helsinki = AudienceSpec(municipalities=frozenset({"091"}))
        started = time.perf_counter()
        biggest = await count(db, catalog, helsinki)
        count_ms = (time.perf_counter() - started) * 1000
        await db.close()

        started = time.perf_counter()
        _packaged.cache_clear()  # measure the real CSV load, as at a cold start
        db = await Database.open(path)
        places = load_catalog()
        PlaceIndex(places)
        await sync_places(db, places)
        startup = time.perf_counter() - started
        await db.close()

    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"audience sizes: median {statistics.median(sizes):.0f}, max {max(sizes)} chats")
    print(
        f"audience query p50 {p50:.2f} ms, p95 {p95:.2f} ms "
        f"→ p95/goal = {p95 / GOAL_QUERY_MS:.3f} (goal < 1, {GOAL_QUERY_MS:.0f} ms)"
    )
    print(f"count for all of Helsinki ({biggest} chats): {count_ms:.2f} ms")
    print(
        f"start-up with this database {startup * 1000:.0f} ms "
        f"→ ratio {startup / GOAL_STARTUP_S:.3f} (goal < 1, {GOAL_STARTUP_S:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
