"""`python -m bot announce`: queue an announcement from a script or cron job, or show progress."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.announcements.html_text import HtmlError, plain_text
from bot.announcements.service import Content, check_content, queue
from bot.audience.parsing import ROLE_WORDS, UnknownPlace, parse_options
from bot.audience.recipients import count
from bot.cli.common import CliError, Subcommands, add_command, config_of, opened
from bot.core.config import Config
from bot.core.dates import DateError, parse_datetime
from bot.core.place_search import PlaceIndex
from bot.core.places import load_catalog
from storage import broadcasts
from storage.db import DatabaseError

__all__ = ["AnnounceError", "announce", "register", "run", "status"]


class AnnounceError(ValueError):
    pass


_UNKNOWN_PLACE = {
    "municipality": "--municipality: no municipality called {name!r}",
    "region": "--region: no region or wellbeing county called {name!r}",
}


def _content(args: argparse.Namespace) -> Content:
    if args.text_file is not None:
        try:
            text = Path(args.text_file).read_text("utf-8")
        except OSError as exc:
            raise AnnounceError(f"--text-file: {exc.strerror or exc}") from None
    elif args.text is not None:
        text = args.text
    else:
        raise AnnounceError("give the text with --text or --text-file")
    try:
        plain = plain_text(text.strip())
    except HtmlError as exc:
        raise AnnounceError(f"the text is not valid Telegram HTML: {exc}") from None
    content = Content(text.strip(), len(plain.strip()))
    problem = check_content(content)
    if problem == "empty":
        raise AnnounceError("the text is empty")
    if problem is not None:
        raise AnnounceError(f"the text is {content.plain_length} characters; Telegram allows 4096")
    return content


async def announce(args: argparse.Namespace, config: Config) -> str:
    if not (args.municipality or args.region or args.theme or args.all or args.event or args.role):
        raise AnnounceError(
            "choose an audience: --municipality, --region, --theme, --all, --event or --role"
        )
    role = ROLE_WORDS.get(args.role.casefold()) if args.role else None
    if args.role and role is None:
        raise AnnounceError(
            f"--role: unknown role {args.role!r} (known: contacts, coordinators, associations)"
        )
    unknown = [t for t in args.theme if config.bot.theme(t) is None]
    if unknown:
        known = ", ".join(t.id for t in config.bot.themes)
        raise AnnounceError(f"--theme: unknown theme {unknown[0]!r} (known: {known})")
    catalog = load_catalog()
    try:
        spec = parse_options(
            PlaceIndex(catalog),
            municipalities=args.municipality,
            regions=args.region,
            themes=args.theme,
            everyone=bool(args.all),
            event_id=args.event,
            role=role,
        )
    except UnknownPlace as exc:
        raise AnnounceError(_UNKNOWN_PLACE[exc.kind].format(name=exc.name)) from None
    content = _content(args)
    async with opened(config) as env:
        db = env.db
        at = None
        if args.at:
            try:
                at = parse_datetime(args.at, datetime.now(UTC), config.bot.timezone)
            except DateError as exc:
                reason = (
                    "is in the past"
                    if exc.reason == "past"
                    else "is not a time like '2026-12-01 18:00'"
                )
                raise AnnounceError(f"--at: {args.at!r} {reason}") from None
        size = await count(db, catalog, spec)
        if size == 0:
            if role is not None:
                raise AnnounceError(f"nobody is in that audience ({role}); nothing was queued")
            raise AnnounceError("no subscribed chat matches that audience; nothing was queued")
        broadcast_id, queued = await queue(
            db,
            catalog,
            spec,
            content,
            created_by=None,
            report_chat_id=None,
            at=at.timestamp() if at else None,
        )
    when = f"at {at:%Y-%m-%d %H:%M %Z}" if at else "now"
    return f"audience: {queued} chats\nbroadcast: {broadcast_id}\nsending: {when}"


async def status(broadcast_id: int, config: Config) -> str:
    async with opened(config, readonly=True, current=True) as env:
        found = await broadcasts.broadcast(env.db, broadcast_id)
        if found is None:
            raise AnnounceError(f"--status: there is no broadcast {broadcast_id}")
        p = await broadcasts.progress(env.db, broadcast_id)
    return (
        f"broadcast {broadcast_id}: {found.state}\n"
        f"sent {p.sent}, blocked {p.blocked}, not found {p.not_found}, "
        f"other failures {p.failed + p.skipped - p.blocked - p.not_found}, "
        f"remaining {p.pending} of {p.total}, "
        f"may have arrived twice {p.maybe_twice}"
    )


def run(args: argparse.Namespace) -> int:
    config = config_of(args)
    try:
        if args.status is not None:
            print(asyncio.run(status(args.status, config)))
        else:
            print(asyncio.run(announce(args, config)))
    except AnnounceError as exc:
        raise CliError(str(exc)) from None
    except DatabaseError as exc:
        raise CliError(f"database: {exc}") from None
    return 0


def register(sub: Subcommands) -> None:
    parser = add_command(
        sub,
        "announce",
        run,
        help="queue an announcement for the running bot (or show a broadcast's progress)",
        description="Queue an announcement; the running bot's delivery worker sends it "
        "within a second or two. Text is Telegram HTML (<b>, <i>, <a href>).",
    )
    target = parser.add_argument_group("audience (areas and themes combine)")
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
    target.add_argument(
        "--role",
        metavar="ROLE",
        help="instead of subscribers: 'contacts' (listed contact people), 'coordinators' or "
        "'associations' (groups with a published directory listing), in the areas given "
        "(without areas: everywhere); Finnish and Swedish words work too",
    )
    text = parser.add_mutually_exclusive_group()
    text.add_argument("--text", help="the announcement text")
    text.add_argument("--text-file", type=Path, metavar="PATH", help="read the text from a file")
    parser.add_argument(
        "--at",
        metavar="TIME",
        help="send later: '2026-12-01 18:00' or '1.12.2026 18.00' (local time)",
    )
    parser.add_argument(
        "--status", type=int, metavar="ID", help="print the progress of broadcast ID instead"
    )
