"""Cancelling one shift of a volunteer call from its attendance page: a confirm step, an urgent
notice to each person signed up or waiting for it (in their language), its sign-ups and jobs
cancelled, the card and the view without it, and the call's other shifts untouched. Refused once
the shift has started, and for the call's last shift still on (the whole call is cancelled
instead), also on a forged button."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.ops.figures import year_bounds
from bot.volunteering import checkin
from bot.volunteering.cancel import cancel_shift
from bot.volunteering.checkin import checkin_key
from bot.volunteering.reminders import reminder_key
from bot.volunteering.thanks import thanks_key
from storage import schedule, shift_signups, volunteer_calls, volunteer_stats
from tests.call_setup import FIRST, NOON, SECOND, TEN, setup_call
from tests.factories import ADMIN, delivered
from tests.harness import START, BotHarness


async def test_a_cancelled_shift_tells_its_people_and_leaves_the_others(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        kaisa, liisa, sven, olli, call_id = await setup_call(h)
        first, second = await volunteer_calls.shifts(h.env.db, call_id)
        await kaisa.send(f"/call {call_id}")
        view = kaisa.last_message()
        await kaisa.tap(f"👥 Attendance {FIRST}")
        assert kaisa.last_message().buttons == [
            "⬜ Liisa",
            "⏳ Sven",
            "❌ Cancel this shift",
            "◀ Back",
        ]
        await kaisa.tap("❌ Cancel this shift")
        assert kaisa.last_message().text == (
            f"Cancel the shift {FIRST} of “Messut”? The 2 people signed up or waiting for it "
            "are told; the call's other shifts go on."
        )
        assert kaisa.last_message().buttons == ["Yes, cancel the shift", "No, keep it"]
        await kaisa.tap("No, keep it")
        assert kaisa.last_message().text == "The shift stays as it is."
        assert (await volunteer_calls.shift(h.env.db, first.id)) == first

        await kaisa.tap("❌ Cancel this shift", message_id=view.message_id)
        await kaisa.tap("Yes, cancel the shift")
        assert kaisa.last_message().text == (
            f"The shift {FIRST} is cancelled; 2 people signed up or waiting are being told."
        )
        await delivered(h)
        assert liisa.last_message().text == (
            "❌ Järjestäjä perui vapaaehtoishaun Messut vuoron to 3.12. 10.00–12.00, joten "
            "ilmoittautumisesi siihen on peruttu. Haun muut vuorot pysyvät ennallaan."
        )
        assert sven.last_message().text == (
            "❌ Arrangören ställde in passet tors 3.12. 10.00–12.00 i frivilliguppdraget Messut, "
            "så din anmälan till det gäller inte längre. Uppdragets övriga pass blir av som "
            "planerat."
        )
        assert not any(m.text.startswith("❌") for m in olli.messages())

        # Stored: the shift and its sign-ups cancelled, its jobs too; the second untouched.
        stored = await volunteer_calls.shift(h.env.db, first.id)
        assert stored is not None and stored.cancelled_at == int(START.timestamp())
        for person in (liisa, sven):
            signup = await shift_signups.get(h.env.db, first.id, person.id)
            assert signup is not None and signup.status == "cancelled"
        for key in (reminder_key(first.id, 86400), checkin_key(first.id), thanks_key(first.id)):
            job = await schedule.get(h.env.db, key)
            assert job is not None and job.state == "cancelled"
        job = await schedule.get(h.env.db, reminder_key(second.id, 86400))
        assert job is not None and job.state == "pending"
        held = await shift_signups.get(h.env.db, second.id, olli.id)
        assert held is not None and held.status == "yes"

        # An old card's button: refused in the tapper's language; the card redraws without it.
        await liisa.tap("to 3.12. 10.00–12.00 · täynnä — jonoon")
        assert liisa.last_answer() == "Järjestäjä perui tämän vuoron."
        [card] = [m for m in liisa.messages() if "📋 Omat vuoroni" in m.buttons]
        assert card.buttons == [
            "to 3.12. 12.00–14.00 · 1/2 vapaana",
            "📋 Omat vuoroni",
        ]
        signup = await shift_signups.get(h.env.db, first.id, liisa.id)
        assert signup is not None and signup.status == "cancelled"
        # A check-in button from before (signed for her chat) says the same, inside the window.
        fi = h.env.translator.texts("fi")
        check_in = checkin.button_for(fi, h.env.key, first.id, liisa.chat.id).callback_data
        assert isinstance(check_in, str)
        h.clock.set(START + TEN - timedelta(minutes=10))
        await liisa.tap_data(card.message_id, check_in)
        assert liisa.last_answer() == "Järjestäjä perui tämän vuoron."
        h.clock.set(START)

        # The view: the shift marked cancelled, without its attendance button.
        await kaisa.send(f"/call {call_id}")
        lines = kaisa.last_message().text.split("\n")
        assert f"{FIRST} · ❌ cancelled" in lines
        assert f"👥 Attendance {FIRST}" not in kaisa.last_message().buttons
        assert f"👥 Attendance {SECOND}" in kaisa.last_message().buttons

        # The second shift is the last one on: no cancel button, and a forged one is refused.
        await kaisa.tap(f"👥 Attendance {SECOND}")
        assert "❌ Cancel this shift" not in kaisa.last_message().buttons
        await kaisa.tap_data(kaisa.last_message().message_id, f"vcr:sx:{second.id}")
        assert kaisa.last_answer() == (
            "This is the call's last shift still on: cancel the whole call instead."
        )
        stored_second = await volunteer_calls.shift(h.env.db, second.id)
        assert stored_second is not None and stored_second.cancelled_at is None

        # The cancelled shift's hour passing does not make the call "begun": it can still be
        # cancelled as a whole until the second shift starts.
        h.clock.set(START + NOON - timedelta(minutes=1))
        await kaisa.send(f"/call {call_id}")
        assert "❌ Cancel call" in kaisa.last_message().buttons


async def test_a_shift_that_has_started_cannot_be_cancelled(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        kaisa, liisa, _sven, _olli, call_id = await setup_call(h)
        first, _second = await volunteer_calls.shifts(h.env.db, call_id)
        await kaisa.send(f"/call {call_id}")
        await kaisa.tap(f"👥 Attendance {FIRST}")
        await kaisa.tap("❌ Cancel this shift")
        h.clock.set(START + TEN)  # the shift starts while the question is open
        await kaisa.tap("Yes, cancel the shift")
        assert kaisa.last_answer() == (
            "This shift has started, so it can no longer be cancelled: its attendance and hours "
            "stay."
        )
        stored = await volunteer_calls.shift(h.env.db, first.id)
        assert stored is not None and stored.cancelled_at is None
        signup = await shift_signups.get(h.env.db, first.id, liisa.id)
        assert signup is not None and signup.status == "yes"
        await delivered(h)
        assert not any(m.text.startswith("❌") for m in liisa.messages())
        # Its attendance page no longer offers the cancel.
        await kaisa.send(f"/call {call_id}")
        await kaisa.tap(f"👥 Attendance {FIRST}")
        assert "❌ Cancel this shift" not in kaisa.last_message().buttons


async def test_a_cancelled_shift_drops_out_of_the_figures(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _kaisa, _liisa, _sven, _olli, call_id = await setup_call(h)
        first, _second = await volunteer_calls.shifts(h.env.db, call_id)
        year = year_bounds(2026, h.config.bot.timezone)
        before = await volunteer_stats.totals(h.env.db, *year)
        assert (before.shifts, before.places, before.signups) == (2, 3, 2)
        assert (await cancel_shift(h.env, first.id)).notified == 2
        after = await volunteer_stats.totals(h.env.db, *year)
        assert (after.calls, after.shifts, after.places, after.signups) == (1, 1, 2, 1)
        again = await cancel_shift(h.env, first.id)
        assert again.refused == "already" and again.notified == 0
