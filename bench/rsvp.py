"""RSVP tap benchmark: sustained taps on invitation cards through the real Application.

    python bench/rsvp.py [--people N] [--rate TAPS_PER_S] [--seconds S] [--in-process]
                         [--no-floor] [--profile FILE]

The Bot API stand-in runs in its own process (`python -m bot.sandbox`), as Telegram would be
elsewhere; the bot (the real Application, long polling, its SQLite database) runs in this one.
N subscribers receive a published event's invitation (through the outbox); then the stand-in
taps their cards (coming / maybe / can't, in turn) at a fixed rate for S seconds (its control API,
POST /_sandbox/taps) and notes when each tap's update was queued and when the bot's
answerCallbackQuery for it arrived. The taps come at the goal's rate, 500/s, unless --rate says
otherwise (a higher rate finds the bot's capacity). Prints the achieved taps/s (answered taps
over the time from the first tap to the last answer) against the goal of 500, and the p95 time
from tap to answerCallbackQuery against the goal of 100 ms, both as ratios (≥ 1 meets the goal).

Before that, the same taps go through a bare python-telegram-bot handler that only answers and
edits the card (`FloorHandler`), in the same process, on the same cards: the bot's CPU per tap
is printed against it, so the figure separates the bot's own cost from the library's.

--in-process runs the stand-in in the bot's own event loop instead (how the bench used to run:
bot and stand-in then share one core).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import os
import re
import resource
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from aiohttp import ClientSession, ClientTimeout
from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler

from bot.app import build_application
from bot.core.config import (
    Config,
    DeliverySettings,
    ReminderSettings,
    StorageSettings,
    TelegramSettings,
)
from bot.core.logs import CONTEXT_GROUP
from bot.events import service as events
from bot.runtime.runner import running
from bot.sandbox import Sandbox
from storage import chats, subscriptions
from storage.subscriptions import Area
from tests.factories import JOENSUU, forum_fields

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "77:BENCH-rsvp"
GOAL_RATE = 500.0
GOAL_P95_MS = 100.0


@dataclass(frozen=True, slots=True)
class StandIn:
    base_url: str
    base_file_url: str
    control_url: str
    pid: int | None = None  # its own process, when it runs in one


def process_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) another process has used, from /proc (Linux)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Result:
    taps: int
    answered: int
    refused: int  # answered with an alert (a tap the bot did not store)
    rate: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    cpu_ms: float  # the bot process's CPU time per answered tap
    stand_in_cpu_ms: float | None  # the stand-in's, when it runs in its own process


@contextlib.asynccontextmanager
async def stand_in_process() -> AsyncIterator[StandIn]:
    """`python -m bot.sandbox` on a free port, without flood limits; its printed addresses."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.sandbox",
        "--port",
        "0",
        "--token",
        TOKEN,
        "--rate",
        "0",
        "--no-chat-limits",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        urls: list[str] = []
        while len(urls) < 3:
            line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
            if not line:
                raise RuntimeError("the stand-in exited before printing its address")
            found = re.search(r"(http://\S+)", line)
            if found:
                urls.append(found.group(1))
        yield StandIn(urls[0], urls[1], urls[2], pid=process.pid)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


@contextlib.asynccontextmanager
async def stand_in_here() -> AsyncIterator[StandIn]:
    async with Sandbox(TOKEN, global_rate=0, per_chat_limits=False) as sb:
        yield StandIn(sb.base_url, sb.base_file_url, sb.control_url)


class HasControl(Protocol):
    """The stand-in's control API: a `StandIn` here, a `tools.cluster.Cluster` in bench/scale.py."""

    @property
    def control_url(self) -> str: ...


async def control(
    session: ClientSession, stand_in: HasControl, method: str, path: str, body: Any = None
) -> Any:
    async with session.request(method, stand_in.control_url + path, json=body) as response:
        data = await response.json()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {data}")
        return data


