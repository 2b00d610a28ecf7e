"""Announcing to the people who answered an event: in chat and from the command line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from storage import subscriptions
from storage.subscriptions import Area
from tests.factories import ADMIN, admin_user, appoint, publish_forum
from tests.harness import WAIT, BotHarness


@pytest.mark.usefixtures("wall_clock")  # the other process stamps rows with it
async def test_announce_to_those_who_answered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        people = []
        for name in ("Liisa", "Matti", "Olli"):
            person = h.user(name, language_code="en")
            await person.send("/start")
            await subscriptions.replace(
                h.env.db, person.id, [Area("municipality", "167")], ["health"]
            )
            people.append(person)
        await publish_forum(admin, capacity="40")
        await h.services.delivery.wait_idle()
        await people[0].tap("✅ Coming")
        await people[1].tap("❌ Can't")  # answered too; Olli did not answer

        await admin.send("/announce")
        await admin.send("Foorumin materiaalit: https://example.org/foorumi")
        await admin.send("event 1")
        assert admin.last_message().text == "It will reach 2 chats."
        await admin.tap("📣 Send now")
        await h.services.delivery.wait_idle()
        for person, expected in zip(people, (True, True, False), strict=True):
            got = any("Foorumin materiaalit" in m.text for m in person.messages())
            assert got is expected, person.user.first_name

        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        await kaisa.send("/announce")
        await kaisa.send("Hei!")
        await kaisa.send("event 1")  # the admin's event, not hers
        assert kaisa.last_message().text.startswith("You can write to the people who answered")

        config = tmp_path / "bot.toml"
        config.write_text(f'[storage]\npath = "{h.config.storage.path}"\n', encoding="utf-8")
        code = await asyncio.to_thread(
            main, ["announce", "--config", str(config), "--event", "1", "--text", "Kiitos!"]
        )
        assert code == 0
        assert "audience: 2 chats" in capsys.readouterr().out
        h.clock.set(datetime.now(UTC) + timedelta(minutes=1))
        await h.sandbox.wait_for(
            lambda: any(m.text == "Kiitos!" for m in people[1].messages()), timeout=WAIT
        )
        assert not any(m.text == "Kiitos!" for m in people[2].messages())
