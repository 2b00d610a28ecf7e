"""The aiohttp networking backend: what reaches the Bot API, and how failures surface to PTB.

The end-to-end tests run every Bot API call through it against the stand-in; these cover what
they do not reach: the request bodies as sent, timeouts, a server that is not there, lifecycle.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, TelegramError, TimedOut

from bot.delivery.http_client import (
    AiohttpRequest,
    AnswerLost,
    ConnectionDropped,
    InvalidServerResponse,
    NotSent,
    ServerError,
    answer_statuses,
    is_uncertain,
)
from bot.sandbox import Sandbox

TOKEN = "123:TEST-http"


class Recorder:
    """A Bot API double that notes each request's content type and body, and can be slow."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, Any]] = []
        self.delay = 0.0
        # (status, body, content type) answered instead of the method's result.
        self.answer: tuple[int, bytes, str] | None = None
        self.drop = False  # close the connection without an answer

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            body: Any = await request.json()
        else:
            form = await request.post()
            body = {
                k: (v.filename, v.file.read()) if isinstance(v, web.FileField) else v
                for k, v in form.items()
            }
        result: Any = True
        if method == "getMe":
            return web.json_response(
                {"ok": True, "result": {"id": 123, "is_bot": True, "first_name": "B"}}
            )
        self.seen.append((method, request.content_type, body))
        await asyncio.sleep(self.delay)
        if self.drop:
            assert request.transport is not None
            request.transport.abort()
            raise asyncio.CancelledError
        if self.answer is not None:
            status, payload, content_type = self.answer
            return web.Response(status=status, body=payload, content_type=content_type)
        if method == "sendDocument":
            result = {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 5, "type": "private"},
                "document": {"file_id": "f", "file_unique_id": "u"},
            }
        return web.json_response({"ok": True, "result": result})


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, str]]:
    rec = Recorder()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield rec, f"http://127.0.0.1:{port}/bot"
    finally:
        await runner.cleanup()


async def test_calls_without_files_go_as_one_json_body(recorder: tuple[Recorder, str]) -> None:
    rec, base_url = recorder
    async with Bot(TOKEN, base_url=base_url, request=AiohttpRequest()) as bot:
        assert await bot.answer_callback_query("42", text="Tallennettu: tulossa ✅") is True
    method, content_type, body = rec.seen[-1]
    assert (method, content_type) == ("answerCallbackQuery", "application/json")
    assert body == {"callback_query_id": "42", "text": "Tallennettu: tulossa ✅"}


async def test_uploads_go_as_multipart_with_json_encoded_fields(
    recorder: tuple[Recorder, str],
) -> None:
    rec, base_url = recorder
    async with Bot(TOKEN, base_url=base_url, request=AiohttpRequest()) as bot:
        await bot.send_document(
            5,
            InputFile(b"BEGIN:VCALENDAR", filename="foorumi.ics"),
            caption="Kalenteriin",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="x")]]),
        )
    method, content_type, body = rec.seen[-1]
    assert (method, content_type) == ("sendDocument", "multipart/form-data")
    assert body["chat_id"] == "5"
    assert body["caption"] == "Kalenteriin"
    assert json.loads(body["reply_markup"]) == {
        "inline_keyboard": [[{"text": "OK", "callback_data": "x"}]]
    }
    assert body["document"] == ("foorumi.ics", b"BEGIN:VCALENDAR")


async def test_a_slow_answer_is_timed_out(recorder: tuple[Recorder, str]) -> None:
    rec, base_url = recorder
    rec.delay = 1.0
    async with Bot(TOKEN, base_url=base_url, request=AiohttpRequest(read_timeout=0.1)) as bot:
        with pytest.raises(TimedOut):
            await bot.answer_callback_query("1")
        # A per-call timeout replaces the default one.
        assert await bot.answer_callback_query("2", read_timeout=30) is True


