"""Stand-in throughput: sendMessage requests per second on loopback through python-telegram-bot.

    python bench/sandbox_throughput.py [--requests N] [--concurrency C]

Rate limits are off; every request is still schema-checked and HTML-parsed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.sandbox import Sandbox

TOKEN = "7:BENCH-token"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    async with Sandbox(TOKEN, global_rate=0, per_chat_limits=False) as sb:
        chats = [sb.private_chat(sb.add_user(f"U{i}")).id for i in range(100)]
        request = HTTPXRequest(connection_pool_size=args.concurrency)
        async with Bot(TOKEN, base_url=sb.base_url, request=request) as bot:
            queue = iter(range(args.requests))

            async def worker() -> None:
                for i in queue:
                    await bot.send_message(
                        chats[i % len(chats)], f"<b>Viesti</b> {i}", parse_mode="HTML"
                    )

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
            elapsed = time.perf_counter() - started
    print(
        f"{args.requests} sendMessage requests in {elapsed:.2f} s → "
        f"{args.requests / elapsed:.0f} requests/s (concurrency {args.concurrency})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
