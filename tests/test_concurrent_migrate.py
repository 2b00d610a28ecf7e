"""Migrations started by several processes at once (two `python -m bot migrate`, or bots starting
together): one waits for the other, neither fails, and every migration is applied once."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage.db import Database
from storage.migrating import statements
from storage.schema import latest_version, load_migrations
from tests.test_shutdown import ROOT

SCHEMA = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"


def _schema(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        rows: list[tuple[str, str, str]] = conn.execute(SCHEMA).fetchall()
        return rows


def _database_at(path: Path, version: int) -> None:
    """A database in the log's mode at an older schema version, as an earlier release left it."""
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        for migration in load_migrations()[:version]:
            conn.executescript(migration.sql)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


def _reference(tmp_path: Path) -> list[tuple[str, str, str]]:
    path = tmp_path / "reference.sqlite3"
    subprocess.run(
        [sys.executable, "-m", "bot", "migrate", "--config", str(_config(tmp_path, path))],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return _schema(path)


def _config(tmp_path: Path, db: Path) -> Path:
    config = tmp_path / f"{db.stem}.toml"
    config.write_text(f'[storage]\npath = "{db}"\n', encoding="utf-8")
    return config


@pytest.mark.parametrize("version", [0, 4])
async def test_waiting_migrations_apply_only_what_is_still_missing(
    tmp_path: Path, version: int
) -> None:
    path = tmp_path / "bot.sqlite3"
    _database_at(path, version)
    first = await Database.open(path, migrate=False)
    second = await Database.open(path, migrate=False)
    # Someone else writes: both migrations wait for the lock, having seen the same old version.
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        racing = asyncio.gather(first.migrate(), second.migrate())
        await asyncio.sleep(0.5)
        blocker.execute("COMMIT")
        applied = await asyncio.wait_for(racing, timeout=30)
    finally:
        blocker.close()
        await first.close()
        await second.close()
    versions = sorted(m.version for done in applied for m in done)
    assert versions == list(range(version + 1, latest_version() + 1))  # each once
    assert (await _status(path)) == latest_version()


async def _status(path: Path) -> int:
    db = await Database.open(path, migrate=False, readonly=True)
    try:
        return (await db.schema_status()).current
    finally:
        await db.close()


@pytest.mark.parametrize("version", [0, 6])
def test_migrate_commands_started_together_all_succeed(tmp_path: Path, version: int) -> None:
    path = tmp_path / "bot.sqlite3"
    if version:
        _database_at(path, version)
    config = _config(tmp_path, path)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "migrate", "--config", str(config)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    applied = sorted(
        line for out, _ in outputs for line in out.splitlines() if line.startswith("applied ")
    )
    expected = sorted(f"applied {m.version:04d}_{m.name}" for m in load_migrations()[version:])
    assert applied == expected
    for out, err in outputs:
        assert out.splitlines()[-1] == f"{path}: schema version {latest_version()} (up to date)"
        assert err == ""
    assert _schema(path) == _reference(tmp_path)


def test_scripts_split_where_sqlite_says_a_statement_ends() -> None:
    script = (
        "CREATE TABLE a (x TEXT DEFAULT ';');\n"
        "-- a comment; with a semicolon\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT ';'; END;\n"
        "/* trailing; */\n"
    )
    assert [s.strip() for s in statements(script)] == [
        "CREATE TABLE a (x TEXT DEFAULT ';');",
        "-- a comment; with a semicolon\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT ';'; END;",
        "/* trailing; */",
    ]
