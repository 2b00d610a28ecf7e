"""Injected faults reach a real client as Telegram's bad days would: stalls hold answers of work
already done, errors refuse work, resets drop answers of work done, odd answers and fields from
the future arrive. Every fault ends on its own in real time, or at clear().

Timing assertions only ever say "not before": the machine may be busy, never early.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

from bot.sandbox import Sandbox
from bot.sandbox.faults import FUTURE_FIELD, FUTURE_UPDATE
from tests.sandbox.conftest import TOKEN, FakeClock, Raw

WAIT = 10.0  # generous: a deadline for things that should take well under a second


async def _post(
    session: aiohttp.ClientSession, sb: Sandbox, path: str, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    async with session.post(f"{sb.control_url}/{path}", json=body or {}) as response:
        return response.status, await response.json()


async def _get(session: aiohttp.ClientSession, sb: Sandbox, path: str) -> tuple[int, Any]:
    async with session.get(f"{sb.control_url}/{path}") as response:
        return response.status, await response.json()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


# --- stall --------------------------------------------------------------------------------------


async def test_stall_carries_out_at_once_and_answers_at_its_end(sb: Sandbox, bot: Bot) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    began = time.monotonic()
    sb.faults.stall(0.6)
    sending = asyncio.create_task(bot.send_message(chat.id, "hei"))
    await sb.wait_for_message(chat, timeout=WAIT)
    assert not sending.done()  # in the chat, recorded, and still unanswered
    assert sb.count("sendMessage", status=200) == 1
    sent = await asyncio.wait_for(sending, WAIT)
    assert time.monotonic() - began >= 0.55
    assert sent.text == "hei"
    assert sb.faults.stats["stalled"] == 1
    await bot.get_me()  # the stall ended on its own: answered without being held
    assert sb.faults.stats["stalled"] == 1
    assert sb.faults.active()["stall_seconds_left"] == 0


async def test_a_later_stall_extends_an_earlier_one_never_shortens_it(sb: Sandbox) -> None:
    sb.faults.stall(0.3)
    sb.faults.stall(5.0)
    sb.faults.stall(0.1)
    assert sb.faults.active()["stall_seconds_left"] > 4


async def test_stall_holds_long_polls_with_their_updates(sb: Sandbox, bot: Bot) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    pushed = sb.send_message(chat, liisa, "hei")
    began = time.monotonic()
    sb.faults.stall(0.5)
    updates = await asyncio.wait_for(bot.get_updates(timeout=0), WAIT)
    assert time.monotonic() - began >= 0.45
    assert [u.update_id for u in updates] == [pushed["update_id"]]
    # A poll waiting when the update arrives returns it (recorded), but answers only after.
    sb.faults.stall(60)
    polling = asyncio.create_task(bot.get_updates(offset=pushed["update_id"] + 1, timeout=5))
    later = sb.send_message(chat, liisa, "toinen")
    await sb.wait_for(lambda: sb.count("getUpdates") == 2, timeout=WAIT)
    await asyncio.sleep(0.1)
    assert not polling.done()
    sb.faults.clear()
    updates = await asyncio.wait_for(polling, WAIT)
    assert [u.update_id for u in updates] == [later["update_id"]]
    assert sb.faults.stats["stalled"] == 2


async def test_clear_lets_held_answers_go_at_once(sb: Sandbox, bot: Bot) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    sb.faults.stall(60)
    sending = asyncio.create_task(bot.send_message(chat.id, "hei"))
    await sb.wait_for_message(chat, timeout=WAIT)
    sb.faults.clear()
    sent = await asyncio.wait_for(sending, WAIT)  # not 60 s
    assert sent.text == "hei"
    assert sb.faults.active()["stall_seconds_left"] == 0


async def test_a_stalled_send_counts_against_the_flood_limit_when_carried_out() -> None:
    clock = FakeClock()
    async with (
        Sandbox(TOKEN, global_rate=0, private_burst=3, clock=clock) as sb,
        aiohttp.ClientSession() as client,
    ):
        raw = Raw(sb, client)
        liisa = sb.add_user("Liisa")
        chat = sb.private_chat(liisa)
        sb.faults.stall(0.5)
        answers = await asyncio.wait_for(
            asyncio.gather(
                *(raw.call("sendMessage", {"chat_id": chat.id, "text": str(n)}) for n in range(4))
            ),
            WAIT,
        )
        # Three went at once (the burst), so the fourth, while all were held, met the limit.
        assert sorted(a.status for a in answers) == [200, 200, 200, 429]
        assert len(sb.messages(chat)) == 3


# --- errors -------------------------------------------------------------------------------------


async def test_errors_are_not_carried_out_and_reach_ptb_as_its_exceptions(
    sb: Sandbox, bot: Bot, raw: Raw
) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    sb.faults.errors(502, 1.0, 30)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(chat.id, "hei")
    sb.faults.clear()
    sb.faults.errors(401, 1.0, 30)
    with pytest.raises(InvalidToken):
        await bot.send_message(chat.id, "hei")
    sb.faults.clear()
    sb.faults.errors(504, 1.0, 30)
    answer = await raw.call("sendMessage", {"chat_id": chat.id, "text": "hei"})
    assert (answer.status, answer.body) == (
        504,
        {"ok": False, "error_code": 504, "description": "Gateway Timeout"},
    )
    assert sb.messages(chat) == []
    assert [r.status_code for r in sb.requests if r.method == "sendMessage"] == [502, 401, 504]
    assert sb.faults.stats["errored"] == 3


async def test_errors_hit_only_the_named_methods_in_any_case(sb: Sandbox, raw: Raw) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    sb.faults.errors(503, 1.0, 30, methods=["SENDMESSAGE"])
    assert (await raw.call("getMe")).status == 200
    answer = await raw.call("sendmessage", {"chat_id": chat.id, "text": "hei"})
    assert (answer.status, answer.description) == (503, "Service Unavailable")
    # The schema is still checked first: a bad request is a 400, not an injected error.
    assert (await raw.call("sendMessage", {"text": "no chat"})).status == 400


async def test_error_fractions_are_deterministic(sb: Sandbox, raw: Raw) -> None:
    sb.faults.errors(500, 0.25, 30)
    statuses = [(await raw.call("getMe")).status for _ in range(8)]
    assert statuses == [200, 200, 200, 500] * 2
    sb.faults.clear()
    sb.faults.errors(500, 0.5, 30)
    statuses = [(await raw.call("getMe")).status for _ in range(4)]
    assert statuses == [200, 500, 200, 500]


async def test_errors_end_on_their_own(sb: Sandbox, raw: Raw) -> None:
    sb.faults.errors(500, 1.0, 0.5)
    assert (await raw.call("getMe")).status == 500
    await asyncio.sleep(0.8)
    assert (await raw.call("getMe")).status == 200
    assert sb.faults.active()["errors"] == []


async def test_refused_sends_consume_no_flood_budget() -> None:
    clock = FakeClock()  # stands still: only the sends themselves spend the burst
    async with (
        Sandbox(TOKEN, global_rate=0, private_burst=3, clock=clock) as sb,
        Bot(TOKEN, base_url=sb.base_url) as bot,
    ):
        liisa = sb.add_user("Liisa")
        chat = sb.private_chat(liisa)
        sb.faults.errors(500, 1.0, 30)
        for _ in range(5):
            with pytest.raises(NetworkError):
                await bot.send_message(chat.id, "ei")
        sb.faults.clear()
        for n in range(3):
            await bot.send_message(chat.id, str(n))
        with pytest.raises(RetryAfter):
            await bot.send_message(chat.id, "liikaa")


# --- reset --------------------------------------------------------------------------------------


async def test_reset_carries_out_and_the_client_gets_a_disconnect(
    sb: Sandbox, bot: Bot, raw: Raw
) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    sb.faults.reset(1.0, 30, methods=["sendMessage"])
    with pytest.raises(aiohttp.ClientError):  # ClientOSError: connection reset by peer
        await raw.call("sendMessage", {"chat_id": chat.id, "text": "raw"})
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(chat.id, "ptb")
    assert not isinstance(caught.value, TimedOut)  # a disconnect, not a timeout
    assert [m.text for m in sb.messages(chat)] == ["raw", "ptb"]  # both carried out
    assert sb.count("sendMessage", status=200) == 2
    assert sb.faults.stats["reset"] == 2
    assert (await bot.get_me()).is_bot  # other methods, and the server, keep answering


async def test_reset_fraction_and_its_end(sb: Sandbox, raw: Raw) -> None:
    async def outcomes(n: int) -> list[int]:
        seen = []
        for _ in range(n):
            try:
                seen.append((await raw.call("getMe")).status)
            except aiohttp.ClientError:
                seen.append(0)  # no answer
        return seen

    sb.faults.reset(0.5, 30)
    assert await outcomes(4) == [200, 0, 200, 0]
    sb.faults.clear()
    sb.faults.reset(1.0, 0.5)
    assert await outcomes(1) == [0]
    await asyncio.sleep(0.8)
    assert await outcomes(2) == [200, 200]
    assert sb.faults.stats["reset"] == 3


# --- latency, malformed, unknown fields ---------------------------------------------------------


async def test_latency_delays_every_answer_until_turned_off(sb: Sandbox, raw: Raw) -> None:
    sb.faults.latency(300)
    began = time.monotonic()
    assert (await raw.call("getMe")).status == 200
    assert (await raw.call("sendMessage", {"chat_id": 1, "text": "x"})).status == 400
    assert time.monotonic() - began >= 0.55  # errors are late too
    sb.faults.latency(0)
    assert sb.faults.active()["latency_ms"] == 0


async def test_malformed_get_me_fails_to_parse_once(sb: Sandbox) -> None:
    sb.faults.malformed("getme")
    fresh = Bot(TOKEN, base_url=sb.base_url)
    with pytest.raises(TypeError, match="is_bot"):
        await fresh.initialize()
    await fresh.initialize()  # one shot: the next answer is whole
    assert fresh.bot.is_bot
    await fresh.shutdown()
    assert sb.faults.stats["malformed"] == 1


async def test_malformed_message_and_true_results(sb: Sandbox, bot: Bot, raw: Raw) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    sb.faults.malformed("sendMessage")
    answer = await raw.call("sendMessage", {"chat_id": chat.id, "text": "hei"})
    assert answer.status == 200
    assert "date" not in answer.body["result"] and "chat" not in answer.body["result"]
    assert len(sb.messages(chat)) == 1  # carried out all the same
    sb.faults.malformed("setMyCommands")
    answer = await raw.call("setMyCommands", {"commands": '[{"command": "a", "description": "b"}]'})
    assert answer.body == {"ok": True}
    sb.faults.malformed("deleteMyCommands")
    with pytest.raises(KeyError):  # PTB reads `result` from an answer that has none
        await bot.delete_my_commands()
    with pytest.raises(ValueError, match="unknown Bot API method"):
        sb.faults.malformed("sendMesage")


async def test_unknown_fields_leave_ptb_parsing(sb: Sandbox, bot: Bot) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    sb.faults.unknown_fields()
    sent = await bot.send_message(chat.id, "hei")
    assert sent.text == "hei" and sent.chat.id == chat.id
    assert FUTURE_FIELD in sent.api_kwargs and FUTURE_FIELD in sent.chat.api_kwargs
    pushed = [sb.send_message(chat, liisa, f"viesti {n}") for n in range(4)]
    updates = await bot.get_updates(timeout=0)
    texts = [u.message.text for u in updates if u.message is not None]
    assert texts == [f"viesti {n}" for n in range(4)]
    future = [u for u in updates if FUTURE_UPDATE in u.api_kwargs]
    assert len(future) == 1 and future[0].effective_message is None
    assert all(FUTURE_FIELD in u.api_kwargs for u in updates)
    assert updates[-1].update_id == pushed[-1]["update_id"]
    sb.faults.unknown_fields(False)
    plain = await bot.send_message(chat.id, "taas")
    assert plain.api_kwargs == {}


async def test_an_application_keeps_answering_amid_future_fields(sb: Sandbox) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("Hei!")

    application: Application = (  # type: ignore[type-arg]
        ApplicationBuilder().token(TOKEN).base_url(sb.base_url).base_file_url(sb.base_file_url)
    ).build()
    application.add_handler(CommandHandler("start", start))
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    sb.faults.unknown_fields()
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        await application.start()
        try:
            sb.send_message(chat, liisa, "/start")  # preceded by an update of a future kind
            assert (await sb.wait_for_message(chat, timeout=WAIT)).text == "Hei!"
        finally:
            await application.updater.stop()
            await application.stop()
    assert sb.faults.stats["future_updates"] == 1


@pytest.fixture
async def webhook() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", received
    finally:
        await runner.cleanup()


async def test_unknown_fields_reach_webhooks_too(
    sb: Sandbox, bot: Bot, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    await bot.set_webhook(url)
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    sb.faults.unknown_fields()
    sb.send_message(chat, liisa, "hei")
    await sb.wait_for(lambda: len(received) == 2, timeout=WAIT)
    assert FUTURE_UPDATE in received[0]
    assert received[1]["message"]["text"] == "hei"
    assert FUTURE_FIELD in received[1] and FUTURE_FIELD in received[1]["message"]["chat"]
    await bot.delete_webhook()


# --- the Python API's checks, and the HTTP control API ------------------------------------------


async def test_bad_fault_settings_are_refused(sb: Sandbox) -> None:
    faults = sb.faults
    cases: list[tuple[Callable[[], None], str]] = [
        (lambda: faults.errors(200, 0.5, 1), "4xx or 5xx"),
        (lambda: faults.errors(502, 0, 1), "fraction"),
        (lambda: faults.errors(502, 1.5, 1), "fraction"),
        (lambda: faults.errors(502, 0.5, -1), "seconds"),
        (lambda: faults.errors(502, 0.5, 1, methods=["noSuchMethod"]), "unknown Bot API method"),
        (lambda: faults.errors(502, 0.5, 1, methods=[]), "at least one method"),
        (lambda: faults.reset(0, 1), "fraction"),
        (lambda: faults.stall(-1), "seconds"),
        (lambda: faults.latency(-5), "ms"),
        (lambda: faults.malformed("noSuchMethod"), "unknown Bot API method"),
    ]
    for bad, reason in cases:
        with pytest.raises(ValueError, match=reason):
            bad()
    assert faults.active()["errors"] == [] and faults.active()["resets"] == []


async def test_faults_over_http(sb: Sandbox, bot: Bot, session: aiohttp.ClientSession) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    status, body = await _post(
        session,
        sb,
        "faults/errors",
        {"status": 502, "fraction": 1, "seconds": 30, "methods": ["sendMessage"]},
    )
    assert status == 200
    assert body["errors"][0]["status"] == 502 and body["errors"][0]["methods"] == ["sendmessage"]
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(chat.id, "hei")
    status, body = await _post(session, sb, "faults/reset", {"fraction": 1, "seconds": 30})
    assert status == 200 and len(body["resets"]) == 1
    status, body = await _post(session, sb, "faults/stall", {"seconds": 30})
    assert status == 200 and body["stall_seconds_left"] > 20
    # Control routes answer at once whatever is on.
    status, chats = await asyncio.wait_for(_get(session, sb, "chats"), WAIT)
    assert status == 200 and [c["id"] for c in chats] == [chat.id]
    for kind, payload in (
        ("latency", {"ms": 200}),
        ("malformed", {"method": "getMe"}),
        ("unknown_fields", {"on": True}),
    ):
        assert (await _post(session, sb, f"faults/{kind}", payload))[0] == 200
    status, body = await _get(session, sb, "faults")
    assert status == 200
    assert body["latency_ms"] == 200 and body["malformed"] == ["getme"]
    assert body["unknown_fields"] is True and body["stats"] == {"errored": 1}
    status, body = await _post(session, sb, "faults/clear")
    assert status == 200
    assert body["stall_seconds_left"] == 0 and body["errors"] == body["resets"] == []
    assert body["latency_ms"] == 0 and body["malformed"] == [] and body["unknown_fields"] is False
    assert (await bot.send_message(chat.id, "taas")).text == "taas"


async def test_http_stall_holds_ptb_until_it_ends(
    sb: Sandbox, bot: Bot, session: aiohttp.ClientSession
) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    began = time.monotonic()
    assert (await _post(session, sb, "faults/stall", {"seconds": 0.5}))[0] == 200
    sent = await asyncio.wait_for(bot.send_message(chat.id, "hei"), WAIT)
    assert time.monotonic() - began >= 0.45 and sent.text == "hei"


@pytest.mark.parametrize(
    ("path", "payload", "error"),
    [
        ("faults/errors", {"status": 200, "fraction": 1, "seconds": 1}, "4xx or 5xx"),
        ("faults/errors", {"status": "502", "fraction": 1, "seconds": 1}, "status"),
        ("faults/errors", {"status": 502, "fraction": 0, "seconds": 1}, "(0, 1]"),
        ("faults/errors", {"status": 502, "fraction": 1.5, "seconds": 1}, "(0, 1]"),
        ("faults/errors", {"status": 502, "fraction": 1, "seconds": -1}, "seconds"),
        ("faults/errors", {"status": 502, "fraction": 1}, "seconds must be a number"),
        (
            "faults/errors",
            {"status": 502, "fraction": 1, "seconds": 1, "methods": ["sendMesage"]},
            "unknown Bot API method 'sendMesage'",
        ),
        ("faults/errors", {"status": 502, "fraction": 1, "seconds": 1, "methods": "x"}, "list"),
        ("faults/reset", {"fraction": -0.1, "seconds": 1}, "(0, 1]"),
        ("faults/stall", {"seconds": -3}, "seconds"),
        ("faults/latency", {"ms": -1}, "ms"),
        ("faults/malformed", {"method": "getMee"}, "unknown Bot API method"),
        ("faults/malformed", {}, "method"),
        ("faults/unknown_fields", {"on": "yes"}, "true or false"),
    ],
)
async def test_bad_fault_requests_answer_400(
    sb: Sandbox, session: aiohttp.ClientSession, path: str, payload: dict[str, Any], error: str
) -> None:
    status, body = await _post(session, sb, path, payload)
    assert status == 400 and body["ok"] is False and error in body["error"]
    assert (await _get(session, sb, "faults"))[1]["errors"] == []


async def test_unknown_fault_kind_is_404(sb: Sandbox, session: aiohttp.ClientSession) -> None:
    status, body = await _post(session, sb, "faults/meteor", {})
    assert status == 404 and body["ok"] is False
