"""Broadcast benchmark against the stand-in's strict 30 msg/s window.

    python bench/broadcast.py [--recipients N] [--replies] [--skip-baseline]

Run 1, the product: the real Application (delivery worker + shared limiter) broadcasts to N
distinct private chats through the outbox. Run 2, the baseline: the same Application shape, but
the broadcast is N concurrent send_message calls through python-telegram-bot's AIORateLimiter
(30/s overall). In both, a volunteer taps an inline button every 100 ms during the broadcast and
the time from the tap to the bot's answerCallbackQuery is recorded.

`--replies`: instead of taps (answerCallbackQuery is not a message), 20 people take turns sending
/help, one a second in all, and the bot answers each with a message: bulk sends and replies then
share Telegram's 30 msg/s. The rate counts every message (bulk + replies), the p95 is from a
/help to its reply, and the sends of each second are printed, so a pause shows.

Prints, per run: achieved rate / 30 (goal ≥ 0.97), number of 429 answers (goal 0), callback
or reply p95 (goal < 300 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
)
from telegram.request import HTTPXRequest

from bot.app import build_application
from bot.context import AppContext, BotApplication
from bot.core.config import (
    Config,
    DeliverySettings,
    ReminderSettings,
    StorageSettings,
    TelegramSettings,
)
from bot.runtime.runner import running
from bot.sandbox import Sandbox
from storage import chats, outbox
from storage.outbox import NewMessage

TOKEN = "99:BENCH-broadcast"
LIMIT = 30.0


async def _answer(update: Update, context: AppContext) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    # Answered: the bot's own catch-all for unknown buttons must not answer it again.
    raise ApplicationHandlerStop


async def _measure(
    sb: Sandbox,
    application: BotApplication,
    broadcast: Callable[[list[int]], Awaitable[None]],
    recipients: int,
    replies: bool = False,
) -> tuple[float, int, float]:
    if replies:
        return await _measure_replies(sb, broadcast, recipients)
    people = [sb.private_chat(sb.add_user(f"R{i}")).id for i in range(recipients)]
    tapper = sb.add_user("Tapper")
    tap_chat = sb.private_chat(tapper)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Tap", callback_data="bench:tap")]])
    button_message = await application.bot.send_message(tap_chat.id, "Tap me", reply_markup=markup)
    await asyncio.sleep(1.1)  # let the window forget the set-up message
    first_request = len(sb.requests)
    injected: dict[str, float] = {}
    done = asyncio.Event()

    async def tap_loop() -> None:
        while not done.is_set():
            update = sb.tap(tap_chat, tapper, button_message.message_id, "bench:tap")
            injected[update["callback_query"]["id"]] = time.monotonic()
            await asyncio.sleep(0.1)

    tapping = asyncio.get_running_loop().create_task(tap_loop())
    await broadcast(people)
    done.set()
    await tapping
    await asyncio.sleep(0.5)
    records = sb.requests[first_request:]
    sends = [r for r in records if r.method == "sendMessage" and r.status_code == 200]
    rate = (len(sends) - 1) / (sends[-1].time - sends[0].time) if len(sends) > 1 else 0.0
    refusals = sum(1 for r in records if r.status_code == 429)
    answered = {
        str(r.params.get("callback_query_id")): r.time
        for r in records
        if r.method == "answerCallbackQuery"
    }
    latencies = sorted((answered[q] - t) * 1000 for q, t in injected.items() if q in answered)
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    return rate, refusals, p95


async def _measure_replies(
    sb: Sandbox, broadcast: Callable[[list[int]], Awaitable[None]], recipients: int
) -> tuple[float, int, float]:
    """Bulk sends while 20 people take turns asking /help, one a second in all."""
    people = [sb.private_chat(sb.add_user(f"R{i}")).id for i in range(recipients)]
    askers = [sb.add_user(f"Kysyjä {i}", language_code="fi") for i in range(20)]
    asker_chats = {u.id: sb.private_chat(u) for u in askers}
    await asyncio.sleep(1.1)  # let the window forget the set-up
    first_request = len(sb.requests)
    asked: list[tuple[int, float]] = []
    done = asyncio.Event()

    async def ask_loop() -> None:
        turn = 0
        while not done.is_set():
            user = askers[turn % len(askers)]
            sb.send_message(asker_chats[user.id], user, "/help")
            asked.append((user.id, time.monotonic()))
            turn += 1
            await asyncio.sleep(1.0)

    asking = asyncio.get_running_loop().create_task(ask_loop())
    await broadcast(people)
    done.set()
    await asking
    await asyncio.sleep(1.0)
    records = sb.requests[first_request:]
    bulk_chats = set(people)
    messages = [r for r in records if r.method == "sendMessage" and r.status_code == 200]
    for r in messages:  # PTB's own client sends form fields: chat ids arrive as strings
        r.params["chat_id"] = int(r.params["chat_id"])
    bulk = [r for r in messages if r.params.get("chat_id") in bulk_chats]
    start, end = bulk[0].time, bulk[-1].time
    in_span = [r for r in messages if start <= r.time <= end]
    rate = (len(in_span) - 1) / (end - start) if len(in_span) > 1 else 0.0
    refusals = sum(1 for r in records if r.status_code == 429)
    latencies = []
    for user_id, at in asked:
        reply = next(
            (r.time for r in messages if r.params.get("chat_id") == user_id and r.time >= at),
            None,
        )
        if reply is not None:
            latencies.append((reply - at) * 1000)
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else float("nan")
    per_second = [0] * (int(end - start) + 1)
    for r in in_span:
        per_second[int(r.time - start)] += 1
    replies_sent = sum(1 for r in in_span if r.params.get("chat_id") not in bulk_chats)
    print(
        f"  sends per second (bulk + {replies_sent} replies, {len(asked)} asked): "
        + " ".join(str(n) for n in per_second),
        flush=True,
    )
    return rate, refusals, p95


async def product_run(
    recipients: int, tmp: Path, rate: float, replies: bool = False
) -> tuple[float, int, float]:
    async with Sandbox(TOKEN, global_rate=LIMIT) as sb:
        config = Config(
            telegram=TelegramSettings(
                token=TOKEN, base_url=sb.base_url, base_file_url=sb.base_file_url
            ),
            storage=StorageSettings(path=tmp / "product.sqlite3"),
            delivery=DeliverySettings(global_rate=rate),
            # Whatever the hour the benchmark runs at: no quiet hours holding the broadcast.
            reminders=ReminderSettings(quiet_hours=None),
        )
        application = build_application(config)
        application.add_handler(CallbackQueryHandler(_answer, pattern="^bench:"), group=-5)
        async with running(application, poll_timeout=1):
            services = application.bot_data.services
            assert services is not None

            async def broadcast(people: list[int]) -> None:
                db = services.env.db
                for chat_id in people:
                    await chats.upsert(db, chat_id, "private", None)
                async with db.transaction() as tx:
                    await outbox.enqueue(
                        tx,
                        [
                            NewMessage(c, "announcement", "sendMessage", {"text": "Tiedote"})
                            for c in people
                        ],
                        now=db.now(),
                    )
                services.delivery.wake()
                await services.delivery.wait_idle(timeout=recipients / 10 + 60)

            return await _measure(sb, application, broadcast, recipients, replies)


async def baseline_run(
    recipients: int, tmp: Path, replies: bool = False
) -> tuple[float, int, float]:
    async with Sandbox(TOKEN, global_rate=LIMIT) as sb:
        config = Config(
            telegram=TelegramSettings(
                token=TOKEN, base_url=sb.base_url, base_file_url=sb.base_file_url
            ),
            storage=StorageSettings(path=tmp / "baseline.sqlite3"),
        )

        def with_aio(builder: ApplicationBuilder) -> ApplicationBuilder:  # type: ignore[type-arg]
            # python-telegram-bot as it comes: its limiter and its own HTTP client.
            return (
                builder.rate_limiter(AIORateLimiter(overall_max_rate=30, max_retries=10))
                .request(HTTPXRequest(connection_pool_size=256))
                .get_updates_request(HTTPXRequest())
            )

        application = build_application(config, customize=with_aio)
        application.add_handler(CallbackQueryHandler(_answer, pattern="^bench:"), group=-5)
        async with running(application, poll_timeout=1):
            semaphore = asyncio.Semaphore(100)

            async def one(chat_id: int) -> None:
                async with semaphore:
                    await application.bot.send_message(chat_id, "Tiedote")

            async def broadcast(people: list[int]) -> None:
                await asyncio.gather(*(one(c) for c in people))

            return await _measure(sb, application, broadcast, recipients, replies)


def _line(name: str, rate: float, refusals: int, p95: float, what: str = "callback") -> str:
    return (
        f"{name:<34} rate {rate:5.2f}/s → {rate / LIMIT:.3f} of the limit (goal ≥ 0.97); "
        f"429s: {refusals} (goal 0); {what} p95 {p95:.0f} ms → {p95 / 300:.2f} of 300 ms"
    )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--replies",
        action="store_true",
        help="people ask /help (message replies) during the broadcast instead of tapping",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=DeliverySettings().global_rate,
        help="the worker's global_rate (default: the config default)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        what = "reply" if args.replies else "callback"
        product = await product_run(args.recipients, Path(tmp), args.rate, args.replies)
        print(_line("outbox worker (this project)", *product, what=what), flush=True)
        if not args.skip_baseline:
            baseline = await baseline_run(args.recipients, Path(tmp), args.replies)
            print(_line("AIORateLimiter (baseline)", *baseline, what=what), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
