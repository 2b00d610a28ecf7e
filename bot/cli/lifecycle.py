"""The bot's life cycle from the command line: `run`, `demo`, `migrate` and `check`."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace
from http import HTTPStatus

from telegram import Bot
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILED,
    CliError,
    Subcommands,
    add_command,
    config_of,
    opened,
)
from bot.core.config import Config
from bot.core.logs import configure_logging
from bot.delivery.ratelimit import retry_seconds
from bot.runtime.poller_lock import (
    ProcessLock,
    ProcessLockRefused,
    hold_polling,
    hold_polling_url,
    hold_webhook,
    hold_webhook_url,
)
from storage.backend import open_database
from storage.db import Database, DatabaseError

__all__ = ["check", "demo", "migrate", "register", "run"]

CHECK_TIMEOUT = 10.0


async def _open_db(config: Config, *, migrate: bool = True) -> Database:
    try:
        return await open_database(config.storage.path, config.storage.url, migrate=migrate)
    except DatabaseError as exc:
        raise CliError(f"database: {exc}") from None


async def _reach_bot_api(config: Config) -> str:
    """getMe against the configured server; returns the bot's username. Every way it can fail
    is one CliError naming the problem: never a traceback. No retries: check reports."""
    from bot.delivery.http_client import (
        AiohttpRequest,
        AnswerLost,
        ConnectionDropped,
        InvalidServerResponse,
        NotSent,
        ServerError,
        answer_statuses,
    )

    url = config.telegram.base_url
    request = AiohttpRequest(connection_pool_size=1, read_timeout=CHECK_TIMEOUT)
    bot = Bot(
        config.telegram.token,
        base_url=url,
        base_file_url=config.telegram.base_file_url,
        request=request,
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )
    where = f"{config.source}: telegram.base_url"
    statuses: list[int] = []
    try:
        with answer_statuses(statuses):
            async with bot:
                return bot.username
    except InvalidToken as exc:
        raise _refused(config, exc) from None
    except TimedOut:
        raise CliError(f"{where}: {url} did not answer within {CHECK_TIMEOUT:g} s") from None
    except ServerError as exc:
        raise CliError(f"{where}: {url} answers a server error: {exc.message}") from None
    except InvalidServerResponse:
        raise CliError(
            f"{where}: {url} answers something that is not the Bot API (not JSON; a web page?)"
        ) from None
    except RetryAfter as exc:
        raise CliError(
            f"{where}: {url} asks to wait {retry_seconds(exc):.0f} s (429 Too Many Requests); "
            "try again later"
        ) from None
    except TelegramError as exc:
        if not statuses or isinstance(exc, NotSent | ConnectionDropped | AnswerLost):
            # No answer at all: refused, unreachable, a name that does not resolve, TLS.
            raise CliError(f"{where}: cannot reach {url} ({exc.message.split(':')[0]})") from None
        # An answer, but not one a Bot API server gives to getMe (a redirect, 400, 403, 409…).
        raise CliError(
            f"{where}: {url} answers getMe with {_status_text(statuses[-1])}: not a Bot API "
            "server answer (is the address right?)"
        ) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # A 200 answer python-telegram-bot could not read as a User.
        raise CliError(
            f"{where}: {url} answered getMe with a document that is not a Bot API User "
            f"({type(exc).__name__})"
        ) from None


def _status_text(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _refused(config: Config, error: InvalidToken) -> CliError:
    """PTB raises InvalidToken for 401 and 404 alike (getMe's, re-raised with it as the cause):
    a 404 means the address is not a Bot API server's, not that the token is wrong."""
    if "not found" in str(error.__cause__ or error).lower():
        return CliError(
            f"{config.source}: telegram.base_url: {config.telegram.base_url} answers 404 Not "
            "Found: not a Bot API server address (it should end in /bot, as "
            "https://api.telegram.org/bot)"
        )
    return CliError(f"{config.source}: telegram.token: the server rejected the token")


def _require_token(config: Config) -> None:
    if not config.telegram.token:
        raise CliError(
            f"{config.source}: telegram.token: no bot token (set it, or TELEGRAM_BOT_TOKEN); "
            "`python -m bot demo` runs without one against the local stand-in"
        )


def run(args: argparse.Namespace) -> int:
    config = config_of(args)
    if args.port is not None:
        if not args.webhook:
            raise CliError("--port: only with --webhook (the port of the local webhook server)")
        # One configuration for N processes on one host, each on its own port (deploy/).
        config = replace(config, webhook=replace(config.webhook, port=args.port))
    configure_logging(config.bot.log_level, as_json=config.bot.log_json)
    _require_token(config)
    if args.webhook:
        from bot.runtime.webhook import WebhookConfigError, webhook_path

        try:
            webhook_path(config)
        except WebhookConfigError as exc:
            raise CliError(str(exc)) from None

    # Before anything else touches the database: a refused process starts nothing.
    with _process_lock(config, webhook=args.webhook):
        return _serve(config, webhook=args.webhook)


def _process_lock(config: Config, *, webhook: bool) -> ProcessLock:
    """One poller per database, or any number of webhook processes (bot/runtime/poller_lock.py),
    held until the process ends: in PostgreSQL when the database is there (the processes may be
    on several hosts), else beside the SQLite file."""
    try:
        if config.storage.url:
            hold_url = hold_webhook_url if webhook else hold_polling_url
            return hold_url(config.storage.url, config.storage.where)
        hold = hold_webhook if webhook else hold_polling
        return hold(config.storage.path)
    except ProcessLockRefused as exc:
        raise CliError(str(exc)) from None


def _serve(config: Config, *, webhook: bool) -> int:
    from bot.app import build_application

    async def preflight() -> None:
        async with opened(config):
            pass

    asyncio.run(preflight())
    application = build_application(config)
    try:
        if webhook:
            from bot.runtime.webhook import run_webhook

            run_webhook(application, config)
        else:
            from bot.runtime.runner import polling, serve_until_stopped

            asyncio.run(serve_until_stopped(application, polling()))
    except InvalidToken as exc:
        # Anything else at start-up is waited out (bot/runtime/startup.py); a refused token is
        # not, nor an address that is not a Bot API server (404).
        raise _refused(config, exc) from None
    return 0


def migrate(args: argparse.Namespace) -> int:
    config = config_of(args)

    async def go() -> None:
        db = await _open_db(config, migrate=False)
        try:
            applied = await db.migrate()
            status = await db.schema_status()
        except DatabaseError as exc:
            # What was applied stays applied (each migration commits on its own).
            raise CliError(f"database: {exc}", EXIT_FAILED) from None
        finally:
            await db.close()
        for migration in applied:
            print(f"applied {migration.version:04d}_{migration.name}")
        print(f"{config.storage.where}: schema version {status.current} (up to date)")

    asyncio.run(go())
    return 0


def check(args: argparse.Namespace) -> int:
    """Validate without changing anything: config, database and schema, Bot API reachability."""
    config = config_of(args)
    problems: list[str] = []
    print(f"configuration {config.source}: ok")

    async def go() -> None:
        storage = config.storage
        if not storage.url and not storage.path.exists():
            print(f"database {storage.path}: does not exist yet (created on first run)")
        else:
            # Not `opened`: check reports a problem and goes on to the Bot API instead of stopping.
            try:
                db = await open_database(storage.path, storage.url, migrate=False, readonly=True)
            except DatabaseError as exc:
                problems.append(f"database: {exc}")
            else:
                try:
                    status = await db.schema_status()
                finally:
                    await db.close()
                pending = f", {status.pending} migration(s) pending" if status.pending else ""
                print(f"database {storage.where}: schema version {status.current}{pending}")
        if not config.telegram.token:
            problems.append(f"{config.source}: telegram.token: no bot token")
            return
        try:
            username = await _reach_bot_api(config)
        except CliError as exc:
            problems.append(str(exc))
        else:
            print(f"bot api {config.telegram.base_url}: ok (@{username})")

    asyncio.run(go())
    for problem in problems:
        print(f"problem: {problem}")
    return EXIT_CONFIG if problems else 0


def demo(args: argparse.Namespace) -> int:
    from bot.demo.script import run_demo

    return asyncio.run(run_demo(keep_running=args.keep_running))


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r} (1-65535)")
    return port


def register(sub: Subcommands) -> None:
    run_p = add_command(sub, "run", run, help="run the bot (long polling)")
    run_p.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates through a webhook instead (see [webhook])",
    )
    run_p.add_argument(
        "--port",
        type=_port,
        help="with --webhook: serve on this port instead of webhook.port (one per process)",
    )
    demo_p = add_command(
        sub,
        "demo",
        demo,
        config=False,
        help="run a scripted conversation against the local stand-in",
    )
    demo_p.add_argument(
        "--keep-running",
        action="store_true",
        help="stay up afterwards and print how to talk to the bot",
    )
    add_command(sub, "migrate", migrate, help="create or upgrade the database schema")
    add_command(sub, "check", check, help="validate the configuration and the database")