async def test_a_lost_answer_is_told_apart_from_a_request_never_sent(
    recorder: tuple[Recorder, str],
) -> None:
    """The delivery worker resends what was never sent, and what may have arrived only once."""
    rec, base_url = recorder
    async with Bot(TOKEN, base_url=base_url, request=AiohttpRequest(read_timeout=0.1)) as bot:
        rec.delay = 1.0
        with pytest.raises(AnswerLost) as lost:
            await bot.send_message(5, "Hei")
        assert is_uncertain(lost.value) and isinstance(lost.value, TimedOut)
        rec.delay = 0.0
        rec.drop = True
        with pytest.raises(ConnectionDropped) as dropped:
            await bot.send_message(5, "Hei")
        assert is_uncertain(dropped.value)
        rec.drop = False
        for status, uncertain in ((500, False), (502, True), (503, False), (504, True)):
            body = b'{"ok": false, "error_code": %d, "description": "Trouble"}' % status
            rec.answer = (status, body, "application/json")
            with pytest.raises(ServerError) as failed:
                await bot.send_message(5, "Hei")
            assert failed.value.status == status
            assert failed.value.message == f"Trouble ({status})"
            assert is_uncertain(failed.value) is uncertain
        # A proxy's own error page: the HTTP phrase, not the page.
        rec.answer = (502, b"<html><h1>502 Bad Gateway</h1></html>", "text/html")
        with pytest.raises(ServerError, match=r"^Bad Gateway \(502\)$"):
            await bot.send_message(5, "Hei")
        # A plain web server answering 200 with a page is not a Bot API server.
        rec.answer = (200, b"<html>Welcome</html>", "text/html")
        with pytest.raises(InvalidServerResponse):
            await bot.send_message(5, "Hei")
        rec.answer = None
        statuses: list[int] = []
        with answer_statuses(statuses):
            assert await bot.answer_callback_query("1") is True
        assert statuses == [200]


async def test_no_server_is_a_network_error() -> None:
    # A port that was free a moment ago and is closed again.
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NotSent, match=r"aiohttp\.Client\w*Error") as refused:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
        assert isinstance(refused.value, NetworkError)
        assert not is_uncertain(refused.value)
    finally:
        await request.shutdown()


async def test_requests_before_initialize_and_after_shutdown_are_refused() -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/", "POST")
    await request.initialize()
    await request.initialize()  # twice is harmless
    await request.shutdown()
    await request.shutdown()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/", "POST")
    with pytest.raises(ValueError, match="at least 1"):
        AiohttpRequest(connection_pool_size=0)


async def test_the_stand_in_accepts_what_it_sends() -> None:
    """The stand-in checks every request against the Bot API schema: JSON bodies included."""
    async with (
        Sandbox(TOKEN) as sb,
        Bot(TOKEN, base_url=sb.base_url, request=AiohttpRequest()) as bot,
    ):
        user = sb.add_user("Liisa")
        sb.private_chat(user)  # Liisa has started the bot
        message = await bot.send_message(
            user.id,
            "<b>Foorumi</b>",
            parse_mode="HTML",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("✅", callback_data="rsvp")]]),
        )
        assert message.text == "Foorumi"
        assert (sb.requests[-1].method, sb.requests[-1].status_code) == ("sendMessage", 200)
        assert sb.requests[-1].params["chat_id"] == user.id  # as JSON, not a form string


def test_answers_are_parsed_and_garbage_is_a_telegram_error() -> None:
    parsed = AiohttpRequest.parse_json_payload(
        b'{"ok": true, "result": {"text": "Hyv\\u00e4 \xc3\xa4"}}'
    )
    assert parsed == {"ok": True, "result": {"text": "Hyvä ä"}}
    with pytest.raises(TelegramError, match="Invalid server response"):
        AiohttpRequest.parse_json_payload(b"<html>502 Bad Gateway</html>")
    # Invalid UTF-8 inside a string is replaced, as PTB's own parser does, not refused.
    assert AiohttpRequest.parse_json_payload(b'{"t": "a\xffb"}') == {"t": "a\ufffdb"}


async def test_a_proxy_from_the_environment_is_used(
    recorder: tuple[Recorder, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As with PTB's own client, HTTP(S)_PROXY is honoured: the request goes to the proxy."""
    rec, base_url = recorder
    proxy_port = base_url.split(":")[2].split("/")[0]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy_port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    request = AiohttpRequest()
    await request.initialize()
    try:
        # A host that does not exist: only the proxy (the recorder) can answer.
        status, _ = await request.do_request(
            f"http://api.telegram.invalid/bot{TOKEN}/answerCallbackQuery", "POST"
        )
    finally:
        await request.shutdown()
    assert status == 200
    assert rec.seen[-1][0] == "answerCallbackQuery"

    # NO_PROXY hosts go direct; the environment is read once per host.
    monkeypatch.setenv("NO_PROXY", "api.telegram.invalid")
    direct = AiohttpRequest()
    assert direct._proxy_for("http://api.telegram.invalid/bot1:x/getMe") is None
    assert direct._proxy_for("http://other.invalid/") == f"http://127.0.0.1:{proxy_port}"
