"""`python -m bot.sandbox [--port N] [--token T]`: run the stand-in alone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from bot.sandbox.sandbox import DEFAULT_TOKEN, Sandbox


async def _serve(port: int, token: str, rate: float) -> None:
    async with Sandbox(token, port=port, global_rate=rate) as sandbox:
        print(f"Bot API stand-in at {sandbox.base_url}  (token {token})", flush=True)
        print(f"control API at {sandbox.control_url}  (see bot/sandbox/control.py)", flush=True)
        print(
            f"run the bot against it:\n  TELEGRAM_BOT_TOKEN={token} "
            f"TELEGRAM_BASE_URL={sandbox.base_url} python -m bot run",
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--rate", type=float, default=30.0, help="messages/s for the whole bot")
    args = parser.parse_args()
    asyncio.run(_serve(args.port, args.token, args.rate))


if __name__ == "__main__":
    main()
