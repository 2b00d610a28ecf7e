"""`migrate` and `check` on PostgreSQL, chosen by `[storage] url` or JARJESTOBOTTI_DATABASE_URL, in
real processes against real servers: a wrong scheme, a wrong password (a cluster that requires
one) and an unreachable server are each one line and exit 2, and no password is ever printed."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import Database, Writer
from storage.pg_db import PgDatabase, PgWriter
from storage.schema import latest_version
from tools.postgres import PostgresUnavailable, running_server

ROOT = Path(__file__).resolve().parents[1]
SECRET = "correct-horse-42"


def _bot(*args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JARJESTOBOTTI", "TELEGRAM"))}
    if url is not None:
        env["JARJESTOBOTTI_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True, text=True, cwd=ROOT, env=env, check=False, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def password_server_url() -> Iterator[str]:
    """A second server whose TCP logins need SECRET (scram-sha-256)."""
    try:
        with running_server(password=SECRET) as server:
            yield server.url()
    except PostgresUnavailable as error:
        pytest.fail(f"PostgreSQL could not be started: {error}", pytrace=False)


def _shown(url: str) -> str:
    return url.replace(f":{SECRET}@", ":***@")


def test_migrate_and_check_from_the_environment(pg_url: str, tmp_path: Path) -> None:
    first = _bot("migrate", url=pg_url)
    assert first.returncode == 0, first.stderr
    assert "applied 0001_initial" in first.stdout
    assert f"{pg_url}: schema version {latest_version()} (up to date)" in first.stdout
    again = _bot("migrate", url=pg_url)
    assert again.returncode == 0
    assert "applied" not in again.stdout
    # No SQLite file was made where [storage] path points by default.
    assert not (ROOT / "jarjestobotti.sqlite3").exists()

    # check: the database is fine; the only problem is the missing token.
    checked = _bot("check", url=pg_url)
    assert checked.returncode == 2
    assert f"database {pg_url}: schema version {latest_version()}\n" in checked.stdout
    problems = [line for line in checked.stdout.splitlines() if line.startswith("problem:")]
    assert problems == ["problem: <defaults>: telegram.token: no bot token"]


def test_the_url_from_the_file_with_a_password_never_printed(
    password_server_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "bot.toml"
    config.write_text(f'[storage]\nurl = "{password_server_url}"\n', encoding="utf-8")
    done = _bot("migrate", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert f"{_shown(password_server_url)}: schema version {latest_version()}" in done.stdout
    checked = _bot("check", "--config", str(config))
    assert f"database {_shown(password_server_url)}: schema version" in checked.stdout
    assert SECRET not in done.stdout + done.stderr + checked.stdout + checked.stderr


def test_a_wrong_password_is_one_line_and_exit_2(password_server_url: str) -> None:
    wrong = password_server_url.replace(SECRET, "not-the-password")
    for command in ("migrate", "copy-db"):
        args = ("--from", wrong, "--to", "x.sqlite3") if command == "copy-db" else ()
        result = _bot(command, *args, url=wrong)
        assert result.returncode == 2, result.stderr
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1, result.stderr
        assert 'password authentication failed for user "bot"' in result.stderr
        assert "not-the-password" not in result.stderr
        assert ":***@" in result.stderr
    checked = _bot("check", url=wrong)
    assert checked.returncode == 2
    assert "problem: database: cannot connect to PostgreSQL at " in checked.stdout
    assert "not-the-password" not in checked.stdout + checked.stderr
    assert not (ROOT / "x.sqlite3").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://bot:hunter2@127.0.0.1:1/nothing",
            "error: database: cannot connect to PostgreSQL at "
            "postgresql://bot:***@127.0.0.1:1/nothing: ",
        ),
        (
            "mysql://bot:hunter2@127.0.0.1/db",
            "error: <defaults>: JARJESTOBOTTI_DATABASE_URL: mysql://: expected "
            "postgresql://user:password@host:5432/dbname (or postgres://)",
        ),
        (
            "postgresql://bot:hunter2@127.0.0.1:port/db",
            "error: <defaults>: JARJESTOBOTTI_DATABASE_URL: not a URL",
        ),
    ],
)
def test_a_bad_or_unreachable_url_is_one_line_and_exit_2(url: str, expected: str) -> None:
    result = _bot("migrate", url=url)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(expected)
    assert "hunter2" not in result.stderr


def test_the_postgresql_classes_take_the_same_parameters_as_sqlites() -> None:
    """mypy's override check is off for storage/pg_db.py (PgRaw and its Row stand in for sqlite3's
    by duck typing); the parameters must still be the same, so a call typed against `Database`
    works on both."""
    pairs = [(Database, PgDatabase), (Writer, PgWriter)]
    for base, pg in pairs:
        for name, method in vars(base).items():
            if name.startswith("_") or not callable(method) or name == "open":
                continue
            if name == "checkpoint_in_background":  # SQLite's; bot/app.py asks `engine` first
                assert name not in vars(pg)
                continue
            assert name in vars(pg), f"{pg.__name__} lacks {name}"
            ours = list(inspect.signature(getattr(base, name)).parameters)
            theirs = list(inspect.signature(getattr(pg, name)).parameters)
            assert theirs == ours, (pg.__name__, name)
    assert Database.engine == "sqlite"
    assert PgDatabase.engine == "postgresql"
