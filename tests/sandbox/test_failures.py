"""Telegram's failures, each switchable, arrive in python-telegram-bot as the right exception; the
flood limits follow an injected clock, so their windows are tested without waiting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter

from bot.sandbox import FloodLimits, Sandbox
from tests.sandbox.conftest import TOKEN, FakeClock, Raw


async def test_failure_modes_surface_as_ptb_exceptions(sb: Sandbox, bot: Bot) -> None:
    liisa, eino = sb.add_user("Liisa"), sb.add_user("Eino")
    chat, eino_chat = sb.private_chat(liisa), sb.private_chat(eino)
    group = sb.add_group("Ryhmä", members=[liisa], bot_present=True)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(123456789, "x")
    stranger = sb.add_user("Outi")  # never opened a chat with the bot
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(stranger.id, "x")
    sb.block(chat)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(chat.id, "x")
    sb.unblock(chat)
    await bot.send_message(chat.id, "x")
    sb.deactivate(eino)
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_document(eino_chat.id, b"x", filename="a.txt")
    sb.kick_bot(group)
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(group.id, "x")
    sb.forget_chat(chat.id)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(chat.id, "x")
    assert len(sb.messages(chat)) == 1  # refused requests created nothing
    assert sb.world.files == {}


async def test_group_migration(sb: Sandbox, bot: Bot) -> None:
    liisa = sb.add_user("Liisa")
    group = sb.add_group("Ryhmä", members=[liisa], bot_present=True)
    supergroup = sb.migrate_to_supergroup(group)
    assert str(supergroup.id).startswith("-100")
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(group.id, "x")
    assert migrated.value.new_chat_id == supergroup.id
    await bot.send_message(supergroup.id, "x")
    assert [m.text for m in sb.messages(supergroup)] == ["x"]
    sb.kick_bot(supergroup)
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(supergroup.id, "x")
    outsider = sb.add_group("Muu", members=[liisa])
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(outsider.id, "x")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def limited(clock: FakeClock) -> AsyncIterator[Sandbox]:
    async with Sandbox(TOKEN, global_rate=30, clock=clock) as sandbox:
        yield sandbox


@pytest.fixture
async def limited_raw(limited: Sandbox) -> AsyncIterator[Raw]:
    async with aiohttp.ClientSession() as session:
        yield Raw(limited, session)


@pytest.fixture
async def limited_bot(limited: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=limited.base_url) as client:
        yield client


async def test_private_chat_allows_a_burst_then_one_per_second(
    limited: Sandbox, limited_bot: Bot, clock: FakeClock
) -> None:
    chat = limited.private_chat(limited.add_user("Liisa"))
    for i in range(3):
        await limited_bot.send_message(chat.id, f"{i}")
    with pytest.raises(RetryAfter) as refused:
        await limited_bot.send_message(chat.id, "liikaa")
    assert refused.value.retry_after == timedelta(seconds=1)
    assert limited.requests[-1].error_description == "Too Many Requests: retry after 1"
    clock.advance(1.0)
    await limited_bot.send_message(chat.id, "taas")
    assert [m.text for m in limited.messages(chat)] == ["0", "1", "2", "taas"]


async def test_group_allows_twenty_a_minute(
    limited: Sandbox, limited_bot: Bot, clock: FakeClock
) -> None:
    group = limited.add_group("Kylä", members=[limited.add_user("Aino")], bot_present=True)
    for i in range(20):
        await limited_bot.send_message(group.id, f"{i}")
        clock.advance(0.5)
    with pytest.raises(RetryAfter) as refused:
        await limited_bot.send_message(group.id, "liikaa")
    assert refused.value.retry_after == timedelta(seconds=50)  # the first leaves at 60 s
    clock.advance(50)
    await limited_bot.send_message(group.id, "taas")


async def test_whole_bot_rate(limited: Sandbox, limited_raw: Raw, clock: FakeClock) -> None:
    raw = limited_raw
    chats = [limited.private_chat(limited.add_user(f"U{i}")).id for i in range(31)]
    for chat_id in chats[:30]:
        assert (await raw.call("sendMessage", {"chat_id": chat_id, "text": "x"})).status == 200
    refused = await raw.call("sendMessage", {"chat_id": chats[30], "text": "x"})
    assert refused.body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    # Invalid requests are refused before the limits and consume no budget.
    clock.advance(1.0)
    for _ in range(5):
        assert (await raw.call("sendMessage", {"chat_id": chats[30], "text": ""})).status == 400
    assert (await raw.call("sendMessage", {"chat_id": chats[30], "text": "x"})).status == 200
    assert limited.count("sendMessage", status=429) == 1


async def test_limits_can_be_switched_off(clock: FakeClock) -> None:
    async with Sandbox(TOKEN, global_rate=0, per_chat_limits=False, clock=clock) as sandbox:
        chat = sandbox.private_chat(sandbox.add_user("Liisa"))
        async with Bot(TOKEN, base_url=sandbox.base_url) as bot:
            for _ in range(40):
                await bot.send_message(chat.id, "x")
        assert len(sandbox.messages(chat)) == 40


def test_flood_limits_windows() -> None:
    clock = FakeClock()
    limits = FloodLimits(clock, global_rate=0.5, per_chat=False)
    assert limits.check(1, "private") is None
    assert limits.check(2, "private") == 2  # one message per two seconds
    clock.advance(2.0)
    assert limits.check(2, "private") is None
    limits.global_rate = 2
    limits.per_chat = True
    limits.group_per_minute = 3
    clock.advance(10)
    assert [limits.check(-5, "group") for _ in range(2)] == [None, None]
    assert limits.check(-6, "supergroup") == 1  # the whole bot: two per second
    clock.advance(1.0)
    assert limits.check(-5, "group") is None
    assert limits.check(-5, "group") == 59
    assert limits.refusals == 3
