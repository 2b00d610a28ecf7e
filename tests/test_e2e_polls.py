"""Audience polls end to end: a coordinator prepares a poll or a survey with /poll, the audience
answers (native polls in private chats, buttons in groups, free text through a private draft),
the coordinator reads the results, CSV and chart; reminders, closing, group modes, anonymity,
and the bad input the issue lists."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.callbacks import encode
from bot.demo.poll import vote
from bot.polls import links as poll_links
from storage import chats, listings, polls, schedule, subscriptions
from storage.listings import Listing
from storage.subscriptions import Area
from tests.factories import ADMIN, JOENSUU, admin_user, appoint, delivered, subscriber
from tests.harness import BotHarness, ChatUser

QUESTION = "Which evening suits the next forum?"
CLOSES = "3.12.2026 18.00"  # the harness starts on 25.11.2026
CLOSES_AT = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


async def _create(
    coordinator: ChatUser,
    questions: list[tuple[str, str, str]],  # (text, kind button, options or "")
    *,
    audience: str = "Joensuu",
    privacy: str = "🙈 Anonymous",
    mode: str = "🏠 The association, once (its administrators)",
    reminder: str | None = "No reminder",
    share: str = "No",
) -> None:
    await coordinator.send("/poll")
    for number, (text, kind, options) in enumerate(questions):
        if number:
            await coordinator.tap("➕ Add a question")
        await coordinator.send(text)
        await coordinator.tap(kind)
        if options:
            await coordinator.send(options)
    await coordinator.tap("Continue ▶")
    await coordinator.send(audience)
    await coordinator.tap(privacy)
    await coordinator.tap(mode)
    await coordinator.send(CLOSES)
    if reminder is None:
        return  # the test picks the reminder itself
    await coordinator.tap(reminder)
    await coordinator.tap(share)
    await coordinator.tap("📣 Send the poll")


async def _vote(h: BotHarness, person: ChatUser, options: list[int], *, index: int = 0) -> None:
    """Answer the index-th native poll in the person's private chat."""
    found = [m for m in person.messages() if m.poll is not None]
    assert found, "no native poll in this chat"
    poll = found[index].poll
    assert poll is not None
    update = vote(h.sandbox, person.user, poll.id, options)
    await h.processed(update["update_id"])


async def _setup(h: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser, ChatUser]:
    admin = admin_user(h)
    await admin.send("/start")
    coordinator = await appoint(h, admin, "Kaisa", "Joensuu")
    liisa = await subscriber(h, "Liisa", ["health"])
    matti = await subscriber(h, "Matti", ["*"])
    pekka = await subscriber(h, "Pekka", ["culture"])
    return coordinator, liisa, matti, pekka


async def _answers(h: BotHarness, poll_id: int = 1) -> list[tuple[object, ...]]:
    rows = await h.env.db.fetchall(
        "SELECT question, chat_id, respondent, choice, text FROM poll_answers WHERE poll_id = ? "
        "ORDER BY question, chat_id, respondent, choice",
        (poll_id,),
    )
    return [tuple(row) for row in rows]


