"""On PostgreSQL the one-poller rule is the database's own (an advisory lock), so it holds across
hosts: a second `python -m bot run` on the same database exits 2 naming the first; webhook
processes share the database; a killed poller's lock goes with its connection."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.runtime.poller_lock import ProcessLockRefused, hold_polling_url, hold_webhook_url
from storage.database_url import redact
from tests.test_shutdown import ROOT, SANDBOX_TOKEN, _wait
from tests.test_single_poller import _answers, _sandbox, _start, _stop


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
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BASE_URL", "JARJESTOBOTTI_DATABASE_URL"):
        env.pop(name, None)
    config = tmp_path / "bot.toml"
    processes: list[subprocess.Popen[bytes]] = []
    with _sandbox(env) as base_url:
        control = base_url.removesuffix("/bot") + "/_sandbox"
        config.write_text(
            f'[telegram]\ntoken = "{SANDBOX_TOKEN}"\nbase_url = "{base_url}"\n'
            f'[storage]\nurl = "{pg_url}"\n',
            encoding="utf-8",
        )
        try:
            first_log = tmp_path / "first.log"
            first = _start(config, env, first_log)
            processes.append(first)
            _wait(lambda: "ready" in first_log.read_text(), 60, "the first bot to start")
            second = subprocess.run(
                [sys.executable, "-m", "bot", "run", "--config", str(config)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert second.returncode == 2
            assert second.stderr.startswith(f"error: {redact(pg_url)}: another `python -m bot run`")
            assert f"(pid {first.pid})" in second.stderr
            assert first.poll() is None and _answers(control, "Liisa")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            third_log = tmp_path / "third.log"
            third = _start(config, env, third_log)
            processes.append(third)
            _wait(lambda: "ready" in third_log.read_text(), 60, "a new bot to start")
            assert _answers(control, "Matti")
        finally:
            for process in processes:
                _stop(process)
