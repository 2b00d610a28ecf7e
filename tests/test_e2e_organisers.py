"""Co-organisers end to end: the coordinator names an association from the directory and a
coordinator with "➕ Co-organiser", removes one; a card redrawn after an RSVP tap shows the
"🤝" line; a co-organiser sees the view but cannot change who co-organises; a proposal from a
group tells the group of its approval and its decline, and its coordinator sees the clash; an
edit cannot lower the event's places below a session's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from storage import events, listings, organisers, proposals, subscriptions
from storage.subscriptions import Area
from tests.factories import (
    ADMIN,
    JOENSUU,
    admin_user,
    appoint,
    delivered,
    forum_fields,
    publish_delivered,
)
from tests.harness import START, BotHarness, ChatUser


async def _group(h: BotHarness, language: str = "en") -> tuple[ChatUser, int]:
    """An association group with a public directory listing; its administrator."""
    pekka = h.sandbox.add_user("Pekka", language_code=language)
    group = h.sandbox.add_group("Kylät", members=[pekka], admins=[pekka], bot_present=True)
    admin = ChatUser(h, pekka, group)
    for command in ("/profile name Kylät ry", "/profile municipality Joensuu"):
        await admin.send(command)
    listing = await listings.for_chat(h.env.db, group.id)
    assert listing is not None
    await listings.set_status(h.env.db, listing.id, "public")
    return admin, listing.id


async def test_coordinator_names_and_removes_co_organisers(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        ville = await appoint(h, admin, "Ville Virtanen", "Pohjois-Karjala")
        group_admin, listing_id = await _group(h)
        liisa = h.user("Liisa", language_code="fi")
        await liisa.send("/start")
        await subscriptions.replace(h.env.db, liisa.id, [Area("municipality", JOENSUU)], ["*"])
        event_id = await publish_delivered(
            h, forum_fields(START + timedelta(days=20)), created_by=kaisa.id
        )

        await kaisa.send(f"/event {event_id}")
        await kaisa.tap("➕ Co-organiser")
        assert "Send the name of an association" in kaisa.last_message().text
        await kaisa.send("Xyzzy")
        assert "No association in the directory and no coordinator is called “Xyzzy”" in (
            kaisa.last_message().text
        )
        await kaisa.send("kylat")  # without the ä: folded like the directory's search
        assert kaisa.last_message().text == "Which one co-organises?"
        await kaisa.tap("🏘 Kylät ry")
        assert kaisa.last_answer() == "✅ Kylät ry co-organises the event now."
        assert "Co-organisers now: Kylät ry" in kaisa.last_message().text

        await kaisa.send(f"/event {event_id}")
        await kaisa.tap("➕ Co-organiser")
        await kaisa.send("virtanen")
        await kaisa.tap("👤 Ville Virtanen")
        found = await organisers.for_event(h.env.db, event_id)
        assert found.listings == (listing_id,) and found.users == (ville.id,)
        assert "Co-organisers now: Kylät ry, Ville Virtanen" in kaisa.last_message().text

        # The card redrawn after a tap names the association (Finnish reader).
        await liisa.tap("✅ Tulen")
        assert "🤝 Yhteistyössä: Kylät ry" in liisa.last_message().text

        # The association's administrator sees the view, but only coordinators name others.
        pekka = group_admin.in_chat(h.sandbox.private_chat(group_admin.user))
        await pekka.send(f"/event {event_id}")
        assert f"Answers to event {event_id}" in pekka.last_message().text
        await pekka.tap("➕ Co-organiser")
        assert pekka.last_answer() == "Only the event's coordinators can do that."
        assert (await organisers.for_event(h.env.db, event_id)).users == (ville.id,)

        await kaisa.send(f"/event {event_id}")
        await kaisa.tap("➕ Co-organiser")
        await kaisa.tap("✖ Kylät ry")
        assert kaisa.last_answer() == "Removed."
        await kaisa.send("/cancel")
        found = await organisers.for_event(h.env.db, event_id)
        assert found.listings == () and found.users == (ville.id,)
        await liisa.send(f"/event {event_id}")
        assert "Yhteistyössä" not in liisa.last_message().text


async def test_a_group_hears_its_proposals_approval_and_decline(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        group_admin, _listing_id = await _group(h)  # the group speaks the default, Finnish
        await _propose_from_group(h, group_admin, "Kyläilta")
        await delivered(h)
        assert "may clash" not in kaisa.last_message().text
        await kaisa.tap("✅ Approve")
        # The second, at the same hour in Joensuu: Kaisa sees the first as a clash.
        await _propose_from_group(h, group_admin, "Toinen ilta")
        await delivered(h)
        proposal = kaisa.last_message().text
        assert "⚠️ Other events that may clash (you can still publish):" in proposal
        assert "Kyläilta — /event 1 (same municipality, within 3 hours)" in proposal
        await kaisa.tap("❌ Decline")
        await kaisa.send("Päällekkäin")
        await delivered(h)
        approved = await proposals.get(h.env.db, 1)
        assert approved is not None and approved.event_id is not None
        told = [m.text for m in group_admin.messages() if "Yhdistyksen ehdotus" in m.text]
        assert told[0] == (
            f"✅ Yhdistyksen ehdotus ”Kyläilta” hyväksyttiin ja julkaistiin tapahtumana "
            f"{approved.event_id}, ja ”Kylät ry” on mukana järjestäjänä. /event "
            f"{approved.event_id} näyttää kortin."
        )
        assert told[1].startswith("❌ Yhdistyksen ehdotus ”Toinen ilta” hylättiin.")
        assert "Päällekkäin" in told[1]


async def _propose_from_group(h: BotHarness, group_admin: ChatUser, title: str) -> None:
    await group_admin.send("/propose")
    link = group_admin.last_message().button("📨 Continue in private")
    assert link is not None and link.url is not None
    pekka = group_admin.in_chat(h.sandbox.private_chat(group_admin.user))
    await pekka.send(f"/start {link.url.split('start=')[1]}")
    await pekka.tap("Association evening")
    await pekka.send(title)
    await pekka.send("ti 1.12. 17:30")
    await pekka.send("2 h")
    await pekka.send("Kylätalo, Joensuu")
    await pekka.send("Joensuu")
    await pekka.tap("Done ▶")
    await pekka.tap("Skip")
    await pekka.tap("Done ▶")
    await pekka.tap("Skip")
    await pekka.send("30")
    await pekka.tap("No deadline")
    await pekka.tap("📨 Send proposal")


async def test_an_edit_cannot_lower_places_below_a_session(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        fields = forum_fields(START + timedelta(days=20), capacity=30)
        event_id = await publish_delivered(h, fields, created_by=kaisa.id)
        await kaisa.send(f"/event {event_id}")
        await kaisa.tap("🧩 Sessions")
        await kaisa.send("Työpaja 1; 20\nTyöpaja 2; 10")
        assert "Saved: 2 sessions" in kaisa.last_message().text

        await kaisa.send(f"/event {event_id}")
        await kaisa.tap("✏️ Edit")
        await kaisa.tap("Places")
        await kaisa.send("15")
        assert kaisa.last_message().text == (
            "The event cannot have fewer places (15) than its session Työpaja 1 (20). Give "
            "the event more places, or lower the session's places first (🧩 Sessions in the "
            "event's view)."
        )
        await kaisa.send("25")
        await kaisa.tap("💾 Save changes")
        stored = await events.get(h.env.db, event_id)
        assert stored is not None and stored.capacity == 25
