"""`python -m bot.sandbox [--port N] [--token T]`: run the Bot API stand-in on its own.

Point the bot at it with the printed base URL, then act as users through the control API
(`curl` examples in `bot/sandbox/control.py`). Stops cleanly on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from bot.sandbox.sandbox import DEFAULT_TOKEN, Sandbox


async def _serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # Installed before the address is printed, so whoever reads it may stop us right away.
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    sandbox = Sandbox(
        args.token,
        host=args.host,
        port=args.port,
        global_rate=args.rate,
        per_chat_limits=not args.no_chat_limits,
    )
    async with sandbox:
        print(f"Bot API stand-in at {sandbox.base_url}  (token {args.token})", flush=True)
        print(f"files at {sandbox.base_file_url}", flush=True)
        print(f"control API at {sandbox.control_url}  (see bot/sandbox/control.py)", flush=True)
        print(
            f"run the bot against it:\n  TELEGRAM_BOT_TOKEN={args.token} "
            f"TELEGRAM_BASE_URL={sandbox.base_url} python -m bot run",
            flush=True,
        )
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--rate", type=float, default=30.0, help="messages/s for the whole bot")
    parser.add_argument(
        "--no-chat-limits", action="store_true", help="turn off the per-chat flood limits"
    )
    asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
