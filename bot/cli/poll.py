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
from pathlib import Path

from bot.cli.common import CliError, Subcommands, add_command, config_of, opened
from bot.core.config import Config
from bot.core.i18n import LANGUAGES, Translator
from bot.core.places import load_catalog
from bot.polls import report as poll_report
from bot.polls import report_csv as poll_report_csv
from bot.polls import report_text as poll_report_text
from storage import polls

__all__ = ["register", "results", "run"]

_TAG = re.compile(r"</?[a-z]+[^>]*>")


def register(sub: Subcommands) -> None:
    poll = add_command(sub, "poll", None, config=False, help="audience polls from the command line")
    actions = poll.add_subparsers(dest="poll_command", required=True, metavar="ACTION")
    shown = add_command(
        actions,
        "results",
        run,
        help="print a poll's results (and write its answers as CSV)",
        description="Print poll ID's results as its coordinators see them: answers per "
        "option with percentages, the response rate, splits by municipality, theme and "
        "association (groups under 3 answers merged on anonymous polls) and free-text "
        "answers. --csv also writes one row per respondent and question (no names on "
        "anonymous polls).",
    )
    shown.add_argument("id", type=int, metavar="ID", help="the poll's number (/polls lists them)")
    shown.add_argument("--csv", type=Path, metavar="PATH", help="write the answers to this file")
    shown.add_argument(
        "--language",
        choices=LANGUAGES,
        help="language of the labels and the CSV (default: bot.default_language)",
    )


def _plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


async def _load(poll_id: int, config: Config) -> tuple[poll_report.Results, int]:
    async with opened(config, readonly=True, current=True) as env:
        poll = await polls.get(env.db, poll_id)
        if poll is None:
            raise CliError(f"no poll {poll_id}")
        return await poll_report.build(env.db, poll), env.db.now()


def results(args: argparse.Namespace, config: Config) -> str:
    """The results as plain text (and the CSV written, when asked)."""
    if not config.storage.url and not config.storage.path.exists():
        raise CliError(f"database {config.storage.path}: does not exist")
    built, now = asyncio.run(_load(args.id, config))
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
    print(results(args, config_of(args)))
    return 0
