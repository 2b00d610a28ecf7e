"""Events end to end: a coordinator appointed by link publishes with /newevent, subscribers
RSVP (capacity, waiting list, association groups), the coordinator sees who comes, edits and
cancels with .ics notices."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from icalendar import Calendar

from storage import chats, listings, rsvps, subscriptions
from storage.listings import Listing
from storage.subscriptions import Area
from tests.factories import ADMIN, JOENSUU, admin_user, appoint, publish_forum, subscriber
from tests.harness import BotHarness, ChatUser


async def test_coordinator_publishes_and_people_rsvp(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        liisa = await subscriber(h, "Liisa", ["health"])
        matti = await subscriber(h, "Matti", ["*"])  # all themes
        other = await subscriber(h, "Olli", ["culture"])  # not invited: theme does not meet
        pekka = h.sandbox.add_user("Pekka", language_code="en")
        group = h.sandbox.add_group("Kylä", members=[pekka], admins=[pekka], bot_present=True)
        await chats.upsert(h.env.db, group.id, "group", "Kylä")
        await chats.set_language(h.env.db, group.id, "en")
        await subscriptions.replace(h.env.db, group.id, [Area("region", "12")], ["health"])
        await listings.save(
            h.env.db, Listing(0, group.id, None, "Joensuun Kyläyhdistys", (JOENSUU,))
        )
        coordinator = await appoint(h, admin, "Kaisa", "Joensuu")

        await publish_forum(coordinator)
        preview = [m.text for m in coordinator.messages()[-5:]]
        assert "Preview — recipients will see exactly this:" in preview
        assert any("Järjestöfoorumi <hyvinvointi> 🌿" in text for text in preview)
        assert "It will reach 3 chats." in preview
        assert "Published as event 1" in coordinator.last_message().text
        await h.services.delivery.wait_idle()

        card = liisa.last_message()
        assert "🏷 Association forum" in card.text
        assert "<b>Järjestöfoorumi &lt;hyvinvointi&gt; 🌿</b>" in card.html
        assert "Tue 1 Dec 2026 at 17:30–19:30" in card.text
        assert other.messages()[-1].button("✅ Coming") is None
        group_card = h.sandbox.last_message(group)
        assert group_card is not None and group_card.button("🏠 For our association")
        assert card.button("🏠 For our association") is None

        await liisa.tap("✅ Coming")
        assert liisa.last_answer() == "Your answer: ✅ coming"
        assert "Your answer: ✅ coming" in liisa.last_message().text
        assert "✅ 1 coming" in liisa.last_message().text

        in_group = ChatUser(h, pekka, group)
        await in_group.tap("✅ Coming")
        await in_group.tap("➕1 person")
        await in_group.tap("🏠 For our association")
        assert in_group.last_answer() == (
            "Your answer: ✅ coming, 2 people, for Joensuun Kyläyhdistys"
        )
        group_card = h.sandbox.last_message(group)
        assert group_card is not None
        assert "Your answer" not in group_card.text  # no names in groups
        assert "Places: 3/3" in group_card.text

        await matti.tap("✅ Coming")
        assert matti.last_answer() == "Your answer: ⏳ on the waiting list, number 1"

        await liisa.tap("❌ Can't")  # a place frees up: Matti is promoted and told
        stored = await rsvps.get(h.env.db, 1, matti.id)
        assert stored is not None and stored.status == "yes"
        await h.services.delivery.wait_idle()
        assert "A place freed up" in matti.last_message().text

        await coordinator.send("/event 1")
        report = coordinator.last_message().text
        assert "Coming: 2 (3 people)" in report
        assert "Joensuun Kyläyhdistys: 2" in report
        # Matti answered in his private chat, which follows Joensuu only: counted there too.
        assert "• individuals: 1" in report
        assert "<b>By municipality</b>\n• Joensuu: 3\n" in coordinator.last_message().html
        assert "Pekka" in report and "Liisa" in report
        await matti.send("/event 1")
        assert "Pekka" not in matti.last_message().text  # names only for coordinators

        await coordinator.tap("📄 CSV")
        document = coordinator.last_message().document
        assert document is not None and document.filename == "event-1-attendees.csv"
        rows = list(csv.DictReader(io.StringIO(document.data.decode("utf-8-sig"))))
        assert {(r["name"], r["status"], r["people"], r["municipality"]) for r in rows} == {
            ("Liisa", "no", "1", ""),  # what her chat follows is not put next to her name
            ("Pekka", "yes", "2", "Joensuu"),  # the association's
            ("Matti", "yes", "1", ""),
        }


async def test_edit_sends_new_ics_and_cancel_tells_everyone(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        liisa = await subscriber(h, "Liisa", ["health"])
        matti = await subscriber(h, "Matti", ["health"])
        await publish_forum(admin, capacity="40")
        await h.services.delivery.wait_idle()
        await liisa.tap("✅ Coming")

        await admin.send("/event 1")
        await admin.tap("✏️ Edit")
        await admin.tap("Start")
        await admin.send("2.12.2026 18.00")
        assert "Wed 2 Dec 2026 at 18:00–20:00" in admin.messages()[-2].text
        await admin.tap("💾 Save changes")
        assert "update notices are on their way" in admin.last_message().text
        await h.services.delivery.wait_idle()
        notice = liisa.last_message()
        assert notice.document is not None and "Changed:" in (notice.caption or "")
        calendar = Calendar.from_ical(notice.document.data)
        event = calendar.walk("VEVENT")[0]
        assert event.decoded("SEQUENCE") == 1
        assert event.decoded("DTSTART").hour == 18
        # Matti did not answer but the event moved to another day: he hears it too.
        assert matti.last_message().document is not None

        await admin.tap("✖ Cancel event", message_id=None)
        await admin.tap("Yes, cancel the event")
        await h.services.delivery.wait_idle()
        cancelled = Calendar.from_ical(liisa.last_message().document.data)  # type: ignore[union-attr]
        assert str(cancelled.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
        assert "Cancelled:" in (matti.last_message().caption or "")
        card = next(m for m in liisa.messages() if m.button("❔ Maybe") is not None)
        await liisa.tap("❔ Maybe", message_id=card.message_id)
        assert liisa.last_answer() == "This event was cancelled."
        assert (await rsvps.get(h.env.db, 1, liisa.id)).status == "yes"  # type: ignore[union-attr]
        refreshed = h.sandbox.world.message(liisa.chat.id, card.message_id)
        assert refreshed is not None and "CANCELLED" in refreshed.text
        assert refreshed.button("❔ Maybe") is None


async def test_events_list_deep_link_and_calendar_button(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        liisa = await subscriber(h, "Liisa", ["health"])
        for _ in range(6):
            await publish_forum(admin, capacity="40")
        await h.services.delivery.wait_idle()

        await liisa.send("/events")
        listing = liisa.last_message()
        assert "Upcoming events (1–5 of 6)" in listing.text
        await liisa.tap("Later ▶")
        assert "Upcoming events (6–6 of 6)" in liisa.last_message().text
        await liisa.tap("Järjestöfoorumi <hyvinvointi> 🌿")
        assert liisa.last_message().button("✅ Coming") is not None

        await liisa.send("/start ev_3")
        card = liisa.last_message()
        assert "Järjestöfoorumi" in card.text and card.button("✅ Coming") is not None
        await liisa.send("/start ev_999")
        assert liisa.last_message().text == "There is no event 999."
        await liisa.send("/event abc")
        assert liisa.last_message().text.startswith("Usage: /event 12")

        await liisa.tap("📅 Add to calendar", message_id=card.message_id)
        assert liisa.last_answer() == "I sent you the calendar file in our private chat."
        ics = liisa.last_message().document
        assert ics is not None and ics.filename == "event-3.ics"
        vevent = Calendar.from_ical(ics.data).walk("VEVENT")[0]
        assert str(vevent["SUMMARY"]) == "Järjestöfoorumi <hyvinvointi> 🌿"
        assert vevent["DTSTART"].params["TZID"] == "Europe/Helsinki"

        olli = h.user("Olli", language_code="en")
        await olli.send("/events")
        assert olli.last_message().text.startswith("No upcoming events in this chat's")
