"""Someone on a shift's waiting list who comes anyway: the organiser's attendance page lists the
waiting (⏳) after those holding places; marking one before the start is refused (a place may
still free up in line), after the start it gives them a place beyond the shift's places,
checked in with the shift's hours, and a thank-you of their own when the shift's thanks went
out already. The card never shows fewer than 0 places; someone who left the waiting list is
refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from storage import call_roster, shift_signups, volunteer_calls
from tests.call_setup import FIRST, NOON, TEN, roster_row, setup_call
from tests.factories import ADMIN, delivered
from tests.harness import START, BotHarness


async def test_a_walk_in_from_the_waiting_list_is_credited(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        kaisa, liisa, sven, _olli, call_id = await setup_call(h)
        first, _second = await volunteer_calls.shifts(h.env.db, call_id)
        await h.services.scheduler.settle()
        h.clock.set(START + TEN - timedelta(minutes=30))
        await kaisa.send(f"/call {call_id}")
        await kaisa.tap(f"👥 Attendance {FIRST}")
        page = kaisa.last_message()
        assert page.buttons == ["⬜ Liisa", "⏳ Sven", "❌ Cancel this shift", "◀ Back"]
        assert "⏳ = on the waiting list" in page.text

        # Before the start: a place may still free up for him in line.
        await kaisa.tap("⏳ Sven")
        assert kaisa.last_answer() == (
            "They are on the waiting list: you can mark them once the shift has started."
        )
        waiting = await shift_signups.get(h.env.db, first.id, sven.id)
        assert waiting is not None and waiting.status == "waitlist"

        # The shift is over and thanked (Liisa never came); Kaisa then marks Sven, who came.
        h.clock.set(START + NOON + timedelta(hours=1))
        await h.services.scheduler.extend()
        await h.services.scheduler.run_due()
        await delivered(h)
        await kaisa.tap("⏳ Sven")
        stored = await shift_signups.get(h.env.db, first.id, sven.id)
        assert stored is not None and stored.status == "yes" and stored.queued_at is None
        credited = await roster_row(h, call_id, sven.id)
        assert credited.checked_in_at == int((START + NOON + timedelta(hours=1)).timestamp())
        assert credited.hours == 2.0
        assert kaisa.last_message().buttons == ["⬜ Liisa", "✅ Sven", "⏱ 2 h", "◀ Back"]
        await delivered(h)
        assert sven.last_message().text.startswith(
            "🙏 Tack för ditt pass tors 3.12. 10.00–12.00 i Messut!"
        )
        assert not any(m.text.startswith("🙏") for m in liisa.messages())

        # The view counts him as signed up beyond the places; the card stays at "full".
        await kaisa.tap("◀ Back")
        assert f"{FIRST} · signed up 2/1 · waiting 0 · checked in 1" in (
            kaisa.last_message().text.split("\n")
        )
        rows = await call_roster.roster(h.env.db, call_id)
        assert [(r.user_id, r.status) for r in rows if r.shift_id == first.id] == [
            (liisa.id, "yes"),
            (sven.id, "yes"),
        ]
        # His record and certificate have the shift.
        await sven.send("/myvolunteering 2026")
        assert "tors 3.12. 10.00–12.00" in sven.last_message().text
        await sven.tap("📄 Intyg")
        document = sven.last_message().document
        assert document is not None and document.filename == "intyg-2026.pdf"

        # Unmarked again: no hours, but the place he was given stays his.
        await kaisa.tap(f"👥 Attendance {FIRST}")
        await kaisa.tap("✅ Sven")
        after = await roster_row(h, call_id, sven.id)
        assert after.status == "yes" and after.hours is None and after.checked_in_at is None


async def test_someone_who_left_the_waiting_list_is_not_credited(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        kaisa, _liisa, sven, _olli, call_id = await setup_call(h)
        first, _second = await volunteer_calls.shifts(h.env.db, call_id)
        await kaisa.send(f"/call {call_id}")
        await kaisa.tap(f"👥 Attendance {FIRST}")
        await sven.tap("tors 3.12. 10.00–12.00 · fullt — väntelista")  # leaves the waiting list
        h.clock.set(START + TEN)
        await kaisa.tap("⏳ Sven")
        assert kaisa.last_answer() == "This person is not signed up for the shift any more."
        left = await shift_signups.get(h.env.db, first.id, sven.id)
        assert left is not None and left.status == "cancelled"
