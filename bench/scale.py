"""Scale-out benchmark: an announcement and RSVP taps through several webhook processes.

    python bench/scale.py [--subscribers N] [--recipients N] [--tappers N]
                          [--taps-per-second R] [--seconds S] [--processes N]
                          [--backend both|postgres|sqlite]

Two runs, side by side: three `python -m bot run --webhook` processes on one PostgreSQL database
(a throwaway server, tools/postgres.py), then one process on an SQLite file. Each run is the same:

- the Bot API stand-in in its own process with Telegram's limits ON (30 messages/s for the bot,
  about 1/s per private chat), so a 429 is a real refusal; the processes behind a round-robin
  forwarder (tools/cluster.py), the stand-in delivering every update by webhook to it;
- N subscribers written straight into the project's tables (bulk INSERTs, one transaction):
  `--recipients` of them in Joensuu (the announcement's audience, also people of the stand-in),
  `--tappers` in Kuopio (they get an event's invitation card first), the rest all over Finland;
- then the stand-in taps the tappers' cards (coming / maybe / can't, in turn) at
  `--taps-per-second` for `--seconds` (by default as long as the announcement takes at 30/s),
  and one second in, a coordinator's announcement to Joensuu is queued
  (bot/announcements/service.py, the same call as /announce's last step).

Prints, per run: the send rate while the announcement goes out (every message the stand-in took,
over the span from the announcement's first send to its last) as a share of 30 msg/s (goal
≥ 0.97); 429 answers (goal 0); the p95 from a tap (its update queued in the stand-in) to the bot's
answerCallbackQuery, as bench/rsvp.py defines it (goal < 100 ms; an unanswered tap counts as
infinitely slow); duplicates, recipients that got the announcement more than once (goal 0, no
process is killed here). Each figure also as a ratio to its goal, ≥ 1 meeting it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import ClientSession, ClientTimeout

from bench.rsvp import control
from bot.announcements.service import Content, queue
from bot.audience.recipients import AudienceSpec
from bot.core.config import DEFAULT_THEMES, load_config
from bot.environment import Environment, environment
from bot.events import service as events
from storage import broadcasts, outbox
from storage.db import Database
from tests.factories import JOENSUU, forum_fields
from tools.cluster import Cluster
from tools.postgres import running_server

KUOPIO = "297"
LIMIT = 30.0
GOAL_SHARE = 0.97
GOAL_P95_MS = 100.0
ANNOUNCEMENT = "Tiedote: järjestöfoorumin ilmoittautuminen on auki"
# Ids of the people the stand-in knows; the other subscribers get ids it never sees.
RECIPIENT_BASE, TAPPER_BASE, OTHER_BASE = 1_000_000, 2_000_000, 900_000_000
# No quiet hours, whatever the hour the benchmark runs at; stand-in limits on (its defaults).
EXTRA_CONFIG = '[reminders]\nquiet_hours = ""\n'
SANDBOX_LIMITS_ON = ("--rate", "30")


@dataclass(frozen=True, slots=True)
class Figures:
    label: str
    rate: float  # messages/s while the announcement went out
    refusals: int  # 429 answers during the measurement
    p95_ms: float
    p50_ms: float
    taps: int
    answered: int
    tap_rate: float
    reached: int  # recipients with the announcement at least once
    duplicates: int  # recipients with it more than once
    handled: dict[int, int]  # updates each process got from the forwarder
    seed_s: float
    cpu: dict[str, float]  # CPU seconds used while measured, by whom (cpu_accounts)
    leader: int  # which process led delivery
    seconds: float  # how long the measurement took


# --- seeding ---------------------------------------------------------------------------------


async def seed(
    db: Database, subscribers: int, recipients: Sequence[int], tappers: Sequence[int]
) -> None:
    """Chats and subscriptions straight into the tables, in one transaction (as
    bench/audience.py does): the audience query then sees a full network."""
    rng = random.Random(2026)
    now = db.now()
    codes = [row["code"] for row in await db.fetchall("SELECT code FROM municipalities")]
    elsewhere = [c for c in codes if c not in (JOENSUU, KUOPIO)]
    themes = [t.id for t in DEFAULT_THEMES]
    chats: list[tuple[int, str, int, int]] = []
    areas: list[tuple[int, str, str, int]] = []
    theme_rows: list[tuple[int, str]] = []
    for chat_id in recipients:
        areas.append((chat_id, "municipality", JOENSUU, now))
        theme_rows.append((chat_id, "*"))
    for chat_id in tappers:
        areas.append((chat_id, "municipality", KUOPIO, now))
        theme_rows.append((chat_id, "health"))
    others = range(OTHER_BASE, OTHER_BASE + max(0, subscribers - len(recipients) - len(tappers)))
    for chat_id in others:
        for code in rng.sample(elsewhere, rng.choice((1, 1, 2))):
            areas.append((chat_id, "municipality", code, now))
        theme_rows.append((chat_id, "*" if rng.random() < 0.4 else rng.choice(themes)))
    for chat_id in (*recipients, *tappers, *others):
        chats.append((chat_id, "private", now, now))
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO chats (id, type, created_at, updated_at) VALUES (?, ?, ?, ?)", chats
        )
        await tx.executemany(
            "INSERT INTO subscription_areas (chat_id, kind, code, created_at) VALUES (?, ?, ?, ?)",
            areas,
        )
        await tx.executemany(
            "INSERT INTO subscription_themes (chat_id, theme_id) VALUES (?, ?)", theme_rows
        )
    await db.execute("ANALYZE")


async def add_people(session: ClientSession, cluster: Cluster, ids: Sequence[int]) -> None:
    """The stand-in's people with these ids (a private chat's id is its user's), ten at a time."""
    semaphore = asyncio.Semaphore(10)

    async def one(user_id: int) -> None:
        async with semaphore:
            body = {"first_name": f"P{user_id}", "user_id": user_id, "language_code": "fi"}
            await control(session, cluster, "POST", "/users", body)

    await asyncio.gather(*(one(i) for i in ids))