class FloorHandler:
    """What any python-telegram-bot RSVP handler must do at least, without the bot's rules,
    database or rendering: answer the tap and edit its card (a changing line, so the edit is not
    refused as unchanged). Runs first and stops the update there while `on`."""

    def __init__(self) -> None:
        self.on = False
        self.edits = 0

    async def __call__(self, update: Update, context: Any) -> None:
        query = update.callback_query
        if not self.on or query is None or not isinstance(query.message, Message):
            return
        self.edits += 1
        await query.answer("✅")
        await query.edit_message_text(
            f"{query.message.text}\n{self.edits}",
            reply_markup=query.message.reply_markup,
            parse_mode=None,
        )
        raise ApplicationHandlerStop


def _config(stand_in: StandIn, tmp: Path) -> Config:
    return Config(
        telegram=TelegramSettings(
            token=TOKEN, base_url=stand_in.base_url, base_file_url=stand_in.base_file_url
        ),
        storage=StorageSettings(path=tmp / "rsvp.sqlite3"),
        delivery=DeliverySettings(
            global_rate=5000.0, private_interval=0.0001, group_per_minute=100_000
        ),
        # Whatever the hour the benchmark runs at: no quiet hours holding the invitations.
        reminders=ReminderSettings(quiet_hours=None),
    )


async def _invite(
    session: ClientSession, stand_in: StandIn, services: Any, people: int
) -> list[tuple[int, int, list[str]]]:
    """`people` subscribers, an event published to them; each one's card: chat, message and
    the data of its ✅ Coming / ❔ Maybe / ❌ Can't buttons."""
    chat_ids = []
    for i in range(people):
        made = await control(session, stand_in, "POST", "/users", {"first_name": f"P{i}"})
        chat_id = int(made["chat_id"])
        chat_ids.append(chat_id)
        await chats.upsert(services.env.db, chat_id, "private", None)
        await subscriptions.replace(
            services.env.db, chat_id, [Area("municipality", JOENSUU)], ["health"]
        )
    start = datetime.now(UTC) + timedelta(days=10)
    await events.publish(services.env, forum_fields(start), None)
    services.delivery.wake()
    await services.delivery.wait_idle(timeout=120)
    cards = []
    for chat_id in chat_ids:
        messages = await control(session, stand_in, "GET", f"/chats/{chat_id}/messages")
        card = messages[-1]
        data = [b["action"] for b in card["buttons"][0]]  # ✅ Coming / ❔ Maybe / ❌ Can't
        cards.append((chat_id, card["message_id"], data))
    return cards


