"""The one place that opens the database the configuration names: the SQLite file
(storage/db.py's `Database`) or, when a PostgreSQL URL is given, storage/pg_db.py's `PgDatabase`.

The bot (bot/environment.py) and every `python -m bot …` command come here, so both backends are
opened, migrated and refused the same way. A server that cannot be reached or refuses the login is
one DatabaseError line naming the URL without its password and libpq's reason (the pool alone
would only time out, after its full timeout, without saying why).

psycopg is the `postgres` extra: it is imported only when a URL is given.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from pathlib import Path

from storage.database_url import redact
from storage.db import Database
from storage.schema import DatabaseError

__all__ = ["connect_failure", "open_database"]

CONNECT_TIMEOUT = 10  # seconds; libpq's connect_timeout takes whole seconds
# libpq prefixes its reason with where it tried; the URL we print already says that.
_WHERE = re.compile(r"^(?:connection failed: )?connection to server (?:at|on) .*? failed: ")


async def open_database(
    path: Path,
    url: str = "",
    *,
    migrate: bool = True,
    readonly: bool = False,
    clock: Callable[[], float] = time.time,
) -> Database:
    """The SQLite database at `path`, or the PostgreSQL database at `url` when it is not empty,
    migrated unless told otherwise. `readonly` is SQLite's (the file opened read-only); on
    PostgreSQL it only means "do not migrate"."""
    if not url:
        return await Database.open(path, migrate=migrate, readonly=readonly, clock=clock)
    try:
        from storage.pg_db import PgDatabase
    except ImportError:
        raise DatabaseError(
            "a PostgreSQL URL needs psycopg: pip install 'jarjestobotti[postgres]'"
        ) from None
    await asyncio.to_thread(_probe, url)
    return await PgDatabase.open(url, migrate=migrate and not readonly, clock=clock)


def _probe(url: str) -> None:
    """One plain connection first: libpq's own reason (wrong password, unknown database,
    refused, no such host) at once, where the pool would retry until its timeout."""
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT).close()
    except psycopg.Error as exc:
        raise DatabaseError(connect_failure(url, exc)) from None


def connect_failure(url: str, error: BaseException) -> str:
    """`cannot connect to PostgreSQL at URL: reason`, one line, the password never in it."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = _WHERE.sub("", lines[0]) if lines else type(error).__name__
    reason = re.sub(r"^(?:FATAL|ERROR):\s+", "", reason)
    password = _password(url)
    if password:
        reason = reason.replace(password, "***")
    return f"cannot connect to PostgreSQL at {redact(url)}: {reason}"


def _password(url: str) -> str | None:
    from urllib.parse import unquote, urlsplit

    try:
        found = urlsplit(url).password
    except ValueError:
        return None
    return unquote(found) if found else None
