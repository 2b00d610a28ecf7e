"""/myvolunteering end to end: a person's shifts of the year (upcoming, waiting, attended with
hours) and the total, in their language; the "📄 Certificate" PDF, refused while nothing is
attended; another year by argument; a group gets a pointer to the private chat.

Attendance is written into shift_signups directly (checked_in_at and hours, as a check-in or
an organiser's marking stores them): this file tests the record, not the check-in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.volunteering.calls import NewCall, NewShift, publish
from storage import listings, subscriptions, volunteer_calls
from storage.subscriptions import Area
from tests.factories import JOENSUU, delivered
from tests.harness import START, BotHarness, ChatUser

# 3.12. at 10.00 in Helsinki (START is 12.00 there on Wednesday 25.11.2026).
DAY = timedelta(days=8, hours=-2)
HOUR = timedelta(hours=1)


async def _subscribed(h: BotHarness, person: ChatUser) -> ChatUser:
    await person.send("/start")
    await subscriptions.replace(h.env.db, person.id, [Area("municipality", JOENSUU)], ["health"])
    return person


def _call(
    title: str, *shifts: tuple[timedelta, timedelta, int], listing: int | None = None
) -> NewCall:
    return NewCall(
        title=title,
        description="",
        skills="",
        municipalities=(JOENSUU,),
        themes=("health",),
        shifts=tuple(NewShift(START + a, START + b, n) for a, b, n in shifts),
        listing_id=listing,
    )


async def _at(h: BotHarness, delta: timedelta) -> None:
    h.clock.set(START + delta)
    await h.services.scheduler.extend()
    await h.services.scheduler.run_due()
    h.services.delivery.wake()
    await h.services.delivery.wait_idle()


async def _attended(h: BotHarness, shift_id: int, user_id: int, hours: float) -> None:
    """What a check-in (or an organiser's marking, with corrected hours) stores."""
    changed = await h.env.db.execute(
        "UPDATE shift_signups SET checked_in_at = ?, hours = ? WHERE shift_id = ? "
        "AND user_id = ? AND status = 'yes'",
        (h.env.db.now(), hours, shift_id, user_id),
    )
    assert changed == 1


async def test_shifts_hours_total_and_the_certificate_in_finnish(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        kaisa = await _subscribed(h, h.user("Kaisa", language_code="fi"))
        liisa = await _subscribed(h, h.user("Liisa", language_code="fi"))
        olli = await _subscribed(h, h.user("Olli", language_code="en"))
        await liisa.send("/myvolunteering")
        assert "Sinulla ei ole vielä vapaaehtoisvuoroja vuonna 2026" in liisa.last_message().text
        assert "/volunteer" in liisa.last_message().text
        assert liisa.last_message().buttons == []

        fair, _ = await publish(
            h.env,
            _call(
                "Messut",
                (DAY, DAY + 2 * HOUR, 3),
                (DAY + 2 * HOUR, DAY + 4 * HOUR, 3),
                (DAY + 4 * HOUR, DAY + 6 * HOUR, 3),
                (DAY + timedelta(days=2), DAY + timedelta(days=2, hours=3), 3),
            ),
            kaisa.id,
        )
        await publish(
            h.env,
            _call("Joulumyyjäiset", (DAY + timedelta(days=9), DAY + timedelta(days=9, hours=2), 1)),
            kaisa.id,
        )
        await delivered(h)
        ten, noon, *_later = (s.id for s in await volunteer_calls.shifts(h.env.db, fair))
        for label in (
            "to 3.12. 10.00–12.00 · 3/3 vapaana",
            "to 3.12. 12.00–14.00 · 3/3 vapaana",
            "to 3.12. 14.00–16.00 · 3/3 vapaana",
            "la 5.12. 10.00–13.00 · 3/3 vapaana",
        ):
            await liisa.tap(label)
        await olli.tap("Sat 12.12. 10:00–12:00 · 1/1 free")
        await liisa.tap("la 12.12. 10.00–12.00 · 1/1 vapaana")
        assert "jonossa sijalla 1" in (liisa.last_answer() or "")
        january = DAY + timedelta(days=37)  # Saturday 9.1.2027: next year's record
        await publish(h.env, _call("Talvirieha", (january, january + 2 * HOUR, 2)), kaisa.id)
        await delivered(h)
        await liisa.tap("la 9.1. 10.00–12.00 · 2/2 vapaana")

        await liisa.send("/myvolunteering")
        text = liisa.last_message().text
        assert "Vapaaehtoistyösi vuonna 2026" in text and "Tulossa" in text
        assert "• to 3.12. 10.00–12.00 · Messut (Kaisa)" in text
        assert "• la 12.12. 10.00–12.00 · Joulumyyjäiset (Kaisa) ⏳ jonossa" in text
        assert "Tehdyt" not in text and "Yhteensä 0 h, 0 vuoroa." in text
        assert "Talvirieha" not in text
        this_year = liisa.last_message().message_id
        await liisa.send("/myvolunteering 2027")
        text = liisa.last_message().text
        assert "Vapaaehtoistyösi vuonna 2027" in text
        assert "• la 9.1. 10.00–12.00 · Talvirieha (Kaisa)" in text and "Messut" not in text
        # Signed up is not attended: no certificate yet.
        await liisa.tap("📄 Todistus", message_id=this_year)
        assert "Vuodelta 2026 ei ole vielä yhtään vuoroa" in (liisa.last_answer() or "")
        assert all(m.document is None for m in liisa.messages())

        # The day after the fair: two shifts checked in (the second's hours corrected by the
        # organiser), the third never checked in (a no-show counts nothing).
        h.clock.set(START + timedelta(days=9))
        await _attended(h, ten, liisa.id, 2.0)
        await _attended(h, noon, liisa.id, 1.5)
        await liisa.send("/myvolunteering")
        text = liisa.last_message().text
        assert "• to 3.12. 10.00–12.00 · Messut (Kaisa) · 2 h" in text
        assert "• to 3.12. 12.00–14.00 · Messut (Kaisa) · 1,5 h" in text
        assert "14.00–16.00" not in text
        assert "• la 5.12. 10.00–13.00 · Messut (Kaisa)" in text
        assert text.index("Tulossa") < text.index("la 5.12.") < text.index("Tehdyt")
        assert text.endswith("Yhteensä 3,5 h, 2 vuoroa.")
        assert (await listings.for_chat(h.env.db, liisa.id)) is None  # nothing new was stored

        await liisa.tap("📄 Todistus")
        document = liisa.last_message().document
        assert document is not None and document.filename == "todistus-2026.pdf"
        assert document.data.startswith(b"%PDF") and len(document.data) > 1000
        assert b"/FontFile2" in document.data  # TrueType embedded: the text can be copied
        assert liisa.last_message().caption == (
            "Todistuksesi vapaaehtoistyöstä vuodelta 2026: yhteensä 3,5 h."
        )


async def test_swedish_certificate_another_year_and_a_non_ascii_name(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        pekka = h.sandbox.add_user("Pekka", language_code="fi")
        group = h.sandbox.add_group("Kylät", members=[pekka], admins=[pekka], bot_present=True)
        for command in ("/profile name Kylät ry", "/profile municipality Joensuu"):
            await ChatUser(h, pekka, group).send(command)
        listing = await listings.for_chat(h.env.db, group.id)
        assert listing is not None
        user = h.sandbox.add_user("Äänekoski", last_name="Öberg", language_code="sv")
        person = await _subscribed(h, ChatUser(h, user, h.sandbox.private_chat(user)))
        await publish(
            h.env, _call("Byafton", (DAY, DAY + 3 * HOUR, 2), listing=listing.id), pekka.id
        )
        await h.services.scheduler.settle()
        await delivered(h)
        await person.tap("tors 3.12. 10.00–13.00 · 2/2 lediga")
        # This one through the real check-in: "📍 I'm here" half an hour before, and the thanks
        # an hour after the end, whose year total /myvolunteering must agree with.
        await _at(h, DAY - timedelta(minutes=30))
        await person.tap("📍 Jag är här")
        await _at(h, DAY + 4 * HOUR)
        assert "/myvolunteering" in person.last_message().text
        assert "3 h" in person.last_message().text

        await person.send("/myvolunteering")
        text = person.last_message().text
        assert "Ditt frivilligarbete år 2026" in text and "Gjorda" in text
        assert "• tors 3.12. 10.00–13.00 · Byafton (Kylät ry) · 3 h" in text
        assert text.endswith("Totalt 3 h på 1 pass.")
        await person.tap("📄 Intyg")
        document = person.last_message().document
        assert document is not None and document.filename == "intyg-2026.pdf"
        assert document.data.startswith(b"%PDF")
        assert (
            person.last_message().caption == "Ditt intyg över frivilligarbete för 2026: totalt 3 h."
        )

        # A new year: this year is empty; last year's record and certificate by argument.
        h.clock.set(START + timedelta(days=50))
        await person.send("/myvolunteering")
        assert "Du har inga frivilligpass år 2027 ännu." in person.last_message().text
        await person.send("/myvolunteering 2026")
        assert "• tors 3.12. 10.00–13.00 · Byafton (Kylät ry) · 3 h" in person.last_message().text
        await person.tap("📄 Intyg")
        assert person.last_message().document is not None
        assert person.last_message().document.filename == "intyg-2026.pdf"  # type: ignore[union-attr]
        for bad in ("/myvolunteering 26", "/myvolunteering 2031", "/myvolunteering 2026 2027"):
            await person.send(bad)
            assert person.last_message().text == (
                "Ange året med fyra siffror, t.ex. /myvolunteering 2026"
            )


async def test_in_a_group_it_points_to_the_private_chat(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        erik = h.sandbox.add_user("Erik", language_code="en")
        group = h.sandbox.add_group("Kylät", members=[erik], bot_present=True)
        in_group = ChatUser(h, erik, group)
        await in_group.send("/myvolunteering")
        answer = in_group.last_message()
        assert answer.text == "Your volunteering record is private: send /myvolunteering to me."
        link = answer.button("🔒 Open our private chat")
        assert link is not None and link.url is not None and link.url.startswith("https://t.me/")
        assert h.sandbox.messages(h.sandbox.private_chat(erik)) == []


async def test_a_forged_certificate_button_is_refused(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _subscribed(h, h.user("Liisa", language_code="fi"))
        message_id = liisa.last_message().message_id
        for data in ("vrec:c:x", "vrec:zz:2026", "vrec:c:1999"):
            await liisa.tap_data(message_id, data)
            assert liisa.last_answer() == "Tämä painike ei ole kelvollinen."
        assert all(m.document is None for m in liisa.messages())
