"""Events under bad input and bad intent: every case gets a clear answer and changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from bot.core.callbacks import sign
from storage import rsvps, subscriptions
from storage.subscriptions import Area
from tests.factories import ADMIN, admin_user, appoint, publish_forum, subscriber
from tests.harness import WAIT, BotHarness, ChatUser


async def _count_events(h: BotHarness) -> int:
    return int(await h.env.db.fetchval("SELECT count(*) FROM events"))


async def test_participants_cannot_use_coordinator_commands(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        liisa = h.user("Liisa", language_code="en")
        for command, answer in (
            ("/newevent", "Only coordinators can create events."),
            ("/myevents", "Only coordinators have events of their own."),
            ("/coordinators", "Only administrators can manage coordinators."),
            ("/coordinatorlink all", "Only administrators can manage coordinators."),
        ):
            await liisa.send(command)
            assert liisa.last_message().text == answer
        assert int(await h.env.db.fetchval("SELECT count(*) FROM coordinator_invites")) == 0


async def test_links_work_once_expire_and_revoking_ends_the_role(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/coordinatorlink Atlantis")
        assert "I did not recognise: Atlantis." in admin.last_message().text
        await admin.send("/coordinatorlink Joensuu")
        token = re.search(r"start=(coord_[\w-]+)", admin.last_message().text)
        assert token is not None
        kaisa = h.user("Kaisa", language_code="en")
        await kaisa.send(f"/start {token.group(1)}")
        eero = h.user("Eero", language_code="en")
        await eero.send(f"/start {token.group(1)}")
        assert eero.last_message().text.startswith("This coordinator link has already been used")
        await eero.send("/start coord_made-up-token")
        assert eero.last_message().text.startswith("This coordinator link is not valid")
        await admin.send("/coordinatorlink Outokumpu")
        late = re.search(r"start=(coord_[\w-]+)", admin.last_message().text)
        assert late is not None
        h.clock.advance(timedelta(days=8))
        await eero.send(f"/start {late.group(1)}")
        assert eero.last_message().text.startswith("This coordinator link has expired")
        await eero.send("/newevent")
        assert eero.last_message().text == "Only coordinators can create events."

        await admin.send("/coordinators")
        assert "Kaisa: Joensuu" in admin.last_message().text
        await admin.tap("✖ Revoke Kaisa")
        assert admin.last_answer() == "Revoked."
        assert "No coordinators yet." in admin.last_message().text
        await kaisa.send("/newevent")
        assert kaisa.last_message().text == "Only coordinators can create events."


async def test_wizard_refuses_bad_answers_and_foreign_municipalities(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        await kaisa.send("/newevent")
        await kaisa.send("just text")
        assert kaisa.last_message().text == "Please answer with the buttons above, or /cancel."
        await kaisa.tap("Workshop")
        await kaisa.send("x" * 5000)
        assert "at most 150 characters" in kaisa.last_message().text
        await kaisa.send("ورشة عمل 🌍 Työpaja")
        await kaisa.send("1.1.2020 18.00")
        assert "already past" in kaisa.last_message().text
        await kaisa.send("24.11. klo 18")  # yesterday without a year: not taken as 2027
        assert "already past" in kaisa.last_message().text
        await kaisa.send("ma 1.12. 17:30")
        assert "weekday does not match" in kaisa.last_message().text
        await kaisa.send("32.12. 18")
        assert "Send the time like" in kaisa.last_message().text
        await kaisa.send("ti 1.12. 17:30")
        await kaisa.send("16.00")
        assert kaisa.last_message().text == "The end must be after the start. Send it again."
        await kaisa.tap("No end time")
        await kaisa.send("javascript:alert(1)")  # not a link: taken as the place's name
        await kaisa.send("Helsinki")
        assert "outside your areas" in kaisa.last_message().text
        await kaisa.send("Joensuu")
        await kaisa.tap("Done ▶")
        await kaisa.tap("Skip")
        await kaisa.tap("Done ▶")  # for whom
        await kaisa.tap("Skip")  # programme
        for bad, answer in (
            ("0", "at least 1"),
            ("-1", "at least 1"),
            ("many", "as digits"),
        ):
            await kaisa.send(bad)
            assert answer in kaisa.last_message().text
        await kaisa.send("20")
        await kaisa.send("2.12.2026 12.00")
        assert "before the start" in kaisa.last_message().text
        await kaisa.send("/cancel")
        assert kaisa.last_message().text == "The event was discarded; nothing was sent."
        assert await _count_events(h) == 0


async def test_forged_stale_and_closed_buttons_change_nothing(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        liisa = h.user("Liisa", language_code="en")
        await liisa.send("/start")
        await subscriptions.replace(h.env.db, liisa.id, [Area("municipality", "167")], ["health"])
        await publish_forum(admin)
        await publish_forum(admin)
        await h.services.delivery.wait_idle()
        card = next(m for m in liisa.messages() if m.button("✅ Coming") is not None)
        key = h.env.key
        good = sign(key, 1, liisa.chat.id)
        for data in (
            f"rsvp:2:y:{good}",  # another event with this card's signature
            f"rsvp:1:y:{sign(key, 1, admin.chat.id)}",  # signed for another chat
            f"rsvp:1:z:{good}",  # an action that does not exist
            "rsvp:1:y",
            "rsvp:x:y:abc",
        ):
            await liisa.tap_data(card.message_id, data)
            assert liisa.last_answer() == "This button is not valid."
        assert await rsvps.counts(h.env.db, 1) == rsvps.Counts()
        assert await rsvps.counts(h.env.db, 2) == rsvps.Counts()

        # Someone else's coordinator tools, forged: refused.
        await liisa.tap_data(card.message_id, "evm:cxy:1")
        assert liisa.last_answer() == "Only the event's coordinators can do that."
        state = await h.env.db.fetchval("SELECT state FROM events WHERE id = 1")
        assert state == "published"

        await liisa.tap_data(card.message_id, f"rsvp:1:q:{good}")
        assert liisa.last_answer() == "Answer Coming or Maybe first."
        await liisa.tap_data(card.message_id, f"rsvp:1:a:{good}")
        assert liisa.last_answer().startswith("This group has no association profile")  # type: ignore[union-attr]

        h.clock.advance(timedelta(days=7))  # past the start: answers are closed
        await liisa.tap("✅ Coming", message_id=card.message_id)
        assert liisa.last_answer() == "Answers to this event are closed."
        assert await rsvps.get(h.env.db, 1, liisa.id) is None
        closed = h.sandbox.world.message(liisa.chat.id, card.message_id)
        assert closed is not None and closed.button("🔒 Answers closed") is not None


async def test_an_abandoned_draft_times_out(tmp_path: Path) -> None:
    async with BotHarness.start(
        tmp_path, admins=frozenset({ADMIN}), wizard_timeout=timedelta(seconds=0.3)
    ) as h:
        admin: ChatUser = admin_user(h)
        await admin.send("/newevent")
        await h.sandbox.wait_for(lambda: "draft expired" in admin.last_message().text, timeout=WAIT)
        await admin.send("Järjestöfoorumi")  # no draft any more: not taken as a title
        assert "When does it start?" not in admin.last_message().text
        assert await _count_events(h) == 0


async def _stored(h: BotHarness) -> dict[str, list[tuple[object, ...]]]:
    """Every row the event's life touches: what must stay as it was after a refusal."""
    return {
        table: [tuple(r) for r in await h.env.db.fetchall(f"SELECT * FROM {table} ORDER BY 1")]
        for table in ("events", "event_municipalities", "rsvps", "outbox", "schedule")
    }