async def test_single_choice_native_poll_in_private_chats(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        coordinator, liisa, matti, pekka = await _setup(h)
        await _create(coordinator, [(QUESTION, "🔘 One choice", "Tuesday\nWednesday\nThursday")])
        texts = [m.text for m in coordinator.messages()[-4:]]
        assert any("It will reach 3 chats." in text for text in texts)
        assert (
            "📊 Poll 1 is on its way to 3 chats. Results: /poll 1"
            in coordinator.last_message().text
        )
        await delivered(h)

        intro, question = liisa.messages()[-2:]
        assert "🙈 Anonymous: the coordinators see only totals" in intro.text
        assert "Answers until Thu 3 Dec 2026 at 18:00." in intro.text
        assert question.poll is not None
        assert question.poll.question == QUESTION
        assert question.poll.options == ["Tuesday", "Wednesday", "Thursday"]
        assert not question.poll.is_anonymous  # answers must reach the bot
        assert await schedule.get(h.env.db, "poll_close:1") is not None

        await _vote(h, liisa, [0])
        await _vote(h, matti, [1])
        await _vote(h, liisa, [2])  # a new vote replaces the old one
        await _vote(h, pekka, [2])
        await _vote(h, pekka, [])  # and a withdrawn vote is gone
        assert await _answers(h) == [(0, liisa.id, liisa.id, 2, ""), (0, matti.id, matti.id, 1, "")]

        await coordinator.send("/poll 1")
        report = coordinator.last_message().text
        assert "Poll 1: Which evening suits the next forum?" in report
        assert "Answered: 2 of 3 chats asked (67%); respondents: 2" in report
        assert "Tuesday: 0 (0%)" in report
        assert "Wednesday: 1 (50%)" in report
        assert "Thursday: 1 (50%)" in report
        assert "Liisa" not in report and "Matti" not in report
        assert "Not shown: fewer than 3 answers per group." in report

        # Only the poll's coordinators see results.
        await liisa.send("/poll 1")
        assert liisa.last_message().text == "Only coordinators can send polls."


async def _group(
    h: BotHarness, title: str, admin_name: str, member_name: str, *, association: str
) -> tuple[ChatUser, ChatUser]:
    """An association's group subscribed to Joensuu: (its administrator, a plain member)."""
    admin = h.sandbox.add_user(admin_name, language_code="en")
    member = h.sandbox.add_user(member_name, language_code="en")
    group = h.sandbox.add_group(title, members=[member], admins=[admin], bot_present=True)
    await chats.upsert(h.env.db, group.id, "group", title)
    await chats.set_language(h.env.db, group.id, "en")
    await subscriptions.replace(h.env.db, group.id, [Area("municipality", JOENSUU)], ["*"])
    await listings.save(h.env.db, Listing(0, group.id, None, association, (JOENSUU,)))
    return ChatUser(h, admin, group), ChatUser(h, member, group)


def _message_with(person: ChatUser, text: str):  # type: ignore[no-untyped-def]
    found = [m for m in person.messages() if text in m.text]
    assert found, f"no message with {text!r}"
    return found[-1]


async def test_multiple_choice_native_and_group_toggles_each_member(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        coordinator, liisa, _matti, _pekka = await _setup(h)
        ville, outi = await _group(h, "Kylä", "Ville", "Outi", association="Kyläyhdistys")
        await _create(
            coordinator,
            [("Which themes for spring?", "☑️ Several choices", "Health\nCulture\nSports")],
            mode="👥 Each member",
        )
        await delivered(h)
        native = liisa.last_message().poll
        assert native is not None and native.allows_multiple_answers
        await _vote(h, liisa, [0, 2])

        intro = _message_with(ville, "A question from the network's coordinators")
        assert "👥 In this group each member answers for themselves." in intro.text
        card = _message_with(ville, "Which themes for spring?")
        assert card.buttons == ["Health", "Culture", "Sports"]  # no one's ticks in a group
        await ville.tap("Health")
        await ville.tap("Sports")
        assert ville.last_answer() == "Saved: Health, Sports"
        await ville.tap("Health")  # a second tap takes it away
        assert ville.last_answer() == "Saved: Sports"
        await outi.tap("Culture")
        edited = h.sandbox.world.message(ville.chat.id, card.message_id)
        assert edited is not None
        assert "✅ 2 members have answered." in edited.text
        assert "Sports" not in edited.text.split("\n", 2)[-1]  # nobody's answer in the group
        group = ville.chat.id
        assert await _answers(h) == [
            (0, group, ville.id, 2, ""),
            (0, group, outi.id, 1, ""),
            (0, liisa.id, liisa.id, 0, ""),
            (0, liisa.id, liisa.id, 2, ""),
        ]
        await coordinator.send("/poll 1")
        report = coordinator.last_message().text
        assert "Answered: 2 of 4 chats asked (50%); respondents: 3" in report
        assert "Health: 1 (33%)" in report and "Sports: 2 (67%)" in report
        assert "Culture: 1 (33%)" in report
        assert "(Several choices: the shares are of those who answered.)" in report


async def test_survey_with_scale_and_free_text(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        coordinator, liisa, matti, _pekka = await _setup(h)
        ville, outi = await _group(h, "Kylä", "Ville", "Outi", association="Kyläyhdistys")
        await _create(
            coordinator,
            [
                ("How useful are the forums?", "🔢 Scale 1–5", ""),
                ("What should the spring workshop be about?", "✍️ Free text", ""),
            ],
        )
        await delivered(h)
        intro = _message_with(liisa, "A survey: 2 questions")
        assert "🙈 Anonymous" in intro.text
        scale = _message_with(liisa, "1/2 · How useful are the forums?")
        assert scale.buttons == ["1", "2", "3", "4", "5"]
        await liisa.tap("4", message_id=scale.message_id)
        assert liisa.last_answer() == "Saved: 4"
        edited = h.sandbox.world.message(liisa.chat.id, scale.message_id)
        assert edited is not None and "✅ Your answer: 4" in edited.text
        assert "✓ 4" in edited.buttons

        await liisa.tap("✍️ Write my answer")
        assert "Write your answer as one message (at most 1000 characters)" in (
            liisa.last_message().text
        )
        assert "🙈 The coordinators see it without your name." in liisa.last_message().text
        await liisa.send("x" * 1001)
        assert liisa.last_message().text.startswith("An answer can be at most 1000 characters.")
        await liisa.send("More about volunteering")
        assert liisa.last_message().text.startswith("Thanks! Your answer is saved")
        await liisa.send("and another thing")  # the draft is over: not an answer any more
        assert liisa.last_message().text == "I read commands: /help lists what I can do."

        await matti.tap("✍️ Write my answer")
        await matti.send("/cancel")
        assert matti.last_message().text == "Stopped; no answer was saved."

        # The association answers once: its administrator, not a plain member.
        await outi.tap("2")
        assert outi.last_answer() == (
            "In this group the association answers once: only the group's administrators can "
            "answer."
        )
        await ville.tap("5")
        assert ville.last_answer() == "Saved: 5"
        group_card = _message_with(ville, "How useful are the forums?")
        assert "✅ Our association's answer: 5" in group_card.text
        link = _message_with(ville, "What should the spring workshop be about?").button(
            "✍️ Write my answer"
        )
        assert link is not None and link.url is not None and "start=plt_1_1_" in link.url
        payload = link.url.split("start=")[1]
        outi_private = ChatUser(h, outi.user, h.sandbox.private_chat(outi.user))
        await outi_private.send(f"/start {payload}")
        assert "only the group's administrators can answer" in outi_private.last_message().text
        ville_private = ChatUser(h, ville.user, h.sandbox.private_chat(ville.user))
        await ville_private.send(f"/start {payload}")
        assert "Write your answer as one message" in ville_private.last_message().text
        await ville_private.send("Village halls & volunteers")
        assert ville_private.last_message().text.startswith("Thanks! Your answer is saved")
        await ville_private.send("/start plt_1_1_-5_forged")
        assert ville_private.last_message().text == "This link is not valid any more."

        group = ville.chat.id
        assert await _answers(h) == [
            (0, group, polls.ASSOCIATION, 5, ""),
            (0, liisa.id, liisa.id, 4, ""),
            (1, group, polls.ASSOCIATION, -1, "Village halls & volunteers"),
            (1, liisa.id, liisa.id, -1, "More about volunteering"),
        ]
        await coordinator.send("/poll 1")
        report = coordinator.last_message().text
        assert "Average: 4.5 / 5" in report
        assert "• “More about volunteering”" in report
        assert "• “Village halls & volunteers”" in report
        assert "Ville" not in report and "Liisa" not in report
        assert "Answered: 2 of 4 chats asked (50%); respondents: 2" in report


async def _resident(h: BotHarness, name: str, code: str) -> ChatUser:
    person = h.user(name, language_code="en")
    await person.send("/start")
    await subscriptions.replace(h.env.db, person.id, [Area("municipality", code)], ["*"])
    return person


async def test_anonymous_splits_csv_and_named_results(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        coordinator = await appoint(h, admin, "Kaisa", "Joensuu, Outokumpu, Liperi")
        joensuu = [await _resident(h, f"J{i}", "167") for i in range(3)]
        outokumpu = [await _resident(h, f"O{i}", "309") for i in range(4)]
        liperi = [await _resident(h, "L0", "426")]
        everyone = joensuu + outokumpu + liperi
        await _create(
            coordinator,
            [(QUESTION, "🔘 One choice", "Tuesday\nWednesday")],
            audience="Joensuu, Outokumpu, Liperi",
        )
        await delivered(h)
        for person in everyone:
            await _vote(h, person, [0 if person in joensuu else 1])
        await coordinator.send("/poll 1")
        report = coordinator.last_message().text
        assert "• Outokumpu (4): Tuesday 0%, Wednesday 100%" in report
        # Liperi's single answer is too small to show alone, and with Joensuu's three it is
        # merged into "others" (Joensuu is the smaller shown group).
        assert "Liperi" not in report and "• Joensuu (3)" not in report
        assert "• Others (groups with fewer than 3 answers) (4): Tuesday 75%, Wednesday 25%" in (
            report
        )
        for person in everyone:
            assert person.user.first_name not in report.replace("Joensuu", "")

        await coordinator.tap("📄 CSV")
        document = coordinator.last_message().document
        assert document is not None and document.filename == "poll-1.csv"
        text = document.data.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert list(rows[0]) == [
            "question",
            "question_text",
            "answer",
            "municipality",
            "association",
        ]
        assert len(rows) == 8
        assert {r["municipality"] for r in rows} == {"Outokumpu", "others"}
        assert all(
            str(p.id) not in text and p.user.first_name not in text.replace("Joensuu", "")
            for p in everyone
        )

        await coordinator.tap("📊 Chart")
        photo = coordinator.last_message()
        assert photo.photo is not None and photo.caption is not None and QUESTION in photo.caption

        # A named poll: names for the poll's coordinators only.
        await _create(
            coordinator,
            [("Will you host a workshop?", "🔘 One choice", "Yes\nNo")],
            audience="Joensuu",
            privacy="👤 Named",
        )
        await delivered(h)
        assert "👤 Named: the coordinators see your name with your answers." in (
            joensuu[0].messages()[-2].text
        )
        await _vote(h, joensuu[0], [0], index=1)
        await _vote(h, joensuu[1], [1], index=1)
        await coordinator.send("/poll 2")
        report = coordinator.last_message().text
        assert "Yes: 1 (50%)" in report and "   J0" in report and "   J1" in report
        await coordinator.tap("📄 CSV")
        document = coordinator.last_message().document
        assert document is not None
        named = list(csv.DictReader(io.StringIO(document.data.decode("utf-8-sig"))))
        assert {(r["name"], r["answer"]) for r in named} == {("J0", "Yes"), ("J1", "No")}
        other = await appoint(h, admin, "Olli", "Joensuu")
        await other.send("/poll 2")
        assert other.last_message().text == "Only the poll's coordinators can see its results."
        await admin.send("/poll 2")
        assert "J0" in admin.last_message().text  # admins are every poll's coordinators


async def _at(h: BotHarness, moment: datetime) -> None:
    """Move the clock and let the scheduler and the delivery worker catch up."""
    h.clock.set(moment)
    await h.services.scheduler.extend()
    await h.services.scheduler.run_due()
    await delivered(h)


def _reminders(person: ChatUser) -> list[str]:
    return [m.text for m in person.messages() if m.text.startswith("⏰ Reminder:")]


async def test_reminder_to_non_answerers_closing_and_late_answers(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        coordinator, liisa, matti, pekka = await _setup(h)
        ville, _outi = await _group(h, "Kylä", "Ville", "Outi", association="Kyläyhdistys")
        # The reminder at 22.00 local time falls in the quiet hours (21–08).
        await _create(
            coordinator,
            [(QUESTION, "🔘 One choice", "Tuesday\nWednesday")],
            reminder=None,
        )
        await coordinator.send("1.12.2026 22.00")
        await coordinator.tap("📊 Yes, send the results")
        assert "Reminder: Tue 1 Dec 2026 at 22:00, to those who have not answered." in (
            coordinator.last_message().text
        )
        await coordinator.tap("📣 Send the poll")
        await delivered(h)
        job = await schedule.get(h.env.db, "poll_reminder:1")
        assert (
            job is not None and job.due_at == datetime(2026, 12, 1, 20, 0, tzinfo=UTC).timestamp()
        )
        await _vote(h, liisa, [0])
        await ville.tap("Wednesday")

        await _at(h, datetime(2026, 12, 1, 20, 0, 30, tzinfo=UTC))  # 22.00 in Helsinki
        assert _reminders(matti) == []  # held by the quiet hours
        await _at(h, datetime(2026, 12, 2, 6, 1, tzinfo=UTC))  # 08.01 in Helsinki
        assert len(_reminders(matti)) == 1 and len(_reminders(pekka)) == 1
        reminder = next(m for m in matti.messages() if m.text.startswith("⏰ Reminder:"))
        intro = _message_with(matti, "A question from the network's coordinators")
        assert reminder.reply_to_message_id == intro.message_id
        assert _reminders(liisa) == [] and _reminders(ville) == []  # they answered
        assert (await schedule.get(h.env.db, "poll_reminder:1")).state == "done"  # type: ignore[union-attr]

        # Closed by time but not yet by the scheduler: a late vote is refused and not stored.
        h.clock.set(CLOSES_AT + timedelta(seconds=1))
        await _vote(h, pekka, [1])
        assert pekka.last_message().text == (
            "The poll “Which evening suits the next forum?” is closed; your answer was not saved."
        )
        await ville.tap("Tuesday")
        assert ville.last_answer() == "This poll is closed; answers are no longer taken."
        assert len(await _answers(h)) == 2

        await _at(h, CLOSES_AT + timedelta(seconds=2))
        assert (await polls.get(h.env.db, 1)).state == "closed"  # type: ignore[union-attr]
        assert h.sandbox.count("stopPoll") == 3
        assert all(p.closed for p in h.sandbox.world.polls.values())
        card = _message_with(ville, QUESTION)
        assert card.buttons == []  # the buttons are taken away
        summary = liisa.last_message().text
        assert summary.startswith("📊 Results: Which evening suits the next forum?")
        assert "• Tuesday: 50%" in summary and "• Wednesday: 50%" in summary
        assert not matti.last_message().text.startswith("📊 Results")  # only to those who answered
        await coordinator.send("/poll 1")
        assert "closed Thu 3 Dec 2026 at 18:00" in coordinator.last_message().text
        assert "🔒 Close now" not in coordinator.last_message().buttons


async def test_close_now_from_the_results(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        coordinator, liisa, _matti, _pekka = await _setup(h)
        await _create(coordinator, [(QUESTION, "🔢 Scale 1–5", "")])
        await delivered(h)
        await liisa.tap("3")
        await coordinator.send("/poll 1")
        await coordinator.tap("🔒 Close now")
        await coordinator.tap("🔒 Yes, close it")
        assert coordinator.last_answer() == "Poll 1 is closed."
        await delivered(h)
        job = await schedule.get(h.env.db, "poll_close:1")
        assert job is not None and job.state == "cancelled"
        await liisa.tap("5")
        assert liisa.last_answer() == "This poll is closed; answers are no longer taken."
        assert await _answers(h) == [(0, liisa.id, liisa.id, 3, "")]


async def test_bad_input_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        coordinator, liisa, _matti, _pekka = await _setup(h)
        await liisa.send("/poll")
        assert liisa.last_message().text == "Only coordinators can send polls."

        await coordinator.send("/poll")
        await coordinator.send("Q" * 301)
        assert coordinator.last_message().text.startswith(
            "The question is 301 characters; at most 300 fit."
        )
        await coordinator.send(QUESTION)
        await coordinator.tap("🔘 One choice")
        await coordinator.send("Only one")
        assert coordinator.last_message().text.startswith("A choice question needs at least 2")
        await coordinator.send("\n".join(f"Evening {n}" for n in range(11)))
        assert coordinator.last_message().text == (
            "That is 11 options; at most 10 fit. Send them again."
        )
        await coordinator.send("Tuesday\n" + "W" * 101)
        assert coordinator.last_message().text.startswith("The option “WWW")
        assert "is over 100 characters." in coordinator.last_message().text
        await coordinator.send("Tuesday\nWednesday\n tuesday ")
        assert coordinator.last_message().text == (
            "The option “tuesday” is there twice. Send the options again, each once."
        )
        await coordinator.send("Tuesday\nWednesday")
        await coordinator.tap("Continue ▶")
        await coordinator.send("Helsinki")
        assert coordinator.last_message().text == (
            "That audience is outside the areas you coordinate. Send another audience."
        )
        await coordinator.send("Joensuu")
        await coordinator.tap("🙈 Anonymous")
        await coordinator.tap("👥 Each member")
        await coordinator.send("1.1.2020 18.00")
        assert coordinator.last_message().text.startswith("That time is already past.")
        await coordinator.send("/cancel")
        assert coordinator.last_message().text == "Stopped; the poll was not sent."
        assert await h.env.db.fetchval("SELECT count(*) FROM polls") == 0

        await _create(coordinator, [(QUESTION, "🔢 Scale 1–5", "")])
        await delivered(h)
        card = _message_with(liisa, QUESTION)
        data = card.button("4")
        assert data is not None and data.callback_data is not None

        # Not asked: a stranger's own chat, with a correctly signed button for it.
        stranger = h.user("Sanna", language_code="en")
        await stranger.send("/start")
        stranger_msg = stranger.last_message()
        signed = encode("pl", 1, 0, "s4", poll_links.signature(h.env.key, 1, stranger.id))
        await stranger.tap_data(stranger_msg.message_id, signed)
        assert stranger.last_answer() == (
            "This poll was not sent to this chat, so it cannot be answered here."
        )
        # Forged: Liisa's button replayed elsewhere, a rewritten poll, an unknown action.
        await stranger.tap_data(stranger_msg.message_id, data.callback_data)
        assert stranger.last_answer() == "This button is not valid."
        await liisa.tap_data(card.message_id, data.callback_data.replace("pl:1:", "pl:2:"))
        assert liisa.last_answer() == "This button is not valid."
        sig = data.callback_data.rsplit(":", 1)[1]
        await liisa.tap_data(card.message_id, f"pl:1:0:s9:{sig}")
        assert liisa.last_answer() == "This button is not valid."
        await liisa.tap_data(card.message_id, f"pl:1:3:s4:{sig}")
        assert liisa.last_answer() == "This poll no longer exists."
        assert await _answers(h) == []
