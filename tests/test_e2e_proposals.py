"""Event proposals end to end: a group's administrator proposes through the signed link, both
covering coordinators get it, the first approval publishes it with the association on the card,
the second tap is told it was handled, the association's administrator sees the coordinator
view; decline with a reason and an unchanged re-send; nobody covering; escalation after 7 days;
a revoked coordinator; the proposer editing while a coordinator edits; a non-admin refused."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from bot.events.draft import Draft, Proposing
from bot.proposals import service
from storage import organisers, proposals, roles
from tests.factories import ADMIN, admin_user, appoint, delivered
from tests.harness import BotHarness, ChatUser


async def _group(h: BotHarness) -> tuple[ChatUser, ChatUser, int]:
    pekka = h.sandbox.add_user("Pekka", language_code="en")
    aino = h.sandbox.add_user("Aino", language_code="fi")
    group = h.sandbox.add_group("Kylät", members=[pekka, aino], admins=[pekka], bot_present=True)
    admin = ChatUser(h, pekka, group)
    for command in ("/profile name Kylät ry", "/profile municipality Joensuu"):
        await admin.send(command)
    return admin, ChatUser(h, aino, group), group.id


async def _steps(person: ChatUser, title: str, place: str = "Joensuu") -> None:
    await person.tap("Association evening")
    await person.send(title)
    await person.send("ti 1.12. 17:30")
    await person.send("2 h")
    await person.send("Kylätalo, Joensuu")
    await person.send(place)
    await person.tap("Done ▶")
    await person.tap("Skip")
    await person.tap("Done ▶")  # for whom: nobody named, so everyone
    await person.tap("Skip")  # no programme
    await person.send("30")
    await person.tap("No deadline")
    assert "📨 Send proposal" in person.last_message().buttons
    await person.tap("📨 Send proposal")


async def _propose_in_private(h: BotHarness, name: str, place: str) -> ChatUser:
    proposer = h.user("Olli", language_code="en")
    await proposer.send(f"/propose {name}")
    await _steps(proposer, "Kyläilta", place)
    return proposer


async def test_group_admin_proposes_and_first_approval_wins(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        ville = await appoint(h, admin, "Ville", "Pohjois-Karjala")
        group_admin, aino, _group_id = await _group(h)

        await aino.send("/propose")
        assert aino.last_message().text == (
            "Vain ryhmän ylläpitäjät voivat ehdottaa tapahtumia sen puolesta."
        )
        await group_admin.send("/propose")
        link = group_admin.last_message().button("📨 Continue in private")
        assert link is not None and link.url is not None
        payload = re.search(r"start=(prp_\S+)", link.url)
        assert payload
        stranger = h.user("Vieras", language_code="en")
        await stranger.send(f"/start {payload.group(1)}")  # not the admin who asked
        assert stranger.last_message().text == "This link is not valid any more."

        pekka = group_admin.in_chat(h.sandbox.private_chat(group_admin.user))
        await pekka.send(f"/start {payload.group(1)}")
        assert "proposing an event for “Kylät ry”" in pekka.messages()[-2].text
        await _steps(pekka, "Kyläilta ja yhdistysilta")
        assert "Proposal 1 was sent to the coordinators" in pekka.last_message().text
        await delivered(h)
        for coordinator in (kaisa, ville):
            assert "“Kylät ry” proposes an event" in coordinator.last_message().text
            assert "Kyläilta ja yhdistysilta" in coordinator.last_message().text

        await kaisa.tap("✅ Approve")
        assert "Approved and published as event" in kaisa.last_message().text
        await ville.tap("✅ Approve")
        assert ville.last_answer() == "This proposal was already handled by someone."
        await delivered(h)
        stored = await proposals.get(h.env.db, 1)
        assert stored is not None and stored.status == "approved" and stored.handled_by == kaisa.id
        assert stored.event_id is not None
        event_id = stored.event_id
        assert f"published as event {event_id}, with “Kylät ry”" in pekka.last_message().text
        found = await organisers.for_event(h.env.db, event_id)
        assert found.listings and not found.users

        await pekka.send(f"/event {event_id}")
        assert f"Answers to event {event_id}" in pekka.last_message().text
        assert "🤝 In cooperation with: Kylät ry" in pekka.messages()[-2].text
        member = aino.in_chat(h.sandbox.private_chat(aino.user))
        await member.send(f"/event {event_id}")
        assert "Yhteistyössä: Kylät ry" in member.last_message().text
        # The card is the last word: no coordinator view (its report with 📄 CSV) follows.
        assert not any("CSV" in b for b in member.last_message().buttons)


async def test_decline_with_reason_and_unchanged_resend(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        olli = await _propose_in_private(h, "Kylät ry", "Joensuu")
        await delivered(h)
        await kaisa.tap("❌ Decline")
        assert "Why is proposal 1 declined?" in kaisa.last_message().text
        await kaisa.send("Päällekkäin foorumin kanssa")
        assert kaisa.last_message().text == "❌ Declined. The proposer was told."
        await delivered(h)
        assert "was declined" in olli.last_message().text
        assert "Reason: Päällekkäin foorumin kanssa" in olli.last_message().text
        stored = await proposals.get(h.env.db, 1)
        assert stored is not None and stored.status == "declined"

        await olli.tap("✏️ Edit proposal")
        await olli.tap("Title")
        await olli.send("Kyläilta")  # the same title: nothing changed
        await olli.tap("📨 Send proposal")
        assert "unchanged since it was declined" in olli.last_message().text
        assert (await proposals.get(h.env.db, 1)).status == "declined"  # type: ignore[union-attr]

        # Swedish: a proposer from Vasa hears the decline in Swedish.
        sven = h.user("Sven", language_code="sv")
        await sven.send("/start")
        draft = Draft(sven.id, proposing=Proposing(None, None, "Byaföreningen"))
        sent = await service.send(h.env, _complete(draft))
        assert sent.proposal is not None and not sent.covered  # nobody covers Vasa
        outcome = await service.decline(h.env, sent.proposal.id, ADMIN, 1, "Fel datum")
        assert outcome == "done"
        await delivered(h)
        assert "avböjdes" in sven.last_message().text
        assert "Fel datum" in sven.last_message().text


def _complete(draft: Draft) -> Draft:
    from dataclasses import replace
    from datetime import UTC, datetime

    start = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
    return replace(
        draft,
        kind="other",
        title="Byakväll",
        starts_at=start,
        place="Byagården",
        municipalities=("905",),
    )


async def test_nobody_covers_and_escalation(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")  # the bot writes only to chats it knows
        olli = await _propose_in_private(h, "Savon Kylät", "Kuopio")
        assert "No coordinator covers its municipality" in olli.last_message().text
        await delivered(h)
        assert "“Savon Kylät” proposes an event" in admin.last_message().text

        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        await olli.send("/propose Kylät ry")
        await _steps(olli, "Toinen ilta")
        await delivered(h)
        assert "Proposal 2" in kaisa.last_message().text
        h.clock.advance(timedelta(days=8))
        await h.services.scheduler.extend()
        await h.services.scheduler.run_due()
        await delivered(h)
        stored = await proposals.get(h.env.db, 2)
        assert stored is not None and stored.status == "escalated"
        assert "Proposal 2 has waited 7 days" in admin.last_message().text
        assert "it now went to the network's administrators" in olli.last_message().text
        await kaisa.send("/proposals")
        assert "Proposal 2 has waited 7 days" in kaisa.last_message().text
        await kaisa.tap("✅ Approve")
        assert "Approved and published" in kaisa.last_message().text


async def test_revoked_coordinator_and_edit_while_editing(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        ville = await appoint(h, admin, "Ville", "Joensuu")
        olli = await _propose_in_private(h, "Kylät ry", "Joensuu")
        await delivered(h)

        for role in await roles.active_roles(h.env.db, ville.id):
            await roles.revoke(h.env.db, role.id)
        await ville.tap("✅ Approve")
        assert ville.last_answer() == (
            "Only the coordinators of its municipality can decide about this proposal."
        )

        await kaisa.tap("✏️ Edit")
        await olli.tap("✏️ Edit proposal")
        await olli.tap("Title")
        await olli.send("Kyläilta, uusi aika")
        await olli.tap("📨 Send proposal")
        assert "Proposal 1 was sent" in olli.last_message().text
        await kaisa.tap("Title")
        await kaisa.send("Kyläilta (koordinaattorin versio)")
        await kaisa.tap("✅ Approve and publish")
        assert "The proposer changed this proposal after you opened it" in (
            kaisa.last_message().text
        )
        stored = await proposals.get(h.env.db, 1)
        assert stored is not None and stored.status == "pending" and stored.revision == 2
        assert stored.fields["title"] == "Kyläilta, uusi aika"
        assert stored.event_id is None
