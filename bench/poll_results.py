"""Poll results benchmark: 10 000 answers over 2 000 chats, the full results with splits.

    python bench/poll_results.py [--chats N] [--answers N] [--runs N]

A survey of four questions (one choice of 4, several choices of 6, scale 1–5, free text) goes
to N chats (a fifth of them association groups answering per member, the rest private chats in
municipalities weighted like real subscribers, with themes); the answers are spread over the
questions. Timed: what `/poll ID` and its 🔎 Splits do — read the answers, count, split by
municipality, theme and association with the small-group rule, and render the results message
and the per-question split messages — as p50 / p95 over the runs,
printed as a ratio to the 200 ms goal. The CSV is timed once too.
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
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.config import DEFAULT_THEMES
from bot.core.i18n import Translator
from bot.core.places import PlaceCatalog, load_catalog
from bot.core.regions_sync import sync_places
from bot.polls import report as poll_report
from bot.polls import report_csv as poll_report_csv
from bot.polls import report_text as poll_report_text
from storage import polls
from storage.db import Database, Writer
from storage.polls import NewPoll, NewQuestion

GOAL_MS = 200.0
QUESTIONS = (
    NewQuestion("single", "Which evening suits the next forum?", ("Mon", "Tue", "Wed", "Thu")),
    NewQuestion(
        "multiple",
        "Which themes for the spring workshops?",
        ("Health", "Volunteering", "Culture", "Youth", "Environment", "Sports"),
    ),
    NewQuestion("scale", "How useful are the forums?"),
    NewQuestion("text", "Anything else?"),
)


async def populate(db: Database, chats: int, answers: int, rng: random.Random) -> int:
    catalog = load_catalog()
    await sync_places(db, catalog)
    now = db.now()
    groups = set(range(1, chats + 1, 5))
    async with db.transaction() as tx:
        await _insert_chats(tx, catalog, chats, groups, rng, now)
        poll_id = await polls.create(
            tx,
            NewPoll(QUESTIONS, anonymous=True, group_mode="member", closes_at=now + 86400),
            created_by=1,
            now=now,
        )
        await polls.add_recipients(tx, poll_id, list(range(1, chats + 1)))
        await tx.executemany(
            "INSERT INTO poll_answers (poll_id, question, chat_id, respondent, choice, text, "
            "user_id, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            _answer_rows(poll_id, chats, groups, answers, rng),
        )
    await db.execute("ANALYZE")
    return poll_id


async def _insert_chats(
    tx: Writer, catalog: PlaceCatalog, chats: int, groups: set[int], rng: random.Random, now: int
) -> None:
    """The chats with their municipalities (weighted like real subscribers) and themes, and
    the groups' association profiles."""
    codes = [m.code for m in catalog.municipalities]
    weights = [1.0 / (rank + 1) ** 1.1 for rank in range(len(codes))]
    themes = [t.id for t in DEFAULT_THEMES]
    await tx.executemany(
        "INSERT INTO chats (id, type, created_at, updated_at) VALUES (?, ?, ?, ?)",
        [(i, "group" if i in groups else "private", now, now) for i in range(1, chats + 1)],
    )
    await tx.executemany(
        "INSERT INTO subscription_areas (chat_id, kind, code, created_at) VALUES (?, ?, ?, 0)",
        [(i, "municipality", rng.choices(codes, weights)[0]) for i in range(1, chats + 1)],
    )
    await tx.executemany(
        "INSERT INTO subscription_themes (chat_id, theme_id) VALUES (?, ?)",
        sorted({(i, rng.choice(themes)) for i in range(1, chats + 1) for _ in range(2)}),
    )
    await tx.executemany(
        "INSERT INTO listings (id, chat_id, name, created_at, updated_at) VALUES (?, ?, ?, 0, 0)",
        [(i, i, f"Yhdistys {i}") for i in sorted(groups)],
    )
    await tx.executemany(
        "INSERT INTO listing_municipalities (listing_id, position, code) VALUES (?, 0, ?)",
        [(i, rng.choices(codes, weights)[0]) for i in sorted(groups)],
    )


def _answer_rows(
    poll_id: int, chats: int, groups: set[int], answers: int, rng: random.Random
) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    # One respondent per private chat; group members after that; each answers every
    # question until the wanted number of answers is reached.
    respondents = [(i, i) for i in range(1, chats + 1) if i not in groups]
    member = 100_000
    while len(respondents) * len(QUESTIONS) < answers:
        member += 1
        respondents.append((rng.choice(sorted(groups)), member))
    given = 0
    for chat, person in respondents:
        for position, question in enumerate(QUESTIONS):
            if given >= answers:
                break
            given += 1
            if question.kind == "single":
                choices = [rng.randrange(4)]
            elif question.kind == "multiple":
                choices = rng.sample(range(6), rng.randint(1, 3))
            elif question.kind == "scale":
                choices = [rng.randint(1, 5)]
            else:
                rows.append((poll_id, position, chat, person, -1, f"idea {person}", person))
                continue
            rows += [(poll_id, position, chat, person, c, "", person) for c in choices]
    return rows


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    catalog = load_catalog()
    translator = Translator("fi", ZoneInfo("Europe/Helsinki"))
    t = translator.texts("fi")
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "bench.sqlite3")
        started = time.perf_counter()
        poll_id = await populate(db, args.chats, args.answers, rng)
        rows = await db.fetchval("SELECT count(*) FROM poll_answers")
        print(
            f"database: {args.chats} chats, {args.answers} answers ({rows} rows with the "
            f"several-choice picks), built in {time.perf_counter() - started:.1f} s"
        )
        poll = await polls.get(db, poll_id)
        assert poll is not None
        timings = []
        text = ""
        split_texts: list[str] = []
        for _ in range(args.runs):
            started = time.perf_counter()
            results = await poll_report.build(db, poll)
            text = poll_report_text.render(results, t, catalog, DEFAULT_THEMES, now=db.now())
            split_texts = poll_report_text.splits(results, t, catalog, DEFAULT_THEMES)
            timings.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        data = poll_report_csv.answers_csv(results, t, catalog, DEFAULT_THEMES)
        csv_ms = (time.perf_counter() - started) * 1000
        await db.close()
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    print(
        f"results: {results.respondents} respondents in {results.answered_chats} of "
        f"{results.asked} chats; message {len(text)} characters, splits in "
        f"{len(split_texts)} messages ({sum(len(x) for x in split_texts)} characters)"
    )
    print(
        f"full results with splits p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"→ p95/goal = {p95 / GOAL_MS:.3f} (goal < 1, {GOAL_MS:.0f} ms)"
    )
    print(f"CSV ({len(data) // 1024} KiB): {csv_ms:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
