"""/start, /help, /language and the error handler, end to end through the stand-in."""

from __future__ import annotations

import contextvars
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import CommandHandler, TypeHandler

from bot.context import AppContext
from bot.sandbox.world import RequestRecord
from handlers.common import texts_for
from tests.db_trips import count_trips
from tests.harness import WAIT, BotHarness

pytestmark = pytest.mark.asyncio


async def test_start_welcomes_in_the_clients_language(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="fi")
        await liisa.send("/start")
        welcome = liisa.last_message()
        assert "Tervetuloa Järjestöbottiin!" in welcome.text
        assert welcome.buttons == ["➕ Tilaa", "❓ Mitä osaat?", "🌐 Vaihda kieli"]
        await liisa.tap("➕ Tilaa")
        assert "vaihe 1/3" in liisa.last_message().text
        anna = h.user("Anna", language_code="sv-FI")
        await anna.send("/start")
        assert "Välkommen till Järjestöbotti!" in anna.last_message().text
        john = h.user("John", language_code="de")
        await john.send("/start")
        assert "Tervetuloa" in john.last_message().text  # unknown language: config default


async def test_language_choice_is_stored_and_used(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="fi")
        await liisa.send("/language")
        assert liisa.last_message().buttons == ["Suomi", "Svenska", "English"]
        await liisa.tap("English")
        assert liisa.last_message().text == "Language changed: I now speak English in this chat."
        chat = await h.env.db.fetchval("SELECT language FROM chats WHERE id = ?", (liisa.id,))
        assert chat == "en"
        await liisa.send("/help")
        assert "/subscribe" in liisa.last_message().text
        assert "Commands" in liisa.last_message().text
        await liisa.send("/language sv")
        assert "jag talar nu Svenska" in liisa.last_message().text


async def test_language_usage_hint_and_unknown_command(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="en")
        await liisa.send("/language klingon")
        assert liisa.last_message().text.startswith("Usage: /language")
        await liisa.send("hello bot, are you there?")
        assert liisa.last_message().text == "I read commands: /help lists what I can do."
        await liisa.send("/frobnicate now")
        assert liisa.last_message().text == (
            "I don't know the command /frobnicate. /help lists what I can do."
        )
        await liisa.send("/start nonsense_payload")
        texts = [m.text for m in liisa.messages()[-2:]]
        assert texts[0] == "This link is not valid any more. Here is the start menu instead."


async def test_help_depends_on_role(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({4242})) as h:
        volunteer = h.user("Vilma", language_code="en")
        await volunteer.send("/help")
        assert "/sublink" not in volunteer.last_message().text
        assert "/cancel — Stop what you are preparing" in volunteer.last_message().text
        admin_user = h.sandbox.add_user("Admin", language_code="en", user_id=4242)
        from tests.harness import ChatUser

        admin = ChatUser(h, admin_user, h.sandbox.private_chat(admin_user))
        await admin.send("/help")
        assert "/sublink" in admin.last_message().text
        assert "You are an administrator of this bot." in admin.last_message().text


async def test_commands_are_published_per_language(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:

        def languages() -> set[object]:
            return {r.params.get("language_code") for r in calls()}

        def calls() -> list[RequestRecord]:
            return [r for r in h.sandbox.requests if r.method == "setMyCommands"]

        # Published in the background: the bot serves without waiting for it.
        await h.sandbox.wait_for(lambda: {"fi", "sv", "en"} <= languages(), timeout=WAIT)
        fi = next(r for r in calls() if r.params.get("language_code") == "fi")
        assert "Vaihda kieli" in str(fi.params["commands"])


async def test_error_handler_apologises_and_logs_no_texts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "personal " + "detail"
    async with BotHarness.start(tmp_path) as h:

        async def broken(update: object, context: object) -> None:
            raise RuntimeError(secret)

        h.application.add_handler(CommandHandler("broken", broken), group=-2)
        liisa = h.user("Liisa", language_code="sv")
        await liisa.send(f"/broken {secret}")
        texts = [m.text for m in liisa.messages()]
        assert any(t.startswith("Förlåt, något gick fel hos mig.") for t in texts)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "update 1 failed: RuntimeError" in logged
    assert secret not in logged
    assert h.config.telegram.token not in logged


async def _say_language(update: Update, context: AppContext) -> None:
    """After every feature handler (a later group, same update): the language texts_for picks."""
    t = await texts_for(context, update)
    if update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, f"language: {t.language}")


async def test_a_language_change_is_used_for_the_rest_of_the_update(tmp_path: Path) -> None:
    """texts_for answers from the language tracking recorded at the start of the update; a change
    of language (or its deletion by /forget) later in the same update must not be answered in the
    old one."""
    async with BotHarness.start(tmp_path) as h:
        h.application.add_handler(TypeHandler(Update, _say_language), group=1)
        liisa = h.user("Liisa", language_code="fi")
        await liisa.send("/help")
        assert liisa.last_message().text == "language: fi"
        await liisa.send("/language sv")
        assert "jag talar nu Svenska" in liisa.messages()[-2].text
        assert liisa.last_message().text == "language: sv"
        await liisa.send("/language")
        assert liisa.last_message().text == "language: sv"
        await liisa.tap("English", message_id=liisa.messages()[-2].message_id)
        assert liisa.last_message().text == "language: en"
        await liisa.send("/forget")
        assert liisa.last_message().text == "language: en"
        question = liisa.messages()[-2].message_id
        await liisa.tap("🗑 Yes, delete my data", message_id=question)
        [done] = [m for m in liisa.messages() if m.message_id == question]
        assert done.text.startswith("Done: I deleted your data.")  # edited in place
        # The chat's row and its choice are gone: the client's language again.
        assert liisa.last_message().text == "language: fi"


async def test_recording_the_sender_and_choosing_the_language_take_one_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every update pays for tracking before its feature handler: one block of statements for
    user and chat together (on the database thread or inline), none more for the reply's
    language."""
    in_update: contextvars.ContextVar[bool] = contextvars.ContextVar("in_update", default=False)

    async def mark(update: Update, context: AppContext) -> None:
        in_update.set(True)  # stays with the task handling this update

    # The update's own task (and tasks it starts), not the workers'.
    trips = count_trips(monkeypatch, in_update.get)
    async with BotHarness.start(tmp_path) as h:
        h.application.add_handler(TypeHandler(Update, mark), group=-1000)
        liisa = h.user("Liisa", language_code="en")
        await liisa.send("/start")
        trips[0] = 0
        # A button nobody claims: tracking, then an answer in the reader's language, nothing else.
        await liisa.tap_data(liisa.last_message().message_id, "nobody:claims:this")
        assert liisa.last_answer() == "This button is no longer valid."
        assert trips[0] == 1
