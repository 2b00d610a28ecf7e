"""The demo's "forums the associations help shape" part: the village association's group proposes
a yhdistysilta with /propose, the coordinator gets it with a clash warning (the forum the same
evening in Joensuu) and approves it, sets two breakout sessions from the event's view, and two
people pick different sessions: the card counts each session's places."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.context import BotApplication
from bot.sandbox import SimChat, SimUser
from storage import proposals

if TYPE_CHECKING:  # bot.demo.script imports this module
    from bot.demo.script import Transcript

__all__ = ["demo_forums"]

SESSIONS = ("Kylien palvelut", "Vapaaehtoisten haku")


async def demo_forums(
    t: Transcript,
    application: BotApplication,
    *,
    coordinator: tuple[SimUser, SimChat],
    village: tuple[SimUser, SimChat],
) -> None:
    services = application.bot_data.services
    assert services is not None
    fi, en = services.env.translator.texts("fi"), services.env.translator.texts("en")
    (kaisa, kaisa_chat), (pekka, group) = coordinator, village

    t.heading("Forums: the village association proposes a yhdistysilta from its group")
    for line in ("/profile name Rääkkylän kyläyhdistys", "/profile municipality Rääkkylä"):
        await t.send(pekka, group, line)
    await t.send(pekka, group, "/propose")
    link = t.sandbox.messages(group)[-1].button(fi._("📨 Continue in private"))
    assert link is not None and link.url is not None
    payload = re.search(r"start=(\S+)", link.url)
    assert payload is not None
    pekka_chat = t.sandbox.private_chat(pekka)
    t.names[pekka_chat.id] = "Pekka's chat"
    await t.send(pekka, pekka_chat, f"/start {payload.group(1)}")
    await t.tap(pekka, pekka_chat, fi._("Association evening"))
    for answer in (
        "Yhdistysilta: kylät ja kaupunki",
        "ti 1.12. 19:00",  # the forum starts at 17:30 the same evening in Joensuu
        "2 h",
        "Kylätalo, Joensuu",
        "Joensuu",
    ):
        await t.send(pekka, pekka_chat, answer)
    village_theme = services.env.config.bot.theme("village")
    assert village_theme is not None
    await t.tap(pekka, pekka_chat, village_theme.name("fi"))
    await t.tap(pekka, pekka_chat, fi._("Done ▶"))
    await t.tap(pekka, pekka_chat, fi._("Skip"))  # no description
    await t.tap(pekka, pekka_chat, fi._("Done ▶"))  # for whom: everyone
    await t.tap(pekka, pekka_chat, fi._("Skip"))  # no programme
    await t.send(pekka, pekka_chat, "30")
    await t.tap(pekka, pekka_chat, fi._("No deadline"))
    await t.tap(pekka, pekka_chat, fi._("📨 Send proposal"))

    t.heading("Forums: Kaisa gets the proposal, with the clash, and approves it")
    await services.delivery.wait_idle(timeout=60)
    t.report_chats([kaisa_chat])
    await t.tap(kaisa, kaisa_chat, en._("✅ Approve"))
    await services.delivery.wait_idle(timeout=60)
    t.report_chats([pekka_chat, group])
    approved = await proposals.get(services.env.db, 1)
    assert approved is not None and approved.event_id is not None
    event_id = approved.event_id

    t.heading("Forums: two breakout sessions, and two people pick different ones")
    await t.send(kaisa, kaisa_chat, f"/event {event_id}")
    await t.tap(kaisa, kaisa_chat, en._("🧩 Sessions"))
    await t.send(kaisa, kaisa_chat, "\n".join(f"{title}; 15" for title in SESSIONS))
    for name, session in zip(("Mikko", "Sanna"), SESSIONS, strict=True):
        person = t.sandbox.add_user(name, language_code="fi")
        chat = t.sandbox.private_chat(person)
        t.names[chat.id] = f"{name}'s chat"
        await t.send(person, chat, f"/event {event_id}")
        await t.tap(person, chat, fi._("✅ Coming"))
        await t.tap(person, chat, fi._("{title} ({n} left)", title=session, n=15))
    await t.send(kaisa, kaisa_chat, f"/event {event_id}")
