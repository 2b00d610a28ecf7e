"""Issue 19's texts: the new event kinds in the wizard and on cards, an event's attendee CSV in
the coordinator's language, and /settings quiet / digest typed in Finnish and Swedish."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from storage import chat_settings, chats, events, schedule, subscriptions
from storage.subscriptions import Area
from tests.factories import ADMIN, JOENSUU, admin_user, appoint, publish_forum
from tests.harness import BotHarness, ChatUser


async def _finnish_subscriber(h: BotHarness, name: str) -> ChatUser:
    person = h.user(name, language_code="fi")
    await person.send("/start")
    await subscriptions.replace(h.env.db, person.id, [Area("municipality", JOENSUU)], ["*"])
    return person


async def test_wizard_offers_the_new_kinds_and_cards_name_them(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        liisa = await _finnish_subscriber(h, "Liisa")
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        await chats.set_language(h.env.db, kaisa.id, "fi")
        await kaisa.send("/newevent")
        offered = kaisa.last_message().buttons
        assert {"Työpaja", "Koulutus", "Arviointityöpaja"} <= set(offered), offered
        assert "Teematyöpaja" not in offered
        await kaisa.send("/cancel")

        await chats.set_language(h.env.db, kaisa.id, "en")
        await kaisa.send("/newevent")
        assert {"Workshop", "Training", "Evaluation workshop"} <= set(kaisa.last_message().buttons)
        await kaisa.send("/cancel")
        await publish_forum(kaisa, kind="Evaluation workshop")
        assert "Published as event 1" in kaisa.last_message().text
        stored = await events.get(h.env.db, 1)
        assert stored is not None and stored.kind == "evaluation_workshop"
        await h.services.delivery.wait_idle()
        assert "🏷 Arviointityöpaja" in liisa.last_message().text

        await publish_forum(kaisa, kind="Training")
        await h.services.delivery.wait_idle()
        assert "🏷 Koulutus" in liisa.last_message().text


async def test_attendee_csv_in_the_coordinators_language(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        liisa = await _finnish_subscriber(h, "Liisa")
        matti = await _finnish_subscriber(h, "=Matti")  # a name a spreadsheet would run
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        await publish_forum(kaisa)
        await h.services.delivery.wait_idle()
        await liisa.tap("✅ Tulen")
        await matti.tap("❌ En pääse")

        expected = {
            "fi": (
                ["tapahtuma", "nimi", "käyttäjänimi", "vastaus", "henkilöä", "yhdistys",
                 "kunta", "sessio", "vastattu keskustelussa", "vastausaika"],
                {("Liisa", "kyllä"), ("'=Matti", "ei")},
            ),
            "sv": (
                ["evenemang", "namn", "användarnamn", "svar", "personer", "förening",
                 "kommun", "session", "svarat i chatten", "svarstid"],
                {("Liisa", "ja"), ("'=Matti", "nej")},
            ),
        }  # fmt: skip
        for language, (header, answers) in expected.items():
            await chats.set_language(h.env.db, kaisa.id, language)
            await kaisa.send("/event 1")
            await kaisa.tap("📄 CSV")
            document = kaisa.last_message().document
            assert document is not None and document.filename == "event-1-attendees.csv"
            rows = list(csv.reader(io.StringIO(document.data.decode("utf-8-sig"))))
            assert rows[0] == header
            assert {(r[1], r[3]) for r in rows[1:]} == answers


async def test_settings_in_finnish(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _finnish_subscriber(h, "Liisa")
        await liisa.send("/settings")
        assert "/settings hiljaisuus 22:00-07:00" in liisa.last_message().text
        assert "/settings kooste ti 18" in liisa.last_message().text

        await liisa.send("/settings hiljaisuus 22:00-07:00")
        assert "Hiljaiset tunnit: 22:00–07:00." in liisa.last_message().text
        assert (await chat_settings.get(h.env.db, liisa.id)).quiet_hours == "22:00-07:00"
        await liisa.send("/settings hiljaiset tunnit pois")
        assert "Hiljaiset tunnit: ei käytössä" in liisa.last_message().text
        assert (await chat_settings.get(h.env.db, liisa.id)).quiet_hours == ""
        await liisa.send("/settings hiljaisuus oletus")
        assert (await chat_settings.get(h.env.db, liisa.id)).quiet_hours is None
        await liisa.send("/settings hiljaisuus 25:00-08:00")
        assert "/settings hiljaisuus 21:00-08:00" in liisa.last_message().text

        await liisa.send("/settings viikkokooste ti 18")
        assert "Viikkokooste: joka tiistai klo 18.00." in liisa.last_message().text
        assert await schedule.get(h.env.db, f"digest:{liisa.id}") is not None
        await liisa.send("/settings kooste ei")
        assert "Viikkokooste: ei käytössä." in liisa.last_message().text
        assert (await chat_settings.get(h.env.db, liisa.id)).digest_weekday is None
        await liisa.send("/settings kooste joskus")
        assert "”/settings kooste ma 9”" in liisa.last_message().text
        await liisa.send("/settings jotain")
        assert "”hiljaisuus”" in liisa.last_message().text


async def test_settings_in_swedish(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        stina = h.user("Stina", language_code="sv")
        await stina.send("/start")
        await stina.send("/settings")
        assert "/settings tystnad 22:00-07:00" in stina.last_message().text
        assert "/settings sammandrag tis 18" in stina.last_message().text

        await stina.send("/settings tystnad 21:30-07:00")
        assert "Tysta timmar: 21:30–07:00." in stina.last_message().text
        await stina.send("/settings tysta timmar av")
        assert "Tysta timmar: inga" in stina.last_message().text
        assert (await chat_settings.get(h.env.db, stina.id)).quiet_hours == ""
        await stina.send("/settings Tystnad standard")
        assert (await chat_settings.get(h.env.db, stina.id)).quiet_hours is None

        await stina.send("/settings veckosammandrag fre 8")
        assert "Veckosammandrag: varje fredag kl. 8.00." in stina.last_message().text
        await stina.send("/settings sammandrag nej")
        assert "Veckosammandrag: av." in stina.last_message().text
        assert (await chat_settings.get(h.env.db, stina.id)).digest_weekday is None
        await stina.send("/settings sammandrag")
        assert "”/settings sammandrag mån 9”" in stina.last_message().text
