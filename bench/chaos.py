"""A broadcast through a misbehaving Telegram: a stall, then a burst of 502s.

    python bench/chaos.py [--recipients N] [--stall S] [--errors S] [--skip-budget]

The real Application (delivery worker + shared limiter) sends an announcement to N (600) private
chats through the outbox, against the stand-in's strict 30 msg/s window. When a third has been
sent, the stand-in stalls for 20 s (requests carried out, answers held); at two thirds, for 10 s a
fifth of all answers are 502 (not carried out). A volunteer taps a button every 200 ms throughout.

Prints, each with its goal:
- distinct chats reached / N (1.0); chats with two copies (≤ the rows in flight when the stall
  began) and with three or more (none);
- 429 answers (0);
- seconds from the end of each fault until the send rate is back above 0.9 of the limit (< 3 s);
- tap answer p95 outside the faults (< 300 ms);
- the same broadcast without faults, with a person's /help answered every second: all messages
  sent / the limit (≥ 0.97), from bench/broadcast.py's --replies run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from bench.broadcast import _answer, product_run
from bot.app import build_application
from bot.context import BotApplication, Services
from bot.core.config import (
    Config,
    DeliverySettings,
    ReminderSettings,
    StorageSettings,
    TelegramSettings,
)
from bot.runtime.runner import running
from bot.sandbox import Sandbox
from bot.sandbox.world import RequestRecord
from storage import chats, outbox
from storage.outbox import NewMessage

TOKEN = "99:BENCH-chaos"
LIMIT = 30.0


def _recovery(sends: list[float], fault_end: float, target: float) -> float:
    """Seconds from `fault_end` until a one-second window holds `target` sends."""
    t = fault_end
    last = sends[-1] if sends else fault_end
    while t <= last:
        if sum(1 for s in sends if t <= s < t + 1.0) >= target:
            return t - fault_end
        t += 0.05
    return float("inf")


@dataclass(slots=True)
class _Timeline:
    """What the drive did and when (monotonic seconds), for the figures afterwards."""

    people: list[int]
    first_request: int  # the broadcast's Bot API requests start here
    injected: dict[str, float] = field(default_factory=dict)  # tap id → when tapped
    in_flight: int = 0  # outbox rows in flight when the stall began
    started: float = 0.0
    stall_start: float = 0.0
    stall_end: float = 0.0
    errors_start: float = 0.0
    errors_end: float = 0.0
    finished: float = 0.0


async def chaos_run(recipients: int, stall: float, errors: float, tmp: Path) -> int:
    async with Sandbox(TOKEN, global_rate=LIMIT) as sb:
        config = Config(
            telegram=TelegramSettings(
                token=TOKEN, base_url=sb.base_url, base_file_url=sb.base_file_url
            ),
            storage=StorageSettings(path=tmp / "chaos.sqlite3"),
            delivery=DeliverySettings(),
            reminders=ReminderSettings(quiet_hours=None),  # whatever the hour it runs at
        )
        application = build_application(config)
        application.add_handler(CallbackQueryHandler(_answer, pattern="^bench:"), group=-5)
        async with running(application, poll_timeout=1):
            timeline = await _drive(sb, application, recipients, stall, errors)
    return _report(sb, timeline, recipients, stall, errors)


async def _drive(
    sb: Sandbox, application: BotApplication, recipients: int, stall: float, errors: float
) -> _Timeline:
    """Recipients and a volunteer tapping every 200 ms; the broadcast through the faults."""
    services = application.bot_data.services
    assert services is not None
    people = [sb.private_chat(sb.add_user(f"R{i}")).id for i in range(recipients)]
    tapper = sb.add_user("Tapper")
    tap_chat = sb.private_chat(tapper)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Tap", callback_data="bench:tap")]])
    button = await application.bot.send_message(tap_chat.id, "Tap", reply_markup=markup)
    db = services.env.db
    for chat_id in people:
        await chats.upsert(db, chat_id, "private", None)
    await asyncio.sleep(1.1)
    timeline = _Timeline(people, len(sb.requests))
    done = asyncio.Event()

    async def tap_loop() -> None:
        while not done.is_set():
            update = sb.tap(tap_chat, tapper, button.message_id, "bench:tap")
            timeline.injected[update["callback_query"]["id"]] = time.monotonic()
            await asyncio.sleep(0.2)

    tapping = asyncio.get_running_loop().create_task(tap_loop())
    async with db.transaction() as tx:
        await outbox.enqueue(
            tx,
            [NewMessage(c, "announcement", "sendMessage", {"text": "Tiedote"}) for c in people],
            now=db.now(),
        )
    services.delivery.wake()
    await _through_faults(sb, services, timeline, stall, errors)
    done.set()
    await tapping
    await asyncio.sleep(0.5)
    sb.faults.clear()
    return timeline


async def _through_faults(
    sb: Sandbox, services: Services, timeline: _Timeline, stall: float, errors: float
) -> None:
    """The stall at a third of the broadcast sent, the 502s at two thirds; until all is sent."""
    recipients = len(timeline.people)

    def bulk_sent() -> int:
        return sum(
            1
            for r in sb.requests[timeline.first_request :]
            if r.method == "sendMessage" and r.status_code == 200
        )

    timeline.started = time.monotonic()
    await sb.wait_for(lambda: bulk_sent() >= recipients // 3, timeout=600)
    timeline.in_flight = len(services.delivery._inflight)
    timeline.stall_start = time.monotonic()
    sb.faults.stall(stall)
    timeline.stall_end = timeline.stall_start + stall
    await sb.wait_for(lambda: bulk_sent() >= 2 * recipients // 3, timeout=600)
    timeline.errors_start = time.monotonic()
    sb.faults.errors(502, 0.2, errors)
    timeline.errors_end = timeline.errors_start + errors
    await services.delivery.wait_idle(timeout=600)
    timeline.finished = time.monotonic()


def _tap_p95(records: list[RequestRecord], timeline: _Timeline) -> tuple[float, int]:
    """p95 ms from tap to answer of the taps outside the faults (and a second after each)."""
    answered = {
        str(r.params.get("callback_query_id")): r.time
        for r in records
        if r.method == "answerCallbackQuery" and r.status_code == 200
    }
    t = timeline

    def outside(at: float) -> bool:
        return not (
            t.stall_start <= at <= t.stall_end + 1 or t.errors_start <= at <= t.errors_end + 1
        )

    latencies = sorted(
        (answered[q] - at) * 1000 for q, at in t.injected.items() if q in answered and outside(at)
    )
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else float("nan")
    return p95, len(latencies)


def _report(sb: Sandbox, t: _Timeline, recipients: int, stall: float, errors: float) -> int:
    records = sb.requests[t.first_request :]
    copies = Counter(
        r.params.get("chat_id")
        for r in records
        if r.method == "sendMessage" and r.status_code == 200
    )
    reached = sum(1 for c in t.people if copies[c] >= 1)
    twice = sum(1 for c in t.people if copies[c] == 2)
    more = sum(1 for c in t.people if copies[c] >= 3)
    refusals = sum(1 for r in records if r.status_code == 429)
    sends = sorted(r.time for r in records if r.method == "sendMessage" and r.status_code == 200)
    target = 0.9 * LIMIT
    after_stall = _recovery(sends, t.stall_end, target)
    after_errors = _recovery(sends, t.errors_end, target)
    p95, taps = _tap_p95(records, t)
    print(f"broadcast to {recipients} chats in {t.finished - t.started:.1f} s (stall "
          f"{stall:.0f} s, 502s for {errors:.0f} s)")  # fmt: skip
    print(f"  chats reached: {reached}/{recipients} → {reached / recipients:.3f} (goal 1.0)")
    print(f"  chats with two copies: {twice} (goal ≤ {t.in_flight}, the rows in flight when the "
          f"stall began); with three or more: {more} (goal 0)")  # fmt: skip
    print(f"  429 answers: {refusals} (goal 0)")
    print(f"  back above 0.9 of the limit: {after_stall:.2f} s after the stall, "
          f"{after_errors:.2f} s after the 502s → {max(after_stall, after_errors) / 3:.2f} "
          f"of the 3 s goal")  # fmt: skip
    print(f"  tap answer p95 outside the faults: {p95:.0f} ms → {p95 / 300:.2f} of 300 ms "
          f"({taps} taps)")  # fmt: skip
    ok = reached == recipients and twice <= t.in_flight and not more and not refusals
    return 0 if ok else 1


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=600)
    parser.add_argument("--stall", type=float, default=20.0)
    parser.add_argument("--errors", type=float, default=10.0)
    parser.add_argument("--skip-budget", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        status = await chaos_run(args.recipients, args.stall, args.errors, Path(tmp))
        if not args.skip_budget:
            rate, refusals, p95 = await product_run(
                args.recipients, Path(tmp), DeliverySettings().global_rate, replies=True
            )
            print(f"without faults, a /help answered every second: {rate:.2f} msg/s → "
                  f"{rate / LIMIT:.3f} of the limit (goal ≥ 0.97); 429s: {refusals}; "
                  f"reply p95 {p95:.0f} ms → {p95 / 300:.2f} of 300 ms")  # fmt: skip
    return status


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
