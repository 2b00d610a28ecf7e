"""The demo's poll (bot.demo.poll.demo_poll) runs through bot.demo.script.run_demo's script hook."""

from __future__ import annotations

import pytest

from bot.context import BotApplication
from bot.demo.poll import demo_poll
from bot.demo.script import Transcript, run_demo
from bot.sandbox import Sandbox
from storage import listings, subscriptions
from storage.listings import Listing
from storage.subscriptions import Area


async def _script(t: Transcript, sandbox: Sandbox, application: BotApplication) -> None:
    services = application.bot_data.services
    assert services is not None
    riikka = sandbox.add_user("Riikka", language_code="fi", user_id=9001)  # a configured admin
    riikka_chat = sandbox.private_chat(riikka)
    t.names[riikka_chat.id] = "Riikka's chat"
    await t.send(riikka, riikka_chat, "/start")
    respondents = []
    for name in ("Liisa", "Matti", "Aino"):
        user = sandbox.add_user(name, language_code="fi")
        chat = sandbox.private_chat(user)
        t.names[chat.id] = f"{name}'s chat"
        await t.send(user, chat, "/start")
        await subscriptions.replace(services.env.db, chat.id, [Area("municipality", "167")], ["*"])
        respondents.append((user, chat))
    pekka = sandbox.add_user("Pekka", language_code="fi")
    group = sandbox.add_group("Kyläyhdistys", members=[], admins=[pekka])
    t.names[group.id] = "the group"
    await t.event("Pekka adds the bot", group, lambda: sandbox.bot_added_to_group(group, pekka))
    await subscriptions.replace(services.env.db, group.id, [Area("region", "12")], ["*"])
    await listings.save(services.env.db, Listing(0, group.id, None, "Kyläyhdistys", ("167",)))
    respondents.append((pekka, group))
    await demo_poll(t, sandbox, application, riikka, riikka_chat, respondents)


async def test_demo_poll(capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_demo(script=_script) == 0
    out = capsys.readouterr().out
    assert "── Riikka in Riikka's chat: Mikä ilta sopii seuraavaan foorumiin?" in out
    assert "votes “Tiistai 8.12.” in the Telegram poll" in out
    assert "── Pekka taps [Torstai 10.12.] in the group" in out
    assert "📊 Tulokset: Mikä ilta sopii seuraavaan foorumiin?" in out
    assert (
        "aggregated: Tiistai 8.12. 2; Keskiviikko 9.12. 1; Torstai 10.12. 1 (4 respondents" in out
    )
    assert "Traceback" not in out
