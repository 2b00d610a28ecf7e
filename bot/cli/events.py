"""`python -m bot events import FILE [--publish]`: the network's annual calendar (vuosikello)
from a spreadsheet or an .ics file, validated whole before anything is created."""

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
    opened,
    publishing_admin,
    run_import,
    sheet_refused,
)
from bot.core.config import Config
from bot.core.place_search import PlaceIndex
from bot.core.places import PlaceCatalog, load_catalog
from bot.environment import Environment, environment
from bot.events import clashes
from bot.events import service as events
from bot.events.importing import ImportedEvent, read_events

__all__ = ["import_events", "register", "run"]


def _describe(item: ImportedEvent, config: Config, catalog: PlaceCatalog) -> str:
    fields = item.fields
    start = fields.starts_at.astimezone(config.bot.timezone)
    places = ", ".join(
        m.name("fi") for code in fields.municipalities if (m := catalog.municipality(code))
    )
    themes = ", ".join(fields.themes) or "all themes"
    capacity = f", {fields.capacity} places" if fields.capacity else ""
    audience = f" — for {', '.join(fields.for_whom)}" if fields.for_whom else ""
    programme = f", {len(fields.programme)} programme lines" if fields.programme else ""
    return (
        f"row {item.row}: {start:%Y-%m-%d %H:%M} {fields.kind} “{fields.title}” "
        f"— {places} — {themes}{capacity}{audience}{programme}"
    )


def import_events(args: argparse.Namespace, config: Config) -> str:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{path}: no such file")
    catalog = load_catalog()
    offsets = tuple(int(o.total_seconds()) for o in config.reminders.offsets)
    found, problems = read_events(
        path,
        now=datetime.now(UTC),
        tz=config.bot.timezone,
        index=PlaceIndex(catalog),
        themes=config.bot.themes,
        reminders=offsets,
    )
    if problems:
        raise sheet_refused(path, problems, "imported")
    summary = [_describe(item, config, catalog) for item in found]
    if not args.publish:
        if config.storage.url or config.storage.path.is_file():
            # The preview warns as /newevent's does, against the events already published; a
            # database that does not exist yet has none and is not created by a dry run.
            asyncio.run(_preview_clashes(found, config, catalog))
        return "\n".join(
            [*summary, f"{len(found)} events are valid; --publish creates and publishes them."]
        )
    admin = publishing_admin(config, signs="the invitation buttons")
    asyncio.run(_publish(found, summary, config, catalog, admin))
    return ""  # the ids went to stdout one by one


async def _publish(
    found: list[ImportedEvent],
    summary: list[str],
    config: Config,
    catalog: PlaceCatalog,
    admin: int,
) -> None:
    async with environment(config) as env:
        # One transaction per event, as from the wizard: a file of big audiences in one
        # transaction held the running bot's database for as long as all its invitations took
        # (35 s for 40 events of 5 000). Each id is printed as soon as its event is published,
        # so a failure part-way says exactly what exists.
        for number, (item, line) in enumerate(zip(found, summary, strict=True)):
            await _warn_clashes(env, item, catalog)
            try:
                event_id, invited = await events.publish(env, item.fields, admin)
            except (sqlite3.Error, OSError) as exc:
                raise CliError(
                    f"row {item.row}: publishing stopped: {exc}. The {number} event(s) printed "
                    f"above were published; this row and the {len(found) - number - 1} after it "
                    "were not."
                ) from exc
            print(f"{line} → event {event_id}, {invited} invitations", file=sys.stderr)
            print(event_id, flush=True)


async def _preview_clashes(
    found: list[ImportedEvent], config: Config, catalog: PlaceCatalog
) -> None:
    async with opened(config, readonly=True, current=True) as env:
        for item in found:
            await _warn_clashes(env, item, catalog)


async def _warn_clashes(env: Environment, item: ImportedEvent, catalog: PlaceCatalog) -> None:
    """Published events this row may clash with (bot/events/clashes.py), one line each on
    stderr; a warning only, the row is published all the same. Earlier rows of the file are
    published by now, so they count too."""
    tz = env.config.bot.timezone
    found = await clashes.find(env.db, catalog, clashes.subject_of(item.fields), tz)
    for clash in found:
        other = clash.event
        why = (
            "same municipality within 3 hours"
            if clash.reason == "near"
            else ("same theme, region and week")
        )
        start = datetime.fromtimestamp(other.starts_at, tz)
        print(
            f"row {item.row}: warning: may clash with event {other.id} “{other.title}” at "
            f"{start:%Y-%m-%d %H:%M} ({why}); /event {other.id}",
            file=sys.stderr,
        )


def run(args: argparse.Namespace) -> int:
    return run_import(args, import_events)


def register(sub: Subcommands) -> None:
    events = add_command(sub, "events", None, config=False, help="events from the command line")
    actions = events.add_subparsers(dest="events_command", required=True, metavar="ACTION")
    importing = add_command(
        actions,
        "import",
        run,
        help="import an annual calendar (CSV or .ics)",
        description="Validate every row of a UTF-8 CSV (comma or semicolon) with the header "
        "title,kind,start,end,place,online_url,municipalities,themes,capacity,rsvp_deadline,"
        "description, or an .ics file, and print what would be created. With --publish the "
        "events are created and published as the configured admin (one event id per line on "
        "stdout) and the running bot sends the invitations.",
    )
    importing.add_argument("file", type=Path, metavar="FILE", help="the .csv or .ics file")
    importing.add_argument(
        "--publish", action="store_true", help="create and publish (default: only check)"
    )