# --- the run ---------------------------------------------------------------------------------


async def invitation_cards(
    session: ClientSession, cluster: Cluster, env: Environment, tappers: Sequence[int]
) -> list[tuple[int, int, list[str]]]:
    """An event in Kuopio published to the tappers; each one's card once delivered: chat,
    message and the data of its ✅ Coming / ❔ Maybe / ❌ Can't buttons."""
    start = datetime.now(UTC) + timedelta(days=10)
    await events.publish(env, forum_fields(start, municipalities=(KUOPIO,)), None)
    deadline = time.monotonic() + len(tappers) / 10 + 60
    while await outbox.unfinished(env.db, env.db.now() + 1):
        if time.monotonic() > deadline:
            raise RuntimeError("the invitations were not delivered in time")
        await asyncio.sleep(0.5)
    cards = []
    for chat_id in tappers:
        messages = await control(session, cluster, "GET", f"/chats/{chat_id}/messages")
        card = messages[-1]
        cards.append((chat_id, card["message_id"], [b["action"] for b in card["buttons"][0]]))
    return cards


def planned_taps(
    cards: Sequence[tuple[int, int, list[str]]], rate: float, seconds: float
) -> list[dict[str, Any]]:
    taps = []
    for n in range(max(1, round(rate * seconds))):
        chat_id, message_id, data = cards[n % len(cards)]
        choice = data[(n // len(cards)) % len(data)]
        taps.append(
            {"chat_id": chat_id, "user_id": chat_id, "message_id": message_id, "data": choice}
        )
    return taps


async def announce(env: Environment, recipients: int) -> int:
    """Queue the announcement to Joensuu; wait until every row is finished; its id."""
    content = Content(html=ANNOUNCEMENT, plain_length=len(ANNOUNCEMENT))
    spec = AudienceSpec(municipalities=frozenset({JOENSUU}))
    broadcast_id, count = await queue(
        env.db, env.catalog, spec, content, created_by=None, report_chat_id=None, at=None
    )
    if count != recipients:
        raise RuntimeError(f"the audience has {count} chats, not {recipients}")
    deadline = time.monotonic() + recipients / 10 + 120
    while (await broadcasts.progress(env.db, broadcast_id)).pending:
        if time.monotonic() > deadline:
            raise RuntimeError("the announcement was not delivered in time")
        await asyncio.sleep(0.5)
    return broadcast_id


def _proc_stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, CPU seconds user + system) of a process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_accounts(cluster: Cluster, postmaster: int | None) -> dict[str, float]:
    """CPU seconds so far of each bot process, the stand-in, this process (the bench and the
    forwarder's thread), the PostgreSQL server (its postmaster and every backend) and the whole
    machine (busy time of all cores), to tell who is busy while the taps and sends go on."""
    accounts: dict[str, float] = dict.fromkeys(
        [*(f"bot {b.index}" for b in cluster.processes), "stand-in", "bench + forwarder"], 0.0
    )
    accounts["PostgreSQL"] = 0.0
    bots = {b.pid: f"bot {b.index}" for b in cluster.processes}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or (found := _proc_stat(entry.name)) is None:
            continue
        pid, (parent, seconds) = int(entry.name), found
        if pid in bots:
            accounts[bots[pid]] += seconds
        elif pid == os.getpid():
            accounts["bench + forwarder"] += seconds
        elif postmaster is not None and postmaster in (pid, parent):
            accounts["PostgreSQL"] += seconds
        elif parent == os.getpid() and b"bot.sandbox" in _cmdline(entry):
            accounts["stand-in"] += seconds
    jiffies = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    accounts["machine"] = (sum(jiffies) - jiffies[3] - jiffies[4]) / os.sysconf("SC_CLK_TCK")
    return accounts


def _cmdline(entry: Path) -> bytes:
    try:
        return (entry / "cmdline").read_bytes()
    except OSError:
        return b""


def percentile(values: Sequence[float], p: float) -> float:
    return values[max(0, int(len(values) * p) - 1)]


def tap_figures(done: Sequence[dict[str, Any]]) -> tuple[float, float, int, float]:
    """(p50 ms, p95 ms, answered, taps/s) as bench/rsvp.py counts them."""
    answered = [q for q in done if q["answered_at"] is not None]
    latencies = sorted((q["answered_at"] - q["tapped_at"]) * 1000 for q in answered)
    latencies += [float("inf")] * (len(done) - len(answered))
    if not answered:
        return float("inf"), float("inf"), 0, 0.0
    span = max(q["answered_at"] for q in answered) - min(q["tapped_at"] for q in done)
    return (
        percentile(latencies, 0.5),
        percentile(latencies, 0.95),
        len(answered),
        len(answered) / span,
    )


def send_figures(
    requests: Sequence[dict[str, Any]], recipients: set[int]
) -> tuple[float, int, int, int]:
    """(messages/s over the announcement's span, 429s, recipients reached, duplicates)."""
    sent = [r for r in requests if r["method"].startswith("send") and r["status"] == 200]
    bulk = [r for r in sent if int(r["params"].get("chat_id", 0)) in recipients]
    refusals = sum(1 for r in requests if r["status"] == 429)
    copies = Counter(
        int(r["params"]["chat_id"]) for r in bulk if r["params"].get("text") == ANNOUNCEMENT
    )
    if len(bulk) < 2:
        return 0.0, refusals, len(copies), 0
    start, end = bulk[0]["time"], bulk[-1]["time"]
    in_span = [r for r in sent if start <= r["time"] <= end]
    rate = (len(in_span) - 1) / (end - start)
    return rate, refusals, len(copies), sum(1 for n in copies.values() if n > 1)


async def measure(
    cluster: Cluster, env: Environment, args: argparse.Namespace, label: str, postmaster: int | None
) -> Figures:
    recipients = [RECIPIENT_BASE + i for i in range(1, args.recipients + 1)]
    tappers = [TAPPER_BASE + i for i in range(1, args.tappers + 1)]
    seconds = args.seconds if args.seconds is not None else args.recipients / LIMIT + 2
    async with ClientSession(timeout=ClientTimeout(total=None)) as session:
        await add_people(session, cluster, [*recipients, *tappers])
        began = time.monotonic()
        await seed(env.db, args.subscribers, recipients, tappers)
        seed_s = time.monotonic() - began
        print(f"  {label}: {args.subscribers} subscribers written in {seed_s:.1f} s", flush=True)
        cards = await invitation_cards(session, cluster, env, tappers)
        await asyncio.sleep(1.1)  # the stand-in's window forgets the invitations
        first = len(await control(session, cluster, "GET", "/requests"))
        cpu_before, began = cpu_accounts(cluster, postmaster), time.monotonic()
        taps = planned_taps(cards, args.taps_per_second, seconds)
        body = {"taps": taps, "rate": args.taps_per_second, "wait": 120}
        tapping = asyncio.create_task(control(session, cluster, "POST", "/taps", body))
        await asyncio.sleep(1.0)  # the taps in their stride before the announcement starts
        await announce(env, len(recipients))
        done = await tapping
        cpu = {k: v - cpu_before[k] for k, v in cpu_accounts(cluster, postmaster).items()}
        elapsed = time.monotonic() - began
        requests = (await control(session, cluster, "GET", "/requests"))[first:]
    rate, refusals, reached, duplicates = send_figures(requests, set(recipients))
    p50, p95, answered, tap_rate = tap_figures(done)
    return Figures(
        label, rate, refusals, p95, p50, len(done), answered, tap_rate, reached, duplicates,
        cluster.handled(), seed_s, cpu, cluster.leader().index, elapsed,
    )  # fmt: skip


async def run(
    database: str,
    processes: int,
    args: argparse.Namespace,
    label: str,
    postmaster: int | None = None,
) -> Figures:
    # --keep-logs: the bot processes' logs (bot-<i>.log) stay in the folder printed here.
    kept = tempfile.mkdtemp(prefix="jb-scale-logs-") if args.keep_logs else None
    if kept:
        print(f"  {label}: logs in {kept}", flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="jb-scale-") as tmp,
        Cluster.start(
            Path(kept or tmp),
            database=database,
            processes=processes,
            extra_config=EXTRA_CONFIG,
            sandbox_arguments=SANDBOX_LIMITS_ON,
        ) as cluster,
    ):
        config = load_config(cluster.config_path, environ={})
        async with environment(config) as env:
            return await measure(cluster, env, args, label, postmaster)


