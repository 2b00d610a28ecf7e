"""Command line: `python -m bot run|demo|migrate|check ...` (also installed as `jarjestobotti`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.cli import core as cli
from bot.cli import ops as cli_ops
from bot.cli import poll as cli_poll

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
    announce = with_config(
        sub.add_parser(
            "announce",
            help="queue an announcement for the running bot (or show a broadcast's progress)",
            description="Queue an announcement; the running bot's delivery worker sends it "
            "within a second or two. Text is Telegram HTML (<b>, <i>, <a href>).",
        )
    )
    target = announce.add_argument_group("audience (areas and themes combine)")
    target.add_argument(
        "--municipality",
        nargs="+",
        default=[],
        metavar="NAME",
        help="municipality names (Finnish or Swedish) or codes",
    )
    target.add_argument(
        "--region",
        nargs="+",
        default=[],
        metavar="NAME",
        help="regions (maakunta) or wellbeing services counties",
    )
    target.add_argument("--theme", nargs="+", default=[], metavar="ID", help="theme ids")
    target.add_argument("--all", action="store_true", help="everyone subscribed")
    target.add_argument(
        "--event", type=int, metavar="ID", help="everyone who answered event ID (alone)"
    )
    text = announce.add_mutually_exclusive_group()
    text.add_argument("--text", help="the announcement text")
    text.add_argument("--text-file", type=Path, metavar="PATH", help="read the text from a file")
    announce.add_argument(
        "--at",
        metavar="TIME",
        help="send later: '2026-12-01 18:00' or '1.12.2026 18.00' (local time)",
    )
    announce.add_argument(
        "--status", type=int, metavar="ID", help="print the progress of broadcast ID instead"
    )
    events = sub.add_parser("events", help="events from the command line")
    events_sub = events.add_subparsers(dest="events_command", required=True, metavar="ACTION")
    importing = with_config(
        events_sub.add_parser(
            "import",
            help="import an annual calendar (CSV or .ics)",
            description="Validate every row of a UTF-8 CSV (comma or semicolon) with the header "
            "title,kind,start,end,place,online_url,municipalities,themes,capacity,rsvp_deadline,"
            "description, or an .ics file, and print what would be created. With --publish the "
            "events are created and published as the configured admin (one event id per line on "
            "stdout) and the running bot sends the invitations.",
        )
    )
    importing.add_argument("file", type=Path, metavar="FILE", help="the .csv or .ics file")
    importing.add_argument(
        "--publish", action="store_true", help="create and publish (default: only check)"
    )
    cli_ops.add_parsers(sub, with_config)  # backup, export, stats, report
    cli_poll.add_parsers(sub, with_config)  # poll results
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
        "announce": cli.announce,
        "events": cli.events,
        **cli_ops.HANDLERS,
        **cli_poll.HANDLERS,
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
