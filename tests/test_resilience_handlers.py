"""Handlers while Telegram misbehaves: an administrator check that gets no answer, a reply that
cannot go, and an error handler whose own apology fails."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.context import AppContext
from bot.delivery.http_client import NotSent
from storage import chats
from tests.harness import BotHarness

COULD_NOT_CHECK_FI = (
    "En pystynyt juuri nyt tarkistamaan ylläpitäjän oikeuksiasi; yritä uudelleen minuutin päästä."
)


async def test_an_admin_check_without_an_answer_refuses_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with BotHarness.start(tmp_path) as h:
        pekka_user = h.sandbox.add_user("Pekka")
        group = h.sandbox.add_group(
            "Kyläyhdistys", members=[pekka_user], admins=[pekka_user], bot_present=True
        )
        pekka = h.user("Pekka").in_chat(group)
        pekka.user = pekka_user
        await chats.upsert(h.env.db, group.id, "group", None)
        h.sandbox.faults.errors(500, 1.0, 60.0, methods=["getChatMember"])
        await pekka.send("/settings quiet off")
        assert pekka.last_message().text == COULD_NOT_CHECK_FI
        assert "Only the group's administrators" not in pekka.last_message().text
        settings = await h.env.db.fetchone(
            "SELECT * FROM chat_settings WHERE chat_id = ?", (group.id,)
        )
        assert settings is None  # nothing changed: fail closed
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert any(
            f"administrator check in chat {group.id} failed: ServerError" in r.getMessage()
            for r in warnings
        )
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        # Telegram answers again: the same administrator may, and nothing was cached meanwhile.
        h.sandbox.faults.clear()
        await pekka.send("/settings quiet off")
        assert pekka.last_message().text != COULD_NOT_CHECK_FI
        settings = await h.env.db.fetchone(
            "SELECT * FROM chat_settings WHERE chat_id = ?", (group.id,)
        )
        assert settings is not None


async def test_a_reply_telegram_does_not_take_is_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    async def unreachable(update: Update, context: AppContext) -> None:
        raise NotSent("aiohttp.ClientConnectorError: Cannot connect to host")

    async with BotHarness.start(tmp_path) as h:
        h.application.add_handler(CommandHandler("unreachable", unreachable), group=-50)
        liisa = h.user("Liisa")
        await liisa.send("/unreachable")
        lines = [r for r in caplog.records if "no answer from Telegram" in r.getMessage()]
        assert len(lines) == 1
        assert lines[0].levelno == logging.WARNING and lines[0].exc_info is None
        assert "NotSent: aiohttp.ClientConnectorError" in lines[0].getMessage()
        assert "\n" not in lines[0].getMessage()  # no traceback
        # No apology sent into an unreachable Telegram (the unknown-command answer is another
        # handler group's).
        assert not any(m.text.startswith("Pahoittelen") for m in liisa.messages())


async def test_an_apology_that_fails_in_any_way_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO)

    async def broken(update: Update, context: AppContext) -> None:
        raise ValueError("a bug of ours")

    async def no_texts(*args: object) -> None:
        raise LookupError("the catalogs are gone")

    async with BotHarness.start(tmp_path) as h:
        h.application.add_handler(CommandHandler("broken", broken), group=-50)
        monkeypatch.setattr("handlers.errors.texts_for", no_texts)
        liisa = h.user("Liisa")
        await liisa.send("/broken")
        messages = [r.getMessage() for r in caplog.records]
        assert any("failed: ValueError" in m for m in messages)  # our bug: with its location
        assert any(
            f"could not tell chat {liisa.chat.id} about the failure" in m and "LookupError" in m
            for m in messages
        )
        # python-telegram-bot's own last resort never ran.
        assert not any("while handling the error" in m for m in messages)
