"""Check-in and thanks for volunteer shifts end to end: "📍 I'm here" reaches those holding a
place 30 minutes before the start; a tap records attendance with the shift's length as hours;
a tap too early, after the end, by someone not signed up, forged or replayed stores nothing;
after the shift those who attended are thanked with their hours, the others are not."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.privacy.service import retention_cutoff
from bot.volunteering.calls import publish
from bot.volunteering.cards import signature
from storage import privacy, shift_signups, subscriptions, volunteer_calls
from storage.subscriptions import Area
from tests.factories import JOENSUU, delivered
from tests.harness import START, BotHarness, ChatUser
from tests.test_e2e_volunteer_calls import NOON, TEN, TWO, _at, _call, _callbacks, _person

HERE_FI = "📍 Olen paikalla"
HELSINKI = ZoneInfo("Europe/Helsinki")


async def _checked_in(
    h: BotHarness, shift_id: int, user_id: int
) -> tuple[int | None, float | None]:
    row = await h.env.db.fetchone(
        "SELECT checked_in_at, hours FROM shift_signups WHERE shift_id = ? AND user_id = ?",
        (shift_id, user_id),
    )
    return (None, None) if row is None else (row[0], row[1])


async def _tap_checkin(person: ChatUser, h: BotHarness, shift_id: int) -> None:
    """A check-in button signed for the person's own chat (as a tampered client could make
    one, or an old message still carries)."""
    sig = signature(h.env.key, "in", shift_id, person.chat.id)
    await person.tap_data(person.last_message().message_id, f"vk:{shift_id}:{sig}")


async def test_check_in_window_hours_and_thanks(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        sven = await _person(h, "Sven", "sv")
        olli = await _person(h, "Olli", "en")
        call_id, _ = await publish(h.env, _call((TEN, NOON, 2), (NOON, TWO, 2)), 1)
        await h.services.scheduler.settle()
        await delivered(h)
        first, second = (s.id for s in await volunteer_calls.shifts(h.env.db, call_id))
        await liisa.tap("to 3.12. 10.00–12.00 · 2/2 vapaana")
        await sven.tap("tors 3.12. 10.00–12.00 · 2/2 lediga")
        await olli.tap("Thu 3.12. 12:00–14:00 · 2/2 free")

        await _at(h, TEN - timedelta(minutes=31))
        assert not any(m.text.startswith("📍") for m in liisa.messages())
        await _at(h, TEN - timedelta(minutes=30))
        invite = liisa.last_message()
        assert invite.text.startswith("📍 Vuorosi to 3.12. 10.00–12.00 kutsussa")
        assert invite.buttons == [HERE_FI]
        assert sven.last_message().buttons == ["📍 Jag är här"]
        assert not any(m.text.startswith("📍") for m in olli.messages())  # other shift

        # Liisa's button replayed in Olli's chat: signed for another chat, refused.
        await olli.tap_data(olli.last_message().message_id, _callbacks(invite)[HERE_FI])
        assert olli.last_answer() == "This button is not valid."
        # Olli holds no place on the first shift: refused, nothing stored.
        await _tap_checkin(olli, h, first)
        assert olli.last_answer() == "You are not signed up for this shift."
        assert await _checked_in(h, first, olli.id) == (None, None)

        await liisa.tap(HERE_FI)
        assert liisa.last_answer() == (
            "📍 Olet paikalla vuorossa to 3.12. 10.00–12.00: sinulle kirjataan 2 h. Kiitos!"
        )
        at, hours = await _checked_in(h, first, liisa.id)
        assert at == int((h.clock.now()).timestamp()) and hours == 2.0
        assert liisa.last_message().buttons == []  # the button has done its work
        # Replayed: the first check-in stands.
        await _at(h, TEN + timedelta(minutes=5))
        await _tap_checkin(liisa, h, first)
        assert liisa.last_answer() == "Ilmoittauduit paikalle jo klo 9.30."
        assert await _checked_in(h, first, liisa.id) == (at, 2.0)
        # Once the shift is on, a held place is no longer given back by a tap.
        await liisa.tap("📋 Omat vuoroni")
        await liisa.tap("❌ to 3.12. 10.00–12.00")
        assert liisa.last_answer() == "Tämä vuoro on jo alkanut."
        assert (await shift_signups.get(h.env.db, first, liisa.id)).status == "yes"  # type: ignore[union-attr]

        # Sven is late: after the end the check-in is closed.
        await _at(h, NOON)
        await _tap_checkin(sven, h, first)
        late = sven.last_answer() or ""
        assert late.startswith("Passet tors") and "incheckningen stängd" in late
        assert await _checked_in(h, first, sven.id) == (None, None)

        await _at(h, NOON + timedelta(minutes=59))
        assert not any(m.text.startswith("🙏") for m in liisa.messages())
        await _at(h, NOON + timedelta(hours=1))
        thanks = liisa.last_message().text
        assert thanks.startswith("🙏 Kiitos vuorostasi to 3.12. 10.00–12.00 kutsussa")
        assert "Kirjatut tunnit: 2 h. Tänä vuonna tunteja on yhteensä 2 h." in thanks
        assert not any(m.text.startswith("🙏") for m in sven.messages())
        # Olli's shift: he never checked in, so no thanks for it either.
        await _at(h, TWO + timedelta(hours=1))
        assert not any(m.text.startswith("🙏") for m in olli.messages())
        assert await _checked_in(h, second, olli.id) == (None, None)


async def test_check_in_before_the_window_is_refused(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        call_id, _ = await publish(h.env, _call((TEN, NOON, 2)), 1)
        await delivered(h)
        (shift_id,) = (s.id for s in await volunteer_calls.shifts(h.env.db, call_id))
        await liisa.tap("to 3.12. 10.00–12.00 · 2/2 vapaana")
        await _at(h, TEN - timedelta(minutes=31))
        await _tap_checkin(liisa, h, shift_id)
        assert liisa.last_answer() == (
            "Ilmoittautuminen paikalle aukeaa 30 minuuttia ennen vuoroa, klo 9.30."
        )
        assert await _checked_in(h, shift_id, liisa.id) == (None, None)


async def test_a_cancelled_call_sends_no_check_in_or_thanks(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        call_id, _ = await publish(h.env, _call((TEN, NOON, 2)), 1)
        await h.services.scheduler.settle()
        await delivered(h)
        (shift_id,) = (s.id for s in await volunteer_calls.shifts(h.env.db, call_id))
        await liisa.tap("to 3.12. 10.00–12.00 · 2/2 vapaana")
        await h.env.db.execute(
            "UPDATE volunteer_calls SET state = 'cancelled' WHERE id = ?", (call_id,)
        )
        await _at(h, TEN - timedelta(minutes=30))
        assert not any(m.text.startswith("📍") for m in liisa.messages())
        await _tap_checkin(liisa, h, shift_id)
        assert liisa.last_answer() == "Tämä kutsu on suljettu."
        assert await _checked_in(h, shift_id, liisa.id) == (None, None)


async def test_retention_keeps_hours_without_the_names(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        call_id, _ = await publish(h.env, _call((TEN, NOON, 2)), 1)
        await delivered(h)
        (shift_id,) = (s.id for s in await volunteer_calls.shifts(h.env.db, call_id))
        await liisa.tap("to 3.12. 10.00–12.00 · 2/2 vapaana")
        await _at(h, TEN)
        await _tap_checkin(liisa, h, shift_id)

        def retention(months_after_end: int) -> privacy.Retention:
            now = int((START + NOON + timedelta(days=31 * months_after_end)).timestamp())
            return privacy.Retention(cutoff=retention_cutoff(now, 24, HELSINKI), now=now)

        async with h.env.db.transaction() as tx:
            early = await privacy.retain(tx, retention(23))
        assert early.changed == 0
        assert (await shift_signups.get(h.env.db, shift_id, liisa.id)) is not None
        async with h.env.db.transaction() as tx:
            await privacy.retain(tx, retention(25))
        assert await shift_signups.get(h.env.db, shift_id, liisa.id) is None
        rows = await h.env.db.fetchall("SELECT user_id, chat_id, hours FROM shift_signups")
        assert [(r[0] < 0, r[1], r[2]) for r in rows] == [(True, privacy.ANONYMOUS_CHAT, 2.0)]
        async with h.env.db.transaction() as tx:
            again = await privacy.retain(tx, retention(26))
        assert again.changed == 0


async def test_my_shifts_offers_check_in_to_someone_promoted_late(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        sven = await _person(h, "Sven", "sv")
        call_id, _ = await publish(h.env, _call((TEN, NOON, 1)), 1)
        await h.services.scheduler.settle()
        await delivered(h)
        (shift_id,) = (s.id for s in await volunteer_calls.shifts(h.env.db, call_id))
        await liisa.tap("to 3.12. 10.00–12.00 · 1/1 vapaana")
        await sven.tap("tors 3.12. 10.00–12.00 · 1/1 lediga")
        card = sven.last_message().message_id
        # Before the window "My shifts" has no check-in button.
        await sven.tap("📋 Mina pass", message_id=card)
        assert "📍 Jag är här" not in sven.last_message().buttons
        await _at(h, TEN - timedelta(minutes=30))
        assert not any(m.text.startswith("📍") for m in sven.messages())  # he was waiting
        await _at(h, TEN - timedelta(minutes=20))
        await liisa.tap("📋 Omat vuoroni")
        await liisa.tap("❌ to 3.12. 10.00–12.00")
        assert (await shift_signups.get(h.env.db, shift_id, sven.id)).status == "yes"  # type: ignore[union-attr]
        await sven.tap("📋 Mina pass", message_id=card)
        assert sven.last_message().buttons == ["📍 Jag är här", "❌ tors 3.12. 10.00–12.00"]
        await sven.tap("📍 Jag är här")
        assert (sven.last_answer() or "").startswith("📍 Incheckad för passet")
        assert (await _checked_in(h, shift_id, sven.id))[1] == 2.0


async def test_an_evening_shifts_check_in_is_not_held_for_quiet_hours(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        await liisa.send("/settings quiet 21:00-08:00")
        evening = TEN + timedelta(hours=11, minutes=30)  # 21.30–23.30
        await publish(h.env, _call((evening, evening + timedelta(hours=2), 2)), 1)
        await h.services.scheduler.settle()
        await delivered(h)
        await liisa.tap("to 3.12. 21.30–23.30 · 2/2 vapaana")
        await _at(h, evening - timedelta(minutes=30))
        assert liisa.last_message().buttons == [HERE_FI]  # at 21.00, inside her quiet hours


async def test_a_check_in_goes_with_the_place_given_back(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        call_id, _ = await publish(h.env, _call((TEN, NOON, 2)), 1)
        await delivered(h)
        (shift_id,) = (s.id for s in await volunteer_calls.shifts(h.env.db, call_id))
        card = liisa.last_message().message_id
        await liisa.tap("to 3.12. 10.00–12.00 · 2/2 vapaana")
        await _at(h, TEN - timedelta(minutes=20))
        await _tap_checkin(liisa, h, shift_id)
        assert (await _checked_in(h, shift_id, liisa.id))[1] == 2.0
        await liisa.tap("to 3.12. 10.00–12.00 · 1/2 vapaana", message_id=card)  # gives it back
        await liisa.tap("to 3.12. 10.00–12.00 · 2/2 vapaana", message_id=card)  # takes it again
        assert (await shift_signups.get(h.env.db, shift_id, liisa.id)).status == "yes"  # type: ignore[union-attr]
        assert await _checked_in(h, shift_id, liisa.id) == (None, None)


async def test_thanks_in_a_group_leave_out_the_persons_year(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        aino = h.sandbox.add_user("Aino", language_code="fi")
        group = h.sandbox.add_group("Kylät", members=[aino], bot_present=True)
        in_group = ChatUser(h, aino, group)
        await in_group.send("/help")
        await subscriptions.replace(h.env.db, group.id, [Area("municipality", JOENSUU)], ["health"])
        await publish(h.env, _call((TEN, NOON, 2)), 1)
        await h.services.scheduler.settle()
        await delivered(h)
        await in_group.tap("to 3.12. 10.00–12.00 · 2/2 vapaana")
        await _at(h, TEN - timedelta(minutes=30))  # no private chat: the group hears it
        await in_group.tap(HERE_FI)
        assert (in_group.last_answer() or "").startswith("📍 Olet paikalla")
        await _at(h, NOON + timedelta(hours=1))
        thanks = in_group.last_message().text
        assert thanks == (
            "🙏 Kiitos vuorostasi to 3.12. 10.00–12.00 kutsussa Messut! Kirjatut tunnit: 2 h."
        )
