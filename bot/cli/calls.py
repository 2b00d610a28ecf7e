"""`python -m bot calls import --config PATH FILE [--publish]`: volunteer calls with their
shifts from a spreadsheet (bot/volunteering/importing.py), checked whole before anything is
created; with --publish each call is created and published as the configured admin."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.cli.common import (
    CliError,
    Subcommands,
    add_command,
    publishing_admin,
    run_import,
    sheet_refused,
)
from bot.core.config import Config
from bot.core.place_search import PlaceIndex
from bot.core.places import PlaceCatalog, load_catalog
from bot.environment import environment
from bot.volunteering import calls
from bot.volunteering.calls import DEFAULT_REMINDERS
from bot.volunteering.importing import COLUMNS, OPTIONAL_COLUMNS, ImportedCall, read_calls

__all__ = ["import_calls", "register", "run"]


def _offset(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400} d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min"


def _reminders(reminders: tuple[int, ...]) -> str:
    """Said only when the sheet changed them, so a sheet without the column prints as before."""
    if reminders == DEFAULT_REMINDERS:
        return ""
    if not reminders:
        return " — no reminders"
    return f" — reminders {', '.join(map(_offset, reminders))} before each shift"


def _describe(item: ImportedCall, config: Config, catalog: PlaceCatalog) -> list[str]:
    call, tz = item.call, config.bot.timezone
    places = ", ".join(
        m.name("fi") for code in call.municipalities if (m := catalog.municipality(code))
    )
    themes = ", ".join(call.themes) or "all themes"
    skills = f" — skills: {call.skills}" if call.skills else ""
    lines = [
        f"call {item.key} (rows {', '.join(map(str, item.rows))}): “{call.title}” — {places} "
        f"— {themes}{skills} — {len(call.shifts)} shift(s){_reminders(call.reminders)}"
    ]
    lines += [
        f"  {s.starts_at.astimezone(tz):%Y-%m-%d %H:%M}–{s.ends_at.astimezone(tz):%H:%M}, "
        f"{s.places} places"
        for s in call.shifts
    ]
    return lines


def import_calls(args: argparse.Namespace, config: Config) -> str:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{path}: no such file")
    catalog = load_catalog()
    found, problems = read_calls(
        path,
        now=datetime.now(UTC),
        tz=config.bot.timezone,
        index=PlaceIndex(catalog),
        themes=config.bot.themes,
    )
    if problems:
        raise sheet_refused(path, problems, "created")
    summary = [line for item in found for line in _describe(item, config, catalog)]
    if not args.publish:
        return "\n".join(
            [*summary, f"{len(found)} calls are valid; --publish creates and publishes them."]
        )
    admin = publishing_admin(config, signs="the shift buttons")
    asyncio.run(_publish(found, config, admin))
    return ""  # the ids went to stdout one by one


async def _publish(found: list[ImportedCall], config: Config, admin: int) -> None:
    async with environment(config) as env:
        # One transaction per call, as from /newcall; each id is printed as soon as its call is
        # published, so a failure part-way says exactly what exists.
        for number, item in enumerate(found):
            try:
                call_id, chats = await calls.publish(env, item.call, admin)
            except (sqlite3.Error, OSError) as exc:
                raise CliError(
                    f"call {item.key}: publishing stopped: {exc}. The {number} call(s) printed "
                    "above were published; this one and those after it were not.",
                    exit_code=1,
                ) from exc
            print(f"call {item.key} → call {call_id}, {chats} chats", file=sys.stderr)
            print(call_id, flush=True)


def run(args: argparse.Namespace) -> int:
    return run_import(args, import_calls)


def register(sub: Subcommands) -> None:
    group = add_command(sub, "calls", None, config=False, help="volunteer calls")
    actions = group.add_subparsers(dest="calls_command", required=True, metavar="ACTION")
    importing = add_command(
        actions,
        "import",
        run,
        help="import volunteer calls with their shifts (CSV)",
        description=f"Validate every row of a UTF-8 CSV (comma or semicolon) with the header "
        f"{','.join(COLUMNS)} (optionally also {','.join(OPTIONAL_COLUMNS)}: the reminders "
        "before each shift, e.g. '1 d, 2 h' or '-' for none), one row per shift (rows with the "
        "same call key form one call), "
        "and print what would be created. With --publish the calls are created and published "
        "as the configured admin (one call id per line on stdout) and the running bot "
        "delivers them.",
    )
    importing.add_argument("file", type=Path, metavar="FILE", help="the .csv file")
    importing.add_argument(
        "--publish", action="store_true", help="create and publish (default: only check)"
    )
