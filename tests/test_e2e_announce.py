"""Announcements end to end: the coordinator's flow, scope, progress and report, the CLI."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from storage import broadcasts, chats, roles, subscriptions
from storage.subscriptions import Area
from tests.harness import WAIT, BotHarness, ChatUser

ADMIN = 7000


async def _subscribers(h: BotHarness, areas: dict[str, int]) -> dict[str, list[int]]:
    """Private chats subscribed to each municipality code, `n` per code."""
    made: dict[str, list[int]] = {}
    for code, n in areas.items():
        for i in range(n):
            user = h.sandbox.add_user(f"Tilaaja {code}-{i}")
            h.sandbox.private_chat(user)
            await chats.upsert(h.env.db, user.id, "private", None)
            await subscriptions.replace(h.env.db, user.id, [Area("municipality", code)], [])
            made.setdefault(code, []).append(user.id)
    return made


def _admin(h: BotHarness) -> ChatUser:
    user = h.sandbox.add_user("Koordinaattori", language_code="en", user_id=ADMIN)
    return ChatUser(h, user, h.sandbox.private_chat(user))


async def test_announce_preview_send_progress_and_report(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        people = await _subscribers(h, {"167": 5, "309": 2, "091": 3})
        h.sandbox.block(h.sandbox.world.chats[people["167"][0]])
        admin = _admin(h)
        await admin.send("/announce")
        assert "Send the announcement" in admin.last_message().text
        await admin.send("Järjestöilta <b>torstaina</b> & tervetuloa!")
        await admin.send("Joensuu, Outokumpu")
        texts = [m.text for m in admin.messages()[-3:]]
        assert texts[0] == "Preview — recipients will see exactly this:"
        assert texts[1] == "Järjestöilta <b>torstaina</b> & tervetuloa!"
        assert texts[2] == "It will reach 7 chats."
        await admin.send("yes please")
        assert admin.last_message().text == "Please answer with the buttons above, or /cancel."
        await admin.tap("📣 Send now")
        await h.services.delivery.wait_idle()
        reporter = h.application.bot_data.reporter
        assert reporter is not None
        await reporter.tick()
        for chat_id in people["167"][1:] + people["309"]:
            assert [m.text for m in h.sandbox.messages(chat_id)] == [
                "Järjestöilta <b>torstaina</b> & tervetuloa!"
            ]
        assert all(h.sandbox.messages(c) == [] for c in people["091"])
        report = [m for m in admin.messages() if "Announcement 1 delivered." in m.text]
        assert report, [m.text for m in admin.messages()]
        assert "Sent: 6" in report[-1].text
        assert "Blocked the bot or left: 1" in report[-1].text
        failures = admin.last_message()
        assert failures.document is not None
        assert failures.document.filename == "announcement-1-failures.csv"
        rows = list(csv.reader(io.StringIO(failures.document.data.decode("utf-8-sig"))))
        assert rows[0] == ["chat_id", "reason", "error"]
        assert rows[1][:2] == [str(people["167"][0]), "blocked the bot or left"]


async def test_bad_content_and_empty_audience(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        await _subscribers(h, {"167": 1})
        admin = _admin(h)
        await admin.send("/announce")
        await admin.send("x" * 5000)
        assert "The text is 5000 characters; Telegram allows 4096" in admin.last_message().text
        h.sandbox.send_document(admin.chat, admin.user, b"%PDF", "a.pdf", caption="c" * 1100)
        update = h.sandbox.send_document(
            admin.chat, admin.user, b"%PDF", "a.pdf", caption="c" * 1100
        )
        await h.processed(update["update_id"])
        assert "The caption is 1100 characters" in admin.last_message().text
        await admin.send("Kevään työpaja")
        await admin.send("Nonsensekylä")
        assert "I did not recognise: Nonsensekylä" in admin.last_message().text
        await admin.send("Helsinki")
        assert "No chat follows that audience" in admin.last_message().text
        await admin.send("/cancel")
        assert admin.last_message().text == "Stopped; nothing was sent."
        assert await h.env.db.fetchval("SELECT count(*) FROM outbox") == 0


async def test_participants_and_out_of_scope_coordinators_are_refused(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        await _subscribers(h, {"167": 1, "091": 1})
        volunteer = h.user("Ville", language_code="en")
        await volunteer.send("/announce")
        assert volunteer.last_message().text == "Only coordinators can send announcements."
        coordinator = h.user("Kaisa", language_code="en")
        await coordinator.send("/start")
        await roles.grant(
            h.env.db,
            coordinator.id,
            "coordinator",
            (roles.ScopeArea("region", "12"),),
            granted_by=None,
        )
        await coordinator.send("/announce")
        await coordinator.send("Tiedote")
        await coordinator.send("Helsinki")
        assert "outside the areas you coordinate" in coordinator.last_message().text
        await coordinator.tap("Everyone subscribed")
        assert "outside the areas you coordinate" in coordinator.last_message().text
        await coordinator.send("Joensuu")
        assert coordinator.last_message().text == "It will reach 1 chat."
        assert await h.env.db.fetchval("SELECT count(*) FROM outbox") == 0


async def test_schedule_list_and_cancel(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        await _subscribers(h, {"167": 3})
        admin = _admin(h)
        await admin.send("/announce")
        await admin.send("Muistakaa kevätkokous")
        await admin.tap("Everyone subscribed")
        await admin.tap("🕒 Send later…")
        await admin.send("1.1.2020 12.00")
        assert "already past" in admin.last_message().text
        await admin.send("1.12.2026 18.00")
        assert "will go out Tue 1 Dec 2026 at 18:00" in admin.last_message().text
        await h.services.delivery.wait_idle()
        assert h.sandbox.count("sendMessage") == len(
            [
                r
                for r in h.sandbox.requests
                if r.method == "sendMessage" and str(r.params.get("chat_id")) == str(ADMIN)
            ]
        )  # nothing went to subscribers yet
        await admin.send("/announcements")
        assert "1: scheduled, 0/3 sent" in admin.last_message().text
        await admin.tap("✖ Cancel 1")
        assert admin.last_answer() == "Cancelled; 3 messages were not sent."
        found = await broadcasts.broadcast(h.env.db, 1)
        assert found is not None
        assert found.state == "cancelled"
        await admin.tap_data(admin.last_message().message_id, "ann:x:1")
        assert admin.last_answer() == "That announcement can no longer be cancelled."


def test_cli_announce_and_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "bot.sqlite3"
    config = tmp_path / "bot.toml"
    config.write_text(f'[storage]\npath = "{db}"\n', encoding="utf-8")
    assert main(["migrate", "--config", str(config)]) == 0
    import asyncio

    from storage.db import Database

    async def seed() -> None:
        database = await Database.open(db)
        for chat_id, code in ((1, "167"), (2, "309"), (3, "091")):
            await chats.upsert(database, chat_id, "private", None)
            await subscriptions.replace(database, chat_id, [Area("municipality", code)], ["health"])
        await database.close()

    asyncio.run(seed())
    capsys.readouterr()
    assert (
        main(
            [
                "announce",
                "--config",
                str(config),
                "--region",
                "Pohjois-Karjala",
                "--text",
                "<b>Foorumi</b> 1.12.",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "audience: 2 chats" in out
    assert "broadcast: 1" in out
    assert main(["announce", "--config", str(config), "--status", "1"]) == 0
    assert "remaining 2 of 2" in capsys.readouterr().out
    assert main(["announce", "--config", str(config), "--theme", "culture", "--text", "x"]) == 2
    assert "no subscribed chat matches" in capsys.readouterr().err
    assert main(["announce", "--config", str(config), "--all", "--text", "<b>rikki"]) == 2
    assert "not valid Telegram HTML" in capsys.readouterr().err
    assert (
        main(["announce", "--config", str(config), "--municipality", "Atlantis", "--text", "x"])
        == 2
    )
    assert "no municipality called 'Atlantis'" in capsys.readouterr().err
    assert (
        main(
            [
                "announce",
                "--config",
                str(config),
                "--all",
                "--text",
                "x",
                "--at",
                "2020-01-01 10:00",
            ]
        )
        == 2
    )
    assert "is in the past" in capsys.readouterr().err


@pytest.mark.usefixtures("wall_clock")  # the other process stamps rows with it
async def test_running_bot_picks_up_an_announcement_queued_by_another_process(
    tmp_path: Path,
) -> None:
    async with BotHarness.start(tmp_path) as h:
        people = await _subscribers(h, {"167": 2})
        config = tmp_path / "bot.toml"
        config.write_text(f'[storage]\npath = "{h.config.storage.path}"\n', encoding="utf-8")
        import asyncio

        code = await asyncio.to_thread(
            main,
            [
                "announce",
                "--config",
                str(config),
                "--municipality",
                "Joensuu",
                "--text",
                "Talkoot lauantaina",
            ],
        )
        assert code == 0
        # The other process stamps rows with the real time; the test clock must be past it.
        h.clock.set(datetime.now(UTC) + timedelta(minutes=1))
        # No wake-up call: the worker finds the rows on its own within its idle poll.
        for chat_id in people["167"]:

            def arrived(chat: int = chat_id) -> bool:
                return bool(h.sandbox.messages(chat))

            await h.sandbox.wait_for(arrived, timeout=WAIT)
            assert [m.text for m in h.sandbox.messages(chat_id)] == ["Talkoot lauantaina"]
