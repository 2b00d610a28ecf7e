"""Every wizard keeps its draft in the database: it survives a restart of the bot (a second
Application on the same database continues it), /cancel stops it at any step, and the timeout
and the drafts' expiry drop what was left."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from storage import drafts, events, polls
from tests.factories import admin_user, appoint, delivered, subscriber
from tests.harness import BotHarness, ChatUser

KINDS = ("announce", "poll", "newevent")
ANNOUNCE_STEPS = ["/announce", "Tervetuloa foorumiin!", "Joensuu", "🕒 Send later…"]
POLL_STEPS = [
    "/poll",
    "Which evening suits?",
    "🔘 One choice",
    "Tuesday\nThursday",
    "Continue ▶",
    "Joensuu",
    "🙈 Anonymous",
    "🏠 The association, once (its administrators)",
    "In a week",
    "No reminder",
    "No",
]
NEWEVENT_STEPS = [
    "/newevent",
    "Association forum",
    "Järjestöfoorumi",
    "ti 1.12. 17:30",
    "2 h",
    "Carelicum, Joensuu",
    "Joensuu",
    "Health",
    "Done ▶",
    "Skip",
    "Done ▶",
    "Skip",
    "3",
    "No deadline",
    "Done ▶",
]
_TAPPED = {
    "🕒 Send later…",
    "🔘 One choice",
    "Continue ▶",
    "🙈 Anonymous",
    "🏠 The association, once (its administrators)",
    "In a week",
    "No reminder",
    "No",
    "Association forum",
    "Health",
    "Done ▶",
    "Skip",
    "No deadline",
}


async def _answer(person: ChatUser, answer: str) -> None:
    if answer in _TAPPED:
        await person.tap(answer)
    else:
        await person.send(answer)


async def _coordinator(h: BotHarness) -> ChatUser:
    admin = admin_user(h)
    await admin.send("/start")
    coordinator = await appoint(h, admin, "Kaisa", "Joensuu")
    await subscriber(h, "Liisa", ["health"])
    return coordinator


async def test_an_announcement_draft_survives_a_restart(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({7000})) as h:
        coordinator = await _coordinator(h)
        for answer in ANNOUNCE_STEPS[:2]:
            await _answer(coordinator, answer)
        await h.restart()
        await coordinator.send("Joensuu")
        assert coordinator.last_message().text == "It will reach 1 chat."
        await coordinator.tap("📣 Send now")
        assert coordinator.last_message().text.startswith("📣 Sending announcement 1 to 1 chat")


async def test_a_poll_draft_survives_a_restart(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({7000})) as h:
        coordinator = await _coordinator(h)
        for number, answer in enumerate(POLL_STEPS):
            if number in (3, 7):
                await h.restart()  # after a typed step and after a tapped one
            await _answer(coordinator, answer)
        assert "It will reach 1 chat." in coordinator.last_message().text
        await coordinator.tap("📣 Send the poll")
        assert coordinator.last_message().text.startswith("📊 Poll 1 is on its way to 1 chat.")
        poll = await polls.get(h.env.db, 1)
        assert poll is not None and [q.options for q in poll.questions] == [("Tuesday", "Thursday")]


async def test_an_event_draft_survives_a_restart(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({7000})) as h:
        coordinator = await _coordinator(h)
        for number, answer in enumerate(NEWEVENT_STEPS):
            if number in (4, 9):
                await h.restart()
            await _answer(coordinator, answer)
        await coordinator.tap("📣 Publish")
        assert coordinator.last_message().text.startswith("📣 Published as event 1")
        event = await events.get(h.env.db, 1)
        assert event is not None and event.title == "Järjestöfoorumi" and event.capacity == 3


async def test_cancel_stops_every_wizard_at_every_step(tmp_path: Path) -> None:
    stopped = {
        "announce": "Stopped; nothing was sent.",
        "poll": "Stopped; the poll was not sent.",
        "newevent": "The event was discarded; nothing was sent.",
    }
    steps = {"announce": ANNOUNCE_STEPS, "poll": POLL_STEPS, "newevent": NEWEVENT_STEPS}
    async with BotHarness.start(tmp_path, admins=frozenset({7000})) as h:
        coordinator = await _coordinator(h)
        for kind, answers in steps.items():
            for upto in range(1, len(answers) + 1):
                for answer in answers[:upto]:
                    await _answer(coordinator, answer)
                await coordinator.send("/cancel")
                assert coordinator.last_message().text == stopped[kind], (kind, answers[upto - 1])
                assert await drafts.latest(h.env.db, coordinator.id, coordinator.id, KINDS) is None
        await coordinator.send("/cancel")
        assert coordinator.last_message().text == "There is nothing to cancel."
        assert await events.get(h.env.db, 1) is None and await polls.get(h.env.db, 1) is None


async def test_a_new_wizard_replaces_the_draft_in_progress(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({7000})) as h:
        coordinator = await _coordinator(h)
        await coordinator.send("/announce")
        await coordinator.send("/poll")
        await coordinator.send("Which evening suits?")
        assert coordinator.last_message().text == "How is it answered?"
        stored = await drafts.latest(h.env.db, coordinator.id, coordinator.id, KINDS)
        assert stored is not None and (stored.kind, stored.step) == ("poll", "kind")
        assert await drafts.get(h.env.db, coordinator.id, coordinator.id, "announce") is None


async def test_an_old_draft_is_ignored_and_cleared(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({7000})) as h:
        coordinator = await _coordinator(h)
        await coordinator.send("/poll")
        h.clock.advance(timedelta(seconds=drafts.TTL + 1))
        await coordinator.send("Which evening suits?")
        assert coordinator.last_message().text == "I read commands: /help lists what I can do."
        await coordinator.send("/announce")  # a save clears the expired rows
        assert await h.env.db.fetchval("SELECT count(*) FROM drafts WHERE kind = 'poll'") == 0


async def test_answer_drafts_survive_a_restart(tmp_path: Path) -> None:
    """A feedback comment and a poll's written answer: begun, restarted, sent."""
    from storage import feedback
    from tests import test_e2e_feedback as feedback_e2e
    from tests import test_e2e_polls as polls_e2e

    async with BotHarness.start(tmp_path, admins=frozenset({7000})) as h:
        _coordinator, liisa, _matti, _pekka, event_id = await feedback_e2e._setup(h)
        await feedback_e2e._open_round(h, event_id)
        await liisa.tap("4")
        await liisa.tap("💬 Add a comment")
        await h.restart()
        await liisa.send("Hyvä foorumi!")
        assert liisa.last_message().text.startswith("Thanks! Your comment is saved")
        stored = await feedback.get_answer(h.env.db, event_id, liisa.id)
        assert stored is not None and stored.comment == "Hyvä foorumi!"

    async with BotHarness.start(tmp_path / "polls", admins=frozenset({7000})) as h:
        coordinator, liisa, _matti, _pekka = await polls_e2e._setup(h)
        await polls_e2e._create(coordinator, [("What next?", "✍️ Free text", "")])
        await delivered(h)
        await liisa.tap("✍️ Write my answer")
        await h.restart()
        await liisa.send("Volunteering")
        assert liisa.last_message().text.startswith("Thanks! Your answer is saved")
        await liisa.tap("✍️ Write my answer")
        await h.restart()
        await liisa.send("/cancel")
        assert liisa.last_message().text == "Stopped; no answer was saved."


