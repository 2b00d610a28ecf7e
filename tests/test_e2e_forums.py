"""Issue 20, points 3 and 4, end to end: /newevent's preview (and an edit's) warns about clashing
events with their links, "for whom" and the programme reach the card (in Finnish) and the .ics,
and `/events volunteers` lists only the events for that group."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.events.service import cancel
from storage import chats, events
from tests.factories import (
    ADMIN,
    JOENSUU,
    admin_user,
    appoint,
    forum_fields,
    publish_delivered,
    subscriber,
)
from tests.harness import BotHarness, ChatUser

HKI = ZoneInfo("Europe/Helsinki")
OUTOKUMPU = "309"  # North Karelia, as Joensuu
HELSINKI = "091"  # Uusimaa
CLASH_HEADING = "⚠️ Other events that may clash (you can still publish):"


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=HKI)


async def _to_programme(coordinator: ChatUser, *, groups: tuple[str, ...] = ()) -> None:
    """/newevent up to the programme step: a health forum in Joensuu on Tue 1.12. at 17:30."""
    await coordinator.send("/newevent")
    await coordinator.tap("Association forum")
    await coordinator.send("Järjestöfoorumi")
    await coordinator.send("ti 1.12. 17:30")
    await coordinator.send("2 h")
    await coordinator.send("Carelicum, Joensuu")
    await coordinator.send("Joensuu")
    await coordinator.tap("Health")
    await coordinator.tap("Done ▶")
    await coordinator.tap("Skip")  # description
    for group in groups:
        await coordinator.tap("▫️ " + group)
    await coordinator.tap("Done ▶")


async def _to_preview(coordinator: ChatUser, programme: str | None = None) -> list[str]:
    """From the programme step to the preview; the texts the preview sent."""
    before = len(coordinator.messages())
    if programme is None:
        await coordinator.tap("Skip")
    else:
        await coordinator.send(programme)
    await coordinator.send("30")
    await coordinator.tap("No deadline")
    await coordinator.tap("Done ▶")
    return [m.text for m in coordinator.messages()[before:]]


def _clash_text(preview: list[str]) -> str:
    return next((text for text in preview if text.startswith(CLASH_HEADING)), "")


async def test_preview_warns_of_near_and_same_theme_week_events_only(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        culture = ("culture",)

        async def other(title: str, start: datetime, code: str, themes: tuple[str, ...]) -> int:
            fields = forum_fields(start, title=title, municipalities=(code,), themes=themes)
            return await publish_delivered(h, fields, created_by=ADMIN)

        near = await other("Kahden tunnin päästä", _at(1, 19, 30), JOENSUU, culture)
        await other("Neljän tunnin päästä", _at(1, 21, 30), JOENSUU, culture)
        await other("Outokummussa samaan aikaan", _at(1, 19, 30), OUTOKUMPU, culture)
        week = await other("Sama teema torstaina", _at(3, 18), OUTOKUMPU, ("health",))
        await other("Sama teema ensi viikolla", _at(8, 18), OUTOKUMPU, ("health",))
        await other("Sama teema Helsingissä", _at(2, 18), HELSINKI, ("health",))
        gone = await other("Peruttu samaan aikaan", _at(1, 18), JOENSUU, culture)
        event = await events.get(h.env.db, gone)
        assert event is not None
        await cancel(h.env, event)

        await _to_programme(kaisa)
        preview = await _to_preview(kaisa)
        warning = _clash_text(preview)
        assert "Kahden tunnin päästä" in warning
        assert f"?start=ev_{near}" in warning and "same municipality, within 3 hours" in warning
        assert "Sama teema torstaina" in warning and f"?start=ev_{week}" in warning
        assert "same theme, region and week" in warning
        assert "Tue 1 Dec 2026 at 19:30" in warning
        for quiet in (
            "Neljän tunnin päästä",
            "Outokummussa samaan aikaan",
            "Sama teema ensi viikolla",
            "Sama teema Helsingissä",
            "Peruttu samaan aikaan",
        ):
            assert quiet not in warning, quiet
        assert len(warning.splitlines()) == 3  # the heading and two clashes
        # A warning never blocks: the event is published.
        await kaisa.tap("📣 Publish")
        assert "Published as event 8" in kaisa.last_message().text

        # Editing it: the preview warns about the others again, never about the event itself.
        await kaisa.send("/event 8")
        await kaisa.tap("✏️ Edit")
        await kaisa.tap("Start")
        before = len(kaisa.messages())
        await kaisa.send("ti 1.12. 21:00")
        warning = _clash_text([m.text for m in kaisa.messages()[before:]])
        assert "Neljän tunnin päästä" in warning and "Kahden tunnin päästä" in warning
        assert "Järjestöfoorumi" not in warning


async def test_no_warning_when_nothing_clashes(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        fields = forum_fields(_at(1, 21, 30), title="Myöhemmin", themes=("culture",))
        await publish_delivered(h, fields, created_by=ADMIN)
        await _to_programme(kaisa)
        preview = await _to_preview(kaisa)
        assert _clash_text(preview) == ""
        assert "It will reach 0 chats." in " ".join(preview)


async def test_for_whom_and_programme_on_the_finnish_card_and_in_the_ics(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        liisa = await subscriber(h, "Liisa", ["health"])
        await chats.set_language(h.env.db, liisa.id, "fi")
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        await _to_programme(kaisa, groups=("volunteers and members", "association staff"))
        preview = await _to_preview(kaisa, "18.00 Tervetuloa\n18.15 Työpajat & keskustelu")
        assert any("🎯 For whom: association staff, volunteers and members" in p for p in preview)
        await kaisa.tap("📣 Publish")
        await h.services.delivery.wait_idle()

        stored = await events.get(h.env.db, 1)
        assert stored is not None
        assert stored.for_whom == ("staff", "volunteers")
        assert stored.programme == ("18.00 Tervetuloa", "18.15 Työpajat & keskustelu")
        card = liisa.last_message()
        assert "🎯 Kenelle: järjestöjen työntekijät, vapaaehtoiset ja jäsenet" in card.text
        assert "🗒 Ohjelma:\n18.00 Tervetuloa\n18.15 Työpajat & keskustelu" in card.text
        assert "Työpajat &amp; keskustelu" in card.html

        add = h.env.translator.texts("fi")._("📅 Add to calendar")
        await liisa.tap(add, message_id=card.message_id)
        ics = liisa.last_message().document
        assert ics is not None
        description = str(Calendar.from_ical(ics.data).walk("VEVENT")[0]["DESCRIPTION"])
        assert "Kenelle: järjestöjen työntekijät, vapaaehtoiset ja jäsenet" in description
        assert "Ohjelma:\n18.00 Tervetuloa\n18.15 Työpajat & keskustelu" in description


async def test_bad_programme_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        await _to_programme(kaisa)
        eleven = "\n".join(f"{18 + i // 4}.{15 * (i % 4):02d} Kohta {i}" for i in range(11))
        await kaisa.send(eleven)
        assert kaisa.last_message().text == (
            "A programme has at most 10 lines. Shorten it and send it again."
        )
        await kaisa.send("18.00 " + "x" * 95)
        assert kaisa.last_message().text.startswith("A programme line has at most 100 characters")
        await kaisa.send("18.00 <b>Tervetuloa</b>")
        assert kaisa.last_message().text.startswith("The programme is plain text; remove the HTML")
        await kaisa.send("skip")  # typed, as the prompt says
        assert kaisa.last_message().text.startswith("How many people fit?")
        await kaisa.send("/cancel")
        assert await h.env.db.fetchval("SELECT count(*) FROM events") == 0


async def test_events_lists_only_the_events_for_a_group(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        liisa = await subscriber(h, "Liisa", ["*"])
        for day, title, groups in (
            (2, "Henkilöstölle", ("staff",)),
            (3, "Vapaaehtoisille", ("volunteers",)),
            (4, "Ei rajattu", ()),
            (5, "Kaikille", ("everyone",)),
            (6, "Kunnille ja vapaaehtoisille", ("public_sector", "volunteers")),
        ):
            fields = forum_fields(_at(day, 18), title=title, for_whom=groups)
            await publish_delivered(h, fields, created_by=ADMIN)

        def listed(text: str) -> set[str]:
            names = {"Henkilöstölle", "Vapaaehtoisille", "Ei rajattu", "Kaikille"}
            names.add("Kunnille ja vapaaehtoisille")
            return {name for name in names if f": {name}" in text}

        await liisa.send("/events volunteers")
        text = liisa.last_message().text
        assert text.startswith("Upcoming events (1–4 of 4)\nFor volunteers and members")
        assert listed(text) == {
            "Vapaaehtoisille",
            "Ei rajattu",
            "Kaikille",
            "Kunnille ja vapaaehtoisille",
        }
        await liisa.send("/events vapaaehtoiset")
        assert listed(liisa.last_message().text) == listed(text)
        await liisa.send("/events henkilöstö")
        assert listed(liisa.last_message().text) == {"Henkilöstölle", "Ei rajattu", "Kaikille"}
        await liisa.send("/events kommun")
        assert listed(liisa.last_message().text) == {
            "Ei rajattu",
            "Kaikille",
            "Kunnille ja vapaaehtoisille",
        }
        await liisa.send("/events")
        assert "(1–5 of 5)" in liisa.last_message().text
        await liisa.send("/events astronauts")
        assert liisa.last_message().text.startswith("I do not know the group “astronauts”.")
