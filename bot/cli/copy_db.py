"""`python -m bot copy-db --from PATH_OR_URL --to PATH_OR_URL [--force]`: move the bot's data
between SQLite and PostgreSQL (either way, or between two of the same kind).

The source must be at this program's schema version (it is never changed); the target is
migrated first, then filled in one transaction (storage/copying.py). Prints each table's row
count on both sides; exit 0 when they all match, 1 when any differs, 2 for bad input (an
unreachable server, a wrong password, a non-empty target without --force): one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.common import EXIT_FAILED, CliError, Subcommands, add_command
from storage.backend import open_database
from storage.copying import TableCount, copy_rows, is_url
from storage.database_url import problem, redact
from storage.db import DatabaseError

__all__ = ["copy_db", "register"]


def register(sub: Subcommands) -> None:
    parser = add_command(
        sub,
        "copy-db",
        copy_db,
        config=False,
        help="copy every table between SQLite and PostgreSQL",
        description="Copy every row of the database FROM into TO (SQLite file paths or "
        "postgresql:// URLs; either way). TO is migrated first and must be empty unless "
        "--force. Prints each table's row count on both sides. Exit 0 all equal, 1 a count "
        "differs, 2 bad input. Stop the bot first: rows written during the copy are not copied.",
    )
    parser.add_argument("--from", dest="source", required=True, metavar="PATH_OR_URL")
    parser.add_argument("--to", dest="target", required=True, metavar="PATH_OR_URL")
    parser.add_argument(
        "--force", action="store_true", help="empty a target that already holds rows"
    )


def _shown(where: str) -> str:
    """A path as given; anything URL-like without its password (even a wrong scheme's)."""
    return redact(where) if "://" in where else where


def _check(where: str, flag: str) -> None:
    if "://" in where:
        wrong = problem(where)
        if wrong:
            raise CliError(f"{flag} {_shown(where)}: {wrong}")
    elif Path(where).is_dir():
        raise CliError(f"{flag} {where}: a directory, not a database file")


async def _prepare(source: str, target: str) -> None:
    """The source exists and is current (never migrated here); the target is migrated."""
    url = source if is_url(source) else ""
    try:
        db = await open_database(Path(source), url, migrate=False, readonly=True)
    except DatabaseError as exc:
        raise CliError(f"--from {_shown(source)}: {exc}") from None
    try:
        status = await db.schema_status()
    finally:
        await db.close()
    if status.pending:
        raise CliError(
            f"--from {_shown(source)}: schema version {status.current}, this program needs "
            f"{status.latest}; run `python -m bot migrate` on it first"
        )
    url = target if is_url(target) else ""
    try:
        db = await open_database(Path(target), url, migrate=True)
    except DatabaseError as exc:
        raise CliError(f"--to {_shown(target)}: {exc}") from None
    await db.close()


def _same(source: str, target: str) -> bool:
    if is_url(source) or is_url(target):
        return source == target
    return Path(source).resolve() == Path(target).resolve()


def render(counts: list[TableCount]) -> list[str]:
    width = max([len("table"), *(len(c.table) for c in counts)])
    lines = [f"{'table':<{width}}  {'from':>9}  {'to':>9}"]
    for c in counts:
        mark = "" if c.source == c.target else "  differs"
        lines.append(f"{c.table:<{width}}  {c.source:>9}  {c.target:>9}{mark}")
    return lines


def copy_db(args: argparse.Namespace) -> int:
    source: str = args.source
    target: str = args.target
    _check(source, "--from")
    _check(target, "--to")
    if _same(source, target):
        raise CliError("--from and --to name the same database")
    if not is_url(source) and not Path(source).exists():
        raise CliError(f"--from {source}: does not exist")
    asyncio.run(_prepare(source, target))
    try:
        counts = copy_rows(source, target, force=args.force)
    except DatabaseError as exc:
        raise CliError(f"copy-db: {exc}") from None
    for line in render(counts):
        print(line)
    differing = [c.table for c in counts if c.source != c.target]
    if differing:
        print(f"row counts differ in {len(differing)} table(s): {', '.join(differing)}")
        return EXIT_FAILED
    print(f"copied {len(counts)} tables from {_shown(source)} to {_shown(target)}")
    return 0
