"""Updates reach the bot as from Telegram: a real PTB Application polling, getUpdates semantics,
and webhook delivery with the secret header."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, Update
from telegram.error import Conflict
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.sandbox import Sandbox
from tests.sandbox.conftest import TOKEN, WAIT, Raw


async def test_application_answers_start_through_long_polling(sb: Sandbox) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.message is not None
        await update.message.reply_text(
            f"Hei {update.message.from_user.first_name if update.message.from_user else ''}!"
        )

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer(f"sait {update.callback_query.data}")

    application: Application = (  # type: ignore[type-arg]
        ApplicationBuilder().token(TOKEN).base_url(sb.base_url).base_file_url(sb.base_file_url)
    ).build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(tapped))
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        await application.start()
        try:
            sb.send_message(chat, liisa, "/start@jarjestobotti_bot")
            reply = await sb.wait_for_message(chat, timeout=WAIT)
            assert reply.text == "Hei Liisa!"
            sb.tap(chat, liisa, reply.message_id, "x")
            await sb.wait_for(lambda: len(sb.callback_answers) == 1, timeout=WAIT)
            assert sb.callback_answers[0].text == "sait x"
        finally:
            await application.updater.stop()
            await application.stop()
    assert sb.count("getUpdates", status=200) >= 1


async def test_offsets_limits_and_allowed_updates(sb: Sandbox, bot: Bot) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    first = sb.send_message(chat, liisa, "/start")
    assert first["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    second = sb.send_message(chat, liisa, "hei")
    assert second["update_id"] == first["update_id"] + 1
    assert len(await bot.get_updates(limit=1)) == 1
    updates = await bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == [first["update_id"], second["update_id"]]
    assert await bot.get_updates(offset=second["update_id"] + 1) == ()
    # allowed_updates is remembered and applies to later updates.
    await bot.get_updates(allowed_updates=["callback_query"])
    sb.send_message(chat, liisa, "ei toimitettu")
    assert await bot.get_updates() == ()
    await bot.get_updates(allowed_updates=[])  # back to the default set
    group = sb.add_group("G", members=[liisa], bot_present=True)
    sb.chat_member_update(group, liisa, "administrator")  # not in the default set
    update = sb.send_message(chat, liisa, "taas")
    assert [u.update_id for u in await bot.get_updates()] == [update["update_id"]]


async def test_long_poll_returns_when_an_update_arrives(sb: Sandbox, bot: Bot) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await sb.wait_for(lambda: sb.updates._poll_generation == 1, timeout=WAIT)
    sb.send_message(chat, liisa, "hei")
    updates = await asyncio.wait_for(poll, WAIT)
    assert [u.message.text for u in updates if u.message] == ["hei"]


async def test_a_second_poller_ends_the_first_with_conflict(
    sb: Sandbox, bot: Bot, raw: Raw
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await sb.wait_for(lambda: sb.updates._poll_generation == 1, timeout=WAIT)
    second = await raw.call("getUpdates", {"timeout": 0})  # another bot instance, say
    assert second.body == {"ok": True, "result": []}
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, WAIT)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[tuple[str | None, dict[str, object]]]]]:
    """A tiny webhook endpoint that fails its first request, then takes everything."""
    received: list[tuple[str | None, dict[str, object]]] = []
    calls = {"n": 0}

    async def hook(request: web.Request) -> web.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return web.Response(status=502)
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", received
    finally:
        await runner.cleanup()


async def test_webhook_delivery_with_secret_and_retry(
    sb: Sandbox,
    bot: Bot,
    receiver: tuple[str, list[tuple[str | None, dict[str, object]]]],
) -> None:
    url, received = receiver
    assert await bot.set_webhook(url, secret_token="s3cr3t-_token")
    info = await bot.get_webhook_info()
    assert info.url == url
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    first = sb.send_message(chat, liisa, "/start")
    second = sb.send_message(chat, liisa, "toinen")
    await sb.wait_for(lambda: len(received) == 2, timeout=WAIT)
    assert [body["update_id"] for _, body in received] == [
        first["update_id"],
        second["update_id"],
    ]
    assert {secret for secret, _ in received} == {"s3cr3t-_token"}
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 0
    assert info.last_error_message is not None and "502" in info.last_error_message
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()


async def test_bad_webhook_settings(raw: Raw) -> None:
    answer = await raw.call("setWebhook", {"url": "ftp://example.fi"})
    assert (answer.status, answer.description) == (
        400,
        "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
    )
    answer = await raw.call("setWebhook", {"url": "https://example.fi", "secret_token": "ä"})
    assert "secret token contains unallowed characters" in answer.description
