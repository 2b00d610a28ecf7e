"""Feedback end to end: the round opens (as the scheduler does), people rate with one tap, tell
whether they attended and comment; bad input is refused with a clear answer and nothing stored;
the coordinator reads the results, the CSV and the chart with /feedback."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.callbacks import encode, sign
from bot.feedback import service
from storage import chats, events, feedback, subscriptions
from storage.subscriptions import Area
from tests.factories import (
    ADMIN,
    admin_user,
    appoint,
    delivered,
    forum_fields,
    publish_delivered,
    subscriber,
)
from tests.harness import BotHarness, ChatUser

QUESTION = "How useful was Järjestöfoorumi?"


async def _publish(h: BotHarness, coordinator: ChatUser) -> int:
    fields = forum_fields(datetime(2026, 12, 1, 15, 30, tzinfo=UTC))
    return await publish_delivered(h, fields, coordinator.id)


async def _open_round(h: BotHarness, event_id: int) -> int:
    """What the scheduler does when the round is due."""
    event = await events.get(h.env.db, event_id)
    assert event is not None
    async with h.env.db.transaction() as tx:
        queued = await service.open_round(h.env, tx, event, h.env.db.now())
    await delivered(h)
    return queued


async def _setup(h: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser, ChatUser, int]:
    admin = admin_user(h)
    await admin.send("/start")
    coordinator = await appoint(h, admin, "Kaisa", "Joensuu")
    liisa = await subscriber(h, "Liisa", ["health"])
    matti = await subscriber(h, "Matti", ["health"])
    pekka = await subscriber(h, "Pekka", ["health"])
    event_id = await _publish(h, coordinator)
    await liisa.tap("✅ Coming")
    await matti.tap("❔ Maybe")
    await pekka.tap("❌ Can't")
    return coordinator, liisa, matti, pekka, event_id


async def _answer(h: BotHarness, event_id: int, person: ChatUser) -> feedback.Answer | None:
    return await feedback.get_answer(h.env.db, event_id, person.id)


async def test_rate_attend_and_comment_in_private(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _coordinator, liisa, matti, pekka, event_id = await _setup(h)
        assert await _open_round(h, event_id) == 2
        assert await _open_round(h, event_id) == 0  # the scheduler may run twice: no repeats

        question = liisa.last_message()
        assert QUESTION in question.text
        assert question.buttons == ["1", "2", "3", "4", "5"]
        assert QUESTION in matti.last_message().text
        assert QUESTION not in pekka.last_message().text  # "can't come" is not asked

        await liisa.tap("4")
        assert liisa.last_answer() == "Thanks! Your rating: 4/5"
        stored = await _answer(h, event_id, liisa)
        assert stored is not None and stored.rating == 4
        follow_up = h.sandbox.world.message(liisa.chat.id, question.message_id)
        assert follow_up is not None
        assert "Your rating: 4/5 — thank you!" in follow_up.text
        assert "Did you attend?" in follow_up.text
        assert {"✅ I attended", "❌ I did not attend", "💬 Add a comment"} <= set(
            follow_up.buttons
        )

        await liisa.tap("2")  # a second rating replaces the first
        assert liisa.last_answer() == "Thanks! Your rating: 2/5"
        assert (await _answer(h, event_id, liisa)).rating == 2  # type: ignore[union-attr]
        count = await h.env.db.fetchval("SELECT count(*) FROM feedback")
        assert count == 1

        await liisa.tap("✅ I attended")
        assert liisa.last_answer() == "Thanks! Noted."
        assert (await _answer(h, event_id, liisa)).attended is True  # type: ignore[union-attr]
        await liisa.tap("❌ I did not attend")
        assert (await _answer(h, event_id, liisa)).attended is False  # type: ignore[union-attr]
        edited = h.sandbox.world.message(liisa.chat.id, question.message_id)
        assert edited is not None and "You did not attend." in edited.text

        await liisa.tap("💬 Add a comment")
        assert "Write your comment as one message (at most 1000 characters)" in (
            liisa.last_message().text
        )
        await liisa.send("x" * 5000)
        assert liisa.last_message().text.startswith(
            "That is 5000 characters; a comment can be at most 1000."
        )
        assert (await _answer(h, event_id, liisa)).comment == ""  # type: ignore[union-attr]
        await liisa.send("Hyvä foorumi, kiitos!")
        assert liisa.last_message().text.startswith("Thanks! Your comment is saved")
        assert (await _answer(h, event_id, liisa)).comment == "Hyvä foorumi, kiitos!"  # type: ignore[union-attr]
        await liisa.send("and one more thing")  # the draft is over: not a comment any more
        assert liisa.last_message().text == "I read commands: /help lists what I can do."
        assert (await _answer(h, event_id, liisa)).comment == "Hyvä foorumi, kiitos!"  # type: ignore[union-attr]

        # A command ends a draft: /cancel says so, any other command just does its own thing.
        await matti.tap("5")
        await matti.tap("💬 Add a comment")
        await matti.send("/cancel")
        assert matti.last_message().text == "Stopped; no comment was saved."
        await matti.tap("💬 Add a comment")
        await matti.send("/events")
        await matti.send("this is not a comment")
        assert matti.last_message().text == "I read commands: /help lists what I can do."
        assert (await _answer(h, event_id, matti)).comment == ""  # type: ignore[union-attr]
        await matti.send("/cancel")  # no draft: the usual answer
        assert matti.last_message().text == "There is nothing to cancel."


async def test_refusals(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _coordinator, liisa, matti, pekka, event_id = await _setup(h)
        # Before the round opens, a (correctly signed) rating button is refused.
        card = pekka.last_message()
        forged = encode("fb", event_id, "r5", sign(h.env.key, event_id, pekka.id))
        await pekka.tap_data(card.message_id, forged)
        assert pekka.last_answer() == "This questionnaire is closed."
        await _open_round(h, event_id)

        # Someone who answered "can't come" with a validly signed button: not invited.
        await pekka.tap_data(card.message_id, forged)
        assert pekka.last_answer() == (
            "This questionnaire is for those who signed up for the event."
        )
        assert await _answer(h, event_id, pekka) is None

        # Liisa's button replayed in Matti's chat, or rewritten to another event: not valid.
        liisa_data = liisa.last_message().button("5")
        assert liisa_data is not None and liisa_data.callback_data is not None
        matti_question = matti.last_message()
        await matti.tap_data(matti_question.message_id, liisa_data.callback_data)
        assert matti.last_answer() == "This button is not valid."
        rewritten = liisa_data.callback_data.replace(f"fb:{event_id}:", f"fb:{event_id + 1}:")
        await liisa.tap_data(liisa.last_message().message_id, rewritten)
        assert liisa.last_answer() == "This button is not valid."
        await liisa.tap_data(liisa.last_message().message_id, f"fb:{event_id}:r9:x")
        assert liisa.last_answer() == "This button is not valid."
        assert await _answer(h, event_id, matti) is None
        assert await _answer(h, event_id, liisa) is None

        await liisa.tap("3")
        h.clock.advance(timedelta(days=7, seconds=1))
        await liisa.tap("5")
        assert liisa.last_answer() == "This questionnaire is closed."
        assert (await _answer(h, event_id, liisa)).rating == 3  # type: ignore[union-attr]
        closed = liisa.last_message()
        assert closed.buttons == []  # the closed questionnaire loses its buttons
        assert closed.text.endswith("This questionnaire is closed.")
        await liisa.send(f"/start fbc_{event_id}")
        assert liisa.last_message().text == "This questionnaire is closed."
        await liisa.send("/start fbc_x1")
        assert liisa.last_message().text == "This link is not valid any more."


async def test_group_questionnaire_and_comment_link(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        ville = h.sandbox.add_user("Ville", language_code="en")
        outsider = h.sandbox.add_user("Outi", language_code="en")
        group = h.sandbox.add_group(
            "Kylä", members=[ville, outsider], admins=[ville], bot_present=True
        )
        await chats.upsert(h.env.db, group.id, "group", "Kylä")
        await chats.set_language(h.env.db, group.id, "en")
        await subscriptions.replace(h.env.db, group.id, [Area("region", "12")], ["health"])
        event_id = await _publish(h, admin)
        in_group = ChatUser(h, ville, group)
        await in_group.tap("✅ Coming")
        assert await _open_round(h, event_id) == 1  # Ville has no private chat: the group

        question = in_group.last_message()
        assert QUESTION in question.text
        await in_group.tap("5")
        assert in_group.last_answer() == "Thanks! Your rating: 5/5"
        assert (await _answer(h, event_id, in_group)).rating == 5  # type: ignore[union-attr]
        shown = h.sandbox.world.message(group.id, question.message_id)
        assert shown is not None and "Your rating" not in shown.text  # nothing personal there
        link = shown.button("💬 Add a comment")
        assert link is not None and link.callback_data is None
        bot_name = h.application.bot.username
        assert link.url == f"https://t.me/{bot_name}?start=fbc_{event_id}"

        other = ChatUser(h, outsider, group)
        await other.tap("3")
        assert other.last_answer() == (
            "This questionnaire is for those who signed up for the event."
        )
        assert await _answer(h, event_id, other) is None
        # The private-chat comment button does not work in a group even if correctly signed.
        data = encode("fb", event_id, "c", sign(h.env.key, event_id, group.id))
        await in_group.tap_data(question.message_id, data)
        assert in_group.last_answer() == "This button is not valid."

        private = ChatUser(h, ville, h.sandbox.private_chat(ville))
        await private.send(f"/start fbc_{event_id}")
        assert "💬 Your comment on Järjestöfoorumi" in private.last_message().text
        await private.send("Kahvi loppui kesken.")
        assert private.last_message().text.startswith("Thanks! Your comment is saved")
        stored = await _answer(h, event_id, private)
        assert stored is not None and (stored.rating, stored.comment) == (
            5,
            "Kahvi loppui kesken.",
        )


async def test_feedback_results_for_coordinators_only(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        coordinator, liisa, matti, _pekka, event_id = await _setup(h)
        await coordinator.send("/feedback")
        assert coordinator.last_message().text.startswith("Usage: /feedback 12")
        await coordinator.send("/feedback abc")
        assert coordinator.last_message().text.startswith("Usage: /feedback 12")
        await coordinator.send("/feedback 999")
        assert coordinator.last_message().text == "There is no event 999."
        await coordinator.send(f"/feedback {event_id}")
        assert "The questionnaire has not been sent yet; it goes out" in (
            coordinator.last_message().text
        )

        await _open_round(h, event_id)
        await liisa.tap("4")
        await liisa.tap("✅ I attended")
        await liisa.tap("💬 Add a comment")
        await liisa.send("Selkeä ja hyödyllinen")
        await matti.tap("2")

        await liisa.send(f"/feedback {event_id}")
        assert liisa.last_message().text == "Only the event's coordinators can do that."

        await coordinator.send(f"/feedback {event_id}")
        results = coordinator.last_message().text
        assert f"Feedback on event {event_id}: Järjestöfoorumi" in results
        assert "Answers: 2 of 2 asked (100%)" in results
        assert "Average: 3 / 5" in results
        assert "Attended: 1 yes, 0 no" in results
        assert "• “Selkeä ja hyödyllinen”" in results
        assert "Not shown: fewer than 3 answers per group." in results
        assert "Liisa" not in results and "Matti" not in results

        await coordinator.tap("📄 CSV")
        document = coordinator.last_message().document
        assert document is not None and document.filename == f"event-{event_id}-feedback.csv"
        text = document.data.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [(r["rating"], r["attended"], r["comment"]) for r in rows] == [
            ("2", "", ""),
            ("4", "yes", "Selkeä ja hyödyllinen"),
        ]
        for secret in ("Liisa", "Matti", str(liisa.id), str(matti.id)):
            assert secret not in text

        await coordinator.tap("📊 Chart")
        photo = coordinator.last_message().photo
        assert photo is not None and photo.data.startswith(b"\x89PNG\r\n\x1a\n")
        assert "How useful was Järjestöfoorumi?" in (coordinator.last_message().caption or "")

        forged = encode("fbr", "csv", event_id)
        await liisa.tap_data(liisa.last_message().message_id, forged)
        assert liisa.last_answer() == "Only the event's coordinators can do that."
