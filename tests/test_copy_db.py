"""`python -m bot copy-db`: SQLite to PostgreSQL and back, end to end through real processes.

Rows are written by the storage functions the bot uses (a supergroup id -100…, a user id beyond
2^31, a file's bytes, fractional send times, NULLs); after SQLite → PostgreSQL → a new SQLite file,
every table holds the same rows as the original, and PostgreSQL hands out fresh ids afterwards.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg

from storage import chats, subscriptions, users
from storage.backend import open_database
from storage.broadcasts import create_broadcast
from storage.db import Database
from storage.outbox import NewFile, NewMessage, add_file, enqueue
from storage.subscriptions import Area

ROOT = Path(__file__).resolve().parents[1]
NOW = 1_800_000_000
GROUP = -1_001_234_567_890
PERSON = 3_000_000_001  # beyond 2^31
FILE = bytes(range(256)) * 3


def _bot(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JARJESTOBOTTI", "TELEGRAM"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True, text=True, cwd=ROOT, env=env, check=False, timeout=120,
    )  # fmt: skip


async def _fill(path: Path) -> None:
    db = await Database.open(path, clock=lambda: float(NOW))
    try:
        await users.upsert(db, PERSON, "Liisa", None, None, "fi")
        await users.upsert(db, 42, "Ölli", "Äijälä", "olli", None)
        await chats.upsert(db, GROUP, "supergroup", "Joensuun Yhdistys ry")
        await chats.upsert(db, PERSON, "private", None)
        await subscriptions.replace(db, GROUP, [Area("municipality", "167")], ["health"])
        async with db.transaction() as tx:
            file_id = await add_file(tx, NewFile("kuva.png", "image/png", FILE))
            broadcast = await create_broadcast(
                tx, kind="announcement", created_by=PERSON, report_chat_id=None,
                summary="Tiedote", audience="Joensuu", scheduled_at=NOW + 0.25, now=NOW,
            )  # fmt: skip
            rows = [
                NewMessage(GROUP, "announcement", "sendPhoto", {"caption": "Hei"}, file_id,
                           "photo", not_before=NOW + 0.125),
                NewMessage(PERSON, "announcement", "sendMessage", {"text": "Hei"}),
            ]  # fmt: skip
            await enqueue(tx, rows, now=NOW + 0.5, broadcast_id=broadcast)
    finally:
        await db.close()


def _sqlite_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )]  # fmt: skip
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}


def _pg_rows(url: str, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        names = ", ".join(f'"{c}"' for c in columns)
        return sorted(conn.execute(f'SELECT {names} FROM "{table}"').fetchall(), key=repr)


def _counts(stdout: str) -> dict[str, tuple[int, int]]:
    lines = stdout.splitlines()
    assert lines[0].split() == ["table", "from", "to"]
    found = {}
    for line in lines[1:]:
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit():
            found[parts[0]] = (int(parts[1]), int(parts[2]))
    return found


def test_sqlite_to_postgresql_and_back_keeps_every_row(tmp_path: Path, pg_url: str) -> None:
    original = tmp_path / "original.sqlite3"
    asyncio.run(_fill(original))
    before = _sqlite_tables(original)

    there = _bot("copy-db", "--from", str(original), "--to", pg_url)
    assert there.returncode == 0, there.stderr
    counts = _counts(there.stdout)
    assert set(counts) == set(before)
    assert counts["outbox"] == (2, 2)
    assert counts["users"] == (2, 2)
    assert all(a == b for a, b in counts.values())
    assert there.stdout.splitlines()[-1].startswith(f"copied {len(before)} tables from ")

    # The values as PostgreSQL holds them: big ids, bytes, fractional seconds, NULLs.
    with sqlite3.connect(original) as conn:
        outbox_columns = [r[1] for r in conn.execute("PRAGMA table_info(outbox)")]
    assert _pg_rows(pg_url, "outbox", outbox_columns) == before["outbox"]
    assert _pg_rows(pg_url, "outbox_files", ["data"]) == [(FILE,)]
    assert (NOW + 0.125,) in _pg_rows(pg_url, "outbox", ["not_before"])
    assert _pg_rows(pg_url, "users", ["id", "last_name"]) == sorted(
        [(42, "Äijälä"), (PERSON, None)], key=repr
    )

    back = tmp_path / "back.sqlite3"
    returned = _bot("copy-db", "--from", pg_url, "--to", str(back))
    assert returned.returncode == 0, returned.stderr
    assert _sqlite_tables(back) == before

    # The identity sequences were moved past the copied ids: new rows get fresh ones.
    async def add_rows() -> tuple[int, int]:
        db = await open_database(tmp_path / "unused", pg_url, clock=lambda: float(NOW))
        try:
            async with db.transaction() as tx:
                file_id = await add_file(tx, NewFile("b.txt", "text/plain", b"\x00"))
                broadcast = await create_broadcast(
                    tx, kind="announcement", created_by=None, report_chat_id=None,
                    summary="Toinen", audience="Joensuu", scheduled_at=NOW, now=NOW,
                )  # fmt: skip
            return file_id, broadcast
        finally:
            await db.close()

    file_id, broadcast = asyncio.run(add_rows())
    assert file_id == max(r[0] for r in before["outbox_files"]) + 1
    assert broadcast == max(r[0] for r in before["broadcasts"]) + 1


def test_a_target_with_rows_needs_force(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "source.sqlite3"
    asyncio.run(_fill(source))
    assert _bot("copy-db", "--from", str(source), "--to", pg_url).returncode == 0

    again = _bot("copy-db", "--from", str(source), "--to", pg_url)
    assert again.returncode == 2
    assert again.stdout == ""
    assert again.stderr.count("\n") == 1
    assert "is not empty" in again.stderr
    assert "--force" in again.stderr
    assert "Traceback" not in again.stderr

    forced = _bot("copy-db", "--from", str(source), "--to", pg_url, "--force")
    assert forced.returncode == 0, forced.stderr
    assert _counts(forced.stdout)["outbox"] == (2, 2)
    assert _pg_rows(pg_url, "outbox_files", ["data"]) == [(FILE,)]


def test_bad_sources_and_targets_are_one_line(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "source.sqlite3"
    asyncio.run(_fill(source))
    cases = [
        (["--from", str(tmp_path / "absent.sqlite3"), "--to", pg_url], "does not exist"),
        (["--from", str(source), "--to", "mysql://u:hunter2@h/db"], "expected postgresql://"),
        (["--from", str(source), "--to", str(source)], "the same database"),
        (
            ["--from", str(source), "--to", "postgresql://bot:hunter2@127.0.0.1:1/x"],
            "cannot connect to PostgreSQL at postgresql://bot:***@127.0.0.1:1/x",
        ),
    ]
    for args, expected in cases:
        result = _bot("copy-db", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.count("\n") == 1, result.stderr
        assert expected in result.stderr
        assert "hunter2" not in result.stderr
