"""Privacy end to end: /privacy in three languages, /mydata as a JSON document with only the
asker's data, /forget with a signed confirmation (answers stay counted, names go), refusals of
anyone else's tap, and the daily retention job."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.callbacks import encode
from bot.events.fields import EventFields
from bot.events.service import publish
from bot.privacy import service
from storage import chats, events, feedback, privacy, roles, rsvps, schedule, subscriptions, users
from storage.subscriptions import Area
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
from tests.test_e2e_feedback import _open_round, _setup

HELSINKI = ZoneInfo("Europe/Helsinki")
YES = "🗑 Yes, delete my data"


def _document(person: ChatUser) -> dict[str, Any]:
    message = person.last_message()
    assert message.document is not None, message.text
    loaded: dict[str, Any] = json.loads(message.document.data.decode("utf-8"))
    return loaded


async def _coordinator_view(h: BotHarness, coordinator: ChatUser, event_id: int) -> str:
    await coordinator.send(f"/event {event_id}")
    return coordinator.last_message().text


async def _csv_names(coordinator: ChatUser) -> set[str]:
    await coordinator.tap("📄 CSV")
    document = coordinator.last_message().document
    assert document is not None
    rows = list(csv.DictReader(io.StringIO(document.data.decode("utf-8-sig"))))
    return {r["name"] for r in rows}


async def _feedback_numbers(coordinator: ChatUser, event_id: int) -> list[str]:
    await coordinator.send(f"/feedback {event_id}")
    text = next(m.text for m in reversed(coordinator.messages()) if "Answers:" in m.text)
    return [line for line in text.splitlines() if "Answers:" in line or "Average" in line]


async def test_privacy_in_three_languages(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        expected = {
            "fi": ("Tietosuoja: mitä tallennan sinusta", "24 kuukautta tilaisuuden jälkeen"),
            "sv": ("Integritet: vad jag sparar om dig", "24 månader efter ett evenemang"),
            "en": ("Privacy: what I store about you", "24 months after an event"),
        }
        for language, (title, retention) in expected.items():
            person = h.user(f"Person {language}", language_code=language)
            await person.send("/privacy")
            text = person.last_message().text
            assert title in text and retention in text
            assert "/mydata" in text and "/forget" in text
            assert "configuration" not in text  # the configured admins' note is theirs only
        admin = admin_user(h)
        await admin.send("/privacy")
        assert "you stay an administrator until the configuration changes" in (
            admin.last_message().text
        )


async def test_mydata_has_my_answers_and_nothing_about_others(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _coordinator, liisa, matti, _pekka, event_id = await _setup(h)
        await _open_round(h, event_id)
        await liisa.tap("4")
        await liisa.tap("💬 Add a comment")
        await liisa.send("Hyvä foorumi")
        await matti.tap("5")

        await liisa.send("/mydata")
        message = liisa.last_message()
        assert message.document is not None
        assert message.document.filename == "jarjestobotti-mydata-2026-11-25.json"
        assert "Everything I store about you, as JSON" in (message.caption or "")
        data = _document(liisa)
        assert data["about"]["user_id"] == liisa.id
        assert data["user"]["first_name"] == "Liisa"
        assert data["private_chat"]["subscribed_areas"][0]["code"] == JOENSUU
        assert data["private_chat"]["subscribed_themes"] == ["health"]
        assert [(r["event_id"], r["event_title"], r["status"]) for r in data["rsvps"]] == [
            (event_id, "Järjestöfoorumi", "yes")
        ]
        assert data["rsvps"][0]["starts_at"] == "2026-12-01T15:30:00Z"
        assert [(f["rating"], f["comment"]) for f in data["feedback"]] == [(4, "Hyvä foorumi")]
        raw = message.document.data.decode("utf-8")
        assert "Matti" not in raw and str(matti.id) not in raw and "Kaisa" not in raw

        # The coordinator's export lists the event they made and their role, not the people.
        coordinator = _coordinator
        await coordinator.send("/mydata")
        mine = _document(coordinator)
        assert [e["title"] for e in mine["created"]["events"]] == ["Järjestöfoorumi"]
        assert mine["roles"][0]["role"] == "coordinator"
        assert mine["roles"][0]["scope"] == [{"area_kind": "municipality", "area_code": JOENSUU}]
        assert mine["coordinator_invites"]["used"][0]["scope"] == f"municipality:{JOENSUU}"
        assert "Liisa" not in json.dumps(mine)


async def test_mydata_and_forget_in_a_group_go_private(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="en")
        await liisa.send("/start")
        stranger = h.sandbox.add_user("Olli", language_code="en")  # never opened a private chat
        group = h.sandbox.add_group("Kylä", members=[liisa.user, stranger], bot_present=True)
        in_group = liisa.in_chat(group)
        await in_group.send("/mydata")
        assert h.sandbox.last_message(group).text == "I sent your data to our private chat."  # type: ignore[union-attr]
        assert _document(liisa)["user"]["first_name"] == "Liisa"
        assert h.sandbox.last_message(group).document is None  # type: ignore[union-attr]

        olli = ChatUser(h, stranger, group)
        await olli.send("/mydata")
        answer = h.sandbox.last_message(group)
        assert answer is not None and answer.text.startswith("I send your data only in our private")
        assert (
            answer.button_rows[0][0].url
            == f"https://t.me/{h.application.bot.username}?start=mydata"
        )

        await in_group.send("/forget")
        answer = h.sandbox.last_message(group)
        assert answer is not None and "Open it and send /forget there." in answer.text
        assert answer.button(YES) is None
        assert await users.get(h.env.db, liisa.id) is not None

        # The link opens the private chat with the confirmation.
        await liisa.send("/start forget")
        assert liisa.last_message().button(YES) is not None


async def test_forget_keeps_counts_and_drops_names(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        coordinator, liisa, matti, _pekka, event_id = await _setup(h)
        await _open_round(h, event_id)
        await liisa.tap("4")
        await liisa.tap("✅ I attended")
        await liisa.tap("💬 Add a comment")
        await liisa.send("Olipa hyvä, t. Liisa")
        await matti.tap("2")
        await liisa.send("/settings quiet 22:00-07:00")
        db = h.env.db

        counts = await rsvps.counts(db, event_id)
        totals = await feedback.totals(db, event_id)
        numbers = await _feedback_numbers(coordinator, event_id)
        view = await _coordinator_view(h, coordinator, event_id)
        assert (
            "Liisa" in view
            and "Coming: 1 (1 person)" in view
            and "Forecast: about 1 person " in view
        )
        assert "Liisa" in await _csv_names(coordinator)

        await liisa.send("/forget")
        assert "Delete your data?" in liisa.last_message().text
        await liisa.tap(YES)
        done = liisa.last_message().text
        assert done.startswith("Done: I deleted your data.")
        assert "2 answers to events or feedback stay counted, without your name." in done

        assert await users.get(db, liisa.id) is None
        assert await chats.get(db, liisa.id) is None
        assert (await subscriptions.get(db, liisa.id)).areas == ()
        assert (
            await db.fetchval("SELECT count(*) FROM chat_settings WHERE chat_id = ?", (liisa.id,))
            == 0
        )
        for table in ("rsvps", "feedback", "feedback_drafts"):
            left = await db.fetchval(f"SELECT count(*) FROM {table} WHERE user_id = ?", (liisa.id,))
            assert left == 0, table
        assert await db.fetchval("SELECT count(*) FROM outbox WHERE chat_id = ?", (liisa.id,)) == 0
        assert await rsvps.counts(db, event_id) == counts
        assert await feedback.totals(db, event_id) == totals
        assert await _feedback_numbers(coordinator, event_id) == numbers
        comments = [a.comment for a in await feedback.anonymous_answers(db, event_id)]
        assert "Olipa hyvä, t. Liisa" not in comments
        # The anonymised answer is the pseudonym's, in the placeholder chat; it keeps its status.
        kept = await db.fetchone(
            "SELECT user_id, chat_id, status FROM rsvps WHERE event_id = ? AND user_id < 0",
            (event_id,),
        )
        assert kept is not None and privacy.is_pseudonym(kept[0])
        assert (kept[1], kept[2]) == (privacy.ANONYMOUS_CHAT, "yes")
        pseudonym = await db.fetchval("SELECT user_id FROM feedback WHERE user_id < 0")
        assert pseudonym == kept[0]  # RSVP and feedback of one event stay together

        view = await _coordinator_view(h, coordinator, event_id)
        assert "Liisa" not in view and "(anonymised)" in view and "Coming: 1" in view
        names = await _csv_names(coordinator)
        assert "Liisa" not in names and "(anonymised)" not in names and "" in names

        # Nothing is ever queued for the placeholder chat: a reminder reaches only Matti.
        event = await events.get(db, event_id)
        assert event is not None
        before = await db.fetchval("SELECT count(*) FROM outbox")
        async with db.transaction() as tx:
            await service_reminder(h, tx, event_id)
        assert await db.fetchval("SELECT count(*) FROM outbox") == before + 1
        # (Her delivery log stays counted there, without the texts: nothing waits to be sent.)
        waiting = "SELECT count(*) FROM outbox WHERE chat_id = 0 AND state = 'pending'"
        assert await db.fetchval(waiting) == 0
        assert (
            await db.fetchval("SELECT count(*) FROM outbox WHERE params != '{}' AND chat_id = 0")
            == 0
        )

        # A later /start begins fresh.
        await liisa.send("/start")
        again = await users.get(db, liisa.id)
        assert again is not None and again.first_name == "Liisa"
        assert (await subscriptions.get(db, liisa.id)).areas == ()
        await liisa.send("/mydata")
        assert _document(liisa)["rsvps"] == []


async def service_reminder(h: BotHarness, tx: Any, event_id: int) -> None:
    """What the scheduler does for a reminder (to yes and maybe)."""
    from bot.events.reminders import run_reminder
    from storage.schedule import Job

    job = Job(
        f"reminder:{event_id}:7200", "reminder", event_id, None, None, 0, "pending", None, "", 0
    )
    note = await run_reminder(h.env, tx, job, h.env.db.now())
    assert note is None


async def test_cancel_keeps_everything(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await subscriber(h, "Liisa", ["health"])
        await liisa.send("/forget")
        await liisa.tap("Cancel")
        assert liisa.last_message().text == "Cancelled: nothing was deleted."
        assert await users.get(h.env.db, liisa.id) is not None
        assert (await subscriptions.get(h.env.db, liisa.id)).themes == ("health",)


async def test_nobody_else_can_confirm(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await subscriber(h, "Liisa", ["health"])
        matti = await subscriber(h, "Matti", ["health"])
        await liisa.send("/forget")
        confirm = liisa.last_message()
        button = confirm.button(YES)
        assert button is not None and button.callback_data is not None
        data = button.callback_data

        # The same button tapped by someone else in Liisa's chat, or copied to Matti's chat.
        await ChatUser(h, matti.user, liisa.chat).tap_data(confirm.message_id, data)
        assert matti.last_answer() == "Only the person who asked can confirm this."
        await matti.send("/start")
        await matti.tap_data(matti.last_message().message_id, data)
        assert matti.last_answer() == "This button is not valid."
        # Rewritten to name Matti (the signature no longer fits), and plain garbage.
        parts = data.split(":")
        forged = encode("prv", "yes", matti.id, parts[3], parts[4])
        await matti.tap_data(matti.last_message().message_id, forged)
        assert matti.last_answer() == "This button is not valid."
        await matti.tap_data(matti.last_message().message_id, "prv:yes")
        assert matti.last_answer() == "This button is not valid."
        for person in (liisa, matti):
            assert await users.get(h.env.db, person.id) is not None

        # Too late: the button works for 15 minutes.
        h.clock.advance(timedelta(minutes=16))
        await liisa.tap(YES, message_id=confirm.message_id)
        assert liisa.last_answer() == "This confirmation has expired. Send /forget again."
        assert await users.get(h.env.db, liisa.id) is not None


async def test_coordinator_and_configured_admin_forget_themselves(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        liisa = await subscriber(h, "Liisa", ["health"])
        start = datetime(2026, 12, 1, 17, 30, tzinfo=HELSINKI)
        fields = forum_fields(start, title="Foorumi", place="Joensuu")
        event_id = await publish_delivered(h, fields, kaisa.id)
        await liisa.tap("✅ Coming")
        db = h.env.db
        await admin.send("/coordinatorlink Joensuu")  # an open link made by the admin

        await kaisa.send("/forget")
        await kaisa.tap(YES)
        assert await roles.active_roles(db, kaisa.id) == []
        event = await events.get(db, event_id)
        assert event is not None and event.state == "published"
        assert await db.fetchval("SELECT created_by FROM events WHERE id = ?", (event_id,)) is None
        assert (await rsvps.counts(db, event_id)).yes == 1
        used = await db.fetchval("SELECT count(*) FROM coordinator_invites WHERE used_by IS NULL")
        assert used == 2  # Kaisa's used link (without her) and the admin's open one

        await admin.send("/forget")
        await admin.tap(YES)
        text = admin.last_message().text
        assert "You are still an administrator" in text
        assert await users.get(db, ADMIN) is None
        links = await db.fetchval(
            "SELECT count(*) FROM coordinator_invites WHERE created_by = ?", (ADMIN,)
        )
        assert links == 0  # the open link no longer works; the used one lost its maker
        await admin.send("/coordinators")  # still an admin by configuration
        assert "Only administrators" not in admin.last_message().text


# --- retention --------------------------------------------------------------------------------


def _event(title: str, start: datetime) -> EventFields:
    return forum_fields(start, title=title, place="Joensuu", themes=())


async def _at(h: BotHarness, moment: datetime) -> None:
    h.clock.set(moment)
    await h.services.scheduler.extend()
    await h.services.scheduler.run_due()


async def test_retention_anonymises_only_old_events_daily_once(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        db = h.env.db
        job = await schedule.get(db, service.RETENTION_KEY)
        assert job is not None and job.kind == "retention" and job.state == "pending"
        assert job.due_at == datetime(2026, 11, 26, 3, 30, tzinfo=HELSINKI).timestamp()

        liisa = await subscriber(h, "Liisa", ["*"])
        matti = await subscriber(h, "Matti", ["*"])
        old = await publish_delivered(
            h, _event("Vanha", datetime(2026, 12, 1, 17, 0, tzinfo=HELSINKI)), None
        )
        await liisa.tap("✅ Coming")
        await matti.tap("❔ Maybe")
        new = await publish_delivered(
            h, _event("Uusi", datetime(2027, 3, 1, 17, 0, tzinfo=HELSINKI)), None
        )
        await liisa.tap("✅ Coming")
        await subscriptions.add(db, liisa.id, [Area("municipality", "091")], [])
        counts = {e: await rsvps.counts(db, e) for e in (old, new)}

        # Two years later, a day after the old event's 24 months ran out.
        await _at(h, datetime(2028, 12, 2, 3, 30, tzinfo=HELSINKI))
        assert (
            await db.fetchval(
                "SELECT count(*) FROM rsvps WHERE event_id = ? AND user_id > 0", (old,)
            )
            == 0
        )
        assert (
            await db.fetchval(
                "SELECT count(*) FROM rsvps WHERE event_id = ? AND user_id = ?", (new, liisa.id)
            )
            == 1
        )
        assert {e: await rsvps.counts(db, e) for e in (old, new)} == counts
        assert await users.get(db, liisa.id) is not None  # people stay; their old answers go
        job = await schedule.get(db, service.RETENTION_KEY)
        assert job is not None and job.state == "pending"
        assert job.due_at == datetime(2028, 12, 3, 3, 30, tzinfo=HELSINKI).timestamp()
        assert job.done_at == datetime(2028, 12, 2, 3, 30, tzinfo=HELSINKI).timestamp()
        anonymised = await db.fetchall("SELECT user_id FROM rsvps WHERE event_id = ?", (old,))

        # Restart at the same moment: nothing runs again, the row keeps its time.
        await h.restart()
        await h.services.scheduler.run_due()
        again = await schedule.get(h.env.db, service.RETENTION_KEY)
        assert again == job
        assert [
            tuple(r)
            for r in await h.env.db.fetchall("SELECT user_id FROM rsvps WHERE event_id = ?", (old,))
        ] == [tuple(r) for r in anonymised]

        # Idempotent: a second run changes nothing.
        async with h.env.db.transaction() as tx:
            result = await privacy.retain(
                tx,
                privacy.Retention(
                    cutoff=service.retention_cutoff(h.env.db.now(), 24, HELSINKI),
                    now=h.env.db.now(),
                ),
            )
        assert result.changed == 0 and not result.more

        # The next day the newer event is still young: untouched.
        await _at(h, datetime(2028, 12, 3, 3, 30, tzinfo=HELSINKI))
        assert (
            await h.env.db.fetchval(
                "SELECT count(*) FROM rsvps WHERE event_id = ? AND user_id = ?", (new, liisa.id)
            )
            == 1
        )
        # ... until its own 24 months are over.
        await _at(h, datetime(2029, 3, 2, 3, 30, tzinfo=HELSINKI))
        assert await h.env.db.fetchval("SELECT count(*) FROM rsvps WHERE user_id > 0") == 0


async def test_retention_job_comes_back_after_a_failed_run(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        db = h.env.db
        async with db.transaction() as tx:
            await schedule.claim(tx, service.RETENTION_KEY, "skipped", db.now(), "failed: X")
        due = await service.ensure_retention_job(db, db.now(), HELSINKI)
        job = await schedule.get(db, service.RETENTION_KEY)
        assert job is not None and job.state == "pending" and job.due_at == due
        # Called again (every start-up): the pending row is left as it is.
        h.clock.advance(timedelta(days=3))
        assert await service.ensure_retention_job(db, db.now(), HELSINKI) == due


async def test_demo_scene(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.demo.privacy import demo_privacy
    from bot.demo.script import run_demo

    async def script(t: Any, sandbox: Any, application: Any) -> None:
        services = application.bot_data.services
        liisa = sandbox.add_user("Liisa", last_name="Volunteer", language_code="fi")
        chat = sandbox.private_chat(liisa)
        t.names[chat.id] = "Liisa's chat"
        await t.send(liisa, chat, "/start")
        await subscriptions.replace(
            services.env.db, liisa.id, [Area("municipality", JOENSUU)], ["*"]
        )
        start = datetime(2026, 12, 1, 17, 30, tzinfo=HELSINKI)
        await publish(services.env, _event("Järjestöfoorumi", start), None)
        await services.delivery.wait_idle(timeout=30)
        await t.tap(liisa, chat, "✅ Tulen")
        await demo_privacy(t, sandbox, application, liisa, chat)

    assert await run_demo(script=script) == 0
    out = capsys.readouterr().out
    assert "── Liisa in Liisa's chat: /mydata" in out
    assert "📎 jarjestobotti-mydata-2026-11-26.json" in out
    assert "· user: Liisa Volunteer" in out
    assert "event answers: 1; Järjestöfoorumi: yes (1)" in out
    assert "── Liisa taps [🗑 Kyllä, poista tietoni]" in out
    assert "Valmis: poistin tietosi." in out
    assert "stored about Liisa afterwards: nothing" in out
    assert "event 1: 1 coming, 0 maybe, 0 can't — unchanged, without her name" in out
    assert "Traceback" not in out
