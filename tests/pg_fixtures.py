"""PostgreSQL for the tests: `--backend postgres` (or JARJESTOBOTTI_TEST_BACKEND=postgres) and a
real server (tools/postgres.py).

The server is started once per session, by the suite itself, unless JARJESTOBOTTI_TEST_DATABASE_URL
names one already running (`python tools/postgres.py run -- pytest ...`). A test that needs it gets
a database of its own (`pg_url`). When no server can be started the test fails with the reason:
it never skips, so a machine without PostgreSQL cannot pass for one that has it.

`--backend postgres` runs the end-to-end suite on PostgreSQL: until the configuration can name a
database URL (docs/postgresql-plan.md), the bot's environment opens storage/pg_db.py's
PgDatabase in place of the SQLite file it is given, one new database per file path.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import psycopg
import pytest

from storage.pg_db import PgDatabase
from tools.postgres import URL_ENV, PostgresUnavailable, running_server

BACKEND_ENV = "JARJESTOBOTTI_TEST_BACKEND"
_numbers = itertools.count(1)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=("sqlite", "postgres"),
        default=os.environ.get(BACKEND_ENV, "sqlite"),
        help="the storage backend of the end-to-end suite (default: sqlite)",
    )


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--backend"))


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """The session's server (its maintenance database's URL)."""
    given = os.environ.get(URL_ENV)
    if given:
        yield given
        return
    try:
        with running_server() as server:
            yield server.url()
    except PostgresUnavailable as error:
        pytest.fail(f"PostgreSQL could not be started: {error}", pytrace=False)


def _new_database(server_url: str) -> str:
    name = f"t{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def pg_url(postgres_server_url: str) -> str:
    """A new, empty database on the session's server for this test alone."""
    return _new_database(postgres_server_url)


class _PgInPlaceOfFile(PgDatabase):
    """What `Database.open(path)` returns under `--backend postgres`: a database per path."""

    urls: ClassVar[dict[Path, str]] = {}
    new_database: ClassVar[Callable[[], str]]
    # The pool's bound on waiting for a connection (tests/test_pg_outage.py shortens it).
    timeout: ClassVar[float] = 10.0

    @classmethod
    async def open_path(
        cls,
        path: Path,
        *,
        migrate: bool = True,
        readonly: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> Any:
        url = cls.urls.setdefault(Path(path), cls.new_database())
        db = await PgDatabase.open(
            url, migrate=migrate and not readonly, clock=clock, timeout=cls.timeout
        )
        db.__class__ = cls
        return db


@pytest.fixture(autouse=True)
def _storage_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.config.getoption("--backend") != "postgres":
        return
    server_url = request.getfixturevalue("postgres_server_url")
    monkeypatch.setattr(_PgInPlaceOfFile, "urls", {})
    new = lambda: _new_database(server_url)  # noqa: E731
    monkeypatch.setattr(_PgInPlaceOfFile, "new_database", new, raising=False)
    monkeypatch.setattr("bot.environment.Database.open", _PgInPlaceOfFile.open_path)
