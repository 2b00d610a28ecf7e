"""What the command-line subcommands do; argument parsing lives in `bot.__main__`."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import Config, ConfigError, load_config
from bot.logs import configure_logging
from storage.db import Database, DatabaseError

__all__ = ["CliError", "check", "demo", "migrate", "run"]

EXIT_CONFIG = 2


class CliError(Exception):
    """An operator-facing failure: printed as one line, no traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_CONFIG) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _config(args: argparse.Namespace) -> Config:
    path: Path | None = getattr(args, "config", None)
    try:
        return load_config(path, os.environ)
    except ConfigError as exc:
        raise CliError(str(exc)) from None


async def _open_db(config: Config, *, migrate: bool = True) -> Database:
    try:
        return await Database.open(config.storage.path, migrate=migrate)
    except DatabaseError as exc:
        raise CliError(f"database: {exc}") from None


async def _reach_bot_api(config: Config) -> str:
    """getMe against the configured server; returns the bot's username."""
    bot = Bot(
        config.telegram.token,
        base_url=config.telegram.base_url,
        base_file_url=config.telegram.base_file_url,
    )
    try:
        async with bot:
            return bot.username
    except InvalidToken:
        raise CliError(f"{config.source}: telegram.token: the server rejected the token") from None
    except NetworkError as exc:
        raise CliError(
            f"{config.source}: telegram.base_url: cannot reach {config.telegram.base_url} "
            f"({type(exc).__name__})"
        ) from None
    except TelegramError as exc:
        raise CliError(f"{config.source}: telegram.base_url: {exc.message}") from None


def _require_token(config: Config) -> None:
    if not config.telegram.token:
        raise CliError(
            f"{config.source}: telegram.token: no bot token (set it, or TELEGRAM_BOT_TOKEN); "
            "`python -m bot demo` runs without one against the local stand-in"
        )


def run(args: argparse.Namespace) -> int:
    from bot.app import build_application

    config = _config(args)
    configure_logging(config.bot.log_level, as_json=config.bot.log_json)
    _require_token(config)
    if args.webhook:
        from bot.webhook import WebhookConfigError, webhook_path

        try:
            webhook_path(config)
        except WebhookConfigError as exc:
            raise CliError(str(exc)) from None

    async def preflight() -> None:
        db = await _open_db(config)
        await db.close()
        await _reach_bot_api(config)

    asyncio.run(preflight())
    application = build_application(config)
    if args.webhook:
        from bot.webhook import run_webhook

        run_webhook(application, config)
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def migrate(args: argparse.Namespace) -> int:
    config = _config(args)

    async def go() -> None:
        db = await _open_db(config, migrate=False)
        try:
            applied = await db.migrate()
            status = await db.schema_status()
        finally:
            await db.close()
        for migration in applied:
            print(f"applied {migration.version:04d}_{migration.name}")
        print(f"{config.storage.path}: schema version {status.current} (up to date)")

    asyncio.run(go())
    return 0


def check(args: argparse.Namespace) -> int:
    """Validate without changing anything: config, database and schema, Bot API reachability."""
    config = _config(args)
    problems: list[str] = []
    print(f"configuration {config.source}: ok")

    async def go() -> None:
        path = config.storage.path
        if not path.exists():
            print(f"database {path}: does not exist yet (created on first run)")
        else:
            try:
                db = await Database.open(path, migrate=False, readonly=True)
            except DatabaseError as exc:
                problems.append(f"database: {exc}")
            else:
                status = await db.schema_status()
                await db.close()
                pending = f", {status.pending} migration(s) pending" if status.pending else ""
                print(f"database {path}: schema version {status.current}{pending}")
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
    from bot.demo import run_demo

    return asyncio.run(run_demo(keep_running=args.keep_running))


def events(args: argparse.Namespace) -> int:
    from bot.cli_events import ImportError_, import_events

    config = _config(args)
    try:
        output = import_events(args, config)
        if output:
            print(output)
    except ImportError_ as exc:
        raise CliError(str(exc)) from None
    except DatabaseError as exc:
        raise CliError(f"database: {exc}") from None
    return 0


def announce(args: argparse.Namespace) -> int:
    from bot.cli_announce import AnnounceError, status
    from bot.cli_announce import announce as queue_announcement

    config = _config(args)
    try:
        if args.status is not None:
            print(asyncio.run(status(args.status, config)))
        else:
            print(asyncio.run(queue_announcement(args, config)))
    except AnnounceError as exc:
        raise CliError(str(exc)) from None
    except DatabaseError as exc:
        raise CliError(f"database: {exc}") from None
    return 0
