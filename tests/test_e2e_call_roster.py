"""A volunteer call's coordinator view end to end: /mycalls and /call, the numbers and names per
shift, strangers refused, attendance marked inside its window only, hours corrected (bad values
refused), the CSV, and cancelling the call (notices to everyone signed up or waiting, its jobs
gone, card taps refused)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from bot.volunteering import signup
from bot.volunteering.calls import NewCall, NewShift, publish
from bot.volunteering.checkin import checkin_key
from bot.volunteering.reminders import reminder_key
from bot.volunteering.thanks import thanks_key
from storage import (
    schedule,
    volunteer_calls,
    volunteer_profiles,
)
from tests.call_setup import (
    FIRST,
    NOON,
    SECOND,
    TEN,
    TWO,
    association_call,
    person,
    roster_row,
    setup_call,
)
from tests.factories import ADMIN, JOENSUU, admin_user, appoint, delivered
from tests.harness import START, BotHarness


async def test_view_shows_numbers_and_names_to_organisers_only(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        kaisa, liisa, sven, olli, call_id = await setup_call(h)
        await kaisa.send("/mycalls")
        assert f"{call_id}: Messut" in kaisa.last_message().text
        await kaisa.tap(f"{call_id}: Messut")
        view = kaisa.last_message()
        lines = view.text.split("\n")
        assert lines[0] == f"Volunteer call {call_id}: Messut"
        assert f"{FIRST} · signed up 1/1 · waiting 1 · checked in 0" in lines
        assert "✅ Liisa" in lines and "⏳ 1. Sven" in lines
        assert f"{SECOND} · signed up 1/2 · waiting 0 · checked in 0" in lines
        assert "✅ Olli" in lines
        assert view.buttons == [
            "🔄 Refresh",
            "📄 CSV",
            f"👥 Attendance {FIRST}",
            f"👥 Attendance {SECOND}",
            "❌ Cancel call",
        ]
        # Olli leaves his shift; 🔄 Refresh edits the same message.
        await olli.tap("Thu 3.12. 12:00–14:00 · 1/2 free")
        await kaisa.tap("🔄 Refresh", message_id=view.message_id)
        assert f"{SECOND} · signed up 0/2 · waiting 0 · checked in 0" in (
            kaisa.last_message().text.split("\n")
        )
        assert "Olli" not in kaisa.last_message().text

        # Volunteers are no organisers: refused in their language, by command and by button.
        await sven.send(f"/call {call_id}")
        assert sven.last_message().text == "Bara uppdragets arrangörer kan öppna dess vy."
        await liisa.send("/call 999")  # no such call: the same answer, nothing to probe
        assert liisa.last_message().text == "Vain haun järjestäjät voivat avata sen näkymän."
        await kaisa.send("/call 999")
        assert kaisa.last_message().text == "There is no volunteer call 999."
        await olli.send("/mycalls")
        assert olli.last_message().text.startswith("Only the organisers of volunteer calls")
        await olli.tap_data(olli.last_message().message_id, f"vcr:r:{call_id}")
        assert olli.last_answer() == "Only the call's organisers can do that."
        assert "Liisa" not in olli.last_message().text


async def test_attendance_window_marking_and_hours(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        kaisa, liisa, _sven, _olli, call_id = await setup_call(h)
        await kaisa.send(f"/call {call_id}")
        await kaisa.tap(f"👥 Attendance {FIRST}")
        listing = kaisa.last_message().message_id  # the view, edited in place
        assert kaisa.last_message().buttons == [
            "⬜ Liisa",
            "⏳ Sven",
            "❌ Cancel this shift",
            "◀ Back",
        ]

        h.clock.set(START + TEN - timedelta(minutes=31))  # too early
        await kaisa.tap("⬜ Liisa")
        assert kaisa.last_answer() == (
            f"Attendance can be marked from 30 minutes before the shift starts ({FIRST})."
        )
        assert (await roster_row(h, call_id, liisa.id)).checked_in_at is None

        h.clock.set(START + TEN - timedelta(minutes=30))
        await kaisa.tap("⬜ Liisa")
        stored = await roster_row(h, call_id, liisa.id)
        assert stored.checked_in_at == int((START + TEN - timedelta(minutes=30)).timestamp())
        assert stored.hours == 2.0
        assert kaisa.last_message().buttons == [
            "✅ Liisa",
            "⏱ 2 h",
            "⏳ Sven",
            "❌ Cancel this shift",
            "◀ Back",
        ]

        await kaisa.tap("⏱ 2 h")
        assert kaisa.last_message().text == "Send the hours for Liisa (e.g. 2.5), or /cancel."
        for bad in ("0", "25", "abc"):
            await kaisa.send(bad)
            assert kaisa.last_message().text == (
                "Send the hours as a number above 0 and at most 24, like 2.5 or 2,5."
            )
        assert (await roster_row(h, call_id, liisa.id)).hours == 2.0
        await kaisa.send("/cancel")
        assert kaisa.last_message().text == "Stopped; the hours were not changed."
        await kaisa.tap("⏱ 2 h")
        await kaisa.send("1,5")
        assert kaisa.last_message().text == "⏱ Liisa: 1.5 h for the shift."
        assert (await roster_row(h, call_id, liisa.id)).hours == 1.5
        await kaisa.send("3")  # the answer is taken: no draft is left
        assert kaisa.last_message().text.startswith("I read commands")
        assert (await roster_row(h, call_id, liisa.id)).hours == 1.5

        # ✅ again unmarks: neither a check-in nor hours stay.
        await kaisa.tap("✅ Liisa")
        stored = await roster_row(h, call_id, liisa.id)
        assert stored.checked_in_at is None and stored.hours is None
        edited = next(m for m in kaisa.messages() if m.message_id == listing)
        assert edited.buttons == ["⬜ Liisa", "⏳ Sven", "❌ Cancel this shift", "◀ Back"]
        assert "checked in 0/1" in edited.text
        # An old ⏱ button of someone no longer marked: refused, nothing asked.
        first = (await volunteer_calls.shifts(h.env.db, call_id))[0]
        await kaisa.tap_data(listing, f"vcr:h:{first.id}:{liisa.id}")
        assert kaisa.last_answer() == "Hours can be corrected only for someone marked as there."
        assert kaisa.last_message().text.startswith("I read commands")


async def test_hours_refused_in_finnish_and_not_for_someone_unmarked(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa, liisa, _sven, _olli, call_id = await setup_call(h, admin)
        await admin.send("/language fi")
        h.clock.set(START + TEN)
        await admin.send(f"/call {call_id}")  # the network's administrator manages every call
        await admin.tap("👥 Läsnäolo to 3.12. 10.00–12.00")
        await admin.tap("⬜ Liisa")
        await admin.tap("⏱ 2 h")
        await admin.send("24,5")
        assert admin.last_message().text == (
            "Lähetä tunnit lukuna, joka on yli 0 ja enintään 24, esimerkiksi 2,5 tai 2.5."
        )
        # Kaisa unmarks Liisa meanwhile: the hours are no longer Liisa's to have.
        await kaisa.send(f"/call {call_id}")
        await kaisa.tap(f"👥 Attendance {FIRST}")
        await kaisa.tap("✅ Liisa")
        await admin.send("2")
        assert admin.last_message().text == (
            "Liisa ei ole enää merkitty paikalle; tunteja ei muutettu."
        )
        assert (await roster_row(h, call_id, liisa.id)).hours is None


async def test_csv_has_one_row_per_sign_up(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        kaisa, _liisa, _sven, _olli, call_id = await setup_call(h)
        sly = await person(h, "=HYPERLINK(1)", "en")  # joined after the call went out
        second = (await volunteer_calls.shifts(h.env.db, call_id))[1]
        await signup.tap(h.env, "take", second.id, sly.id, sly.id)
        # Olli's /volunteer profile: the organisers of a call he answered may see it.
        await volunteer_profiles.save(
            h.env.db, _olli.id, wants_calls=True, skills="first aid, =cmd", areas=(), themes=()
        )
        h.clock.set(START + TEN)
        await kaisa.send(f"/call {call_id}")
        assert "🛠 Olli: first aid, =cmd" in kaisa.last_message().text.split("\n")
        await kaisa.tap(f"👥 Attendance {FIRST}")
        await kaisa.tap("⬜ Liisa")
        await kaisa.tap("◀ Back")
        lines = kaisa.last_message().text.split("\n")
        assert f"{FIRST} · signed up 1/1 · waiting 1 · checked in 1" in lines
        assert "✅ 📍Liisa" in lines  # marked as there
        await kaisa.tap("📄 CSV")
        sent = kaisa.last_message()
        assert sent.document is not None and sent.caption == "4 sign-ups."
        rows = list(csv.reader(io.StringIO(sent.document.data.decode("utf-8-sig"))))
        assert rows[0] == [
            "shift",
            "start",
            "end",
            "name",
            "status",
            "waiting_position",
            "confirmed",
            "checked_in",
            "hours",
            "skills",
        ]
        start, noon, two = "2026-12-03 10:00", "2026-12-03 12:00", "2026-12-03 14:00"
        assert rows[1:] == [
            ["1", start, noon, "Liisa", "yes", "", "no", start, "2.0", ""],
            ["1", start, noon, "Sven", "waiting list", "1", "no", "", "", ""],
            ["2", noon, two, "Olli", "yes", "", "no", "", "", "first aid, =cmd"],
            ["2", noon, two, "'=HYPERLINK(1)", "yes", "", "no", "", "", ""],
        ]


async def test_cancel_tells_everyone_and_closes_the_call(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        kaisa, liisa, sven, olli, call_id = await setup_call(h)
        first, second = (s.id for s in await volunteer_calls.shifts(h.env.db, call_id))
        assert (await schedule.get(h.env.db, reminder_key(first, 86400))) is not None
        await kaisa.send(f"/call {call_id}")
        view = kaisa.last_message()
        await kaisa.tap("❌ Cancel call")
        assert kaisa.last_message().buttons == ["Yes, cancel the call", "No, keep it"]
        await kaisa.tap("Yes, cancel the call")
        assert kaisa.last_message().text == "The call was cancelled; 3 notices are on their way."
        await delivered(h)
        assert liisa.last_message().text == (
            "❌ Vapaaehtoishaku Messut on peruttu; vuorosi to 3.12. 10.00–12.00 jää pois."
        )
        assert sven.last_message().text == (
            "❌ Frivilliguppdraget Messut har ställts in; ditt pass tors 3.12. 10.00–12.00 "
            "blir inte av."
        )
        assert olli.last_message().text == (
            f"❌ The volunteer call Messut was cancelled; your shift {SECOND} is off."
        )
        call = await volunteer_calls.get(h.env.db, call_id)
        assert call is not None and call.state == "cancelled"
        keys = [reminder_key(first, 86400), reminder_key(second, 7200)]
        keys += [checkin_key(first), thanks_key(second)]
        for key in keys:
            job = await schedule.get(h.env.db, key)
            assert job is not None and job.state == "cancelled"
        # The card's buttons answer that the call is closed; nothing changes.
        await olli.tap("Thu 3.12. 12:00–14:00 · 1/2 free")
        assert olli.last_answer() == "This call is closed."
        # A second cancel from the old view: already cancelled.
        await kaisa.tap("❌ Cancel call", message_id=view.message_id)
        assert kaisa.last_answer() == "This call is already cancelled."
        await kaisa.send(f"/call {call_id}")
        assert kaisa.last_message().text.startswith(f"Volunteer call {call_id}: Messut (cancelled)")
        assert "❌ Cancel call" not in kaisa.last_message().buttons


async def test_published_call_opens_its_view(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        kaisa = await appoint(h, admin_user(h), "Kaisa", "Joensuu")
        await kaisa.send("/newcall")
        for answer in ("Fair stand", "We present associations.", "Joensuu"):
            await kaisa.send(answer)
        await kaisa.tap("Health")
        await kaisa.tap("Done ▶")
        await kaisa.send("-")
        await kaisa.send("3.12. 10–12, 4 places")
        await kaisa.tap("📣 Publish")
        published = kaisa.last_message()
        assert published.text.startswith("Published as call 1:")
        assert published.buttons == ["📋 Open the call's view"]
        await kaisa.tap("📋 Open the call's view")
        assert kaisa.last_message().text.split("\n")[:3] == [
            "Volunteer call 1: Fair stand",
            "",
            f"{FIRST} · signed up 0/4 · waiting 0 · checked in 0",
        ]
        assert "Nobody yet." in kaisa.last_message().text


async def test_an_associations_group_admins_manage_its_call(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        kylat = await association_call(h)
        call_id = kylat.call_id
        # Outi did not post it, but administers the association's group.
        other_admin = kylat.outi
        await other_admin.send(f"/call {call_id}")
        assert other_admin.last_message().text.startswith(f"Vapaaehtoishaku {call_id}: Kyläjuhla")
        member = kylat.aino
        await member.send(f"/call {call_id}")
        assert member.last_message().text == "Vain haun järjestäjät voivat avata sen näkymän."
        # Names and the CSV never go to the group, even on a button rewritten there.
        in_group = kylat.in_group
        await in_group.send(f"/call {call_id}")
        answer = in_group.last_message()
        assert answer.text == "Avaa haun näkymä yksityiskeskustelussa kanssani."
        await in_group.tap_data(answer.message_id, f"vcr:csv:{call_id}")
        assert in_group.last_answer() == "Vain haun järjestäjät voivat tehdä tämän."
        assert not any(m.document for m in h.sandbox.messages(in_group.chat))


async def test_someone_marked_after_the_thanks_is_thanked_on_their_own(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        kaisa, liisa, _sven, olli, call_id = await setup_call(h)
        await h.services.scheduler.settle()
        await kaisa.send(f"/call {call_id}")
        await kaisa.tap(f"👥 Attendance {SECOND}")
        # The second shift's thanks go out at 15.00, to nobody: Olli did not check in.
        h.clock.set(START + TWO + timedelta(hours=1))
        await h.services.scheduler.extend()
        await h.services.scheduler.run_due()
        await delivered(h)
        assert not any(m.text.startswith("🙏") for m in olli.messages())
        # Kaisa marks him afterwards: he gets his thanks at once; Liisa (other shift) does not.
        view = kaisa.last_message()
        stale = next(
            b["callback_data"]
            for row in (view.reply_markup or {})["inline_keyboard"]
            for b in row
            if b["text"] == "⬜ Olli"
        )
        await kaisa.tap("⬜ Olli")
        await delivered(h)
        assert olli.last_message().text.startswith(
            "🙏 Thank you for your shift Thu 3.12. 12:00–14:00 in Messut! Hours recorded: 2 h."
        )
        assert not any(m.text.startswith("🙏") for m in liisa.messages())
        # Hours corrected, then the old "⬜ Olli" tapped again (a second organiser's stale
        # view): already marked, the correction stays, no second thank-you.
        await kaisa.tap("⏱ 2 h")
        await kaisa.send("1,5")
        await kaisa.tap_data(view.message_id, stale)
        assert kaisa.last_answer() == "Already marked as there."
        assert (await roster_row(h, call_id, olli.id)).hours == 1.5
        await delivered(h)
        assert len([m for m in olli.messages() if m.text.startswith("🙏")]) == 1


async def test_a_call_whose_shifts_have_begun_cannot_be_cancelled(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        kaisa, _liisa, _sven, olli, call_id = await setup_call(h)
        await kaisa.send(f"/call {call_id}")
        await kaisa.tap("❌ Cancel call")
        h.clock.set(START + TEN)  # the first shift starts while the question is open
        await kaisa.tap("Yes, cancel the call")
        assert (kaisa.last_answer() or "").startswith("Its shifts have begun")
        assert "❌ Cancel this shift" in (kaisa.last_answer() or "")  # how to stop later ones
        stored = await volunteer_calls.get(h.env.db, call_id)
        assert stored is not None and stored.state == "published"
        await delivered(h)
        assert not any(m.text.startswith("❌") for m in olli.messages())
        await kaisa.send(f"/call {call_id}")
        assert "❌ Cancel call" not in kaisa.last_message().buttons


async def test_a_large_shifts_attendance_list_comes_in_pages(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        kaisa = await appoint(h, admin_user(h), "Kaisa", "Joensuu")
        big = NewCall(
            title="Messut",
            description="",
            skills="",
            municipalities=(JOENSUU,),
            themes=("health",),
            shifts=(NewShift(START + TEN, START + NOON, 100),),
        )
        call_id, _ = await publish(h.env, big, kaisa.id)
        (shift,) = await volunteer_calls.shifts(h.env.db, call_id)
        people = [h.user(f"V{i:02d}", language_code="en") for i in range(45)]
        for person in people:
            await person.send("/start")
            await signup.tap(h.env, "take", shift.id, person.id, person.id)
        h.clock.set(START + TEN)
        await kaisa.send(f"/call {call_id}")
        await kaisa.tap(f"👥 Attendance {FIRST}")
        first = kaisa.last_message()
        assert "Page 1/2" in first.text
        assert len(first.buttons) == 40 + 2 and first.buttons[-2:] == ["▶", "◀ Back"]
        await kaisa.tap("▶")
        second = kaisa.last_message()
        assert "Page 2/2" in second.text and second.buttons[-2:] == ["◀", "◀ Back"]
        last = people[-1]
        await kaisa.tap("⬜ V44")
        assert (await roster_row(h, call_id, last.id)).attended
        # The list stays on the page the organiser was on.
        assert "Page 2/2" in kaisa.last_message().text
        assert kaisa.last_message().buttons[-4:] == ["✅ V44", "⏱ 2 h", "◀", "◀ Back"]
