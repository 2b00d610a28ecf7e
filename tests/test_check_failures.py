"""`python -m bot check` against every way a Bot API server can fail: one line, exit 2, never a
traceback."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiohttp import web
from telegram.error import InvalidToken

from bot.__main__ import main
from bot.cli import lifecycle as cli
from bot.core.logs import QuietTelegramErrors

TOKEN = "123456:CHECK-token"
Answer = Callable[[web.Request], web.StreamResponse]


class FakeApi:
    """A server on loopback that answers every Bot API request the way `answer` says."""

    def __init__(self) -> None:
        self.answer: Answer = lambda request: web.json_response({"ok": True, "result": True})
        self.delay = 0.0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(self.delay)
        return self.answer(request)


@pytest.fixture
async def api() -> AsyncIterator[tuple[FakeApi, str]]:
    fake = FakeApi()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app, access_log=None)  # its lines would quote the token
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield fake, f"http://127.0.0.1:{port}/bot"
    finally:
        await runner.cleanup()


def _config(tmp_path: Path, base_url: str) -> Path:
    path = tmp_path / "bot.toml"
    path.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{base_url}"\n'
        f'[storage]\npath = "{tmp_path / "bot.sqlite3"}"\n',
        encoding="utf-8",
    )
    return path


async def _check(tmp_path: Path, base_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    code = await asyncio.to_thread(main, ["check", "--config", str(_config(tmp_path, base_url))])
    captured = capsys.readouterr()
    assert code == 2, captured
    assert "Traceback" not in captured.out + captured.err
    problems = [line for line in captured.out.splitlines() if line.startswith("problem:")]
    assert len(problems) == 1, captured.out
    assert TOKEN not in captured.out + captured.err
    return problems[0]


def _json(status: int, body: object) -> Answer:
    return lambda request: web.json_response(body, status=status)


def _html(status: int) -> Answer:
    return lambda request: web.Response(
        status=status, text="<html><body><h1>It works!</h1></body></html>", content_type="text/html"
    )


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"}),
            "telegram.token: the server rejected the token",
        ),
        (_html(404), "answers 404 Not Found: not a Bot API server address"),
        (
            _json(500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}),
            "answers a server error: Internal Server Error (500)",
        ),
        (_html(502), "answers a server error: Bad Gateway (502)"),
        (_html(200), "answers something that is not the Bot API (not JSON"),
        (
            _json(200, {"ok": True, "result": {"id": 123456, "first_name": "B"}}),
            "answered getMe with a document that is not a Bot API User",
        ),
    ],
    ids=["401", "404-html", "500", "502-html", "200-html", "user-without-is_bot"],
)
async def test_each_failure_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    api: tuple[FakeApi, str],
    answer: Answer,
    expected: str,
) -> None:
    fake, base_url = api
    fake.answer = answer
    problem = await _check(tmp_path, base_url, capsys)
    assert expected in problem


async def test_a_server_that_does_not_answer_in_time(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    api: tuple[FakeApi, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, base_url = api
    fake.delay = 2.0
    monkeypatch.setattr(cli, "CHECK_TIMEOUT", 0.3)
    problem = await _check(tmp_path, base_url, capsys)
    assert f"{base_url} did not answer within 0.3 s" in problem


async def test_nothing_listening(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    problem = await _check(tmp_path, f"http://127.0.0.1:{port}/bot", capsys)
    assert f"cannot reach http://127.0.0.1:{port}/bot (aiohttp.ClientConnectorError" in problem


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"}),
            "telegram.token: the server rejected the token",
        ),
        (_html(404), "answers 404 Not Found: not a Bot API server address"),
    ],
    ids=["401", "404-html"],
)
async def test_run_stops_at_once_only_for_what_waiting_cannot_fix(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    api: tuple[FakeApi, str],
    answer: Answer,
    expected: str,
) -> None:
    """Other failures are waited out (tests/test_startup_resilience.py)."""
    fake, base_url = api
    fake.answer = answer
    config = _config(tmp_path, base_url)
    code = await asyncio.to_thread(main, ["run", "--config", str(config)])
    captured = capsys.readouterr()
    assert code == 2
    assert expected in captured.err
    assert "Traceback" not in captured.err and TOKEN not in captured.err


def test_telegrams_own_failures_lose_their_traceback() -> None:
    try:
        raise InvalidToken("The token `123:abc` was rejected by the server.")
    except InvalidToken:
        record = logging.LogRecord(
            "telegram.ext.Updater",
            logging.ERROR,
            __file__,
            1,
            "Network Retry Loop (Polling Updates): Invalid token. Aborting retry loop.",
            None,
            sys.exc_info(),
        )
    assert QuietTelegramErrors().filter(record)
    assert record.exc_info is None
    assert record.getMessage().endswith("Aborting retry loop. (InvalidToken)")
    assert "123:abc" not in record.getMessage()
