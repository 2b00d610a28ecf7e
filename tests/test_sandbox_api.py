"""The stand-in answers like the Bot API: python-telegram-bot's own Bot works against it, requests
are checked against the schema, and every failure Telegram produces can be switched on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter

from bot.reply_limiter import retry_seconds
from bot.sandbox import Sandbox
from bot.sandbox.limits import FloodLimits

TOKEN = "42:SANDBOX-test"
LONG_DATA = '{"inline_keyboard": [[{"text": "a", "callback_data": "' + "d" * 65 + '"}]]}'


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(TOKEN, per_chat_limits=False, global_rate=0) as sandbox:
        yield sandbox


@pytest.fixture
async def bot(sb: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=sb.base_url, base_file_url=sb.base_file_url) as client:
        yield client


async def test_python_telegram_bot_works_unmodified(sb: Sandbox, bot: Bot) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    assert bot.username == "jarjestobotti_bot"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Kyllä", callback_data="rsvp:1:y")]])
    sent = await bot.send_message(
        chat.id, "<b>Kutsu</b> foorumiin", parse_mode="HTML", reply_markup=keyboard
    )
    assert sent.text == "Kutsu foorumiin"
    assert sb.last_message(chat) is not None
    assert sb.last_message(chat).buttons == ["Kyllä"]  # type: ignore[union-attr]
    edited = await bot.edit_message_text("Päivitetty", chat.id, sent.message_id)
    assert edited.text == "Päivitetty"  # type: ignore[union-attr]
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("Päivitetty", chat.id, sent.message_id)
    document = await bot.send_document(
        chat.id, b"nimi;kunta\n", filename="osallistujat.csv", caption="Lista"
    )
    assert document.document is not None
    assert document.document.file_name == "osallistujat.csv"
    file = await bot.get_file(document.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"nimi;kunta\n")
    again = await bot.send_document(chat.id, document.document.file_id)  # re-send by file_id
    assert again.document is not None
    photo = await bot.send_photo(chat.id, b"\x89PNG fake", caption="Kaavio")
    assert photo.photo
    poll = await bot.send_poll(chat.id, "Mikä ilta sopii?", ["ti", "ke", "to"], is_anonymous=False)
    assert poll.poll is not None
    update = sb.answer_poll(liisa, poll.poll.id, [1])
    assert update["poll_answer"]["option_ids"] == [1]
    stopped = await bot.stop_poll(chat.id, poll.message_id)
    assert stopped.is_closed
    assert stopped.options[1].voter_count == 1
    assert await bot.delete_message(chat.id, sent.message_id)
    assert sent.message_id not in [m.message_id for m in sb.messages(chat)]
    await bot.send_chat_action(chat.id, "typing")


async def test_commands_members_and_chats(sb: Sandbox, bot: Bot) -> None:
    pekka, aino = sb.add_user("Pekka"), sb.add_user("Aino")
    group = sb.add_group("Kylä", members=[aino], admins=[pekka], bot_present=True)
    await bot.set_my_commands([BotCommand("start", "Aloitus")], language_code="fi")
    await bot.set_my_commands(
        [BotCommand("stats", "Tilastot")], scope=BotCommandScopeChat(group.id)
    )
    assert [c.command for c in await bot.get_my_commands(language_code="fi")] == ["start"]
    assert await bot.get_my_commands(language_code="sv") == ()
    member = await bot.get_chat_member(group.id, pekka.id)
    assert member.status == "administrator"
    assert (await bot.get_chat_member(group.id, aino.id)).status == "member"
    admins = await bot.get_chat_administrators(group.id)
    assert [a.user.id for a in admins] == [pekka.id]
    info = await bot.get_chat(group.id)
    assert info.title == "Kylä"


async def test_failures_surface_as_python_telegram_bot_exceptions(sb: Sandbox, bot: Bot) -> None:
    liisa, eino = sb.add_user("Liisa"), sb.add_user("Eino")
    chat, eino_chat = sb.private_chat(liisa), sb.private_chat(eino)
    group = sb.add_group("Ryhmä", members=[liisa], bot_present=True)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(123456789, "x")
    sb.block(chat)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(chat.id, "x")
    sb.unblock(chat)
    await bot.send_message(chat.id, "x")
    sb.deactivate(eino)
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(eino_chat.id, "x")
    supergroup = sb.migrate_to_supergroup(group)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(group.id, "x")
    assert migrated.value.new_chat_id == supergroup.id
    await bot.send_message(supergroup.id, "x")
    sb.kick_bot(supergroup)
    with pytest.raises(Forbidden, match="kicked from the supergroup chat"):
        await bot.send_message(supergroup.id, "x")
    assert len(sb.messages(chat)) == 1  # refused requests created nothing


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"chat_id": 1001, "text": "x", "colour": "red"}, 'parameter "colour" is unknown'),
        ({"chat_id": 1001}, "text is empty"),
        ({"chat_id": "abc", "text": "x"}, "chat not found"),
        ({"chat_id": 1001, "text": "x", "disable_notification": "maybe"}, "expected a Boolean"),
        ({"chat_id": 1001, "text": "   "}, "message text is empty"),
        ({"chat_id": 1001, "text": "x" * 4097}, "message is too long"),
        ({"chat_id": 1001, "text": "<b>x", "parse_mode": "HTML"}, "can't parse entities"),
        (
            {
                "chat_id": 1001,
                "text": "x",
                "reply_markup": '{"inline_keyboard": [[{"text": "a"}]]}',
            },
            "can't find a button action",
        ),
        (
            {
                "chat_id": 1001,
                "text": "x",
                "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "'
                + "d" * 65
                + '"}]]}',
            },
            "BUTTON_DATA_INVALID",
        ),
        (
            {"chat_id": 1001, "text": "x", "reply_markup": '{"inline_keyboard": [[{"txt": "a"}]]}'},
            'wrong type of parameter "reply_markup"',
        ),
    ],
)
async def test_schema_and_telegram_limits(
    sb: Sandbox, params: dict[str, object], error: str
) -> None:
    sb.private_chat(sb.add_user("Liisa", user_id=1001))
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sb.base_url}{TOKEN}/sendMessage", data=params) as response:
            body = await response.json()
    assert response.status == 400
    assert body["ok"] is False
    assert body["error_code"] == 400
    assert body["description"].startswith("Bad Request: ")
    assert error in body["description"]


async def test_other_limits(sb: Sandbox, bot: Bot) -> None:
    chat = sb.private_chat(sb.add_user("Liisa"))
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_document(chat.id, b"x", filename="a.txt", caption="c" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)POLL_OPTIONS_TOO_MUCH"):
        await bot.send_poll(chat.id, "Q", [str(i) for i in range(13)])
    with pytest.raises(BadRequest, match=r"(?i)POLL_QUESTION_INVALID"):
        await bot.send_poll(chat.id, "Q" * 301, ["a", "b"])
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("nope")


async def test_unknown_method_and_wrong_token(sb: Sandbox) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sb.base_url}{TOKEN}/launchRocket") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        async with http.post(f"{sb.base_url}1:wrong/getMe") as response:
            assert response.status == 401
    with pytest.raises(InvalidToken):
        async with Bot("1:wrong", base_url=sb.base_url):
            pass


async def test_rate_limits_answer_429_with_retry_after(sb: Sandbox, bot: Bot) -> None:
    sb.limits.global_rate = 5
    chats = [sb.private_chat(sb.add_user(f"U{i}")) for i in range(6)]
    for chat in chats[:5]:
        await bot.send_message(chat.id, "x")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chats[5].id, "x")
    assert retry_seconds(caught.value) == 1
    assert sb.count("sendMessage", status=429) == 1


def test_flood_limits_with_an_injected_clock() -> None:
    now = [0.0]
    limits = FloodLimits(lambda: now[0], global_rate=30, private_burst=3, group_per_minute=20)
    # Private chat: a burst of three, then one per second.
    assert [limits.check(1, "private") for _ in range(3)] == [None, None, None]
    assert limits.check(1, "private") == 1
    now[0] += 1.0
    assert limits.check(1, "private") is None
    # Group: twenty per minute.
    for _ in range(20):
        assert limits.check(-5, "group") is None
        now[0] += 0.5
    assert limits.check(-5, "group") == 50  # the first of the twenty leaves the window at 60 s
    now[0] += 50
    assert limits.check(-5, "group") is None
    # Whole bot: thirty in any second.
    now[0] += 100
    for chat in range(100, 130):
        assert limits.check(chat, "private") is None
    assert limits.check(131, "private") == 1
    assert limits.refusals == 3


async def test_long_polling_and_offsets(sb: Sandbox, bot: Bot) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    first = sb.send_message(chat, liisa, "/start")
    sb.tap(chat, liisa, 1, "lang:fi")
    updates = await bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == [first["update_id"], first["update_id"] + 1]
    assert updates[0].message is not None
    assert updates[0].message.text == "/start"
    assert updates[1].callback_query is not None
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    only_messages = await bot.get_updates(timeout=0, allowed_updates=["message"])
    assert only_messages == ()


async def test_webhook_delivery_with_secret(sb: Sandbox, bot: Bot) -> None:
    from aiohttp import web

    received: list[tuple[str | None, dict[str, object]]] = []
    arrived = asyncio.Event()

    async def receiver(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        arrived.set()
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receiver)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s" * 32)
        assert (await bot.get_webhook_info()).url.endswith("/hook")
        liisa = sb.add_user("Liisa")
        sb.send_message(sb.private_chat(liisa), liisa, "/start")
        await asyncio.wait_for(arrived.wait(), 5)
        assert received[0][0] == "s" * 32
        with pytest.raises(Exception, match="webhook is active"):
            await bot.get_updates()
        await bot.delete_webhook()
    finally:
        await runner.cleanup()


async def test_control_api_over_http(sb: Sandbox) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{sb.control_url}/users", json={"first_name": "Liisa", "user_id": 2001}
        ) as response:
            assert (await response.json())["chat_id"] == 2001
        async with http.post(
            f"{sb.control_url}/message", json={"chat_id": 2001, "user_id": 2001, "text": "/help"}
        ) as response:
            assert (await response.json())["message"]["text"] == "/help"
        async with http.post(
            f"{sb.control_url}/groups",
            json={"title": "G", "member_ids": [2001], "admin_ids": [2001], "add_bot_by": 2001},
        ) as response:
            group_id = (await response.json())["chat"]["id"]
        async with http.post(
            f"{sb.control_url}/chats/{group_id}/failure", json={"mode": "migrated"}
        ) as response:
            assert "new_chat_id" in await response.json()
        async with http.get(f"{sb.control_url}/chats/2001/messages") as response:
            assert await response.json() == []
        async with http.post(
            f"{sb.control_url}/press", json={"chat_id": 2001, "user_id": 2001, "text": "Nope"}
        ) as response:
            assert response.status == 404
        async with http.get(f"{sb.control_url}/requests") as response:
            assert isinstance(await response.json(), list)