async def test_a_subscription_menu_survives_a_restart(tmp_path: Path) -> None:
    from storage import subscriptions

    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="fi")
        await liisa.send("/subscribe")
        await liisa.tap("Pohjois-Karjala")
        await liisa.tap("Joensuu")
        await h.restart()
        await liisa.tap("Seuraavaksi: teemat »")
        await liisa.tap("Terveys")
        await h.restart()
        await liisa.tap("Seuraavaksi: yhteenveto »")
        await liisa.tap("✅ Tallenna")
        saved = await subscriptions.get(h.env.db, liisa.id)
        assert [a.code for a in saved.areas] == ["167"] and saved.themes == ("health",)


async def test_the_event_timeout_holds_across_a_restart(tmp_path: Path) -> None:
    """The timeout is read from the draft's last use, not from a timer lost on a restart."""
    async with BotHarness.start(
        tmp_path, admins=frozenset({7000}), wizard_timeout=timedelta(minutes=30)
    ) as h:
        coordinator = await _coordinator(h)
        await coordinator.send("/newevent")
        await h.restart()
        h.clock.advance(timedelta(minutes=31))
        await coordinator.tap("Association forum")
        assert coordinator.last_answer() == "This draft has expired. /newevent starts again."
        await coordinator.send("/newevent")
        await h.restart()
        h.clock.advance(timedelta(minutes=31))
        await coordinator.send("Järjestöfoorumi")
        assert coordinator.last_message().text == "I read commands: /help lists what I can do."
        assert await drafts.latest(h.env.db, coordinator.id, coordinator.id, KINDS) is None