def rows(f: Figures) -> list[str]:
    share = f.rate / LIMIT
    return [
        f"{f.rate:.2f}/s = {share:.3f} of 30 → {share / GOAL_SHARE:.2f} "
        + ("met" if share >= GOAL_SHARE else "MISSED"),
        f"{f.refusals} " + ("met" if f.refusals == 0 else "MISSED"),
        f"{f.p95_ms:.1f} ms → {GOAL_P95_MS / f.p95_ms:.2f} "
        + ("met" if f.p95_ms < GOAL_P95_MS else "MISSED"),
        f"{f.duplicates} " + ("met" if f.duplicates == 0 else "MISSED"),
        f"{f.reached}",
        f"{f.answered}/{f.taps} at {f.tap_rate:.0f}/s, p50 {f.p50_ms:.1f} ms",
        " ".join(str(n) for n in f.handled.values()),
        " ".join(f"{v / f.seconds:.0%}" for k, v in f.cpu.items() if k.startswith("bot "))
        + f" (bot {f.leader} leads)",
        *(f"{f.cpu[k] / f.seconds:.0%}" for k in ("stand-in", "bench + forwarder", "PostgreSQL")),
        f"{f.cpu['machine'] / f.seconds / (os.cpu_count() or 1):.0%} of {os.cpu_count()} cores",
    ]


