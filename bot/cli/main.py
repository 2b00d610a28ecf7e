"""`python -m bot COMMAND …` (also installed as `jarjestobotti`): every subcommand module
registers itself the same way (bot/cli/common.py `add_command`); this runs the chosen one."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bot.cli import announce, calls, copy_db, events, grants, lifecycle, ops, poll
from bot.cli.common import CliError

__all__ = ["build_parser", "main"]

# In the order `--help` lists them.
MODULES = (lifecycle, announce, events, grants, calls, ops, poll, copy_db)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Järjestöbotti: invitations, RSVP, reminders and feedback for associations.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Opt in to python-telegram-bot's timedelta durations (retry_after), the future default;
    # without it every flood-control answer raises a deprecation warning.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except KeyboardInterrupt:
        return 130
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return code
