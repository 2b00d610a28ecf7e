"""PostgreSQL for the tests: `--backend postgres` (or JARJESTOBOTTI_TEST_BACKEND=postgres) and a
real server (tools/postgres.py).

The server is started once per session, by the suite itself, unless JARJESTOBOTTI_TEST_DATABASE_URL
names one already running (`python tools/postgres.py run -- pytest ...`). A test that needs it gets
a database of its own (`pg_url`). When no server can be started the test fails with the reason:
it never skips, so a machine without PostgreSQL cannot pass for one that has it.

`--backend` chooses what the end-to-end suite runs on; until storage/db.py has a PostgreSQL
backend (docs/postgresql-plan.md) only the tests that ask for `pg_url` use the server.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import psycopg
import pytest

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


@pytest.fixture
def pg_url(postgres_server_url: str) -> str:
    """A new, empty database on the session's server for this test alone."""
    name = f"t{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    return postgres_server_url.rsplit("/", 1)[0] + "/" + name
