"""Volunteer calls end to end: publishing reaches the matching subscribers and volunteer
profiles with one button per shift; sign-ups, waiting lists, promotion, overlaps, forged
buttons, reminders and concurrent taps."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

from bot.volunteering import signup
from bot.volunteering.calls import NewCall, NewShift, publish
from bot.volunteering.cards import signature
from storage import shift_signups, subscriptions, volunteer_calls
from storage.subscriptions import Area
from tests.factories import JOENSUU, delivered
from tests.harness import START, BotHarness, ChatUser

KUOPIO = "297"


async def _person(
    h: BotHarness, name: str, language: str, place: str = JOENSUU, theme: str = "health"
) -> ChatUser:
    person = h.user(name, language_code=language)
    await person.send("/start")
    await subscriptions.replace(h.env.db, person.id, [Area("municipality", place)], [theme])
    return person


def _call(*shifts: tuple[timedelta, timedelta, int], title: str = "Messut") -> NewCall:
    return NewCall(
        title=title,
        description="Esittelypöytä messuilla",
        skills="ensiapu",
        municipalities=(JOENSUU,),
        themes=("health",),
        shifts=tuple(NewShift(START + a, START + b, n) for a, b, n in shifts),
    )


# 3.12. at 10.00 in Helsinki (START is 12.00 there on 25.11.).
DAY = timedelta(days=8, hours=-2)
TEN, NOON, TWO = DAY, DAY + timedelta(hours=2), DAY + timedelta(hours=4)


async def test_publish_reaches_matching_subscribers_with_shift_buttons(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        sven = await _person(h, "Sven", "sv")
        other_place = await _person(h, "Olli", "en", place=KUOPIO)
        other_theme = await _person(h, "Outi", "fi", theme="culture")
        call_id, reached = await publish(h.env, _call((TEN, NOON, 4), (NOON, TWO, 2)), 1)
        await delivered(h)
        assert reached == 2 and call_id > 0
        card = liisa.last_message()
        assert "Messut" in card.text and "Esittelypöytä" in card.text
        assert card.buttons == [
            "to 3.12. 10.00–12.00 · 4/4 vapaana",
            "to 3.12. 12.00–14.00 · 2/2 vapaana",
            "📋 Omat vuoroni",
        ]
        assert "Messut" in sven.last_message().text
        assert all("Messut" not in m.text for m in other_place.messages())
        assert all("Messut" not in m.text for m in other_theme.messages())


def _callbacks(message: object) -> dict[str, str]:
    markup = getattr(message, "reply_markup", None) or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def _status(h: BotHarness, shift_id: int, user_id: int) -> str | None:
    stored = await shift_signups.get(h.env.db, shift_id, user_id)
    return None if stored is None else stored.status


async def test_sign_up_waiting_list_promotion_and_overlap(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        sven = await _person(h, "Sven", "sv")
        olli = await _person(h, "Olli", "en")
        call_id, _ = await publish(h.env, _call((TEN, NOON, 1), (NOON, TWO, 2)), 1)
        await delivered(h)
        first, second = (s.id for s in await volunteer_calls.shifts(h.env.db, call_id))

        await liisa.tap("to 3.12. 10.00–12.00 · 1/1 vapaana")
        assert liisa.last_answer() == "✅ Vuoro to 3.12. 10.00–12.00 on sinun."
        assert "to 3.12. 10.00–12.00 · täynnä — jonoon" in liisa.last_message().buttons
        # Sven's card still shows the places as sent; his tap decides on the current numbers.
        await sven.tap("tors 3.12. 10.00–12.00 · 1/1 lediga")
        assert sven.last_answer() == (
            "⏳ Passet tors 3.12. 10.00–12.00 är fullt: du är nummer 1 på väntelistan."
        )
        assert "tors 3.12. 10.00–12.00 · fullt — väntelista" in sven.last_message().buttons
        await olli.tap("Thu 3.12. 10:00–12:00 · 1/1 free")
        assert "you are number 2 on its waiting list" in (olli.last_answer() or "")
        # An overlapping shift is refused, naming the other one.
        await sven.tap("tors 3.12. 12.00–14.00 · 2/2 lediga")
        assert await _status(h, second, sven.id) == "yes"
        await olli.tap("Thu 3.12. 12:00–14:00 · 2/2 free")
        assert await _status(h, second, olli.id) == "yes"

        # Liisa cancels through "📋 My shifts" → ❌: Sven (first in line) is promoted and told.
        await liisa.tap("📋 Omat vuoroni")
        assert "Vuorosi kutsussa Messut" in liisa.last_message().text
        await liisa.tap("❌ to 3.12. 10.00–12.00")
        assert await _status(h, first, liisa.id) == "cancelled"
        assert await _status(h, first, sven.id) == "yes"
        assert await _status(h, first, olli.id) == "waitlist"
        await delivered(h)
        assert "En plats blev ledig" in sven.last_message().text


async def test_overlapping_shift_is_refused(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        overlap = (TEN + timedelta(hours=1), TWO, 3)
        call_id, _ = await publish(
            h.env, _call((TEN, NOON, 3), overlap, (TWO, TWO + timedelta(hours=2), 3)), 1
        )
        await delivered(h)
        first, second, third = (s.id for s in await volunteer_calls.shifts(h.env.db, call_id))
        await liisa.tap("to 3.12. 10.00–12.00 · 3/3 vapaana")
        await liisa.tap("to 3.12. 11.00–14.00 · 3/3 vapaana")
        assert liisa.last_answer() == (
            "Sinulla on jo vuoro to 3.12. 10.00–12.00, joka menee päällekkäin tämän kanssa."
        )
        assert await _status(h, second, liisa.id) is None
        await liisa.tap("to 3.12. 14.00–16.00 · 3/3 vapaana")
        assert await _status(h, third, liisa.id) == "yes"
        # A second tap on the same shift cancels it.
        await liisa.tap("to 3.12. 10.00–12.00 · 2/3 vapaana")
        assert await _status(h, first, liisa.id) == "cancelled"


async def test_forged_and_moved_buttons_are_refused(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        sven = await _person(h, "Sven", "sv")
        call_id, _ = await publish(h.env, _call((TEN, NOON, 3), (NOON, TWO, 3)), 1)
        await delivered(h)
        first, second = (s.id for s in await volunteer_calls.shifts(h.env.db, call_id))
        card = liisa.last_message()
        data = _callbacks(card)["to 3.12. 10.00–12.00 · 3/3 vapaana"]
        # The id rewritten to the other shift, keeping the signature: refused.
        forged = data.replace(f":{first}:", f":{second}:")
        await liisa.tap_data(card.message_id, forged)
        assert liisa.last_answer() == "Tämä painike ei ole kelvollinen."
        # Liisa's button replayed in Sven's chat: signed for another chat, refused.
        await sven.tap_data(sven.last_message().message_id, data)
        assert sven.last_answer() == "Den här knappen är inte giltig."
        # A "take" signature does not pass as a "confirm".
        sig = signature(h.env.key, "s", first, liisa.chat.id)
        await liisa.tap_data(card.message_id, f"vc:ok:{first}:{sig}")
        assert liisa.last_answer() == "Tämä painike ei ole kelvollinen."
        assert await _status(h, first, liisa.id) is None
        assert await _status(h, second, liisa.id) is None
        assert await _status(h, first, sven.id) is None


async def _at(h: BotHarness, delta: timedelta) -> None:
    h.clock.set(START + delta)
    await h.services.scheduler.extend()
    await h.services.scheduler.run_due()
    h.services.delivery.wake()
    await h.services.delivery.wait_idle()


async def test_reminders_and_i_cant_after_all_frees_the_place(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        sven = await _person(h, "Sven", "sv")
        call_id, _ = await publish(h.env, _call((TEN, NOON, 1)), 1)
        await h.services.scheduler.settle()
        await delivered(h)
        (shift_id,) = (s.id for s in await volunteer_calls.shifts(h.env.db, call_id))
        await liisa.tap("to 3.12. 10.00–12.00 · 1/1 vapaana")
        await sven.tap("tors 3.12. 10.00–12.00 · 1/1 lediga")
        assert await _status(h, shift_id, sven.id) == "waitlist"

        await _at(h, TEN - timedelta(days=1, minutes=1))
        assert not any(m.text.startswith("⏰") for m in liisa.messages())
        await _at(h, TEN - timedelta(days=1))
        reminder = liisa.last_message()
        assert reminder.text == "⏰ Muistutus: vuorosi to 3.12. 10.00–12.00 kutsussa Messut."
        assert reminder.buttons == ["✅ Tulen paikalle", "❌ En pääsekään"]
        assert not any(m.text.startswith("⏰") for m in sven.messages())  # waiting, not reminded
        await liisa.tap("✅ Tulen paikalle")
        stored = await shift_signups.get(h.env.db, shift_id, liisa.id)
        assert stored is not None and stored.confirmed_at is not None

        await _at(h, TEN - timedelta(hours=2))
        assert len([m for m in liisa.messages() if m.text.startswith("⏰")]) == 2
        await liisa.tap("❌ En pääsekään", message_id=liisa.last_message().message_id)
        assert await _status(h, shift_id, liisa.id) == "cancelled"
        assert await _status(h, shift_id, sven.id) == "yes"
        await delivered(h)
        assert "En plats blev ledig" in sven.last_message().text


async def test_many_taps_at_once_take_exactly_the_places(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        call_id, _ = await publish(h.env, _call((TEN, NOON, 3)), 1)
        (shift_id,) = (s.id for s in await volunteer_calls.shifts(h.env.db, call_id))
        users = range(100, 140)
        outcomes = await asyncio.gather(*(signup.tap(h.env, "take", shift_id, u, u) for u in users))
        statuses = [o.signup.status for o in outcomes if o.signup is not None]
        assert statuses.count("yes") == 3 and statuses.count("waitlist") == 37
        taken = await shift_signups.taken(h.env.db, call_id)
        assert taken == {shift_id: 3}
        positions = sorted(o.position for o in outcomes if o.position is not None)
        assert positions == list(range(1, 38))


async def test_mydata_shows_sign_ups_and_forget_keeps_the_place_without_the_name(
    tmp_path: Path,
) -> None:
    async with BotHarness.start(tmp_path) as h:
        olli = await _person(h, "Olli", "en")
        call_id, _ = await publish(h.env, _call((TEN, NOON, 2)), 1)
        await delivered(h)
        (shift_id,) = (s.id for s in await volunteer_calls.shifts(h.env.db, call_id))
        await olli.tap("Thu 3.12. 10:00–12:00 · 2/2 free")
        await olli.send("/mydata")
        document = olli.last_message().document
        assert document is not None
        data = json.loads(document.data.decode("utf-8"))
        assert [(s["call"], s["status"]) for s in data["shift_signups"]] == [("Messut", "yes")]

        await olli.send("/forget")
        await olli.tap("🗑 Yes, delete my data")
        assert await shift_signups.get(h.env.db, shift_id, olli.id) is None
        # The place stays taken (and its hours will stay counted), under a pseudonym.
        assert await shift_signups.taken(h.env.db, call_id) == {shift_id: 1}


async def test_a_tap_that_changes_no_count_leaves_the_card_alone(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        sven = await _person(h, "Sven", "sv")
        call_id, _ = await publish(h.env, _call((TEN, NOON, 1)), 1)
        await delivered(h)
        (shift_id,) = (s.id for s in await volunteer_calls.shifts(h.env.db, call_id))
        await liisa.tap("to 3.12. 10.00–12.00 · 1/1 vapaana")
        await sven.tap("tors 3.12. 10.00–12.00 · 1/1 lediga")  # redrawn: now full
        card = sven.last_message()
        edits = h.sandbox.count("editMessageText")
        # Leaving the full shift's waiting list changes no count: no edit request (it would
        # only come back "message is not modified"), yet the cancel is stored.
        await sven.tap("tors 3.12. 10.00–12.00 · fullt — väntelista", message_id=card.message_id)
        assert sven.last_answer() == "Avbokat: passet tors 3.12. 10.00–12.00."
        assert await _status(h, shift_id, sven.id) == "cancelled"
        assert h.sandbox.count("editMessageText") == edits
