"""The scheduler end to end: reminders at their offsets (once, also across a restart), edits
moving them, cancellation removing them, quiet hours holding messages, the nudge and the digest.

The clock is a ManualClock: tests move it and ask the scheduler to run what is due, the way its
APScheduler jobs do when they fire; nothing sleeps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.config import ReminderSettings
from bot.events import service as event_service
from bot.events.fields import EventFields
from bot.events.series import parse_rule
from bot.events.series_publish import publish_series
from storage import chat_settings, chats, outbox, schedule, subscriptions
from storage import events as stored_events
from storage.subscriptions import Area
from tests.factories import JOENSUU, forum_fields, subscriber
from tests.harness import BotHarness, ChatUser

HELSINKI = ZoneInfo("Europe/Helsinki")
DAY = 86400


def _forum(start: datetime, *, reminders: tuple[int, ...] = (7 * DAY, DAY, 7200)) -> EventFields:
    return forum_fields(start, themes=(), reminders=reminders)


async def _publish(h: BotHarness, fields: EventFields) -> int:
    event_id, _ = await event_service.publish(h.env, fields, created_by=None)
    await h.services.scheduler.settle()
    await h.services.delivery.wait_idle()
    return event_id


async def _at(h: BotHarness, moment: datetime) -> None:
    """Move the clock and let the scheduler and the delivery worker catch up."""
    h.clock.set(moment)
    await h.services.scheduler.extend()
    await h.services.scheduler.run_due()
    h.services.delivery.wake()
    await h.services.delivery.wait_idle()


def _reminders(person: ChatUser) -> list[str]:
    return [m.text for m in person.messages() if m.text.startswith("⏰ Reminder")]


async def test_reminders_come_once_at_their_offsets_with_the_answer(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await subscriber(h, "Liisa", ["*"])
        olli = await subscriber(h, "Olli", ["*"])
        start = datetime(2026, 12, 10, 18, 0, tzinfo=HELSINKI)
        event_id = await _publish(h, _forum(start))
        await liisa.tap("✅ Coming")
        await olli.tap("❌ Can't")

        day = await schedule.get(h.env.db, f"reminder:{event_id}:86400")
        assert (
            day is not None and day.due_at == datetime(2026, 12, 9, 16, 0, tzinfo=UTC).timestamp()
        )
        assert await schedule.get(h.env.db, f"feedback:{event_id}") is not None
        # APScheduler holds only the next hours' jobs; the hourly extension takes in the rest.
        assert f"reminder:{event_id}:604800" not in h.services.scheduler.job_ids()
        h.clock.set(datetime(2026, 12, 3, 8, 0, tzinfo=HELSINKI))
        await h.services.scheduler.extend()
        assert h.services.scheduler.run_date(f"reminder:{event_id}:604800") == datetime(
            2026, 12, 3, 16, 0, tzinfo=UTC
        )

        await _at(h, datetime(2026, 12, 3, 17, 59, tzinfo=HELSINKI))
        assert _reminders(liisa) == []
        await _at(h, datetime(2026, 12, 3, 18, 0, tzinfo=HELSINKI))
        sent = _reminders(liisa)
        assert len(sent) == 1
        assert "Järjestöfoorumi" in sent[0] and "Your answer: ✅ coming" in sent[0]
        assert liisa.last_message().button("❌ Can't") is not None  # the answer can change
        assert _reminders(olli) == []  # said no

        await _at(h, datetime(2026, 12, 3, 18, 30, tzinfo=HELSINKI))
        assert len(_reminders(liisa)) == 1  # once
        job = await schedule.get(h.env.db, f"reminder:{event_id}:604800")
        assert job is not None and job.state == "done"
        assert f"reminder:{event_id}:604800" not in h.services.scheduler.job_ids()

        # The reminder's buttons change the answer (the card is edited in place).
        await liisa.tap("❔ Maybe", message_id=liisa.last_message().message_id)
        assert "Your answer: ❔ maybe" in liisa.last_message().text
        count = len(liisa.messages())
        await _at(h, datetime(2026, 12, 9, 18, 0, tzinfo=HELSINKI))
        assert len(liisa.messages()) == count + 1
        assert liisa.last_message().text.startswith("⏰ Reminder")
        assert "Your answer: ❔ maybe" in liisa.last_message().text


async def test_restart_sends_a_missed_reminder_once_and_skips_the_overtaken(
    tmp_path: Path,
) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await subscriber(h, "Liisa", ["*"])
        start = datetime(2026, 12, 10, 18, 0, tzinfo=HELSINKI)
        event_id = await _publish(h, _forum(start))
        await liisa.tap("✅ Coming")

        # Down from before the 7-day reminder until after the 1-day one was due.
        await h.services.delivery.stop()
        h.clock.set(datetime(2026, 12, 9, 19, 0, tzinfo=HELSINKI))
        await h.restart()
        await h.services.delivery.wait_idle()
        sent = _reminders(liisa)
        assert len(sent) == 1  # the 1-day reminder only
        week = await schedule.get(h.env.db, f"reminder:{event_id}:604800")
        day = await schedule.get(h.env.db, f"reminder:{event_id}:86400")
        assert week is not None and week.state == "skipped" and "overtaken" in week.note
        assert day is not None and day.state == "done"
        # A restart within the horizon rebuilds the next job with its deterministic id.
        h.clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=HELSINKI))
        await h.restart()
        assert h.services.scheduler.job_ids() == [
            f"feedback:{event_id}",
            f"reminder:{event_id}:7200",
        ]

        # A restart right after the job ran, before anything was delivered: sent once, later.
        h.clock.set(datetime(2026, 12, 10, 16, 0, tzinfo=HELSINKI))
        await h.services.delivery.stop()
        assert await h.services.scheduler.run_due() == 1
        await h.restart()
        await h.services.delivery.wait_idle()
        await h.services.scheduler.run_due()
        await h.services.delivery.wait_idle()
        assert len(_reminders(liisa)) == 2


async def test_past_reminders_are_skipped_at_publish_and_edits_move_the_rest(
    tmp_path: Path,
) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await subscriber(h, "Liisa", ["*"])
        # 1 day and 5 hours ahead: the 7-day reminder is already in the past.
        start = h.clock.now() + timedelta(days=1, hours=5)
        event_id = await _publish(h, _forum(start))
        await liisa.tap("✅ Coming")
        week = await schedule.get(h.env.db, f"reminder:{event_id}:604800")
        assert week is not None and week.state == "skipped" and week.note == "past when planned"
        await _at(h, h.clock.now() + timedelta(hours=1))
        assert _reminders(liisa) == []

        event = await stored_events.get(h.env.db, event_id)
        assert event is not None
        later = start + timedelta(days=14)
        await event_service.edit(h.env, event, replace(_forum(later)))
        await h.services.scheduler.settle()
        day = await schedule.get(h.env.db, f"reminder:{event_id}:86400")
        assert day is not None and day.due_at == int((later - timedelta(days=1)).timestamp())
        week = await schedule.get(h.env.db, f"reminder:{event_id}:604800")
        assert week is not None and week.state == "pending"  # ahead again after the move
        assert week.due_at == int((later - timedelta(days=7)).timestamp())
        # Within the horizon, an edit moves the APScheduler job itself.
        h.clock.set(later - timedelta(days=7, hours=2))
        await h.services.scheduler.extend()
        event = await stored_events.get(h.env.db, event_id)
        assert event is not None
        later += timedelta(hours=1)
        await event_service.edit(h.env, event, replace(_forum(later)))
        await h.services.scheduler.settle()
        run = h.services.scheduler.run_date(f"reminder:{event_id}:604800")
        assert run is not None and run.timestamp() == (later - timedelta(days=7)).timestamp()

        event = await stored_events.get(h.env.db, event_id)
        assert event is not None
        await event_service.cancel(h.env, event)
        await h.services.scheduler.settle()
        assert h.services.scheduler.job_ids() == []
        jobs = await schedule.for_event(h.env.db, event_id)
        assert {j.state for j in jobs if j.kind != "reminder" or j.note != "past when planned"} <= {
            "cancelled",
            "skipped",
        }
        assert not [k for k in h.services.scheduler.job_ids() if k.endswith(f":{event_id}")]
        assert not [k for k in h.services.scheduler.job_ids() if f":{event_id}:" in k]
        await _at(h, later - timedelta(days=1))
        assert _reminders(liisa) == []


async def test_quiet_hours_hold_reminders_but_not_cancellations(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await subscriber(h, "Liisa", ["*"])
        # 2 h before an 8:30 event is 6:30, inside the default quiet hours 21:00-08:00.
        start = datetime(2026, 12, 10, 8, 30, tzinfo=HELSINKI)
        event_id = await _publish(h, _forum(start, reminders=(7200,)))
        await liisa.tap("✅ Coming")
        await _at(h, datetime(2026, 12, 10, 6, 30, tzinfo=HELSINKI))
        assert _reminders(liisa) == []
        waiting = await h.env.db.fetchone(
            "SELECT not_before FROM outbox WHERE chat_id = ? AND kind = 'reminder'", (liisa.id,)
        )
        assert waiting is not None
        assert waiting[0] == datetime(2026, 12, 10, 8, 0, tzinfo=HELSINKI).timestamp()
        await _at(h, datetime(2026, 12, 10, 8, 0, tzinfo=HELSINKI))
        assert len(_reminders(liisa)) == 1

        # Published at 20:00, the invitation comes; published at 22:00, it waits till 8:00.
        h.clock.set(datetime(2026, 12, 10, 20, 0, tzinfo=HELSINKI))
        other = await _publish(h, _forum(datetime(2026, 12, 20, 18, 0, tzinfo=HELSINKI)))
        await liisa.tap("✅ Coming")
        h.clock.set(datetime(2026, 12, 10, 22, 0, tzinfo=HELSINKI))
        count = len(liisa.messages())
        await _publish(h, _forum(datetime(2026, 12, 21, 18, 0, tzinfo=HELSINKI)))
        assert len(liisa.messages()) == count
        # A cancellation at 23:00 comes at once.
        h.clock.set(datetime(2026, 12, 10, 23, 0, tzinfo=HELSINKI))
        event = await stored_events.get(h.env.db, other)
        assert event is not None
        await event_service.cancel(h.env, event)
        await h.services.delivery.wait_idle()
        assert "Cancelled:" in (liisa.last_message().caption or "")
        assert len(liisa.messages()) == count + 1
        await _at(h, datetime(2026, 12, 11, 8, 0, tzinfo=HELSINKI))
        assert len(liisa.messages()) == count + 2  # the held invitation, in the morning
        assert (await schedule.get(h.env.db, f"reminder:{event_id}:7200")) is not None


async def test_settings_quiet_hours_and_digest(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await subscriber(h, "Liisa", ["*"])
        await liisa.send("/settings quiet 25:00-08:00")
        assert "like 21:00-08:00" in liisa.last_message().text
        stored = await chat_settings.get(h.env.db, liisa.id)
        assert stored.quiet_hours is None  # nothing stored
        await liisa.send("/settings quiet 22:00-07:00")
        assert "Quiet hours: 22:00–07:00." in liisa.last_message().text
        await liisa.tap("🔔 No quiet hours")
        assert (await chat_settings.get(h.env.db, liisa.id)).quiet_hours == ""
        assert "Quiet hours: none" in liisa.last_message().text

        await liisa.send("/settings digest someday 9")
        assert "needs a weekday and an hour" in liisa.last_message().text
        await liisa.send("/settings digest tue 18")
        text = liisa.last_message().text
        assert "Weekly digest: every Tuesday at 18:00." in text
        assert "Next digest: Tue 1 Dec 2026 at 18:00." in text
        digest_job = await schedule.get(h.env.db, f"digest:{liisa.id}")
        assert digest_job is not None and digest_job.state == "pending"

        await _publish(h, _forum(datetime(2026, 12, 10, 18, 0, tzinfo=HELSINKI)))
        await _publish(h, _forum(datetime(2027, 1, 20, 18, 0, tzinfo=HELSINKI)))
        await _at(h, datetime(2026, 12, 1, 18, 0, tzinfo=HELSINKI))
        digest = liisa.last_message().text
        assert digest.startswith("📰 Coming up in your areas")
        assert digest.count("Järjestöfoorumi") == 1  # January is beyond two weeks
        job = await schedule.get(h.env.db, f"digest:{liisa.id}")
        assert job is not None and job.state == "pending"
        assert job.due_at == int(datetime(2026, 12, 8, 18, 0, tzinfo=HELSINKI).timestamp())

        h.clock.set(datetime(2026, 12, 8, 9, 0, tzinfo=HELSINKI))
        await h.services.scheduler.extend()
        assert f"digest:{liisa.id}" in h.services.scheduler.job_ids()
        await liisa.tap("🚫 No digest")
        await h.services.scheduler.settle()
        assert f"digest:{liisa.id}" not in h.services.scheduler.job_ids()
        before = len(liisa.messages())
        await _at(h, datetime(2026, 12, 8, 18, 0, tzinfo=HELSINKI))
        assert len(liisa.messages()) == before


async def test_nudge_reaches_only_the_invited_who_did_not_answer(tmp_path: Path) -> None:
    nudge = ReminderSettings(offsets=(), nudge=timedelta(days=3))
    async with BotHarness.start(tmp_path, reminders=nudge) as h:
        liisa = await subscriber(h, "Liisa", ["*"])
        olli = await subscriber(h, "Olli", ["*"])
        start = datetime(2026, 12, 10, 18, 0, tzinfo=HELSINKI)
        await _publish(h, _forum(start, reminders=()))
        await olli.tap("❌ Can't")
        await _at(h, datetime(2026, 12, 7, 18, 0, tzinfo=HELSINKI))
        assert liisa.last_message().text.startswith("❔ Will you come?")
        assert liisa.last_message().button("✅ Coming") is not None
        assert not olli.last_message().text.startswith("❔ Will you come?")
        sent = await outbox.due(h.env.db, h.clock.timestamp(), 10)
        assert sent == []


async def test_feedback_round_opens_after_the_event_once(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await subscriber(h, "Liisa", ["*"])
        olli = await subscriber(h, "Olli", ["*"])
        start = datetime(2026, 12, 10, 17, 0, tzinfo=HELSINKI)
        event_id = await _publish(h, _forum(start, reminders=()))
        await liisa.tap("❔ Maybe")
        await olli.tap("❌ Can't")
        # The event ends at 19:00; with the default delay the questionnaire comes at 20:00.
        await _at(h, datetime(2026, 12, 10, 19, 59, tzinfo=HELSINKI))
        assert "How useful" not in liisa.last_message().text
        await _at(h, datetime(2026, 12, 10, 20, 0, tzinfo=HELSINKI))
        question = liisa.last_message()
        assert question.text.startswith("📝 How useful was Järjestöfoorumi?")
        assert question.button("5") is not None
        assert "How useful" not in olli.last_message().text  # said no
        await h.restart()
        await _at(h, datetime(2026, 12, 10, 21, 0, tzinfo=HELSINKI))
        asked = [m for m in liisa.messages() if m.text.startswith("📝 How useful")]
        assert len(asked) == 1
        job = await schedule.get(h.env.db, f"feedback:{event_id}")
        assert job is not None and job.state == "done"


async def test_feedback_is_not_sent_when_the_bot_was_down_all_week(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await subscriber(h, "Liisa", ["*"])
        start = datetime(2026, 12, 10, 17, 0, tzinfo=HELSINKI)
        event_id = await _publish(h, _forum(start, reminders=()))
        await liisa.tap("✅ Coming")
        await _at(h, datetime(2026, 12, 18, 12, 0, tzinfo=HELSINKI))
        assert not any(m.text.startswith("📝") for m in liisa.messages())
        job = await schedule.get(h.env.db, f"feedback:{event_id}")
        assert job is not None and job.state == "skipped" and job.note.startswith("too late")


async def test_a_series_date_is_invited_thirty_days_before_it(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await subscriber(h, "Liisa", ["*"])
        first = datetime(2026, 12, 1, 18, 0, tzinfo=HELSINKI)
        rule = parse_rule("FREQ=MONTHLY;BYDAY=1TU;COUNT=3")
        ids, invited = await publish_series(h.env, _forum(first), rule, None)
        await h.services.scheduler.settle()
        await h.services.delivery.wait_idle()
        assert invited == 1
        cards = [m for m in liisa.messages() if m.button("✅ Coming") is not None]
        assert len(cards) == 1 and "Tue 1 Dec 2026" in cards[0].text
        january = await schedule.get(h.env.db, f"invitation:{ids[1]}")
        assert january is not None
        assert january.due_at == int(datetime(2026, 12, 6, 18, 0, tzinfo=HELSINKI).timestamp())

        await _at(h, datetime(2026, 12, 6, 18, 0, tzinfo=HELSINKI))
        cards = [m for m in liisa.messages() if m.button("✅ Coming") is not None]
        assert len(cards) == 2 and "Tue 5 Jan 2027" in cards[-1].text
        stored = await stored_events.get(h.env.db, ids[1])
        assert stored is not None and stored.broadcast_id is not None
        # Each date has its own answers and reminders.
        await liisa.tap("✅ Coming", message_id=cards[-1].message_id)
        assert (await schedule.get(h.env.db, f"reminder:{ids[1]}:86400")) is not None
        assert (await schedule.get(h.env.db, f"invitation:{ids[2]}")) is not None


async def test_digest_follows_a_group_upgraded_to_a_supergroup(tmp_path: Path) -> None:
    # The digest row is keyed by the chat id; after the upgrade the supergroup's own choice
    # must replace it, not run beside it (two digests a week, one on the old weekday).
    async with BotHarness.start(tmp_path) as h:
        pekka = h.user("Pekka", language_code="en")
        group = h.sandbox.add_group(
            "Kylä", members=[pekka.user], admins=[pekka.user], bot_present=True
        )
        in_group = pekka.in_chat(group)
        await in_group.send("/start")
        await subscriptions.replace(h.env.db, group.id, [Area("municipality", JOENSUU)], [])
        await in_group.send("/settings digest tue 18")
        assert "every Tuesday at 18:00" in in_group.last_message().text

        supergroup = h.sandbox.migrate_to_supergroup(group)
        await _publish(h, _forum(datetime(2026, 12, 10, 18, 0, tzinfo=HELSINKI)))
        assert await chats.get(h.env.db, supergroup.id) is not None
        in_super = pekka.in_chat(supergroup)
        await in_super.send("/settings digest thu 18")
        assert "every Thursday at 18:00" in in_super.last_message().text
        await h.services.scheduler.settle()

        def digests() -> int:
            return sum(m.text.startswith("📰") for m in h.sandbox.messages(supergroup))

        await _at(h, datetime(2026, 12, 1, 18, 0, tzinfo=HELSINKI))
        assert digests() == 0  # Tuesday was the old choice
        await _at(h, datetime(2026, 12, 3, 18, 0, tzinfo=HELSINKI))
        assert digests() == 1


async def test_digest_resumes_when_a_blocked_chat_comes_back(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await subscriber(h, "Liisa", ["*"])
        await liisa.send("/settings digest tue 18")
        await _publish(h, _forum(datetime(2026, 12, 10, 18, 0, tzinfo=HELSINKI)))
        await chats.deactivate(h.env.db, liisa.id, "blocked", h.env.db.now())

        def digests() -> int:
            return sum(m.text.startswith("📰") for m in liisa.messages())

        await _at(h, datetime(2026, 12, 1, 18, 0, tzinfo=HELSINKI))
        assert digests() == 0  # blocked: nothing sent
        await liisa.send("/start")  # unblocked and back
        assert (c := await chats.get(h.env.db, liisa.id)) is not None and c.active
        await _at(h, datetime(2026, 12, 8, 18, 0, tzinfo=HELSINKI))
        assert digests() == 1  # the weekly digest still comes
