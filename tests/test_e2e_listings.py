"""The directory's publishing side end to end: a group's /profile with every field and its bad
input, publish / unpublish by administrators only, a listing without a group approved by the
first coordinator who taps (or declined), hiding with a reason, the yearly question and the
lapse 30 days later, and /mydata and /forget."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.core.callbacks import encode
from bot.sandbox import SimChat
from storage import listings
from storage.listings import Listing
from tests.factories import ADMIN, JOENSUU, admin_user, appoint, delivered
from tests.harness import BotHarness, ChatUser

FI_REFUSAL = "Vain ryhmän ylläpitäjät voivat muuttaa sen asetuksia."


def _group(h: BotHarness, title: str, language: str = "fi") -> tuple[SimChat, ChatUser, ChatUser]:
    admin = h.sandbox.add_user("Pekka", language_code=language)
    member = h.sandbox.add_user("Aino", language_code=language)
    group = h.sandbox.add_group(title, members=[admin, member], admins=[admin], bot_present=True)
    return group, ChatUser(h, admin, group), ChatUser(h, member, group)


async def _stored(h: BotHarness, chat_id: int) -> Listing | None:
    return await listings.for_chat(h.env.db, chat_id)


async def test_group_profile_fields_bad_input_and_publishing(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        group, pekka, aino = _group(h, "Kyläyhdistys")
        await aino.send("/profile publish")
        assert aino.last_message().text == FI_REFUSAL
        await aino.send("/profile nimi Kaapattu")
        assert aino.last_message().text == FI_REFUSAL
        assert await _stored(h, group.id) is None

        await pekka.send("/profile nimi Rääkkylän Kylät ry")
        await pekka.send("/profile publish")
        assert "pitää olla ainakin nimi ja yksi kunta" in pekka.last_message().text
        stored = await _stored(h, group.id)
        assert stored is not None and stored.status == "private"

        refusals = {
            "/profile kuvaus " + "a" * 501: "saa olla enintään 500",
            "/profile yhteystieto soita illalla": "ei ole yhteystieto, jonka voin julkaista",
            "/profile contact 12345": "ei ole yhteystieto",
            "/profile nimi <b>Iso</b> yhdistys": "Kirjoita pelkkää tekstiä",
            "/profile about **Paras** yhdistys": "Kirjoita pelkkää tekstiä",
            "/profile kuvaus Katso [tästä](https://x.fi)": "Kirjoita pelkkää tekstiä",
            "/profile about `koodi`": "Kirjoita pelkkää tekstiä",
            "/profile kielet suomi, klingon": "En tunne kieltä tai kieliä: klingon.",
            "/profile vapaaehtoiset ehkä": "Vastaa kyllä tai ei",
            "/profile liittymislinkki https://example.com/ryhma": "Liittymislinkin pitää olla",
            "/profile kunta Atlantis": "En löytänyt kuntaa",
        }
        for command, expected in refusals.items():
            await pekka.send(command)
            assert expected in pekka.last_message().text, (command, pekka.last_message().text)
        assert await _stored(h, group.id) == stored  # nothing of it was stored

        for command in (
            "/profile kunta Rääkkylä, Joensu",  # a typo is forgiven
            "/profile teemat kylätoiminta, kulttuuri",
            "/profile kuvaus Kyläiltoja ja talkoita koko perheelle.",
            "/profile kielet suomi, arabia",
            "/profile yhteystieto 040 123 4567",
            "/profile vapaaehtoiset kyllä",
            "/profile liittymislinkki t.me/+AbCdEf123",
        ):
            await pekka.send(command)
            assert pekka.last_message().text.startswith("Tallennettu."), command
        stored = await _stored(h, group.id)
        assert stored is not None
        assert stored.municipalities == ("707", JOENSUU)
        assert stored.languages == ("fi", "ar")
        assert stored.contact == "040 123 4567" and stored.welcomes_volunteers
        assert stored.join_link == "https://t.me/+AbCdEf123"
        for contact in ("+358 40 123 4567", "info@kylat.fi", "@kylat_ry", "www.kylat.fi"):
            await pekka.send(f"/profile contact {contact}")
            assert pekka.last_message().text.startswith("Tallennettu."), contact

        await aino.tap("🌍 Julkaise hakemistossa")
        assert aino.last_answer() == FI_REFUSAL
        assert (await _stored(h, group.id)) is not None
        assert (await _stored(h, group.id)).status == "private"  # type: ignore[union-attr]

        await pekka.tap("🌍 Julkaise hakemistossa")
        published = h.sandbox.last_message(group)
        assert published is not None
        assert "Julkaistu! Yhdistyksenne näkyy nyt hakemistossa /directory" in published.text
        assert "Rääkkylän Kylät ry" in published.text and "arabia" in published.text
        assert published.button("👋 Liity ryhmään") is not None or published.reply_markup
        stored = await _stored(h, group.id)
        assert stored is not None and stored.status == "public"
        assert stored.user_id == pekka.id and stored.confirmed_at == h.env.db.now()

        await aino.send("/profile unpublish")
        assert aino.last_message().text == FI_REFUSAL
        assert (await _stored(h, group.id)).status == "public"  # type: ignore[union-attr]
        await pekka.send("/profile unpublish")
        assert "ei ole enää julkinen" in pekka.last_message().text
        assert (await _stored(h, group.id)).status == "private"  # type: ignore[union-attr]


async def test_swedish_group_publishes(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        group, pekka, _ = _group(h, "Föreningen", language="sv")
        await pekka.send("/profile namn Vasa Bygdeförening rf")
        await pekka.send("/profile kommun Vasa")
        await pekka.send("/profile språk svenska, finska")
        await pekka.send("/profile kontakt hej")
        assert "är ingen kontakt jag kan publicera" in pekka.last_message().text
        await pekka.send("/profile publicera")
        assert "Publicerad! Er förening syns nu i /directory" in pekka.last_message().text
        stored = await _stored(h, group.id)
        assert stored is not None and stored.status == "public"
        assert stored.languages == ("sv", "fi") and stored.contact is None


async def _list_without_group(h: BotHarness, person: ChatUser) -> int:
    await person.send("/profile")
    assert "without a Telegram group can be listed here" in person.last_message().text
    await person.tap("➕ List an association without a group")
    await person.send("Joensuun Lukupiiri")
    await person.send("Joensu")
    await person.tap("Health")
    await person.tap("Done ▶")
    await person.send("<i>Luemme</i> yhdessä")
    assert "Please write plain text" in person.last_message().text
    await person.send("We read books together, in Finnish and Arabic.")
    await person.send("Finnish, Arabic")
    await person.send("call me")
    assert "is not a contact I can publish" in person.last_message().text
    await person.send("lukupiiri@example.fi")
    await person.tap("Yes")
    preview = person.last_message()
    assert "This is how the card will look" in preview.text
    assert "Joensuun Lukupiiri" in preview.text and "Arabic" in preview.text
    await person.tap("📨 Send for approval")
    assert "A coordinator approves “Joensuun Lukupiiri”" in person.last_message().text
    mine = await listings.for_user(h.env.db, person.id)
    assert [(x.name, x.status, x.municipalities) for x in mine] == [
        ("Joensuun Lukupiiri", "pending", (JOENSUU,))
    ]
    await delivered(h)
    return mine[0].id


async def test_person_listing_first_coordinator_tap_wins(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        ville = await appoint(h, admin, "Ville", "Pohjois-Karjala")
        outsider = await appoint(h, admin, "Olli", "Helsinki")
        liisa = h.user("Liisa", language_code="en")
        await liisa.send("/start")
        admin_messages = len(admin.messages())
        listing_id = await _list_without_group(h, liisa)
        for coordinator in (kaisa, ville):
            assert (
                f"Listing {listing_id} waits for your approval" in coordinator.last_message().text
            )
        assert "waits for your approval" not in outsider.last_message().text
        assert len(admin.messages()) == admin_messages  # coordinators cover it: not the admin

        await outsider.tap_data(outsider.last_message().message_id, encode("lst", "ok", listing_id))
        assert "Only the coordinators of its municipality" in (outsider.last_answer() or "")
        await kaisa.tap("✅ Approve")
        assert "Approved: the listing is now public" in kaisa.last_message().text
        await ville.tap("✅ Approve")
        assert ville.last_answer() == "This listing was already handled by someone."
        stored = await listings.get(h.env.db, listing_id)
        assert stored is not None and stored.status == "public" and stored.status_by == kaisa.id
        await delivered(h)
        assert "A coordinator approved “Joensuun Lukupiiri”" in liisa.last_message().text

        # A coordinator of the place hides it with a reason; the representative is told.
        await kaisa.tap_data(kaisa.last_message().message_id, encode("lst", "hide", listing_id))
        assert "Why hide “Joensuun Lukupiiri”?" in kaisa.last_message().text
        await kaisa.send("Toiminta on loppunut.")
        assert "Hidden from the directory" in kaisa.last_message().text
        stored = await listings.get(h.env.db, listing_id)
        assert stored is not None and stored.status == "hidden"
        assert stored.status_reason == "Toiminta on loppunut."
        await delivered(h)
        told = liisa.last_message().text
        assert "A coordinator hid “Joensuun Lukupiiri”" in told and "Toiminta on loppunut." in told


async def test_decline_with_reason_and_admins_when_nobody_covers(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        liisa = h.user("Liisa", language_code="en")
        await liisa.send("/start")
        listing_id = await _list_without_group(h, liisa)
        assert f"Listing {listing_id} waits for your approval" in admin.last_message().text
        await admin.tap("❌ Decline")
        assert "Send the reason in one message" in admin.last_message().text
        await admin.send("<b>spam</b>")
        assert "Please write plain text" in admin.last_message().text
        assert (await listings.get(h.env.db, listing_id)).status == "pending"  # type: ignore[union-attr]
        await admin.send("Not an association of the network.")
        assert "Declined" in admin.last_message().text
        await delivered(h)
        told = liisa.last_message().text
        assert "did not approve “Joensuun Lukupiiri”" in told
        assert "Reason: Not an association of the network." in told
        stored = await listings.get(h.env.db, listing_id)
        assert stored is not None and stored.status == "hidden"
        # Withdrawn by its representative: gone.
        await liisa.send("/profile")
        await liisa.tap("🗑 Withdraw")
        assert await listings.get(h.env.db, listing_id) is None


async def test_hidden_group_profile_is_told_and_needs_approval_again(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        group, pekka, _ = _group(h, "Kyläyhdistys")
        await pekka.send("/profile nimi Kylät ry")
        await pekka.send("/profile kunta Joensuu")
        await pekka.send("/profile julkaise")
        stored = await _stored(h, group.id)
        assert stored is not None and stored.status == "public"
        await kaisa.send(f"/hidelisting {stored.id} Vanhentunut yhteystieto")
        assert "Hidden from the directory" in kaisa.last_message().text
        await delivered(h)
        told = h.sandbox.last_message(group)
        assert told is not None
        assert "Koordinaattori piilotti ilmoituksen ”Kylät ry”" in told.text
        assert "Vanhentunut yhteystieto" in told.text
        await pekka.send("/profile julkaise")
        assert "Lähetin sen nykyisellään koordinaattoreille" in pekka.last_message().text
        assert (await _stored(h, group.id)).status == "pending"  # type: ignore[union-attr]
        await delivered(h)
        assert f"Listing {stored.id} waits for your approval" in kaisa.last_message().text


async def _run_daily(h: BotHarness, days: int) -> None:
    h.clock.advance(timedelta(days=days))
    await h.services.scheduler.extend()
    await h.services.scheduler.run_due()
    await delivered(h)


async def test_yearly_question_and_lapse(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        group, pekka, _ = _group(h, "Kyläyhdistys")
        other, olli, _ = _group(h, "Toinen")
        for admin in (pekka, olli):
            await admin.send("/profile nimi Kylät ry")
            await admin.send("/profile kunta Joensuu")
            await admin.send("/profile julkaise")
        await _run_daily(h, 364)
        assert (
            "Pitääkö tämä yhä" not in (h.sandbox.last_message(group) or pekka.last_message()).text
        )
        await _run_daily(h, 2)
        asked = h.sandbox.last_message(group)
        assert asked is not None and "Pitääkö tämä yhä paikkansa?" in asked.text
        assert (await _stored(h, group.id)).review_asked_at == h.env.db.now()  # type: ignore[union-attr]
        await olli.tap("✅ Pitää paikkansa")
        assert "pysyy hakemistossa /directory taas vuoden" in olli.last_message().text
        await _run_daily(h, 29)
        assert (await _stored(h, group.id)).status == "public"  # type: ignore[union-attr]
        await _run_daily(h, 2)
        lapsed = await _stored(h, group.id)
        assert lapsed is not None and lapsed.status == "lapsed"
        told = h.sandbox.last_message(group)
        assert told is not None and "ei enää näy hakemistossa /directory" in told.text
        confirmed = await _stored(h, other.id)
        assert confirmed is not None and confirmed.status == "public"
        await pekka.send("/profile julkaise")
        assert (await _stored(h, group.id)).status == "public"  # type: ignore[union-attr]


async def test_mydata_and_forget(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        group, pekka, _ = _group(h, "Kyläyhdistys", language="en")
        await pekka.send("/profile name Kylät ry")
        await pekka.send("/profile municipality Joensuu")
        await pekka.send("/profile publish")
        liisa = h.user("Liisa", language_code="en")
        await liisa.send("/start")
        listing_id = await _list_without_group(h, liisa)
        await liisa.send("/mydata")
        document = liisa.last_message().document
        assert document is not None
        mine = json.loads(document.data.decode("utf-8"))["listings"]
        assert [row["name"] for row in mine] == ["Joensuun Lukupiiri"]
        as_pekka = ChatUser(h, pekka.user, h.sandbox.private_chat(pekka.user))
        await as_pekka.send("/mydata")
        document = as_pekka.last_message().document
        assert document is not None
        published = json.loads(document.data.decode("utf-8"))["listings"]
        assert [(row["name"], row["chat_id"]) for row in published] == [("Kylät ry", group.id)]

        await liisa.send("/privacy")
        assert "The association directory" in liisa.last_message().text
        assert "Publishing is a choice" in liisa.last_message().text
        await liisa.send("/forget")
        await liisa.tap("🗑 Yes, delete my data")
        assert await listings.get(h.env.db, listing_id) is None
        await as_pekka.send("/forget")
        await as_pekka.tap("🗑 Yes, delete my data")
        kept = await _stored(h, group.id)
        assert kept is not None and kept.status == "public" and kept.user_id is None
