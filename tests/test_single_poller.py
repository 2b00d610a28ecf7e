"""One long-polling process per database (Telegram gives getUpdates to one consumer): a second
`python -m bot run` on the same database exits 2 naming the first, which keeps serving; a
poller killed with SIGKILL leaves nothing that blocks the next start. Webhook processes may be
several, but neither kind starts while the other runs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.runtime.poller_lock import (
    ProcessLockRefused,
    hold_polling,
    hold_webhook,
    lock_path_for,
)
from tests.test_shutdown import ROOT, SANDBOX_TOKEN, _get, _post, _wait

SECRET = "Qm3xT9_vK2pLw8-ZrB4nY7cHd1sFj6Ga0eU5"


def test_one_poller_excludes_every_other_process(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    with hold_polling(db):
        assert lock_path_for(db).read_text().strip() == str(os.getpid())
        with pytest.raises(ProcessLockRefused, match=rf"polls it \(pid {os.getpid()}\)"):
            hold_polling(db)
        with pytest.raises(ProcessLockRefused, match=r"webhook and long polling exclude"):
            hold_webhook(db)
    with hold_webhook(db), hold_webhook(db):  # several webhook processes share one database
        assert lock_path_for(db).read_text() == ""  # the dead poller's pid is not named
        with pytest.raises(ProcessLockRefused, match=r"run --webhook` processes serve it"):
            hold_polling(db)
    with hold_polling(tmp_path / "other.sqlite3"), hold_polling(db):  # per database, released
        pass


def test_run_refuses_while_the_other_kind_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:abcdef")
    db = tmp_path / "bot.sqlite3"
    config = tmp_path / "bot.toml"
    config.write_text(
        f'[storage]\npath = "{db}"\n'
        f'[webhook]\nurl = "https://bot.example.fi/tg/hook"\nsecret = "{SECRET}"\n',
        encoding="utf-8",
    )
    with hold_polling(db):
        assert main(["run", "--webhook", "--config", str(config)]) == 2
    assert f"{db}: `python -m bot run` polls it (pid {os.getpid()})" in capsys.readouterr().err
    with hold_webhook(db):
        assert main(["run", "--config", str(config)]) == 2
    assert "`python -m bot run --webhook` processes serve it" in capsys.readouterr().err
    assert not db.exists()  # refused before the database was opened


@contextmanager
def _sandbox(env: dict[str, str]) -> Iterator[str]:
    """The stand-in Bot API server in a process of its own; yields its base URL."""
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "bot.sandbox", "--port", "0", "--no-chat-limits"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sandbox.stdout is not None
        first = sandbox.stdout.readline()
        found = re.search(r"at (http://\S+/bot)", first)
        assert found, first
        yield found.group(1)
    finally:
        sandbox.send_signal(signal.SIGTERM)
        try:
            sandbox.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sandbox.kill()
            sandbox.wait()
        if sandbox.stdout is not None:
            sandbox.stdout.close()


def _start(config: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("w") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            cwd=ROOT,
            env=env,
            stderr=log_file,
            stdout=subprocess.DEVNULL,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def _answers(control: str, text: str) -> bool:
    """Whether a new person's /start gets the bot's reply."""
    user = _post(f"{control}/users", {"first_name": text, "language_code": "fi"})
    user_id = user["id"] if "id" in user else user["user"]["id"]
    _post(f"{control}/message", {"chat_id": user_id, "user_id": user_id, "text": "/start"})
    _wait(lambda: _get(f"{control}/chats/{user_id}/messages"), 60, f"a reply to {text}")
    return True


def test_a_second_poller_exits_2_and_a_killed_one_blocks_nothing(tmp_path: Path) -> None:
    db_path = tmp_path / "bot.sqlite3"
    second_poller_refused(
        tmp_path,
        f'[storage]\npath = "{db_path}"\n',
        lambda pid: (
            f"error: {db_path}: another `python -m bot run` polls it (pid {pid}); "
            "Telegram gives updates to one long-polling process only: stop that one first "
            "(or run every process with --webhook)"
        ),
    )


def second_poller_refused(tmp_path: Path, storage: str, refusal: Callable[[int], str]) -> None:
    """A poller runs; a second `run` on the same database exits 2 with `refusal(first pid)` at
    once while the first keeps answering; after the first is killed a new one starts and
    answers. `storage`: the configuration's [storage] table."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BASE_URL", "JARJESTOBOTTI_DATABASE_URL"):
        env.pop(name, None)
    config = tmp_path / "bot.toml"
    processes: list[subprocess.Popen[bytes]] = []
    with _sandbox(env) as base_url:
        control = base_url.removesuffix("/bot") + "/_sandbox"
        config.write_text(
            f'[telegram]\ntoken = "{SANDBOX_TOKEN}"\nbase_url = "{base_url}"\n{storage}',
            encoding="utf-8",
        )
        try:
            first_log = tmp_path / "first.log"
            first = _start(config, env, first_log)
            processes.append(first)
            _wait(lambda: "ready" in first_log.read_text(), 60, "the first bot to start")

            started = time.monotonic()
            second = subprocess.run(
                [sys.executable, "-m", "bot", "run", "--config", str(config)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert second.returncode == 2
            assert second.stderr.strip() == refusal(first.pid)
            assert time.monotonic() - started < 30  # at once, not after a start-up attempt
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
