"""Command line: `python -m bot run|demo|migrate|check ...` (also installed as `jarjestobotti`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import cli

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Järjestöbotti: invitations, RSVP, reminders and feedback for associations.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--config",
            type=Path,
            metavar="PATH",
            help="TOML configuration file (see config.example.toml)",
        )
        return p

    run = with_config(sub.add_parser("run", help="run the bot (long polling)"))
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates through a webhook instead (see [webhook])",
    )
    demo = sub.add_parser("demo", help="run a scripted conversation against the local stand-in")
    demo.add_argument(
        "--keep-running",
        action="store_true",
        help="stay up afterwards and print how to talk to the bot",
    )
    with_config(sub.add_parser("migrate", help="create or upgrade the database schema"))
    with_config(sub.add_parser("check", help="validate the configuration and the database"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Opt in to python-telegram-bot's timedelta durations (retry_after), the future default;
    # without it every flood-control answer raises a deprecation warning.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    args = _parser().parse_args(argv)
    handlers = {
        "run": cli.run,
        "demo": cli.demo,
        "migrate": cli.migrate,
        "check": cli.check,
    }
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        return 130
    except cli.CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
