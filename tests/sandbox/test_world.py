"""Tests act as users through the sandbox: taps by button text, uploads, membership changes, and
the HTTP control API the demo uses."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.sandbox import Sandbox
from tests.sandbox.conftest import WAIT, Raw


def _keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t, callback_data=t.lower())] for t in labels]
    )


async def test_press_finds_the_newest_message_with_the_button(sb: Sandbox, bot: Bot) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    old = await bot.send_message(chat.id, "Vanha", reply_markup=_keyboard("Kyllä", "Ei"))
    new = await bot.send_message(chat.id, "Uusi", reply_markup=_keyboard("Kyllä"))
    await bot.send_message(chat.id, "Ilman nappeja")
    update = sb.press(chat, liisa, "Kyllä")
    assert update["callback_query"]["message"]["message_id"] == new.message_id
    update = sb.press(chat, liisa, "Kyllä", message_id=old.message_id)
    assert update["callback_query"]["message"]["message_id"] == old.message_id
    assert sb.press(chat, liisa, "Ei")["callback_query"]["data"] == "ei"
    with pytest.raises(AssertionError, match=r"no callback button 'Ehkä' in chat .*'Kyllä', 'Ei'"):
        sb.press(chat, liisa, "Ehkä")
    with pytest.raises(AssertionError, match="no message 99"):
        sb.tap(chat, liisa, 99, "x")


async def test_users_upload_files_the_bot_can_download(sb: Sandbox, bot: Bot) -> None:
    liisa = sb.add_user("Liisa", username="liisa_v")
    chat = sb.private_chat(liisa)
    update = sb.send_document(chat, liisa, b"%PDF", "ohjelma.pdf", "Tässä", mime="application/pdf")
    document = update["message"]["document"]
    assert (document["file_name"], document["mime_type"]) == ("ohjelma.pdf", "application/pdf")
    file = await bot.get_file(document["file_id"])
    assert await file.download_as_bytearray() == bytearray(b"%PDF")
    photo = sb.send_photo(chat, liisa, b"jpeg", caption="Kuva")["message"]
    assert photo["caption"] == "Kuva" and photo["photo"][0]["file_id"]
    # Telegram never lets a bot address a user by @username.
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message("@liisa_v", "x")
    await bot.send_message(chat.id, "kiitos")
    assert sb.transcript(chat) == [
        "Liisa: 📎 ohjelma.pdf Tässä",
        "Liisa: 🖼 Kuva",
        "bot: kiitos",
    ]


async def test_membership_updates(sb: Sandbox, bot: Bot) -> None:
    pekka, aino = sb.add_user("Pekka"), sb.add_user("Aino")
    group = sb.add_group("Kylä", members=[aino], admins=[pekka])
    added = sb.bot_added_to_group(group, pekka)["my_chat_member"]
    assert added["old_chat_member"]["status"] == "left"
    assert added["new_chat_member"]["status"] == "member"
    assert added["new_chat_member"]["user"]["id"] == bot.id
    await bot.send_message(group.id, "Hei ryhmä")
    promoted = sb.chat_member_update(group, aino, "administrator", by=pekka)["chat_member"]
    assert (promoted["old_chat_member"]["status"], promoted["new_chat_member"]["status"]) == (
        "member",
        "administrator",
    )
    assert promoted["new_chat_member"]["can_delete_messages"] is True
    removed = sb.bot_removed_from_group(group, pekka, status="kicked")["my_chat_member"]
    assert removed["new_chat_member"]["status"] == "kicked"
    chat = sb.private_chat(aino)
    blocked = sb.user_blocks_bot(chat)["my_chat_member"]
    assert blocked["new_chat_member"]["status"] == "kicked"
    assert chat.blocked
    sb.user_unblocks_bot(chat)
    assert not chat.blocked
    # PTB understands every one of them.
    updates = await bot.get_updates(allowed_updates=["my_chat_member"])
    assert [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member] == [
        "member",
        "kicked",
        "kicked",
        "member",
    ]


async def test_wait_for_wakes_on_requests(sb: Sandbox, bot: Bot) -> None:
    chat = sb.private_chat(sb.add_user("Liisa"))
    waiting = asyncio.create_task(sb.wait_for_message(chat, count=2))
    await bot.send_message(chat.id, "yksi")
    assert not waiting.done()
    await bot.send_message(chat.id, "kaksi")
    assert (await asyncio.wait_for(waiting, WAIT)).text == "kaksi"
    with pytest.raises(TimeoutError, match="did not reach the state"):
        await sb.wait_for(lambda: False, timeout=0.01)


async def test_control_api(sb: Sandbox, raw: Raw) -> None:
    async def post(path: str, body: dict[str, object]) -> tuple[int, Any]:
        async with raw.session.post(f"{sb.control_url}/{path}", json=body) as response:
            return response.status, await response.json()

    async def get(path: str) -> Any:
        async with raw.session.get(f"{sb.control_url}/{path}") as response:
            return await response.json()

    status, created = await post("users", {"first_name": "Liisa", "user_id": 2001})
    assert (status, created) == (
        200,
        {
            "user": {"id": 2001, "is_bot": False, "first_name": "Liisa", "language_code": "fi"},
            "chat_id": 2001,
        },
    )
    status, update = await post("message", {"chat_id": 2001, "user_id": 2001, "text": "/help"})
    assert status == 200 and update["message"]["text"] == "/help"
    keyboard = '{"inline_keyboard": [[{"text": "Suomi", "callback_data": "lang:fi"}]]}'
    await raw.call("sendMessage", {"chat_id": 2001, "text": "Kieli?", "reply_markup": keyboard})
    messages = await get("chats/2001/messages")
    assert messages == [
        {
            "message_id": 2,
            "text": "Kieli?",
            "caption": None,
            "entities": [],
            "buttons": [[{"text": "Suomi", "action": "lang:fi"}]],
            "document": None,
            "photo": None,
            "poll": None,
            "edits": 0,
        }
    ]
    status, pressed = await post("press", {"chat_id": 2001, "user_id": 2001, "text": "Suomi"})
    assert pressed["callback_query"]["data"] == "lang:fi"
    status, _ = await post(
        "tap", {"chat_id": 2001, "user_id": 2001, "message_id": 2, "data": "raw"}
    )
    assert status == 200
    status, missing = await post("press", {"chat_id": 2001, "user_id": 2001, "text": "Nope"})
    assert status == 404 and "no callback button" in missing["error"]
    status, group = await post(
        "groups", {"title": "G", "member_ids": [2001], "admin_ids": [2001], "add_bot_by": 2001}
    )
    group_id = group["chat"]["id"]
    assert any(c["id"] == group_id and c["bot_status"] == "member" for c in await get("chats"))
    status, migrated = await post(f"chats/{group_id}/failure", {"mode": "migrated"})
    assert "new_chat_id" in migrated
    status, _ = await post("chats/2001/failure", {"mode": "blocked"})
    refused = await raw.call("sendMessage", {"chat_id": 2001, "text": "x"})
    assert refused.description == "Forbidden: bot was blocked by the user"
    status, _ = await post("chats/2001/failure", {"mode": "exploded"})
    assert status == 400
    status, limits = await post("limits", {"global_rate": 5, "per_chat": False})
    assert limits == {
        "global_rate": 5.0,
        "private_burst": 3,
        "group_per_minute": 20,
        "per_chat": False,
    }
    assert sb.limits.global_rate == 5
    log = await get("requests")
    assert [r["status"] for r in log] == [200, 403]
    assert await get("chats/2001/transcript") == [
        "Liisa: /help",
        "bot: Kieli? [Suomi]",
    ]
    status, unknown = await post("message", {"chat_id": 2001, "user_id": 9, "text": "x"})
    assert (status, unknown) == (404, {"ok": False, "error": "unknown user_id"})


async def test_command_line_runs_the_sandbox() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.sandbox",
        "--port",
        "0",
        "--token",
        "7:CLI",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        assert "http://127.0.0.1:" in line and "/bot" in line
    finally:
        process.terminate()
        await process.wait()
    assert process.returncode == 0
