"""On PostgreSQL the one-poller rule is the database's own (an advisory lock), so it holds across
hosts: a second `python -m bot run` on the same database exits 2 naming the first; webhook
processes share the database; a killed poller's lock goes with its connection."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.runtime.poller_lock import ProcessLockRefused, hold_polling_url, hold_webhook_url
from storage.database_url import redact
from tests.test_single_poller import second_poller_refused


def test_one_poller_excludes_every_other_process(pg_url: str) -> None:
    where = redact(pg_url)
    with hold_polling_url(pg_url, where):
        with pytest.raises(ProcessLockRefused, match=rf"polls it.*\(pid {os.getpid()}\)"):
            hold_polling_url(pg_url, where)
        with pytest.raises(ProcessLockRefused, match=r"webhook and long polling exclude"):
            hold_webhook_url(pg_url, where)
    with hold_webhook_url(pg_url, where), hold_webhook_url(pg_url, where):
        with pytest.raises(ProcessLockRefused, match=r"polls it, or `run --webhook`"):
            hold_polling_url(pg_url, where)
    with hold_polling_url(pg_url, where):  # released with the connection
        pass


def test_an_unreachable_server_is_one_line() -> None:
    url = "postgresql://bot:secret@127.0.0.1:1/nowhere"
    with pytest.raises(ProcessLockRefused, match=r"cannot reach PostgreSQL") as refused:
        hold_polling_url(url, redact(url))
    assert "secret" not in str(refused.value)


def test_a_second_poller_on_postgres_exits_2(tmp_path: Path, pg_url: str) -> None:
    where = redact(pg_url)
    second_poller_refused(
        tmp_path,
        f'[storage]\nurl = "{pg_url}"\n',
        lambda pid: (
            f"error: {where}: another `python -m bot run` polls it, or `run --webhook` processes "
            f"serve it (pid {pid}); Telegram gives updates to one long-polling process only: "
            "stop the others first (or run every process with --webhook)"
        ),
    )
