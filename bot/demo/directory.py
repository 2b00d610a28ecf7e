"""The demo's "who does what" part: an association group publishes its profile, a person lists an
association without a group and a coordinator approves it, a volunteer searches the directory
and asks the municipality's contact person one question through the bot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.context import BotApplication
from bot.sandbox import SimChat, SimUser

if TYPE_CHECKING:  # bot.demo.script imports this module
    from bot.demo.script import Transcript

__all__ = ["demo_directory"]


async def demo_directory(
    t: Transcript,
    application: BotApplication,
    *,
    coordinator: tuple[SimUser, SimChat],
    group: tuple[SimUser, SimChat],
    reader: tuple[SimUser, SimChat],
) -> None:
    services = application.bot_data.services
    assert services is not None
    en = services.env.translator.texts("en")
    (kaisa, kaisa_chat), (aino, heart), (liisa, liisa_chat) = coordinator, group, reader

    t.heading("Directory: the heart association publishes its profile")
    for line in (
        "/profile kuvaus Vertaistukea sydänsairaille ja heidän läheisilleen: kävelyryhmät, "
        "luennot ja kuukausittainen kahvila.",
        "/profile kielet suomi, englanti",
        "/profile julkaise",
    ):
        await t.send(aino, heart, line)

    t.heading("Directory: a reading circle without a Telegram group is listed and approved")
    mirja = t.sandbox.add_user("Mirja", language_code="en")
    mirja_chat = t.sandbox.private_chat(mirja)
    t.names[mirja_chat.id] = "Mirja's chat"
    await t.send(mirja, mirja_chat, "/profile")
    await t.tap(mirja, mirja_chat, en._("➕ List an association without a group"))
    for answer in ("Joensuun Lukupiiri", "Joensuu"):
        await t.send(mirja, mirja_chat, answer)
    culture = services.env.config.bot.theme("culture")
    assert culture is not None
    await t.tap(mirja, mirja_chat, culture.name("en"))
    await t.tap(mirja, mirja_chat, en._("Done ▶"))
    for answer in (
        "We read novels together once a month, in Finnish and Arabic.",
        "Finnish, Arabic",
        "lukupiiri@example.fi",
    ):
        await t.send(mirja, mirja_chat, answer)
    await t.tap(mirja, mirja_chat, en._("Yes"))
    await t.tap(mirja, mirja_chat, en._("📨 Send for approval"))
    await services.delivery.wait_idle(timeout=60)
    t.report_chats([kaisa_chat])
    await t.tap(kaisa, kaisa_chat, en._("✅ Approve"))
    await services.delivery.wait_idle(timeout=60)
    t.report_chats([mirja_chat])

    t.heading("Directory: Liisa looks for associations in Joensuu, and for Arabic")
    await t.send(liisa, liisa_chat, "/directory Joensuu")
    await t.tap(liisa, liisa_chat, "2. Joensuun Sydänyhdistys")
    await t.send(liisa, liisa_chat, "/directory arabia")

    t.heading("Contact people: Kaisa lists herself, Liisa asks her one question")
    await t.send(kaisa, kaisa_chat, "/contactme Joensuun kaupungin järjestöyhdyshenkilö")
    await t.send(liisa, liisa_chat, "/contact Joensuu")
    await t.tap(liisa, liisa_chat, "✉️ Kirjoita: Kaisa")
    await t.send(liisa, liisa_chat, "Hei! Voiko yhdistyksemme esitellä toimintaansa foorumissa?")
    t.report_chats([kaisa_chat])
    await t.tap(kaisa, kaisa_chat, en._("↩️ Reply"))
    await t.send(kaisa, kaisa_chat, "Totta kai! Kerron ohjelmasta ensi viikolla.")
    t.report_chats([liisa_chat])
