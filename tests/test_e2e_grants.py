"""Grant calls end to end: /newgrant publishes to the matching subscribers (in their language,
with 🔔 Remind me and 📅 Deadline to calendar) and to nobody else; a past deadline is refused;
Remind me brings reminders 14 and 2 days before the deadline, none to those who tapped again;
the .ics holds the deadline; a changed deadline is told; /grants lists open calls by deadline
and drops a closed one the day after."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.grants import service
from bot.grants.fields import GrantFields
from storage import grants, subscriptions
from storage.subscriptions import Area
from tests.factories import ADMIN, JOENSUU, admin_user, appoint, delivered, subscriber
from tests.harness import BotHarness, ChatUser

HELSINKI = ZoneInfo("Europe/Helsinki")
KUOPIO = "297"


async def _person(
    h: BotHarness, name: str, language: str, place: str, themes: list[str]
) -> ChatUser:
    person = h.user(name, language_code=language)
    await person.send("/start")
    await subscriptions.replace(h.env.db, person.id, [Area("municipality", place)], themes)
    return person


def _reminders(person: ChatUser) -> list[str]:
    return [m.text for m in person.messages() if "deadline is in" in (m.text or "")]


async def _run_daily_at(h: BotHarness, moment: datetime) -> None:
    h.clock.set(moment)
    await h.services.scheduler.extend()
    await h.services.scheduler.run_due()
    await delivered(h)


async def test_newgrant_publishes_reminds_and_tells_a_change(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        liisa = await subscriber(h, "Liisa", ["health"])
        aino = await _person(h, "Aino", "fi", JOENSUU, ["*"])
        sven = await _person(h, "Sven", "sv", KUOPIO, ["*"])
        olli = await subscriber(h, "Olli", ["culture"])

        await liisa.send("/newgrant")
        assert liisa.last_message().text == "Only coordinators can publish grant calls."
        await kaisa.send("/newgrant")
        await kaisa.send("Toiminta-avustus 2027")
        await kaisa.send("Joensuun kaupunki")
        await kaisa.send("Kuopio")
        assert "outside your areas" in kaisa.last_message().text
        await kaisa.send("Joensuu")
        await kaisa.tap("Health")
        await kaisa.tap("Done ▶")
        await kaisa.tap("Skip")  # opens
        await kaisa.send("1.11.2026 12.00")
        assert kaisa.last_message().text == (
            "That deadline is already past. Send a future date like 15.1.2027 16.00."
        )
        await kaisa.send("15.12.2026 16.00")
        await kaisa.send("500–3 000 €")
        await kaisa.send("https://example.org/avustus")
        await kaisa.send("Yhdistysten toimintaan.")
        assert kaisa.last_message().text == "It will reach 2 chats."
        await kaisa.tap("📣 Publish")
        assert "Grant call 1 published; it goes to 2 chats." in kaisa.last_message().text
        await delivered(h)

        card = liisa.last_message()
        assert "Grant call: Toiminta-avustus 2027" in card.text
        assert "Funder: Joensuun kaupunki" in card.text
        assert card.buttons == ["🔔 Remind me", "📅 Deadline to calendar"]
        assert "Avustushaku:" in aino.last_message().text
        assert aino.last_message().buttons == ["🔔 Muistuta minua", "📅 Määräaika kalenteriin"]
        assert not any("Toiminta-avustus" in (m.text or "") for m in sven.messages())
        assert not any("Toiminta-avustus" in (m.text or "") for m in olli.messages())

        await liisa.tap("🔔 Remind me")
        assert liisa.last_answer() == "🔔 I will remind you before the deadline."
        assert liisa.last_message().buttons[0] == "🔕 Don't remind me"
        await aino.tap("🔔 Muistuta minua")
        await aino.tap("🔕 Älä muistuta")
        assert aino.last_answer() == "🔕 Ei muistutuksia tästä avustushausta."
        assert await grants.reminder_users(h.env.db, 1) == [liisa.id]

        await liisa.tap("📅 Deadline to calendar")
        document = liisa.last_message().document
        assert document is not None and document.filename == "grant-1-deadline.ics"
        vevent = Calendar.from_ical(document.data).walk("VEVENT")[0]
        assert vevent.decoded("dtstart") == datetime(2026, 12, 15, 16, 0, tzinfo=HELSINKI)
        assert "Toiminta-avustus 2027" in str(vevent.get("summary"))

        await _run_daily_at(h, datetime(2026, 11, 30, 9, 0, tzinfo=HELSINKI))
        assert _reminders(liisa) == []
        await _run_daily_at(h, datetime(2026, 12, 1, 9, 0, tzinfo=HELSINKI))
        assert len(_reminders(liisa)) == 1 and "in 14 days" in _reminders(liisa)[0]
        await _run_daily_at(h, datetime(2026, 12, 2, 9, 0, tzinfo=HELSINKI))
        assert len(_reminders(liisa)) == 1  # nothing twice
        await _run_daily_at(h, datetime(2026, 12, 13, 9, 0, tzinfo=HELSINKI))
        assert len(_reminders(liisa)) == 2 and "in 2 days" in _reminders(liisa)[1]
        assert not [m for m in aino.messages() if "päivän päästä" in (m.text or "")]

        await kaisa.send("/editgrant 1 18.12.2026 12.00")
        assert "1 person was told" in kaisa.last_message().text
        await delivered(h)
        assert "The deadline changed." in liisa.last_message().text
        assert not any("Määräaika muuttui" in (m.text or "") for m in aino.messages())
        stored = await grants.get(h.env.db, 1)
        assert stored is not None
        assert stored.deadline_at == int(datetime(2026, 12, 18, 12, tzinfo=HELSINKI).timestamp())
        await _run_daily_at(h, datetime(2026, 12, 16, 9, 0, tzinfo=HELSINKI))
        assert len(_reminders(liisa)) == 3 and "in 2 days" in _reminders(liisa)[2]


def _fields(title: str, deadline: datetime) -> GrantFields:
    return GrantFields(
        title=title,
        funder="STEA",
        municipalities=(JOENSUU,),
        themes=(),
        deadline=deadline,
    )


async def test_grants_lists_by_deadline_and_drops_closed_ones(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        sven = await _person(h, "Sven", "sv", JOENSUU, ["*"])
        stranger = await _person(h, "Pia", "en", KUOPIO, ["*"])
        await service.publish(
            h.env, _fields("Later call", datetime(2026, 12, 10, 16, tzinfo=HELSINKI)), ADMIN
        )
        await service.publish(
            h.env, _fields("Sooner call", datetime(2026, 11, 30, 16, tzinfo=HELSINKI)), ADMIN
        )
        await delivered(h)

        await sven.send("/grants")
        listing = sven.last_message().text
        assert "Öppna bidragsutlysningar" in listing
        assert listing.index("Sooner call") < listing.index("Later call")
        await stranger.send("/grants")
        assert stranger.last_message().text.startswith("No open grant calls for your subscriptions")
        await stranger.send("/grants Joensuu")
        assert "Sooner call" in stranger.last_message().text
        await stranger.send("/grants Atlantis")
        assert stranger.last_message().text == "I do not know the place “Atlantis”."

        h.clock.set(datetime(2026, 11, 30, 20, 0, tzinfo=HELSINKI))  # past the deadline, same day
        await sven.send("/grants")
        assert "Sooner call" in sven.last_message().text
        h.clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=HELSINKI))
        await sven.send("/grants")
        assert "Sooner call" not in sven.last_message().text
        assert "Later call" in sven.last_message().text


async def test_mydata_shows_the_reminder_opt_in_and_forget_removes_it(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        liisa = await _person(h, "Liisa", "en", JOENSUU, ["*"])
        await service.publish(
            h.env, _fields("Toiminta-avustus", datetime(2026, 12, 10, 16, tzinfo=HELSINKI)), ADMIN
        )
        await delivered(h)
        await liisa.tap("🔔 Remind me")
        await liisa.send("/mydata")
        document = liisa.last_message().document
        assert document is not None
        mine = json.loads(document.data.decode("utf-8"))["grant_calls"]
        assert [(r["call_id"], r["title"]) for r in mine["reminders"]] == [(1, "Toiminta-avustus")]
        await liisa.send("/forget")
        await liisa.tap("🗑 Yes, delete my data")
        assert await grants.reminder_users(h.env.db, 1) == []
        assert await grants.get(h.env.db, 1) is not None  # the call itself stays
