"""Topic suggestions end to end: the 💡 button on a forum's invitation until its date, a
suggestion with the association's name (from the group, through the deep link) and an anonymous
one, refusals (too long, HTML, after the date) that store nothing, the coordinator's list, CSV
and deadline, the two-tap poll to the event's respondents, and /forget of a suggester."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.topics import links
from storage import chats, listings, subscriptions, topics
from storage.listings import Listing
from storage.subscriptions import Area
from tests.factories import (
    ADMIN,
    JOENSUU,
    admin_user,
    appoint,
    delivered,
    forum_fields,
    publish_delivered,
    subscriber,
)
from tests.harness import BotHarness, ChatUser

# The harness starts on 25.11.2026 12.00 in Helsinki; the forum is on 10.12., so suggestions
# are open until 3.12. at the forum's hour (seven days before).
FORUM_START = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
SUGGEST = "💡 Suggest a topic"
ASSOCIATION = "Joensuun Kyläyhdistys"


async def _group(h: BotHarness, *members: ChatUser) -> ChatUser:
    """An association's group (with a directory profile) following Joensuu; the first member
    acts in it."""
    users = [m.user for m in members]
    group = h.sandbox.add_group("Kylä", members=users, admins=users[:1], bot_present=True)
    await chats.upsert(h.env.db, group.id, "group", "Kylä")
    await chats.set_language(h.env.db, group.id, "en")
    await subscriptions.replace(h.env.db, group.id, [Area("municipality", JOENSUU)], ["health"])
    await listings.save(h.env.db, Listing(0, group.id, None, ASSOCIATION, (JOENSUU,)))
    return members[0].in_chat(group)


async def _start(h: BotHarness) -> tuple[ChatUser, ChatUser]:
    admin = admin_user(h)
    await admin.send("/start")
    coordinator = await appoint(h, admin, "Kaisa", "Joensuu")
    return admin, coordinator


def _link_payload(h: BotHarness, event_id: int, chat_id: int) -> str:
    url = links.deep_link(h.env.key, h.application.bot.username, event_id, chat_id)
    return url.split("start=", 1)[1]


async def _suggest_from_group(
    h: BotHarness, in_group: ChatUser, event_id: int, text: str, choice: str
) -> ChatUser:
    """Tap 💡 in the group, follow the link to the private chat, write, choose."""
    await in_group.tap(SUGGEST)
    assert in_group.last_answer() == "Suggestions are written in our private chat: it opens now."
    private = ChatUser(h, in_group.user, h.sandbox.private_chat(in_group.user))
    await private.send(f"/start {_link_payload(h, event_id, in_group.chat.id)}")
    assert "Your topic suggestion for Järjestöfoorumi" in private.last_message().text
    await private.send(text)
    assert private.last_message().text == "Send it with your association's name, or anonymously?"
    assert private.last_message().buttons == [f"🏠 With the name {ASSOCIATION}", "🕶 Anonymously"]
    await private.tap(choice)
    return private


async def _coordinator_view(coordinator: ChatUser, event_id: int) -> None:
    await coordinator.send(f"/event {event_id}")


async def test_forum_suggestions_named_and_anonymous_reach_the_coordinator(
    tmp_path: Path,
) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _admin, coordinator = await _start(h)
        pekka = h.user("Pekka", language_code="en")
        anni = h.user("Anni", language_code="en")
        await pekka.send("/start")
        await anni.send("/start")
        in_group = await _group(h, pekka, anni)
        liisa = await subscriber(h, "Liisa", ["health"])
        await h.env.db.execute("UPDATE chats SET language = 'fi' WHERE id = ?", (liisa.id,))
        await publish_delivered(
            h, forum_fields(FORUM_START, kind="association_evening"), coordinator.id
        )
        assert liisa.last_message().button("💡 Ehdota aihetta") is None  # not a forum
        event_id = await publish_delivered(h, forum_fields(FORUM_START), coordinator.id)
        group_card = h.sandbox.last_message(in_group.chat)
        assert group_card is not None and group_card.button(SUGGEST) is not None
        assert liisa.last_message().button("💡 Ehdota aihetta") is not None

        named = await _suggest_from_group(
            h, in_group, event_id, "Kylätalojen energia", "🏠 With the name " + ASSOCIATION
        )
        assert named.last_message().text == (
            f"Thanks! Your suggestion is saved with the name {ASSOCIATION}."
        )
        anonymous = await _suggest_from_group(
            h, anni.in_chat(in_group.chat), event_id, "Vapaaehtoisten jaksaminen", "🕶 Anonymously"
        )
        assert anonymous.last_message().text == (
            "Thanks! Your suggestion is saved; the coordinators see it without a name."
        )
        # In a private chat, without an association: anonymous at once (Finnish).
        await liisa.tap("💡 Ehdota aihetta")
        assert "Aihe-ehdotuksesi tapahtumaan Järjestöfoorumi" in liisa.last_message().text
        await liisa.send("Nuorten osallisuus")
        assert liisa.last_message().text.startswith("Kiitos! Ehdotuksesi on tallennettu;")

        stored = await topics.for_event(h.env.db, event_id)
        assert [(t.association, t.anonymous, t.text) for t in stored] == [
            (ASSOCIATION, False, "Kylätalojen energia"),
            ("", True, "Vapaaehtoisten jaksaminen"),
            ("", True, "Nuorten osallisuus"),
        ]

        await _coordinator_view(coordinator, event_id)
        view = coordinator.last_message()
        assert view.button("💡 Topics (3)") is not None
        await coordinator.tap("💡 Topics (3)")
        listing = coordinator.last_message().text
        assert f"1. {ASSOCIATION}: Kylätalojen energia" in listing
        assert "2. anonymous: Vapaaehtoisten jaksaminen" in listing
        assert "3. anonymous: Nuorten osallisuus" in listing
        assert "Open until Thu 3 Dec 2026 at 17:00." in listing
        assert "Anni" not in listing and "Liisa" not in listing

        await coordinator.tap("📄 CSV")
        document = coordinator.last_message().document
        assert document is not None and document.filename == f"event-{event_id}-topics.csv"
        rows = list(csv.DictReader(io.StringIO(document.data.decode("utf-8-sig"))))
        assert [(r["association"], r["anonymous"], r["suggestion"]) for r in rows] == [
            (ASSOCIATION, "no", "Kylätalojen energia"),
            ("", "yes", "Vapaaehtoisten jaksaminen"),
            ("", "yes", "Nuorten osallisuus"),
        ]


async def test_bad_suggestions_and_the_date_are_refused_in_swedish(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _admin, coordinator = await _start(h)
        greta = await subscriber(h, "Greta", ["health"])
        await h.env.db.execute("UPDATE chats SET language = 'sv' WHERE id = ?", (greta.id,))
        event_id = await publish_delivered(h, forum_fields(FORUM_START), coordinator.id)
        await greta.send(f"/event {event_id}")
        await greta.tap("💡 Föreslå ett ämne")
        await greta.send("x" * 501)
        assert greta.last_message().text.startswith(
            "Det är 501 tecken; ett förslag får vara högst 500."
        )
        await greta.send("<b>Energi</b> för byhus")
        assert "HTML" in greta.last_message().text
        await greta.send("**Energi**")
        assert "Markdown" in greta.last_message().text
        assert await topics.count(h.env.db, event_id) == 0
        await greta.send("/cancel")
        assert greta.last_message().text == "Avbrutet; inget förslag sparades."

        # The coordinator moves the date earlier: a past date and one after the start are refused.
        await _coordinator_view(coordinator, event_id)
        await coordinator.tap("💡 Suggestions until…")
        assert (
            "Suggestions are taken until Thu 3 Dec 2026 at 17:00."
            in coordinator.last_message().text
        )
        await coordinator.send("20.11.2026")
        assert coordinator.last_message().text.startswith("That date is already past.")
        await coordinator.send("11.12.")
        assert coordinator.last_message().text.startswith("Suggestions must close before")
        await coordinator.send("30.11.")
        assert coordinator.last_message().text == (
            "💡 Suggestions are now taken until Mon 30 Nov 2026 at 23:59."
        )

        # The card two hours before the date still has 💡; after it, a tap on an old card is refused
        # with the date, and a card rendered now has no 💡.
        h.clock.set(datetime(2026, 11, 30, 21, 0, tzinfo=UTC))
        await greta.send(f"/event {event_id}")
        old_card = greta.last_message()
        assert old_card.button("💡 Föreslå ett ämne") is not None
        h.clock.advance(timedelta(hours=2))
        await greta.tap("💡 Föreslå ett ämne", message_id=old_card.message_id)
        assert greta.last_answer() == "Ämnesförslagen stängdes mån 30.11.2026 kl. 23.59."
        await greta.send(f"/event {event_id}")
        assert greta.last_message().button("💡 Föreslå ett ämne") is None
        assert await topics.count(h.env.db, event_id) == 0


async def test_a_draft_written_before_the_date_is_refused_after_it(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _admin, coordinator = await _start(h)
        liisa = await subscriber(h, "Liisa", ["health"])
        event_id = await publish_delivered(h, forum_fields(FORUM_START), coordinator.id)
        closes = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)  # 18.00 in Helsinki
        await topics.set_until(h.env.db, event_id, int(closes.timestamp()))
        await liisa.tap(SUGGEST)
        h.clock.set(closes + timedelta(minutes=30))
        await liisa.send("Energia")
        assert liisa.last_message().text == "Topic suggestions closed on Wed 25 Nov 2026 at 18:00."
        assert await topics.count(h.env.db, event_id) == 0


async def test_two_taps_send_the_suggestions_as_a_poll_to_respondents(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _admin, coordinator = await _start(h)
        liisa = await subscriber(h, "Liisa", ["health"])
        matti = await subscriber(h, "Matti", ["health"])
        olli = await subscriber(h, "Olli", ["health"])
        event_id = await publish_delivered(h, forum_fields(FORUM_START), coordinator.id)
        await liisa.tap("✅ Coming")
        await matti.tap("❔ Maybe")

        await liisa.tap(SUGGEST)
        await liisa.send("Kylätalojen energia")
        await _coordinator_view(coordinator, event_id)
        await coordinator.tap("💡 Topics (1)")
        await coordinator.tap("📊 Ask which interest them")
        assert coordinator.last_message().text == (
            "A poll needs at least 2 different suggestions; there are 1 so far."
        )

        long = "Vapaaehtoisten jaksaminen " * 6
        await matti.tap(SUGGEST)
        await matti.send(long)
        await _coordinator_view(coordinator, event_id)
        await coordinator.tap("💡 Topics (2)")
        await coordinator.tap("📊 Ask which interest them")
        preview = coordinator.last_message().text
        assert "Which topics interest you for Järjestöfoorumi?" in preview
        assert "1 suggestion is cut to 100 characters." in preview
        assert "It goes to the 2 chats that answered the event" in preview
        await coordinator.tap("📣 Send")
        assert coordinator.last_message().text.startswith("📣 Poll 1 is on its way to 2 chats.")
        await delivered(h)

        for person in (liisa, matti):
            native = next(m.poll for m in reversed(person.messages()) if m.poll is not None)
            assert native is not None
            assert native.question == "Which topics interest you for Järjestöfoorumi?"
            assert native.allows_multiple_answers
            assert native.options[0] == "Kylätalojen energia"
            assert native.options[1].endswith("…") and len(native.options[1]) == 100
        assert all(m.poll is None for m in olli.messages())  # did not answer the event


async def test_forget_deletes_the_suggesters_suggestions(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _admin, coordinator = await _start(h)
        liisa = await subscriber(h, "Liisa", ["health"])
        matti = await subscriber(h, "Matti", ["health"])
        event_id = await publish_delivered(h, forum_fields(FORUM_START), coordinator.id)
        for person, text in ((liisa, "Energia"), (matti, "Jaksaminen")):
            await person.tap(SUGGEST)
            await person.send(text)
        await liisa.send("/mydata")
        exported = liisa.last_message().document
        assert exported is not None and b"Energia" in exported.data
        assert b"Jaksaminen" not in exported.data

        await liisa.send("/forget")
        await liisa.tap("🗑 Yes, delete my data")
        assert [t.text for t in await topics.for_event(h.env.db, event_id)] == ["Jaksaminen"]
        left = await h.env.db.fetchval(
            "SELECT count(*) FROM event_topics WHERE user_id = ?", (liisa.id,)
        )
        assert left == 0


async def test_a_forwarded_group_link_lends_no_name_to_an_outsider(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _admin, coordinator = await _start(h)
        pekka = h.user("Pekka", language_code="en")
        await pekka.send("/start")
        in_group = await _group(h, pekka)
        event_id = await publish_delivered(h, forum_fields(FORUM_START), coordinator.id)
        outsider = h.user("Olli", language_code="en")
        await outsider.send(f"/start {_link_payload(h, event_id, in_group.chat.id)}")
        await outsider.send("Energia")
        assert outsider.last_message().text == (
            "Thanks! Your suggestion is saved; the coordinators see it without a name."
        )
        stored = await topics.for_event(h.env.db, event_id)
        assert [(t.association, t.anonymous) for t in stored] == [("", True)]
        await outsider.send(f"/start {_link_payload(h, event_id, in_group.chat.id)[:-2]}xx")
        assert outsider.last_message().text == "This link is not valid any more."
