"""Operations subcommands: `backup`, `export`, `stats` and `report` (see docs in `add_parsers`).

Every failure is a `CliError`: one line on stderr, exit 2 for bad input or configuration, exit 1
when the work itself failed (a backup whose copy does not pass PRAGMA integrity_check).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from bot.cli.core import CliError, _config
from bot.core.config import SUPPORTED_LANGUAGES, Config
from storage.db import Database, DatabaseError

__all__ = ["HANDLERS", "add_parsers", "backup", "export", "report", "stats"]

EXIT_FAILED = 1


def add_parsers(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    with_config: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> None:
    backup_p = with_config(
        sub.add_parser(
            "backup",
            help="copy the database consistently, also while the bot runs",
            description="Copy the database with SQLite's online backup API (one consistent "
            "snapshot while the bot keeps running), check the copy with PRAGMA integrity_check "
            "and only then put it at PATH. Exit 0 ok, 1 the copy failed its check, 2 bad input.",
        )
    )
    backup_p.add_argument("path", type=Path, metavar="PATH", help="the backup file to write")
    backup_p.add_argument("--force", action="store_true", help="replace an existing PATH")

    export_p = with_config(
        sub.add_parser(
            "export",
            help="CSV files of events, RSVPs and feedback",
            description="Write events.csv, rsvps.csv and feedback.csv (UTF-8 with BOM) into DIR. "
            "RSVPs carry a pseudonym valid within this export only, not the Telegram id; names "
            "only with --with-names. Feedback is anonymous.",
        )
    )
    export_p.add_argument("directory", type=Path, metavar="DIR", help="created if missing")
    export_p.add_argument("--with-names", action="store_true", help="add names and usernames")
    export_p.add_argument("--force", action="store_true", help="replace existing files")

    stats_p = with_config(
        sub.add_parser(
            "stats",
            help="subscribers by region and theme; events, answer and feedback rates this year",
        )
    )
    stats_p.add_argument("--year", type=int, help="calendar year (default: this year)")
    stats_p.add_argument("--json", action="store_true", help="JSON instead of text")

    report_p = with_config(
        sub.add_parser(
            "report",
            help="year-end participation report (CSV + PNG chart)",
            description="Per municipality, theme and association: events, answers, people "
            "coming and feedback of the year's published events. Writes "
            "participation_YEAR.csv and participation_YEAR.png into DIR.",
        )
    )
    report_p.add_argument("year", type=int, metavar="YEAR")
    report_p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    report_p.add_argument(
        "--language", choices=SUPPORTED_LANGUAGES, help="names and chart texts (default: config)"
    )
    report_p.add_argument("--force", action="store_true", help="replace existing files")


async def _open_current(config: Config) -> Database:
    """The database, read-only, refused when its schema is behind this program."""
    try:
        db = await Database.open(config.storage.path, migrate=False, readonly=True)
    except DatabaseError as exc:
        raise CliError(f"database: {exc}") from None
    status = await db.schema_status()
    if status.pending:
        await db.close()
        raise CliError(
            f"database: {config.storage.path} has schema version {status.current}, this program "
            f"needs {status.latest}; run `python -m bot migrate` first"
        )
    return db


def _refuse_existing(paths: list[Path], force: bool) -> None:
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        raise CliError(f"{existing[0]} exists (use --force to replace it)")


def _directory(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise CliError(f"{path} is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None


def backup(args: argparse.Namespace) -> int:
    from storage.backup import copy

    config = _config(args)
    try:
        info = copy(config.storage.path, args.path, force=args.force)
    except FileExistsError as exc:
        raise CliError(str(exc)) from None
    except DatabaseError as exc:
        code = EXIT_FAILED if "integrity_check" in str(exc) else 2
        raise CliError(f"backup: {exc}", code) from None
    except OSError as exc:
        raise CliError(f"backup: {args.path}: {exc.strerror or exc}") from None
    print(
        f"backup {info.path}: {info.size} bytes, schema version {info.schema_version}, "
        f"integrity {info.integrity}"
    )
    return 0


def export(args: argparse.Namespace) -> int:
    from bot.core.i18n import Translator
    from bot.core.places import load_catalog
    from bot.ops.figures import EXPORT_FILES
    from bot.ops.figures import export as write_export

    config = _config(args)
    directory: Path = args.directory
    _refuse_existing([directory / name for name in EXPORT_FILES], args.force)

    async def go() -> dict[str, int]:
        db = await _open_current(config)
        try:
            _directory(directory)
            t = Translator(config.bot.default_language, config.bot.timezone).texts(None)
            return await write_export(
                db, config, load_catalog(), t, directory, with_names=args.with_names
            )
        finally:
            await db.close()

    counts = asyncio.run(go())
    for name, count in counts.items():
        print(f"{directory / name}: {count} rows")
    if args.with_names:
        print("note: rsvps.csv contains names: personal data, keep it safe and delete it after use")
    return 0


def stats(args: argparse.Namespace) -> int:
    from bot.core.places import load_catalog
    from bot.ops.figures import collect, current_year, render_plain, to_json

    config = _config(args)

    async def go() -> str:
        db = await _open_current(config)
        try:
            year = args.year or current_year(db.now(), config.bot.timezone)
            result = await collect(
                db, config, load_catalog(), year=year, language=config.bot.default_language
            )
        finally:
            await db.close()
        if args.json:
            return json.dumps(to_json(result), ensure_ascii=False, indent=2)
        return render_plain(result)

    print(asyncio.run(go()))
    return 0


def report(args: argparse.Namespace) -> int:
    from bot.core.i18n import Translator
    from bot.core.places import load_catalog
    from bot.ops.year_report import build, chart_png, report_csv

    config = _config(args)
    year: int = args.year
    if not 2000 <= year <= 2100:
        raise CliError(f"year {year}: expected a year like 2026")
    out: Path = args.out
    csv_path = out / f"participation_{year}.csv"
    png_path = out / f"participation_{year}.png"
    _refuse_existing([csv_path, png_path], args.force)
    language = args.language or config.bot.default_language

    async def go() -> tuple[int, int]:
        db = await _open_current(config)
        try:
            t = Translator(config.bot.default_language, config.bot.timezone).texts(language)
            result = await build(db, config, load_catalog(), t, year)
        finally:
            await db.close()
        _directory(out)
        csv_path.write_bytes(report_csv(result))
        png_path.write_bytes(await asyncio.to_thread(chart_png, result, t))
        return len(result.lines), len(result.section("municipality"))

    lines, municipalities = asyncio.run(go())
    print(f"{csv_path}: {lines} rows ({municipalities} municipalities)")
    print(f"{png_path}: chart")
    return 0


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "backup": backup,
    "export": export,
    "stats": stats,
    "report": report,
}
