"""The demo's grant call: a coordinator publishes one with /newgrant, a volunteer asks to be
reminded, and the reminder comes 14 days before the deadline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.context import BotApplication
from bot.sandbox import SimChat, SimUser

if TYPE_CHECKING:  # bot.demo.script imports this module
    from bot.demo.script import Transcript

__all__ = ["demo_grants"]

HELSINKI = ZoneInfo("Europe/Helsinki")
FastForward = Callable[["Transcript", BotApplication, datetime], Awaitable[None]]


async def demo_grants(
    t: Transcript,
    application: BotApplication,
    fast_forward: FastForward,
    *,
    coordinator: tuple[SimUser, SimChat],
    reader: tuple[SimUser, SimChat],
) -> None:
    services = application.bot_data.services
    assert services is not None
    en = services.env.translator.texts("en")
    fi = services.env.translator.texts("fi")
    (kaisa, kaisa_chat), (liisa, liisa_chat) = coordinator, reader

    t.heading("Grants: Kaisa publishes the city's grant call, Liisa asks to be reminded")
    await t.send(kaisa, kaisa_chat, "/newgrant")
    for answer in ("Joensuun järjestöavustus 2027", "Joensuun kaupunki", "Joensuu"):
        await t.send(kaisa, kaisa_chat, answer)
    health = services.env.config.bot.theme("health")
    assert health is not None
    await t.tap(kaisa, kaisa_chat, health.name("en"))
    await t.tap(kaisa, kaisa_chat, en._("Done ▶"))
    await t.tap(kaisa, kaisa_chat, en._("Skip"))  # the application period is open already
    for answer in (
        "17.12.2026 16.00",
        "500–3 000 €",
        "https://www.joensuu.fi/avustukset",
        "Toiminta-avustus Joensuussa toimiville yhdistyksille.",
    ):
        await t.send(kaisa, kaisa_chat, answer)
    await t.tap(kaisa, kaisa_chat, en._("📣 Publish"))
    await services.delivery.wait_idle(timeout=60)
    t.report_chats([liisa_chat])
    await t.tap(liisa, liisa_chat, fi._("🔔 Remind me"))
    await fast_forward(t, application, datetime(2026, 12, 3, 9, 0, tzinfo=HELSINKI))
    t.report_chats([liisa_chat])
