"""Start-up and long polling while Telegram has a bad minute: the bot waits for getMe instead of
dying, serves while setMyCommands still fails, skips an update it cannot read, and logs each
failure as one line."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import build_application
from bot.core.clock import ManualClock
from bot.core.config import Config, WebhookSettings
from bot.core.logs import DropPayloads
from bot.runtime.runner import ProcessedUpdates
from bot.runtime.webhook import serving
from bot.sandbox import Sandbox
from tests.harness import START, TOKEN, BotHarness
from tests.test_shutdown import ROOT, SANDBOX_TOKEN, _get, _post, _wait


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_the_bot_waits_for_telegram_at_start_up_then_serves(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("TELEGRAM_BASE_URL", None)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/bot"
    config = tmp_path / "bot.toml"
    config.write_text(
        f'[telegram]\ntoken = "{SANDBOX_TOKEN}"\nbase_url = "{base_url}"\n'
        f'[storage]\npath = "{tmp_path / "bot.sqlite3"}"\n',
        encoding="utf-8",
    )
    log_path = tmp_path / "bot.log"
    sandbox: subprocess.Popen[str] | None = None
    with log_path.open("w") as log_file:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            cwd=ROOT,
            env=env,
            stderr=log_file,
            stdout=subprocess.DEVNULL,
        )
        try:
            # Nothing listens yet: the bot stays up, saying so once per back-off step.
            _wait(
                lambda: log_path.read_text().count("start-up: getMe failed") >= 2,
                60,
                "two failed start-up attempts",
            )
            assert bot.poll() is None
            sandbox = subprocess.Popen(
                [sys.executable, "-m", "bot.sandbox", "--port", str(port), "--no-chat-limits"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert sandbox.stdout is not None
            assert re.search(r"at (http://\S+/bot)", sandbox.stdout.readline())
            _wait(lambda: "ready" in log_path.read_text(), 90, "the bot to start serving")
            control = f"http://127.0.0.1:{port}/_sandbox"
            user = _post(f"{control}/users", {"first_name": "Liisa", "language_code": "fi"})
            user_id = user["user"]["id"]
            _post(f"{control}/message", {"chat_id": user_id, "user_id": user_id, "text": "/start"})
            _wait(lambda: _get(f"{control}/chats/{user_id}/messages"), 30, "the bot's reply")
            bot.send_signal(signal.SIGTERM)
            assert bot.wait(timeout=30) == 0
        finally:
            if bot.poll() is None:
                bot.kill()
            if sandbox is not None:
                sandbox.terminate()
                sandbox.wait(timeout=10)
                if sandbox.stdout is not None:
                    sandbox.stdout.close()
    log = log_path.read_text()
    failures = [line for line in log.splitlines() if "start-up: getMe failed" in line]
    assert all(re.search(r"retrying in \d+\.\d s$", line) for line in failures), failures
    assert "Traceback" not in log
    assert SANDBOX_TOKEN not in log


async def test_a_failing_command_list_does_not_hold_up_the_bot(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with BotHarness.start(tmp_path) as h:
        h.sandbox.commands.clear()
        h.sandbox.faults.errors(500, 1.0, 1.5, methods=["setMyCommands"])
        await h.restart()  # post_init runs again, into the outage
        liisa = h.user("Liisa")
        await liisa.send("/start")
        assert liisa.last_message().text  # served while the command lists still fail
        await h.sandbox.wait_for(lambda: len(h.sandbox.commands) >= 3, timeout=30)
        failed = [r for r in caplog.records if "setMyCommands) failed" in r.getMessage()]
        assert failed and all(r.levelno == logging.WARNING for r in failed)
        assert all("ServerError: Internal Server Error (500)" in r.getMessage() for r in failed)
        assert all(r.exc_info is None for r in failed)


async def test_an_update_that_cannot_be_read_is_skipped_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(DropPayloads())  # as configure_logging installs it
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa")
        bad = h.sandbox.updates.push(
            "message",
            {
                "message_id": 77,
                "date": "yesterday",  # not a timestamp: python-telegram-bot cannot read it
                "chat": {"id": liisa.chat.id, "type": "private"},
                "text": "salainen viesti",
            },
        )
        await liisa.send("/start")  # the next update in the same batch is handled
        assert liisa.last_message().text
        await h.processed(bad["update_id"])  # skipped as an empty update, and confirmed
        skipped = [r.getMessage() for r in caplog.records if "could not be read" in r.getMessage()]
        assert skipped == [
            f"update {bad['update_id']} could not be read (TypeError); skipped "
            "(received by polling)"
        ]
        lines = caplog.text
        assert "salainen viesti" not in lines  # nobody's message in the log
        assert "Traceback" not in lines
        assert "webhook" not in lines  # it came by polling
        # Polling goes on: a later update is handled as usual.
        before = len(liisa.messages())
        await liisa.send("/help")
        assert len(liisa.messages()) == before + 1


async def test_set_webhook_is_retried_until_telegram_takes_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    secret = "K8s-Tq2_vX9mWz4LpR7nY1cB6dF3hJ0gA5eU"
    async with Sandbox(TOKEN, global_rate=0, per_chat_limits=False) as sandbox:
        port = _free_port()
        url = f"http://127.0.0.1:{port}/tg/hook"
        config = Config(
            telegram=replace(
                Config().telegram,
                token=TOKEN,
                base_url=sandbox.base_url,
                base_file_url=sandbox.base_file_url,
            ),
            storage=replace(Config().storage, path=tmp_path / "bot.sqlite3"),
            webhook=WebhookSettings(url=url, secret=secret, listen="127.0.0.1", port=port),
            source="<test>",
        )
        sandbox.faults.errors(502, 1.0, 1.5, methods=["setWebhook"])
        application = build_application(config, clock=ManualClock(START))
        tracker = ProcessedUpdates()
        tracker.attach(application)
        async with serving(application, config):
            hooks = [r for r in sandbox.requests if r.method == "setWebhook"]
            assert [r.status_code for r in hooks][:1] == [502]
            assert hooks[-1].status_code == 200  # taken once Telegram answered
            liisa = sandbox.add_user("Liisa", language_code="en")
            update = sandbox.send_message(sandbox.private_chat(liisa), liisa, "/start")
            await tracker.wait(update["update_id"], timeout=30)
            assert sandbox.last_message(sandbox.private_chat(liisa)) is not None
        failed = [r.getMessage() for r in caplog.records if "setWebhook failed" in r.getMessage()]
        assert failed and all("ServerError: Bad Gateway (502)" in m for m in failed)
