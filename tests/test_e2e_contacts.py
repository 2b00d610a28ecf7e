"""Contact people end to end: /contactme, /contact (typos, Swedish names, groups), the relay of
one message and its reply without either side learning the other's id, a blocked contact,
refusals."""

from __future__ import annotations

import json
import re
from pathlib import Path

from storage import contacts
from tests.factories import ADMIN, admin_user
from tests.harness import BotHarness, ChatUser

# Distinctive ids: a leak into a text or a button would be seen.
PEKKA, LIISA, KARIN, MAIJA = 918273645, 827364519, 736451928, 645192837
TITLE = "Joensuun kaupungin järjestöyhdyshenkilö"


def _person(h: BotHarness, name: str, user_id: int, language: str, **kw: str) -> ChatUser:
    user = h.sandbox.add_user(name, language_code=language, user_id=user_id, **kw)
    return ChatUser(h, user, h.sandbox.private_chat(user))


async def _appoint(h: BotHarness, admin: ChatUser, person: ChatUser, scope: str) -> None:
    await admin.send(f"/coordinatorlink {scope}")
    link = re.search(r"start=(coord_[A-Za-z0-9_-]+)", admin.last_message().text)
    assert link, admin.last_message().text
    await person.send(f"/start {link.group(1)}")


def _seen(chat: ChatUser) -> str:
    """Everything the chat shows: texts and buttons (their data and links)."""
    return "\n".join(m.text + json.dumps(m.reply_markup or {}) for m in chat.messages())


async def _listed(h: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser]:
    """The admin as network staff, Pekka for Joensuu, Maija for the region Pohjois-Karjala."""
    admin = admin_user(h)
    await admin.send("/start")
    pekka = _person(h, "Pekka", PEKKA, "fi")
    maija = _person(h, "Maija", MAIJA, "fi", username="maija_pk")
    await _appoint(h, admin, pekka, "Joensuu")
    await _appoint(h, admin, maija, "Pohjois-Karjala")
    await pekka.send(f"/contactme {TITLE}")
    assert pekka.messages()[-2].text == "✅ Olet nyt yhteyshenkilö."
    assert f"📇 Olet yhteyshenkilö: {TITLE}" in pekka.last_message().text
    assert "Alueet: Joensuu" in pekka.last_message().text
    await maija.send("/contactme Pohjois-Karjalan maakunnan yhteyshenkilö")
    await maija.tap("@käyttäjänimi")
    assert "Sinut tavoittaa: @maija_pk" in maija.last_message().text
    await admin.send("/contactme Network staff")
    assert "Areas: the whole network (staff)" in admin.last_message().text
    return admin, pekka, maija


