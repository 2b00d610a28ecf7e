"""What every `python -m bot …` subcommand shares: one way to register it, its configuration,
its environment, and one-line failures.

A subcommand module has a `register(sub)` that adds its parser with `add_command`, naming the
function that runs it; bot/cli/main.py calls every module's `register` and runs the chosen one.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

from bot.core.config import Config, ConfigError, load_config
from bot.environment import Environment, environment
from storage.db import DatabaseError

__all__ = [
    "EXIT_CONFIG",
    "EXIT_FAILED",
    "CliError",
    "Command",
    "Subcommands",
    "add_command",
    "config_of",
    "opened",
    "publishing_admin",
    "run_import",
    "sheet_refused",
]

EXIT_CONFIG = 2  # bad input or configuration
EXIT_FAILED = 1  # the work itself failed

Command = Callable[[argparse.Namespace], int]


class SheetProblem(Protocol):
    """One problem of an imported sheet: its row (0: the file as a whole) and what is wrong."""

    @property
    def row(self) -> int: ...

    @property
    def message(self) -> str: ...


class Subcommands(Protocol):
    """What `ArgumentParser.add_subparsers()` returns, as far as commands use it."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


class CliError(Exception):
    """An operator-facing failure: printed as one line, no traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_CONFIG) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_command(
    sub: Subcommands, name: str, run: Command | None, *, config: bool = True, **kwargs: Any
) -> argparse.ArgumentParser:
    """A subcommand `name` that `run` carries out (None: it has actions of its own), with
    `--config PATH` unless told otherwise."""
    parser = sub.add_parser(name, **kwargs)
    if config:
        parser.add_argument(
            "--config",
            type=Path,
            metavar="PATH",
            help="TOML configuration file (see config.example.toml)",
        )
    if run is not None:
        parser.set_defaults(run=run)
    return parser


def config_of(args: argparse.Namespace) -> Config:
    path: Path | None = getattr(args, "config", None)
    try:
        return load_config(path, os.environ)
    except ConfigError as exc:
        raise CliError(str(exc)) from None


@asynccontextmanager
async def opened(
    config: Config, *, migrate: bool = True, readonly: bool = False, current: bool = False
) -> AsyncIterator[Environment]:
    """The environment for one command. `current`: refuse a database whose schema is behind
    this program (read-only commands must not migrate a database the bot may be using)."""
    try:
        async with environment(config, migrate=migrate, readonly=readonly) as env:
            if current:
                status = await env.db.schema_status()
                if status.pending:
                    raise CliError(
                        f"database: {config.storage.where} has schema version {status.current}, "
                        f"this program needs {status.latest}; run `python -m bot migrate` first"
                    )
            yield env
    except DatabaseError as exc:
        raise CliError(f"database: {exc}") from None


# Sheet imports (`events import`, `grants import`, `calls import`): the same contract for each —
# the whole sheet is checked first, a dry run prints what would be created, `--publish` creates
# as the configured admin and prints one id per line.


def sheet_refused(path: Path, problems: Sequence[SheetProblem], verb: str) -> CliError:
    """Every problem of a sheet, one line each, and that nothing was `verb` (exit 2)."""
    lines = [f"row {p.row}: {p.message}" if p.row else p.message for p in problems]
    return CliError(f"{path}: {len(problems)} problem(s), nothing was {verb}:\n" + "\n".join(lines))


def publishing_admin(config: Config, *, signs: str | None = None) -> int:
    """Who `--publish` publishes as: the configured admin (the lowest id when there are several).
    `signs`: what the bot token signs in what is published (it is needed then)."""
    if not config.bot.admins:
        raise CliError("--publish needs an administrator: set [bot] admins in the config")
    if signs is not None and not config.telegram.token:
        raise CliError(f"--publish needs the bot token (it signs {signs})")
    return min(config.bot.admins)


def run_import(
    args: argparse.Namespace, importer: Callable[[argparse.Namespace, Config], str]
) -> int:
    """Run a sheet import: its output (the dry run's summary) on stdout; a database failure is
    one line."""
    config = config_of(args)
    try:
        output = importer(args, config)
    except DatabaseError as exc:
        raise CliError(f"database: {exc}") from None
    if output:
        print(output)
    return 0
