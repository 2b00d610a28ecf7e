"""Repeating events end to end: a coordinator makes a series in /newevent (each date its own
event, only the first invited now, answers per date), rules that never occur are refused, and
/vuosikello lists the year with an .ics file, for the chat's subscriptions or a municipality."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.events.vuosikello import MAX_MESSAGE
from handlers.events.vuosikello import _chunks
from storage import events as stored_events
from storage import rsvps
from storage import series as stored_series
from tests.factories import ADMIN, admin_user, appoint, subscriber
from tests.harness import BotHarness, ChatUser

HELSINKI = ZoneInfo("Europe/Helsinki")


async def _to_preview(coordinator: ChatUser, start: str, title: str = "Yhdistysilta") -> None:
    await coordinator.send("/newevent")
    await coordinator.tap("Association evening")
    await coordinator.send(title)
    await coordinator.send(start)
    await coordinator.send("2 h")
    await coordinator.send("Carelicum, Joensuu")
    await coordinator.send("Joensuu")
    await coordinator.tap("Health")
    await coordinator.tap("Done ▶")
    await coordinator.tap("Skip")
    await coordinator.tap("Done ▶")  # for whom
    await coordinator.tap("Skip")  # programme
    await coordinator.send("40")
    await coordinator.tap("No deadline")
    await coordinator.tap("Done ▶")


async def _series_count(h: BotHarness) -> int:
    return int(await h.env.db.fetchval("SELECT count(*) FROM event_series"))


def _local(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, HELSINKI)


async def test_coordinator_publishes_a_series_with_answers_per_date(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        liisa = await subscriber(h, "Liisa", ["health"])
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")

        await _to_preview(kaisa, "ti 1.12. 17:30")
        await kaisa.tap("🔁 Repeat…")
        prompt = kaisa.last_message()
        assert "Does the event repeat?" in prompt.text
        labels = [b.text for row in prompt.button_rows for b in row]
        assert labels == [
            "✅ Doesn't repeat",
            "Every Tuesday",
            "Every 2 weeks on Tuesday",
            "Every first Tuesday of the month",
            "Every month on day 1",
        ]
        await kaisa.tap("Every first Tuesday of the month")
        assert "Now: every first Tuesday of the month, 12 times" in kaisa.last_message().text
        await kaisa.tap("Mar")
        await kaisa.tap("✅ Mar")  # off again: every month
        assert "of the month, 12 times" in kaisa.last_message().text
        await kaisa.tap("Mar")
        await kaisa.tap("Oct")
        # The default end: the dates in the next 12 months (March and October 2027).
        assert "every first Tuesday of March and October, 3 times" in kaisa.last_message().text
        await kaisa.send("4")
        assert "March and October, 4 times" in kaisa.last_message().text
        await kaisa.tap("Done ▶")
        texts = [m.text for m in kaisa.messages()[-4:]]
        dates = next(t for t in texts if t.startswith("🔁"))
        assert "4 dates:" in dates
        assert "Tue 2 Mar 2027 at 17:30" in dates and "Tue 7 Mar 2028 at 17:30" in dates
        assert "It will reach 1 chat." in texts[-1]
        await kaisa.tap("📣 Publish")
        published = kaisa.last_message().text
        assert "Published 4 dates: events 1–4." in published
        assert "invitation goes to 1 chat now" in published

        found = [await stored_events.get(h.env.db, i) for i in range(1, 5)]
        assert all(e is not None and e.state == "published" for e in found)
        series_ids = {e.series_id for e in found if e}
        assert len(series_ids) == 1 and None not in series_ids
        series_id = series_ids.pop()
        assert series_id is not None
        stored = await stored_series.get(h.env.db, series_id)
        assert stored is not None
        assert stored.rule == "FREQ=MONTHLY;BYMONTH=3,10;BYDAY=1TU;COUNT=4"
        assert stored.created_by == kaisa.id
        dates_in_db = await stored_series.occurrences(h.env.db, series_id)
        assert [_local(e.starts_at).strftime("%d.%m.%Y %H:%M") for e in dates_in_db] == [
            "01.12.2026 17:30",
            "02.03.2027 17:30",
            "05.10.2027 17:30",  # summer time: the same local time
            "07.03.2028 17:30",
        ]
        assert [_local(e.ends_at).hour for e in dates_in_db if e.ends_at] == [19, 19, 19, 19]
        # Only the first date is invited now; the later ones wait for the scheduler.
        assert [e.broadcast_id is not None for e in dates_in_db] == [True, False, False, False]

        await h.services.delivery.wait_idle()
        invitations = [m for m in liisa.messages() if m.button("✅ Coming") is not None]
        assert len(invitations) == 1
        assert "🔁 Repeating event — all dates: /vuosikello" in invitations[0].text
        await liisa.tap("✅ Coming", message_id=invitations[0].message_id)
        await liisa.send("/event 2")
        assert "Tue 2 Mar 2027 at 17:30–19:30" in liisa.last_message().text
        await liisa.tap("❔ Maybe")
        first = await rsvps.get(h.env.db, 1, liisa.id)
        second = await rsvps.get(h.env.db, 2, liisa.id)
        assert first is not None and first.status == "yes"
        assert second is not None and second.status == "maybe"
        assert await rsvps.get(h.env.db, 3, liisa.id) is None

        # A published date is edited on its own: no repeat step there.
        await kaisa.send("/event 3")
        await kaisa.tap("✏️ Edit")
        menu = kaisa.last_message()
        assert menu.button("Start") is not None and menu.button("Repeat") is None


async def test_rules_that_never_occur_are_refused(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        await _to_preview(kaisa, "31.12.2026 18.00")
        await kaisa.tap("🔁 Repeat…")
        await kaisa.tap("Every month on day 31")
        await kaisa.tap("Feb")
        await kaisa.tap("Apr")
        assert "on day 31 of February and April" in kaisa.last_message().text
        await kaisa.tap("Done ▶")
        refusal = kaisa.messages()[-2].text
        assert "gives no date after the first one within 2 years" in refusal
        assert "Does the event repeat?" in kaisa.last_message().text  # asked again

        await kaisa.tap("✅ Feb")
        await kaisa.tap("✅ Apr")  # every month again
        for typed, answer in (
            ("1.12.2026", "The end date is before the first date."),
            ("5.1.2027", "No date of this rule falls between the first date and the end date."),
            ("60", "more than 52 dates"),
            ("1", "at least 2 dates"),
            ("31.12.2029", "more than 2 years ahead"),
            ("someday", "Send the number of dates like 6"),
        ):
            await kaisa.send(typed)
            assert answer in "\n".join(m.text for m in kaisa.messages()[-2:]), typed
        await kaisa.send("3")
        assert "every month on day 31, 3 times" in kaisa.last_message().text
        await kaisa.tap("Doesn't repeat")
        await kaisa.tap("📣 Publish")
        assert "Published as event 1" in kaisa.last_message().text
        assert await _series_count(h) == 0
        event = await stored_events.get(h.env.db, 1)
        assert event is not None and event.series_id is None


async def test_vuosikello_lists_the_year_and_sends_a_calendar(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        liisa = await subscriber(h, "Liisa", ["health"])
        await _to_preview(admin, "ti 1.12. 17:30", title="Järjestöfoorumi <Joensuu>")
        await admin.tap("🔁 Repeat…")
        await admin.tap("Every first Tuesday of the month")
        await admin.send("3")
        await admin.tap("Done ▶")
        await admin.tap("📣 Publish")
        assert "Published 3 dates" in admin.last_message().text
        # The invitation reaches Liisa through the outbox: let it arrive first, so that the
        # messages after /vuosikello are its answer only.
        await h.services.delivery.wait_idle()

        await liisa.send("/vuosikello")
        listing = next(m for m in liisa.messages()[-2:] if m.document is None)
        assert "Annual calendar 2026 — this chat's subscriptions" in listing.text
        assert "December 2026" in listing.text
        assert "Tue 1 Dec 2026 at 17:30–19:30: Järjestöfoorumi <Joensuu> (/event 1)" in (
            listing.text
        )
        assert "&lt;Joensuu&gt;" in listing.html
        assert "/event 2" not in listing.text  # January 2027 is next year
        document = liisa.last_message().document
        assert document is not None and document.filename == "vuosikello-2026.ics"
        feed = Calendar.from_ical(document.data)
        assert [str(e["SUMMARY"]) for e in feed.walk("VEVENT")] == ["Järjestöfoorumi <Joensuu>"]
        assert "1 event for your calendar app" in (liisa.last_message().caption or "")

        await liisa.send("/vuosikello 2027")
        listing = next(m for m in liisa.messages()[-2:] if m.document is None)
        assert "January 2027" in listing.text and "February 2027" in listing.text
        assert "/event 2" in listing.text and "/event 3" in listing.text
        document = liisa.last_message().document
        assert document is not None and len(Calendar.from_ical(document.data).walk("VEVENT")) == 2

        # A chat that follows nothing: a friendly pointer, no file.
        olli = h.user("Olli", language_code="en")
        await olli.send("/start")
        await olli.send("/vuosikello")
        assert "No events in 2026–2027 in this chat's subscriptions yet." in (
            olli.last_message().text
        )
        assert olli.last_message().document is None

        # By municipality, in Finnish, Swedish or by code; in the reader's language.
        matti = h.user("Matti", language_code="fi")
        await matti.send("/start")
        await matti.send("/vuosikello joensuu")
        listing = next(m for m in matti.messages()[-2:] if m.document is None)
        assert "Vuosikello 2026: Joensuu" in listing.text
        assert "Joulukuu 2026" in listing.text
        assert "ti 1.12.2026 klo 17.30–19.30" in listing.text
        document = matti.last_message().document
        assert document is not None and document.filename == "vuosikello-2026-167.ics"
        await matti.send("/vuosikello 167 2027")
        assert "/event 3" in next(m for m in matti.messages()[-2:] if m.document is None).text
        await matti.send("/vuosikello Outokumpu")
        assert matti.last_message().text.startswith("Outokumpu: ei vielä tapahtumia vuonna 2026")


async def test_vuosikello_bad_input(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="en")
        await liisa.send("/start")
        await liisa.send("/vuosikello Atlantis")
        assert liisa.last_message().text == (
            "I do not know the municipality “Atlantis”. Write its name in Finnish or Swedish, "
            "or its code, like /vuosikello Joensuu or /vuosikello 167."
        )
        await liisa.send("/vuosikello 999")
        assert "I do not know the municipality “999”" in liisa.last_message().text
        await liisa.send("/vuosikello Joensuu 1999")
        assert liisa.last_message().text == (
            "I show the years 2025–2028. For example: /vuosikello Joensuu 2026"
        )
        sv = h.user("Sven", language_code="sv")
        await sv.send("/start")
        await sv.send("/vuosikello Vasa")
        assert "Vasa: inga evenemang ännu år 2026" in sv.last_message().text


def test_a_long_year_is_split_at_line_boundaries() -> None:
    lines = ["<b>Annual calendar 2027</b>"] + [f"• event {i} " + "x" * 90 for i in range(200)]
    chunks = _chunks(lines)
    assert len(chunks) > 1
    assert all(len(chunk) <= MAX_MESSAGE for chunk in chunks)
    assert "\n".join(chunks).split("\n") == lines
