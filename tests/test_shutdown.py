"""Graceful stop: SIGTERM to `python -m bot run` stops taking updates, lets the work in hand
finish and closes the database; the delivery worker lets its requests in flight finish."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from storage import outbox
from storage.outbox import NewMessage
from tests.harness import WAIT, BotHarness

ROOT = Path(__file__).resolve().parents[1]
SANDBOX_TOKEN = "123456:SANDBOX-TOKEN"


def _post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_sigterm_stops_the_bot_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("TELEGRAM_BASE_URL", None)
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "bot.sandbox", "--port", "0", "--no-chat-limits"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    bot: subprocess.Popen[bytes] | None = None
    try:
        assert sandbox.stdout is not None
        first = sandbox.stdout.readline()
        found = re.search(r"at (http://\S+/bot)", first)
        assert found, first
        base_url = found.group(1)
        control = base_url.removesuffix("/bot") + "/_sandbox"
        db_path = tmp_path / "bot.sqlite3"
        config = tmp_path / "bot.toml"
        config.write_text(
            f'[telegram]\ntoken = "{SANDBOX_TOKEN}"\nbase_url = "{base_url}"\n'
            f'[storage]\npath = "{db_path}"\n'
            '[bot]\nlog_json = true\nlog_level = "DEBUG"\n',
            encoding="utf-8",
        )
        log_path = tmp_path / "bot.log"
        with log_path.open("w") as log_file:
            bot = running = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(config)],
                cwd=ROOT,
                env=env,
                stderr=log_file,
                stdout=subprocess.DEVNULL,
            )
            _wait(lambda: "ready" in log_path.read_text(), 60, "the bot to start")
            user = _post(f"{control}/users", {"first_name": "Liisa", "language_code": "fi"})
            user_id = user["id"] if "id" in user else user["user"]["id"]
            _post(
                f"{control}/message",
                {"chat_id": user_id, "user_id": user_id, "text": "/start salainen-teksti"},
            )
            _wait(lambda: _get(f"{control}/chats/{user_id}/messages"), 60, "the bot's reply")
            running.send_signal(signal.SIGTERM)
            assert running.wait(timeout=60) == 0
        lines = log_path.read_text().splitlines()
        entries = [json.loads(line) for line in lines if line.startswith("{")]
        assert entries and len(entries) == len(lines), lines[:5]
        text = log_path.read_text()
        assert "SANDBOX-TOKEN" not in text and "Liisa" not in text
        assert "salainen" not in text  # no message text, even at DEBUG
        assert any(
            e["message"] == "Application is stopping. This might take a moment." for e in entries
        )
        # The database was closed cleanly: the last connection checkpointed and removed the WAL.
        assert not Path(f"{db_path}-wal").exists()
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("SELECT count(*) FROM chats WHERE id = ?", (user_id,)).fetchone()[0]
            assert (
                conn.execute("SELECT count(*) FROM outbox WHERE state = 'sending'").fetchone()[0]
                == 0
            )
    finally:
        if bot is not None and bot.poll() is None:
            bot.kill()
            bot.wait()
        sandbox.send_signal(signal.SIGTERM)
        try:
            sandbox.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sandbox.kill()
            sandbox.wait()
        if sandbox.stdout is not None:
            sandbox.stdout.close()


async def test_stopping_lets_sends_in_flight_finish(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        people = [h.user(f"P{n}").user for n in range(600)]  # each with a private chat
        db = h.env.db
        async with db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO chats (id, type, created_at, updated_at) VALUES (?, 'private', 0, 0)",
                [(p.id,) for p in people],
            )
            await outbox.enqueue(
                tx,
                [
                    NewMessage(p.id, "announcement", "send_message", {"text": "Tiedote"})
                    for p in people
                ],
                now=db.now(),
            )
        h.services.delivery.wake()
        await h.sandbox.wait_for(lambda: h.services.delivery.sent >= 20, timeout=WAIT)
        await h._running.aclose()  # what SIGTERM leads to: stop, shutdown, post_shutdown
        assert h.application.bot_data.services is None
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        states = dict(conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    assert "sending" not in states, states  # every request in flight got its answer recorded
    assert states.get("sent", 0) >= 20
    assert states.get("pending", 0) > 0, states  # and nothing new was started
    assert states.get("sent", 0) == h.sandbox.count("sendMessage", status=200)
