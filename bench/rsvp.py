"""RSVP tap benchmark: sustained taps on invitation cards through the real Application.

    python bench/rsvp.py [--people N] [--rate TAPS_PER_S] [--seconds S]

N subscribers receive a published event's invitation (through the outbox); then taps on their
cards (coming / maybe / can't, in turn) are injected at a fixed rate for S seconds. Prints the
achieved taps/s (answered taps over the time from the first tap to the last answer) against the
goal of 500, and the p95 time from tap to answerCallbackQuery against the goal of 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot import events
from bot.app import build_application
from bot.config import Config, DeliverySettings, StorageSettings, TelegramSettings
from bot.event_fields import EventFields
from bot.runner import running
from bot.sandbox import Sandbox
from storage import chats, subscriptions
from storage.subscriptions import Area

TOKEN = "77:BENCH-rsvp"
GOAL_RATE = 500.0
GOAL_P95_MS = 100.0


async def run(people: int, rate: float, seconds: float, tmp: Path) -> tuple[float, float, int]:
    async with Sandbox(TOKEN, global_rate=0, per_chat_limits=False) as sb:
        config = Config(
            telegram=TelegramSettings(
                token=TOKEN, base_url=sb.base_url, base_file_url=sb.base_file_url
            ),
            storage=StorageSettings(path=tmp / "rsvp.sqlite3"),
            delivery=DeliverySettings(
                global_rate=5000.0, private_interval=0.0001, group_per_minute=100_000
            ),
        )
        application = build_application(config)
        async with running(application, poll_timeout=1):
            services = application.bot_data.services
            assert services is not None
            users = [sb.add_user(f"P{i}") for i in range(people)]
            for user in users:
                sb.private_chat(user)
                await chats.upsert(services.db, user.id, "private", None)
                await subscriptions.replace(
                    services.db, user.id, [Area("municipality", "167")], ["health"]
                )
            start = datetime.now(UTC) + timedelta(days=10)
            fields = EventFields(
                kind="forum",
                title="Järjestöfoorumi",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                place="Carelicum, Joensuu",
                online_url="",
                municipalities=("167",),
                themes=("health",),
            )
            await events.publish(services.events, fields, None)
            services.delivery.wake()
            await services.delivery.wait_idle(timeout=120)
            cards = []
            for user in users:
                card = sb.last_message(sb.private_chat(user))
                assert card is not None
                data = [b.callback_data for row in card.button_rows[:1] for b in row]
                cards.append((user, sb.private_chat(user), card.message_id, data))
            first = len(sb.requests)
            injected: dict[str, float] = {}
            interval = 1.0 / rate
            began = time.monotonic()
            n = 0
            while time.monotonic() - began < seconds:
                user, chat, message_id, data = cards[n % people]
                update = sb.tap(chat, user, message_id, str(data[(n // people) % 3]))
                injected[update["callback_query"]["id"]] = time.monotonic()
                n += 1
                delay = began + n * interval - time.monotonic()
                await asyncio.sleep(max(0.0, delay))
            await sb.wait_for(
                lambda: (
                    len([r for r in sb.requests[first:] if r.method == "answerCallbackQuery"])
                    >= len(injected)
                ),
                timeout=120,
            )
            answered = {
                str(r.params.get("callback_query_id")): r.time
                for r in sb.requests[first:]
                if r.method == "answerCallbackQuery"
            }
            latencies = sorted((answered[q] - t) * 1000 for q, t in injected.items())
            p95 = latencies[int(len(latencies) * 0.95) - 1]
            span = max(answered.values()) - min(injected.values())
            return len(injected) / span, p95, len(injected)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--rate", type=float, default=600.0, help="taps injected per second")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        achieved, p95, taps = await run(args.people, args.rate, args.seconds, Path(tmp))
    print(
        f"{taps} taps injected at {args.rate:.0f}/s: achieved {achieved:.0f} taps/s → "
        f"{achieved / GOAL_RATE:.2f} of the 500/s goal; p95 tap→answer {p95:.1f} ms → "
        f"{p95 / GOAL_P95_MS:.2f} of the 100 ms goal",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
