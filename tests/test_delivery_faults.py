"""The delivery worker against a misbehaving Telegram: stalls, lost answers, server errors, a
refused token and odd answers, injected into the stand-in. Every chat gets each message at least
once and never more than twice; nothing is marked failed for Telegram's own trouble."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli.announce import status
from bot.core.config import DeliverySettings
from bot.core.i18n import Translator
from bot.delivery.health import TelegramHealth
from bot.delivery.ratelimit import SharedRateLimiter
from bot.delivery.reports import failures_csv, report_text
from storage import broadcasts, outbox
from storage.broadcasts import Broadcast, Progress
from storage.outbox import NewMessage
from tests.harness import BotHarness
from tests.test_delivery import _enqueue, _people

FAST = DeliverySettings(
    global_rate=100.0,
    private_interval=0.001,
    group_per_minute=100_000,
    read_timeout=0.5,
    resend_pause=0.2,
    outage_backoff_cap=0.5,
)


async def _broadcast(h: BotHarness, chat_ids: list[int]) -> int:
    broadcast_id = await _enqueue(h, chat_ids)
    assert broadcast_id is not None
    return broadcast_id


def _copies(h: BotHarness, chat_ids: list[int]) -> Counter[int]:
    """How many chats got each number of copies."""
    return Counter(len(h.sandbox.messages(c)) for c in chat_ids)


async def _sent(h: BotHarness, at_least: int) -> None:
    await h.sandbox.wait_for(lambda: h.sandbox.count("sendMessage") >= at_least, timeout=30)


async def test_a_stall_shorter_than_the_read_timeout_duplicates_nothing(tmp_path: Path) -> None:
    settings = DeliverySettings(
        global_rate=100.0, private_interval=0.001, group_per_minute=100_000, read_timeout=5.0
    )
    async with BotHarness.start(tmp_path, delivery=settings) as h:
        people = await _people(h, 60)
        broadcast_id = await _broadcast(h, people)
        await _sent(h, 10)
        h.sandbox.faults.stall(1.5)
        await h.services.delivery.wait_idle(timeout=60)
        assert _copies(h, people) == {1: 60}
        progress = await broadcasts.progress(h.env.db, broadcast_id)
        assert (progress.sent, progress.maybe_twice, progress.failed) == (60, 0, 0)
        assert h.sandbox.faults.stats["stalled"] > 0  # the stall did hold answers


async def test_a_longer_stall_sends_the_rows_in_flight_once_more(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.delivery.worker")
    async with BotHarness.start(tmp_path, delivery=FAST) as h:
        people = await _people(h, 80)
        broadcast_id = await _broadcast(h, people)
        await _sent(h, 10)
        h.sandbox.faults.stall(2.0)  # four times the read timeout
        await h.services.delivery.wait_idle(timeout=60)
        copies = _copies(h, people)
        twice = copies[2]
        assert set(copies) <= {1, 2}  # nobody lost, nobody got three
        assert 1 <= twice <= 32  # only rows in flight when the stall began, each once more
        progress = await broadcasts.progress(h.env.db, broadcast_id)
        # The stand-in carried every stalled request out, so each resent row did arrive twice.
        assert (progress.sent, progress.maybe_twice) == (80, twice)
        rows = await h.env.db.fetchall("SELECT id FROM outbox WHERE uncertain > 0 ORDER BY id")
        assert len(rows) == twice
        warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        for row in rows:
            assert any(f"outbox row {row['id']}: no answer from Telegram" in w for w in warned)
        assert not any("Tiedote" in w for w in warned)  # row ids, never texts
        assert "Telegram answers again" in caplog.text
        h.sandbox.faults.clear()
        report = await status(broadcast_id, h.config)
        assert f"may have arrived twice {twice}" in report
        csv_rows = await broadcasts.failures(h.env.db, broadcast_id)
        assert [kind for _, kind, _ in csv_rows] == [broadcasts.MAYBE_TWICE] * twice
        en = Translator("en", ZoneInfo("Europe/Helsinki")).texts("en")
        assert b"may have arrived twice" in failures_csv(csv_rows, en)


async def test_a_send_whose_answer_is_lost_twice_is_not_sent_a_third_time(
    tmp_path: Path,
) -> None:
    async with BotHarness.start(tmp_path, delivery=FAST) as h:
        [person] = await _people(h, 1)
        # Every sendMessage is carried out, then the connection drops without an answer;
        # getMe (the worker's probe) still answers, so Telegram "answers again" each time.
        h.sandbox.faults.reset(1.0, 60.0, methods=["sendMessage"])
        broadcast_id = await _broadcast(h, [person])
        await h.services.delivery.wait_idle(timeout=30)
        h.sandbox.faults.clear()
        assert len(h.sandbox.messages(person)) == 2
        row = await h.env.db.fetchone("SELECT state, error_kind, uncertain FROM outbox")
        assert row is not None
        assert (row["state"], row["error_kind"]) == ("failed", "uncertain")
        report = await status(broadcast_id, h.config)
        assert "other failures 1" in report
        # Only the probe went between the two sends: no busy loop.
        assert h.sandbox.count("sendMessage") == 2


async def test_server_errors_pause_all_sending_and_keep_priorities(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, delivery=FAST) as h:
        people = await _people(h, 40)
        urgent = (await _people(h, 1))[0]
        await _broadcast(h, people)
        await _sent(h, 5)
        h.sandbox.faults.errors(500, 1.0, 1.5)
        # During the outage a reminder is queued: it must go before the waiting announcements.
        async with h.env.db.transaction() as tx:
            await outbox.enqueue(
                tx,
                [NewMessage(urgent, "reminder", "sendMessage", {"text": "Muistutus"})],
                now=h.env.db.now(),
            )
        await h.services.delivery.wait_idle(timeout=60)
        assert _copies(h, people) == {1: 40}
        assert [m.text for m in h.sandbox.messages(urgent)] == ["Muistutus"]
        failed_sends = [
            r for r in h.sandbox.requests if r.method == "sendMessage" and r.status_code == 500
        ]
        probes = [r for r in h.sandbox.requests if r.method == "getMe" and r.status_code == 500]
        # Only the rows already in flight hit the outage; after that, getMe probes with back-off
        # (0.5 s doubling, capped at 0.5 s here): a handful in 1.5 s, not a busy loop.
        assert len(failed_sends) <= 32
        assert 1 <= len(probes) <= 8
        last_failure = max(r.time for r in failed_sends + probes)
        resumed = [
            r
            for r in h.sandbox.requests
            if r.method == "sendMessage" and r.time > last_failure and r.status_code == 200
        ]
        assert resumed[0].params["chat_id"] == urgent
        states = await h.env.db.fetchall("SELECT DISTINCT state FROM outbox")
        assert [r["state"] for r in states] == ["sent"]


async def test_a_refused_token_keeps_every_row(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.delivery.worker")
    async with BotHarness.start(tmp_path, delivery=FAST) as h:
        worker = h.services.delivery
        worker.health = TelegramHealth(FAST.outage_backoff_cap, token_pause=0.5)
        people = await _people(h, 10)
        h.sandbox.faults.errors(401, 1.0, 60.0, methods=["sendMessage", "getMe"])
        broadcast_id = await _broadcast(h, people)
        await h.sandbox.wait_for(
            lambda: h.sandbox.faults.stats["errored"] >= 3, timeout=30
        )  # a row and at least two probes
        pending = await h.env.db.fetchval(
            "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')"
        )
        assert pending == 10  # nothing failed, nothing lost
        refusals = [r for r in caplog.records if "refuses the bot token" in r.getMessage()]
        assert refusals and all(r.levelno == logging.ERROR for r in refusals)
        h.sandbox.faults.clear()
        await worker.wait_idle(timeout=30)
        assert _copies(h, people) == {1: 10}
        progress = await broadcasts.progress(h.env.db, broadcast_id)
        assert (progress.sent, progress.failed) == (10, 0)


async def test_502_from_a_proxy_is_sent_again_once(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, delivery=FAST) as h:
        people = await _people(h, 30)
        h.sandbox.faults.errors(502, 0.2, 60.0, methods=["sendMessage"])
        broadcast_id = await _broadcast(h, people)
        await h.services.delivery.wait_idle(timeout=60)
        h.sandbox.faults.clear()
        # A 502 from the stand-in was not carried out: everyone has exactly one copy; the rows
        # that met it are counted as "may have arrived twice", which is all the bot can know.
        assert _copies(h, people) == {1: 30}
        progress = await broadcasts.progress(h.env.db, broadcast_id)
        assert progress.sent + progress.failed == 30
        assert progress.maybe_twice >= 1


async def test_odd_answers_are_sent_rows_not_failures(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, delivery=FAST) as h:
        people = await _people(h, 5)
        h.sandbox.faults.unknown_fields(True)
        h.sandbox.faults.malformed("sendMessage")
        await _broadcast(h, people)
        await h.services.delivery.wait_idle(timeout=30)
        # The answer python-telegram-bot could not read was still a sent message: not resent.
        assert _copies(h, people) == {1: 5}
        rows = await h.env.db.fetchall("SELECT state, message_id FROM outbox")
        assert {r["state"] for r in rows} == {"sent"}
        assert sum(r["message_id"] is not None for r in rows) >= 4
        # The bot still answers people while Telegram adds fields to every object.
        liisa = h.user("Liisa")
        await liisa.send("/help")
        assert liisa.last_message().text


async def test_a_reply_that_cannot_go_in_time_is_dropped_not_sent_late(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        limiter = h.application.bot.rate_limiter
        assert isinstance(limiter, SharedRateLimiter)
        limiter.reply_deadline = 0.3
        liisa = h.user("Liisa")
        limiter.pause(3.0)  # Telegram asked the bot to wait (a long 429)
        await liisa.send("/help")  # returns once the update was handled: the reply given up
        assert liisa.messages() == []  # dropped, not sent seconds late


def test_the_delivery_report_counts_what_may_have_arrived_twice() -> None:
    broadcast = Broadcast(
        id=7, kind="announcement", created_by=1, report_chat_id=1, progress_message_id=None,
        summary="", audience="", state="done", scheduled_at=0, started_at=100,
        finished_at=130, reported=False,
    )  # fmt: skip
    fi = Translator("fi", ZoneInfo("Europe/Helsinki")).texts("fi")
    twice = report_text(fi, broadcast, Progress(sent=598, failed=2, maybe_twice=3))
    assert "Saattoi mennä perille kahdesti (Telegram ei vastannut ajoissa): 3" in twice
    calm = report_text(fi, broadcast, Progress(sent=600))
    assert "kahdesti" not in calm