async def test_any_answer_or_tap_restarts_the_timeout(tmp_path: Path) -> None:
    """A refused answer, a 'use the buttons' reply and a stale tap all count as use."""
    async with BotHarness.start(
        tmp_path, admins=frozenset({7000}), wizard_timeout=timedelta(minutes=30)
    ) as h:
        coordinator = await _coordinator(h)
        await coordinator.send("/newevent")
        h.clock.advance(timedelta(minutes=20))
        await coordinator.send("Association forum")  # the kind step waits for a tap
        assert (
            coordinator.last_message().text == "Please answer with the buttons above, or /cancel."
        )
        h.clock.advance(timedelta(minutes=20))
        await coordinator.tap("Association forum")
        await coordinator.send("Järjestöfoorumi")
        h.clock.advance(timedelta(minutes=20))
        await coordinator.send("not a time")  # fails the start's check
        h.clock.advance(timedelta(minutes=20))
        await coordinator.send("ti 1.12. 17:30")
        stored = await drafts.get(h.env.db, coordinator.id, coordinator.id, "newevent")
        assert stored is not None and stored.step == "end"


async def test_a_new_wizard_says_which_draft_it_discarded(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({7000})) as h:
        coordinator = await _coordinator(h)
        await coordinator.send("/poll")
        await coordinator.send("Which evening suits?")
        await coordinator.send("/newevent")
        texts = [m.text for m in coordinator.messages()]
        assert "Your unfinished poll was discarded." in texts[-2:]
        await coordinator.send("/newevent")  # the same wizard again: nothing else was lost
        assert not any("discarded" in m.text for m in coordinator.messages()[-1:])
        await coordinator.send("/announce")
        assert any(
            m.text == "Your unfinished event was discarded." for m in coordinator.messages()[-2:]
        )


async def test_quick_theme_taps_both_count(tmp_path: Path) -> None:
    """Two taps handled side by side: neither save overwrites the other."""
    async with BotHarness.start(tmp_path, admins=frozenset({7000})) as h:
        coordinator = await _coordinator(h)
        for answer in NEWEVENT_STEPS[: NEWEVENT_STEPS.index("Health")]:
            await _answer(coordinator, answer)
        sandbox = h.sandbox
        taps = [
            sandbox.press(coordinator.chat, coordinator.user, label)
            for label in ("Health", "Culture", "Youth")
        ]
        for tap in taps:
            await h.processed(tap["update_id"])
        stored = await drafts.get(h.env.db, coordinator.id, coordinator.id, "newevent")
        assert stored is not None
        assert set(stored.payload["themes"]) == {"health", "culture", "youth"}, stored.payload


async def test_quick_subscription_menu_taps_both_count(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="fi")
        await liisa.send("/subscribe")
        await liisa.tap("Seuraavaksi: teemat »")
        taps = [h.sandbox.press(liisa.chat, liisa.user, label) for label in ("Terveys", "Nuoret")]
        for tap in taps:
            await h.processed(tap["update_id"])
        stored = await drafts.shared(h.env.db, liisa.id, "subscribe")
        assert stored is not None and set(stored.payload["themes"].split()) == {"health", "youth"}