def _planned_taps(
    cards: list[tuple[int, int, list[str]]], people: int, rate: float, seconds: float
) -> list[dict[str, Any]]:
    taps = []
    for n in range(max(1, round(rate * seconds))):
        chat_id, message_id, data = cards[n % people]
        taps.append(
            {
                "chat_id": chat_id,
                "user_id": chat_id,  # a private chat's id is its user's
                "message_id": message_id,
                "data": data[(n // people) % 3],
            }
        )
    return taps


async def run(
    stand_in: StandIn,
    people: int,
    rate: float,
    seconds: float,
    tmp: Path,
    *,
    floor: bool = False,
    profile: str | None = None,
) -> list[Result]:
    """One pass of taps through the bot's own handlers; with `floor`, first one through
    `FloorHandler` on the same cards, at the same rate."""
    application = build_application(_config(stand_in, tmp))
    floor_handler = FloorHandler()
    application.add_handler(CallbackQueryHandler(floor_handler), group=CONTEXT_GROUP - 1)
    async with (
        ClientSession(timeout=ClientTimeout(total=None)) as session,
        running(application, poll_timeout=1),
    ):
        services = application.bot_data.services
        assert services is not None
        cards = await _invite(session, stand_in, services, people)
        taps = _planned_taps(cards, people, rate, seconds)
        results = []
        if floor:
            floor_handler.on = True
            results.append(await measure(session, stand_in, taps, rate))
            floor_handler.on = False
        profiler = cProfile.Profile()
        if profile:
            profiler.enable()
        results.append(await measure(session, stand_in, taps, rate))
        if profile:
            profiler.disable()
            profiler.dump_stats(profile)
    return results


async def measure(
    session: ClientSession, stand_in: StandIn, taps: list[dict[str, Any]], rate: float
) -> Result:
    """Let the stand-in tap at `rate` and wait for the answers; the figures of that pass."""
    started = resource.getrusage(resource.RUSAGE_SELF)
    stand_in_started = process_cpu(stand_in.pid)
    done = await control(
        session, stand_in, "POST", "/taps", {"taps": taps, "rate": rate, "wait": 120}
    )
    used = resource.getrusage(resource.RUSAGE_SELF)
    stand_in_used = process_cpu(stand_in.pid)
    cpu = used.ru_utime - started.ru_utime + used.ru_stime - started.ru_stime
    answered = [q for q in done if q["answered_at"] is not None]
    if not answered:
        raise RuntimeError("no tap was answered")
    latencies: list[float] = sorted(
        (float(q["answered_at"]) - float(q["tapped_at"])) * 1000 for q in answered
    )
    # Unanswered taps count as infinitely slow for the percentiles.
    latencies += [float("inf")] * (len(done) - len(answered))

    def percentile(p: float) -> float:
        return latencies[max(0, int(len(latencies) * p) - 1)]

    span = max(q["answered_at"] for q in answered) - min(q["tapped_at"] for q in done)
    return Result(
        taps=len(done),
        answered=len(answered),
        refused=sum(1 for q in answered if q["show_alert"]),
        rate=len(answered) / span,
        p50_ms=percentile(0.50),
        p95_ms=percentile(0.95),
        max_ms=latencies[-1],
        cpu_ms=cpu * 1000 / len(answered),
        stand_in_cpu_ms=None
        if stand_in_used is None or stand_in_started is None
        else (stand_in_used - stand_in_started) * 1000 / len(answered),
    )


def describe(label: str, result: Result) -> str:
    stand_in = (
        f", stand-in CPU {result.stand_in_cpu_ms:.2f} ms"
        if result.stand_in_cpu_ms is not None
        else ""
    )
    return (
        f"{label}: {result.answered}/{result.taps} taps answered ({result.refused} refused), "
        f"{result.rate:.0f} taps/s → {result.rate / GOAL_RATE:.2f} of the 500/s goal; "
        f"p95 tap→answerCallbackQuery {result.p95_ms:.1f} ms → "
        f"{GOAL_P95_MS / result.p95_ms:.2f} of the 100 ms goal "
        f"(p50 {result.p50_ms:.1f} ms, max {result.max_ms:.1f} ms); "
        f"per tap: bot CPU {result.cpu_ms:.2f} ms{stand_in}"
    )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument(
        "--rate", type=float, default=GOAL_RATE, help="taps injected per second (the goal's)"
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--in-process", action="store_true", help="run the stand-in in the bot's event loop"
    )
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the bare python-telegram-bot pass"
    )
    parser.add_argument("--profile", help="write a cProfile of the bot during the taps here")
    args = parser.parse_args()
    start_stand_in = stand_in_here if args.in_process else stand_in_process
    with tempfile.TemporaryDirectory() as tmp:
        async with start_stand_in() as stand_in:
            results = await run(
                stand_in,
                args.people,
                args.rate,
                args.seconds,
                Path(tmp),
                floor=not args.no_floor,
                profile=args.profile,
            )
    where = "in the bot's process" if args.in_process else "in its own process"
    print(
        f"taps on {args.people} cards injected at {args.rate:.0f}/s for {args.seconds:g} s "
        f"(stand-in {where})",
        flush=True,
    )
    *floor, bot = results
    if floor:
        print(describe("bare PTB handler (answer + edit)", floor[0]), flush=True)
    print(describe("Järjestöbotti", bot), flush=True)
    if floor:
        print(
            f"the bot's taps/s → {bot.rate / floor[0].rate:.2f} of the bare handler's; "
            f"its CPU per tap → {bot.cpu_ms / floor[0].cpu_ms:.2f}× the bare handler's",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
