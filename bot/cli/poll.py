"""`python -m bot poll results ID [--csv PATH]`: a poll's results for operators, as the
coordinator sees them in chat (plain text), and optionally its answers as CSV.

Exit 0 with the results on stdout; exit 2 with one line on stderr for a bad configuration, a
poll that does not exist or a CSV file that cannot be written.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import html
import io
import re
from collections.abc import Callable
from pathlib import Path

from bot.cli.core import CliError, _config
from bot.core.config import Config
from bot.core.i18n import LANGUAGES, Translator
from bot.core.places import load_catalog
from bot.polls import report as poll_report
from bot.polls import report_csv as poll_report_csv
from bot.polls import report_text as poll_report_text
from storage import polls
from storage.db import Database, DatabaseError

__all__ = ["HANDLERS", "add_parsers", "results"]

_TAG = re.compile(r"</?[a-z]+[^>]*>")


def add_parsers(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    with_config: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> None:
    poll = sub.add_parser("poll", help="audience polls from the command line")
    actions = poll.add_subparsers(dest="poll_command", required=True, metavar="ACTION")
    shown = with_config(
        actions.add_parser(
            "results",
            help="print a poll's results (and write its answers as CSV)",
            description="Print poll ID's results as its coordinators see them: answers per "
            "option with percentages, the response rate, splits by municipality, theme and "
            "association (groups under 3 answers merged on anonymous polls) and free-text "
            "answers. --csv also writes one row per respondent and question (no names on "
            "anonymous polls).",
        )
    )
    shown.add_argument("id", type=int, metavar="ID", help="the poll's number (/polls lists them)")
    shown.add_argument("--csv", type=Path, metavar="PATH", help="write the answers to this file")
    shown.add_argument(
        "--language",
        choices=LANGUAGES,
        help="language of the labels (default: bot.default_language)",
    )


def _plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


async def _load(poll_id: int, path: Path) -> tuple[poll_report.Results, int]:
    try:
        db = await Database.open(path, migrate=False, readonly=True)
    except DatabaseError as exc:
        raise CliError(f"database: {exc}") from None
    try:
        status = await db.schema_status()
        if status.pending:
            raise CliError(
                f"database {path}: schema version {status.current}, {status.pending} "
                "migration(s) pending (run `python -m bot migrate`)"
            )
        poll = await polls.get(db, poll_id)
        if poll is None:
            raise CliError(f"no poll {poll_id}")
        return await poll_report.build(db, poll), db.now()
    finally:
        await db.close()


def results(args: argparse.Namespace, config: Config) -> str:
    """The results as plain text (and the CSV written, when asked)."""
    if not config.storage.path.exists():
        raise CliError(f"database {config.storage.path}: does not exist")
    built, now = asyncio.run(_load(args.id, config.storage.path))
    translator = Translator(config.bot.default_language, config.bot.timezone)
    t = translator.texts(args.language or config.bot.default_language)
    catalog = load_catalog()
    text = _plain(poll_report_text.render(built, t, catalog, config.bot.themes, now=now, full=True))
    if args.csv is not None:
        data = poll_report_csv.answers_csv(built, t, catalog, config.bot.themes)
        try:
            Path(args.csv).write_bytes(data)
        except OSError as exc:
            raise CliError(f"--csv {args.csv}: {exc.strerror or exc}") from None
        rows = sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig")))) - 1
        text += f"\n\nwrote {rows} rows to {args.csv}"
    return text


def run(args: argparse.Namespace) -> int:
    print(results(args, _config(args)))
    return 0


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {"poll": run}
