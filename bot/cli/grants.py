"""`python -m bot grants import --config PATH FILE [--publish]`: grant calls from a CSV sheet,
validated whole before anything is created; with --publish each is published as from /newgrant
(as the configured admin) and its id printed on a line of its own."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.common import (
    CliError,
    Subcommands,
    add_command,
    publishing_admin,
    run_import,
    sheet_refused,
)
from bot.core.clock import SystemClock
from bot.core.config import Config
from bot.core.place_search import PlaceIndex
from bot.core.places import PlaceCatalog, load_catalog
from bot.environment import environment
from bot.grants import service as grants
from bot.grants.importing import ImportedGrant, parse_csv

__all__ = ["register", "run"]


def _describe(item: ImportedGrant, config: Config, catalog: PlaceCatalog) -> str:
    fields = item.fields
    deadline = fields.deadline.astimezone(config.bot.timezone)
    places = ", ".join(
        m.name("fi") for code in fields.municipalities if (m := catalog.municipality(code))
    )
    themes = ", ".join(fields.themes) or "all themes"
    return (
        f"row {item.row}: deadline {deadline:%Y-%m-%d %H:%M} “{fields.title}” ({fields.funder}) "
        f"— {places} — {themes}"
    )


def import_grants(args: argparse.Namespace, config: Config) -> str:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{path}: no such file")
    catalog = load_catalog()
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{path}: cannot be read as UTF-8 text: {exc}") from None
    found, problems = parse_csv(
        text,
        now=SystemClock().now(),
        tz=config.bot.timezone,
        index=PlaceIndex(catalog),
        themes=config.bot.themes,
    )
    if problems:
        raise sheet_refused(path, problems, "imported")
    summary = [_describe(item, config, catalog) for item in found]
    if not args.publish:
        return "\n".join(
            [*summary, f"{len(found)} grant calls are valid; --publish creates and publishes them."]
        )
    admin = publishing_admin(config)
    asyncio.run(_publish(found, summary, config, admin))
    return ""  # the ids went to stdout one by one


async def _publish(
    found: list[ImportedGrant], summary: list[str], config: Config, admin: int
) -> None:
    async with environment(config) as env:
        # One transaction per call, as from /newgrant; each id printed as soon as it exists.
        for item, line in zip(found, summary, strict=True):
            call_id, queued = await grants.publish(env, item.fields, admin)
            print(f"{line} → grant call {call_id}, {queued} messages", file=sys.stderr)
            print(call_id, flush=True)


def run(args: argparse.Namespace) -> int:
    return run_import(args, import_grants)


def register(sub: Subcommands) -> None:
    command = add_command(
        sub, "grants", None, config=False, help="grant calls from the command line"
    )
    actions = command.add_subparsers(dest="grants_command", required=True, metavar="ACTION")
    importing = add_command(
        actions,
        "import",
        run,
        help="import grant calls from a CSV sheet",
        description="Validate every row of a UTF-8 CSV (comma or semicolon) with the header "
        "title,funder,municipalities,themes,opens,deadline,amount,link,description and print "
        "what would be created; any problem exits with 2 and creates nothing. With --publish "
        "the calls are created and published as the configured admin (one grant call id per "
        "line on stdout) and the running bot sends them.",
    )
    importing.add_argument("file", type=Path, metavar="FILE", help="the .csv file")
    importing.add_argument(
        "--publish", action="store_true", help="create and publish (default: only check)"
    )