def report(results: Sequence[Figures], recipients: int) -> None:
    names = [
        "send rate (goal ≥ 0.97 of 30/s)",
        "429 answers (goal 0)",
        "tap p95 (goal < 100 ms)",
        "duplicates (goal 0)",
        f"recipients reached (of {recipients})",
        "taps answered",
        "updates per process",
        "CPU: each bot process (of a core)",
        "CPU: the stand-in",
        "CPU: this bench + the forwarder",
        "CPU: PostgreSQL's server",
        "CPU: the whole machine busy",
    ]
    columns = [rows(f) for f in results]
    width = max(len(n) for n in names)
    widths = [
        max(len(f.label), *(len(c) for c in col)) for f, col in zip(results, columns, strict=True)
    ]
    print(
        " " * width
        + " | "
        + " | ".join(f.label.ljust(w) for f, w in zip(results, widths, strict=True)),
        flush=True,
    )
    for i, name in enumerate(names):
        cells = " | ".join(col[i].ljust(w) for col, w in zip(columns, widths, strict=True))
        print(f"{name.ljust(width)} | {cells}", flush=True)
    print("ratios: ≥ 1 meets the goal (share / 0.97; 100 ms / p95)", flush=True)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--tappers", type=int, default=300)
    parser.add_argument("--taps-per-second", type=float, default=300.0)
    parser.add_argument(
        "--seconds", type=float, help="how long the taps go on (default: the announcement's time)"
    )
    parser.add_argument("--processes", type=int, default=3, help="on PostgreSQL")
    parser.add_argument("--backend", choices=("both", "postgres", "sqlite"), default="both")
    parser.add_argument("--keep-logs", action="store_true", help="keep the bot processes' logs")
    args = parser.parse_args()
    print(
        f"{args.subscribers} subscribers, an announcement to {args.recipients}, "
        f"{args.taps_per_second:g} taps/s on {args.tappers} cards; stand-in limits on",
        flush=True,
    )
    results = []
    if args.backend in ("both", "postgres"):
        with running_server() as server:
            label = f"PostgreSQL, {args.processes} processes"
            postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
            results.append(await run(server.url(), args.processes, args, label, postmaster))
    if args.backend in ("both", "sqlite"):
        with tempfile.TemporaryDirectory(prefix="jb-scale-db-") as tmp:
            path = str(Path(tmp) / "bot.sqlite3")
            results.append(await run(path, 1, args, "SQLite, 1 process"))
    report(results, args.recipients)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