async def test_contact_finds_municipality_region_and_staff(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        await _listed(h)
        liisa = _person(h, "Liisa", LIISA, "fi")
        for place in ("Joensuu", "Joensu"):
            await liisa.send(f"/contact {place}")
            answer = liisa.last_message()
            assert answer.text.splitlines() == [
                "Yhteyshenkilöt – Joensuu:",
                f"• {TITLE} — Pekka (✉️ painike alla)",
                "• Pohjois-Karjalan maakunnan yhteyshenkilö — Maija: @maija_pk",
                "",
                "Verkoston työntekijät:",
                "• Network staff — Anna Admin (✉️ painike alla)",
            ]
            assert answer.reply_markup is not None
            labels = [b["text"] for row in answer.reply_markup["inline_keyboard"] for b in row]
            assert labels == ["✉️ Kirjoita: Pekka", "✉️ Kirjoita: Anna Admin"]
        karin = _person(h, "Karin", KARIN, "sv")
        await karin.send("/contact Norra Karelen")
        assert karin.last_message().text.splitlines() == [
            "Kontaktpersoner – Norra Karelen (landskap):",
            "• Pohjois-Karjalan maakunnan yhteyshenkilö — Maija: @maija_pk",
            "",
            "Nätverkets personal:",
            "• Network staff — Anna Admin (✉️ knapp nedan)",
        ]
        await karin.send("/contact Helsingfors")
        assert karin.last_message().text.splitlines()[0] == (
            "Ingen kontaktperson har ännu anmälts för Helsingfors."
        )
        assert "Network staff" in karin.last_message().text
        # In a group the button opens the private chat with a deep link, not an id.
        group = h.sandbox.add_group("Yhdistys", members=[liisa.user], bot_present=True)
        await liisa.in_chat(group).send("/contact Joensuu")
        markup = liisa.in_chat(group).last_message().reply_markup
        assert markup is not None
        buttons = markup["inline_keyboard"]
        assert buttons[0][0]["url"].startswith("https://t.me/")
        assert "start=cw_" in buttons[0][0]["url"]
        assert str(PEKKA) not in buttons[0][0]["url"]


async def test_relay_and_reply_without_ids(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _admin, pekka, _maija = await _listed(h)
        liisa = _person(h, "Liisa", LIISA, "fi")
        await liisa.send("/contact Joensuu")
        await liisa.tap("✉️ Kirjoita: Pekka")
        assert liisa.last_message().text.startswith("Kirjoita viestisi henkilölle Pekka")
        await h.restart()  # the draft is in the database
        await liisa.send("Hei! Missä on <b>foorumi</b>?")
        assert liisa.last_message().text == "✅ Lähetetty. Vastaus tulee tänne."
        got = pekka.last_message()
        assert got.text == (
            f"✉️ Viesti sinulle (”{TITLE}”) henkilöltä Liisa:\n\nHei! Missä on <b>foorumi</b>?"
        )
        await pekka.tap("↩️ Vastaa")
        await pekka.send("Carelicumissa.")
        assert pekka.last_message().text == "✅ Lähetetty. Vastaus tulee tänne."
        assert liisa.last_message().text == "↩️ Vastaus henkilöltä Pekka:\n\nCarelicumissa."
        await liisa.tap("↩️ Vastaa")
        await liisa.send("Kiitos!")
        assert pekka.last_message().text == "↩️ Vastaus henkilöltä Liisa:\n\nKiitos!"
        assert str(LIISA) not in _seen(pekka)
        assert str(PEKKA) not in _seen(liisa)
        # A reply button copied to another chat does not verify there.
        markup = pekka.last_message().reply_markup
        assert markup is not None
        data = markup["inline_keyboard"][0][0]["callback_data"]
        note = liisa.last_message().message_id
        await liisa.tap_data(note, data)
        assert liisa.last_answer() == "Tämä painike ei ole kelvollinen."
        assert await h.env.db.fetchval("SELECT count(*) FROM contact_messages") == 3


async def test_blocked_contact_is_not_delivered(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _admin, pekka, _maija = await _listed(h)
        liisa = _person(h, "Liisa", LIISA, "fi")
        await liisa.send("/contact Joensuu")
        h.sandbox.block(pekka.chat)
        await liisa.tap("✉️ Kirjoita: Pekka")
        await liisa.send("Hei!")
        assert liisa.last_message().text.startswith("❌ Viestiäsi ei voitu toimittaa")
        assert await h.env.db.fetchval("SELECT count(*) FROM contact_messages") == 0
        await liisa.send("Toinen viesti")  # the draft ended: no second try
        assert liisa.last_message().text.startswith("Luen komentoja")


async def test_refusals_and_off(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _admin, pekka, _maija = await _listed(h)
        liisa = _person(h, "Liisa", LIISA, "fi")
        await liisa.send("/contactme Puheenjohtaja")
        assert liisa.last_message().text == (
            "Vain koordinaattorit voivat ilmoittautua yhteyshenkilöiksi. Komento /contact "
            "löytää heidät."
        )
        assert await contacts.get(h.env.db, LIISA) is None
        await pekka.send("/contactme <b>Pomo</b>")
        assert pekka.last_message().text.startswith("Nimike on pelkkää tekstiä")
        await pekka.send("/contactme " + "x" * 121)
        assert pekka.last_message().text.startswith("Nimike voi olla enintään 120 merkkiä")
        listed = await contacts.get(h.env.db, PEKKA)
        assert listed is not None and listed.title == TITLE
        await pekka.send("/contactme")
        assert f"📇 Olet yhteyshenkilö: {TITLE}" in pekka.last_message().text
        await pekka.send("/contactme off")
        assert pekka.last_message().text == "Et ole enää yhteyshenkilö."
        await liisa.send("/contact Joensuu")
        assert "Pekka" not in liisa.last_message().text
        assert "Maija" in liisa.last_message().text  # the region's contact is still there


async def test_a_revoked_coordinator_is_no_longer_a_contact(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin, _, _ = await _listed(h)
        liisa = _person(h, "Liisa", LIISA, "fi")
        await admin.send("/coordinators")
        await admin.tap("✖ Revoke Pekka")
        assert admin.last_answer() == "Revoked."
        await liisa.send("/contact Joensuu")
        shown = liisa.last_message().text
        assert TITLE not in shown and "Pekka" not in shown
        assert "Pohjois-Karjalan maakunnan yhteyshenkilö — Maija" in shown
        assert (
            await h.env.db.fetchval(
                "SELECT count(*) FROM contact_people WHERE user_id = ?", (PEKKA,)
            )
            == 0
        )