async def _edit(coordinator: ChatUser, field: str, value: str) -> None:
    """Open event 1's editor and send a new value for one field."""
    await coordinator.send("/event 1")
    await coordinator.tap("✏️ Edit")
    await coordinator.tap(field)
    await coordinator.send(value)


async def test_other_coordinators_revoked_scopes_and_deadlines_change_nothing(
    tmp_path: Path,
) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        liisa = await subscriber(h, "Liisa", ["health"])
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        olli = await appoint(h, admin, "Olli", "Outokumpu")
        await kaisa.send("/newevent")
        await kaisa.tap("Association forum")
        await kaisa.send("Foorumi")
        for answer in ("26.11. klo 18", "2 h", "Carelicum", "Joensuu"):
            await kaisa.send(answer)
        await kaisa.tap("Health")
        await kaisa.tap("Done ▶")
        await kaisa.tap("Skip")
        await kaisa.tap("Done ▶")  # for whom
        await kaisa.tap("Skip")  # programme
        await kaisa.send("1")  # one place
        await kaisa.send("26.11. klo 12")  # answers by noon on the day
        await kaisa.tap("Done ▶")
        await kaisa.tap("📣 Publish")
        await h.services.delivery.wait_idle()
        card = liisa.last_message()
        assert "Thu 26 Nov 2026 at 18:00–20:00" in card.text
        assert "Answer by Thu 26 Nov 2026 at 12:00" in card.text
        await liisa.tap("✅ Coming", message_id=card.message_id)
        matti = await subscriber(h, "Matti", ["health"])
        await matti.send("/event 1")
        await matti.tap("✅ Coming")
        assert matti.last_answer() == "Your answer: ⏳ on the waiting list, number 1"

        # A coordinator for another area sees the card, not the names, and cannot manage it.
        await olli.send("/event 1")
        view = olli.last_message()
        assert "1 coming" in view.text and "Liisa" not in view.text and "Names" not in view.text
        before = await _stored(h)
        await olli.tap_data(view.message_id, "nev:ed:1")
        assert olli.last_answer() == "You cannot edit this event."
        for data in ("evm:cxy:1", "evm:csv:1"):
            await olli.tap_data(view.message_id, data)
            assert olli.last_answer() == "Only the event's coordinators can do that."
        assert olli.last_message().message_id == view.message_id  # no CSV was sent

        # Its own coordinator cannot move it outside her areas; /cancel keeps it as it was.
        dropped = "Your changes were dropped; event 1 stays as it was and nobody was told."
        await _edit(kaisa, "Municipalities", "Helsinki")
        assert "outside your areas" in kaisa.last_message().text
        await kaisa.send("/cancel")
        assert kaisa.last_message().text == dropped
        await _edit(kaisa, "Title", "Toinen nimi")
        await kaisa.tap("✖ Discard changes")
        assert kaisa.last_message().text == dropped
        # Her role revoked while she edits: the save is refused.
        await _edit(kaisa, "Title", "Uusi nimi")
        await admin.send("/coordinators")
        await admin.tap("✖ Revoke Kaisa")
        await kaisa.tap("💾 Save changes")
        assert kaisa.last_message().text == (
            "You can no longer publish events in these municipalities."
        )
        assert await _stored(h) == before

        # Past the answer deadline (before the start): closed, and the card says so.
        h.clock.advance(timedelta(hours=25))
        await liisa.tap("❌ Can't", message_id=card.message_id)
        assert liisa.last_answer() == "Answers to this event are closed."
        closed = h.sandbox.world.message(liisa.chat.id, card.message_id)
        assert closed is not None and closed.button("🔒 Answers closed") is not None
        assert await _stored(h) == before

        # An event that no longer exists (removed by retention, say): a clear answer.
        await h.env.db.execute("DELETE FROM events WHERE id = 1")
        gone = await _stored(h)
        await matti.tap_data(
            matti.last_message().message_id,
            f"rsvp:1:n:{sign(h.env.key, 1, matti.chat.id)}",
        )
        assert matti.last_answer() == "This event no longer exists."
        assert await _stored(h) == gone
