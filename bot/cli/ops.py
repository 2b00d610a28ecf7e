"""Operations subcommands: `backup`, `export`, `stats` and `report` (see docs in `add_parsers`).

Every failure is a `CliError`: one line on stderr, exit 2 for bad input or configuration, exit 1
when the work itself failed (a backup whose copy does not pass PRAGMA integrity_check).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from bot.cli.common import EXIT_FAILED, CliError, Subcommands, add_command, config_of, opened
from bot.core.config import SUPPORTED_LANGUAGES
from storage.db import DatabaseError

__all__ = ["backup", "export", "register", "report", "stats"]


def register(sub: Subcommands) -> None:
    backup_p = add_command(
        sub,
        "backup",
        backup,
        help="copy the database consistently, also while the bot runs",
        description="Copy the database with SQLite's online backup API (one consistent "
        "snapshot while the bot keeps running), check the copy with PRAGMA integrity_check "
        "and only then put it at PATH. Exit 0 ok, 1 the copy failed its check, 2 bad input.",
    )
    backup_p.add_argument("path", type=Path, metavar="PATH", help="the backup file to write")
    backup_p.add_argument("--force", action="store_true", help="replace an existing PATH")

    export_p = add_command(
        sub,
        "export",
        export,
        help="CSV files of events, RSVPs and feedback",
        description="Write events.csv, rsvps.csv and feedback.csv (UTF-8 with BOM) into DIR. "
        "RSVPs carry a pseudonym valid within this export only, not the Telegram id; names "
        "only with --with-names. Feedback is anonymous.",
    )
    export_p.add_argument("directory", type=Path, metavar="DIR", help="created if missing")
    export_p.add_argument("--with-names", action="store_true", help="add names and usernames")
    export_p.add_argument(
        "--language",
        choices=SUPPORTED_LANGUAGES,
        help="column names and words such as yes / no (default: bot.default_language)",
    )
    export_p.add_argument("--force", action="store_true", help="replace existing files")

    stats_p = add_command(
        sub,
        "stats",
        stats,
        help="subscribers by region and theme; events, answer and feedback rates this year",
    )
    stats_p.add_argument("--year", type=int, help="calendar year (default: this year)")
    stats_p.add_argument("--json", action="store_true", help="JSON instead of text")

    report_p = add_command(
        sub,
        "report",
        report,
        help="year-end participation report (CSV + PNG chart)",
        description="Per municipality, theme and association: events, answers, people "
        "coming and feedback of the year's published events. Writes "
        "participation_YEAR.csv and participation_YEAR.png into DIR.",
    )
    report_p.add_argument("year", type=int, metavar="YEAR")
    report_p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    report_p.add_argument(
        "--language",
        choices=SUPPORTED_LANGUAGES,
        help="column names, names and chart texts (default: bot.default_language)",
    )
    report_p.add_argument("--force", action="store_true", help="replace existing files")


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

    config = config_of(args)
    if config.storage.url:
        raise CliError(
            f"backup: the database is PostgreSQL ({config.storage.where}): back it up with "
            "pg_dump (or `python -m bot copy-db --to FILE` for an SQLite copy)"
        )
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
    from bot.ops.figures import EXPORT_FILES
    from bot.ops.figures import export as write_export

    config = config_of(args)
    directory: Path = args.directory
    _refuse_existing([directory / name for name in EXPORT_FILES], args.force)

    async def go() -> dict[str, int]:
        async with opened(config, readonly=True, current=True) as env:
            _directory(directory)
            t = env.translator.texts(args.language or config.bot.default_language)
            return await write_export(
                env.db, config, env.catalog, t, directory, with_names=args.with_names
            )

    counts = asyncio.run(go())
    for name, count in counts.items():
        print(f"{directory / name}: {count} rows")
    if args.with_names:
        print("note: rsvps.csv contains names: personal data, keep it safe and delete it after use")
    return 0


def stats(args: argparse.Namespace) -> int:
    from bot.ops.figures import collect, current_year, render_plain, to_json

    config = config_of(args)

    async def go() -> str:
        async with opened(config, readonly=True, current=True) as env:
            year = args.year or current_year(env.db.now(), config.bot.timezone)
            result = await collect(
                env.db, config, env.catalog, year=year, language=config.bot.default_language
            )
        if args.json:
            return json.dumps(to_json(result), ensure_ascii=False, indent=2)
        return render_plain(result)

    print(asyncio.run(go()))
    return 0


def report(args: argparse.Namespace) -> int:
    from bot.ops import directory_figures, volunteer_figures
    from bot.ops.figures import year_bounds
    from bot.ops.year_report import build, chart_png, report_csv

    config = config_of(args)
    year: int = args.year
    if not 2000 <= year <= 2100:
        raise CliError(f"year {year}: expected a year like 2026")
    out: Path = args.out
    csv_path = out / f"participation_{year}.csv"
    png_path = out / f"participation_{year}.png"
    directory_path = out / f"directory_{year}.csv"
    volunteering_path = out / f"volunteering_{year}.csv"
    _refuse_existing([csv_path, png_path, directory_path, volunteering_path], args.force)
    language = args.language or config.bot.default_language

    async def go() -> tuple[int, int]:
        async with opened(config, readonly=True, current=True) as env:
            t = env.translator.texts(language)
            result = await build(env.db, config, env.catalog, t, year)
            since, until = year_bounds(year, config.bot.timezone)
            listed = await directory_figures.collect(
                env.db, config, env.catalog, since, until, language
            )
            volunteering = await volunteer_figures.collect(
                env.db, config, env.catalog, since, until, language
            )
        _directory(out)
        directory_path.write_bytes(directory_figures.csv_report(listed, year, t))
        volunteering_path.write_bytes(volunteer_figures.csv_report(volunteering, year, t))
        csv_path.write_bytes(report_csv(result, t))
        png_path.write_bytes(await asyncio.to_thread(chart_png, result, t, volunteering))
        return len(result.lines), len(result.section("municipality"))

    lines, municipalities = asyncio.run(go())
    print(f"{csv_path}: {lines} rows ({municipalities} municipalities)")
    print(f"{png_path}: chart")
    print(f"{directory_path}: listed associations and searches that found nothing")
    print(f"{volunteering_path}: volunteer calls, shifts and hours")
    return 0
