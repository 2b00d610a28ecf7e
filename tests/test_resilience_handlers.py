"""Handlers while Telegram misbehaves: an administrator check that gets no answer, a reply that
cannot go, and an error handler whose own apology fails."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, TypeHandler

from bot.context import AppContext
from bot.delivery.http_client import NotSent
from handlers.wizard import one_at_a_time
from storage import chats, drafts, seen_updates, shift_signups, volunteer_calls
from tests.call_setup import setup_call
from tests.factories import ADMIN
from tests.harness import START, BotHarness

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


async def test_a_step_run_again_after_a_conflict_answers_its_tap_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A wizard step that answers its tap and then saves the draft (handlers/announcements.py
    # does): another process saved the draft meanwhile, so the step runs again on the fresh
    # draft. Telegram refuses a second answer to the tap; that would fail the run that does the
    # work, and the person would see nothing.
    caplog.set_level(logging.INFO)
    runs: list[int] = []

    async def step(update: Update, context: AppContext) -> None:
        query = update.callback_query
        assert query is not None and isinstance(query.message, Message)
        await query.answer()
        runs.append(len(runs) + 1)
        if len(runs) == 1:
            raise drafts.DraftConflict("saved by another process meanwhile")
        await query.message.reply_text("Seuraava vaihe")

    async with BotHarness.start(tmp_path) as h:
        # First in the features' group, where the first match wins: ahead of the catch-all
        # for unknown buttons.
        h.application.add_handler(
            CallbackQueryHandler(one_at_a_time(step), pattern="^conflicttest$"), group=0
        )
        h.application.handlers[0].insert(0, h.application.handlers[0].pop())
        person = h.user("Tilaaja", language_code="fi")
        await person.send("/start")
        answers = h.sandbox.count("answerCallbackQuery")
        await person.tap_data(person.last_message().message_id, "conflicttest")
        assert runs == [1, 2]
        assert person.last_message().text == "Seuraava vaihe"
        assert h.sandbox.count("answerCallbackQuery") == answers + 1
        assert any("handling the update again" in r.getMessage() for r in caplog.records)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_update_sent_again_is_handled_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Telegram sends a webhook update again when the 200 came late, possibly to another process;
    # handled twice, Liisa's tap on a shift would sign her up and then cancel it.
    caplog.set_level(logging.INFO)
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        received: list[Update] = []

        async def keep(update: Update, context: AppContext) -> None:
            received.append(update)

        h.application.add_handler(TypeHandler(Update, keep), group=-1000)
        _kaisa, liisa, _sven, _olli, call_id = await setup_call(h)
        first, _second = await volunteer_calls.shifts(h.env.db, call_id)
        [tap] = [
            u for u in received if u.callback_query and u.callback_query.from_user.id == liisa.id
        ]
        answers = h.sandbox.count("answerCallbackQuery")
        await h.application.process_update(tap)  # the same update, delivered again
        held = await shift_signups.get(h.env.db, first.id, liisa.id)
        assert held is not None and held.status == "yes"
        assert h.sandbox.count("answerCallbackQuery") == answers
        assert any(
            f"update {tap.update_id} was handled already" in r.getMessage() for r in caplog.records
        )
        # The daily job forgets the ids after two days; a fresh update still goes through.
        seen = await h.env.db.fetchval("SELECT count(*) FROM seen_updates")
        assert seen >= 4
        h.clock.set(START + timedelta(days=3))
        async with h.env.db.transaction() as tx:
            await seen_updates.forget_old(tx, h.env.db.now())
        assert await h.env.db.fetchval("SELECT count(*) FROM seen_updates") == 0
        await liisa.send("/help")
        assert await h.env.db.fetchval("SELECT count(*) FROM seen_updates") == 1
