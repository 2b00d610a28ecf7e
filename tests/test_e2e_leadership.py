"""Two bot processes on one database: one leads (sends every message, runs the schedule), the other
relays its handlers' messages through the leader, and takes over when the leader goes.

The second "process" is a second Application in this event loop, built from the same
configuration and started without polling; updates are handed to it directly, as its webhook
server would. Its leader's lock is a separate lock (a file descriptor of its own, or a PostgreSQL
session of its own), so the two exclude each other exactly as two processes do. Runs on both
backends (`--backend postgres`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.error import Forbidden
from telegram.ext import Updater

from bot.app import build_application
from bot.context import BotApplication, Services
from bot.privacy.service import RETENTION_KEY
from bot.runtime.runner import lifecycle
from bot.runtime.startup import StartUp
from handlers.subscriptions.menu import PENDING
from storage import schedule, subscription_drafts
from storage.schedule import PlannedJob
from tests.harness import WAIT, BotHarness, ChatUser

pytestmark = pytest.mark.asyncio


async def _no_updates(_updater: Updater, _startup: StartUp) -> None:
    """A webhook process's updates come from its server; here the test hands them over."""


@asynccontextmanager
async def second_process(h: BotHarness) -> AsyncIterator[BotApplication]:
    app = build_application(h.config, clock=h.clock)
    async with lifecycle(app, _no_updates):
        yield app


def _services(app: BotApplication) -> Services:
    services = app.bot_data.services
    assert services is not None
    return services


def _message_update(user: ChatUser, text: str, update_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 10_000 + update_id,
            "date": 1_800_000_000,
            "chat": {"id": user.id, "type": "private", "first_name": user.user.first_name},
            "from": {
                "id": user.id,
                "is_bot": False,
                "first_name": user.user.first_name,
                "language_code": "en",
            },
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def _until(predicate: Any, timeout: float = WAIT) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - another object's state, polled
            await asyncio.sleep(0.01)


async def test_a_second_process_relays_its_replies_through_the_leader(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="en")
        await liisa.send("/start")
        before = len(liisa.messages())
        leader = h.services.duties
        assert leader is not None and leader.leading
        async with second_process(h) as follower:
            duties = _services(follower).duties
            assert duties is not None and not duties.leading
            update = Update.de_json(_message_update(liisa, "/help", 900_001), follower.bot)
            await follower.process_update(update)
            # The follower's handler got Telegram's answer back: the reply is in the chat, sent
            # once, and the outbox says the leader sent it for the follower.
            assert len(liisa.messages()) == before + 1
            assert "/subscribe" in liisa.last_message().text
            row = await h.env.db.fetchone(
                "SELECT state, kind, message_id, result FROM outbox WHERE ref = 'relay'"
            )
            assert row is not None
            assert (row["state"], row["kind"]) == ("sent", "interactive")
            assert row["message_id"] == liisa.last_message().message_id


async def test_a_relayed_reply_to_a_chat_that_blocked_the_bot_raises_forbidden(
    tmp_path: Path,
) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="en")
        await liisa.send("/start")
        async with second_process(h) as follower:
            h.sandbox.block(liisa.chat)
            with pytest.raises(Forbidden):
                await follower.bot.send_message(liisa.id, "hello")
            state = await h.env.db.fetchval("SELECT state FROM outbox WHERE ref = 'relay'")
            assert state == "failed"
            active = await h.env.db.fetchval("SELECT active FROM chats WHERE id = ?", (liisa.id,))
            assert active == 0


async def test_the_second_process_takes_over_when_the_leader_stops(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="en")
        await liisa.send("/start")
        async with second_process(h) as follower:
            duties = _services(follower).duties
            assert duties is not None and not duties.leading
            await h._running.aclose()  # the leader stops (its lock is released)
            await _until(lambda: duties.leading, timeout=5)
            # Now the former follower sends itself: no relayed row, the message arrives.
            before = len(liisa.messages())
            await follower.bot.send_message(liisa.id, "still here")
            assert len(liisa.messages()) == before + 1
            assert liisa.last_message().text == "still here"
            relayed = await _services(follower).env.db.fetchval(
                "SELECT count(*) FROM outbox WHERE ref = 'relay'"
            )
            assert relayed == 0


async def test_a_tap_that_overtakes_the_menus_recorded_id_still_counts(tmp_path: Path) -> None:
    """With several processes the menu's message can reach the person (and their tap reach
    another process) before the process that sent it records its id: the tap finds the draft
    waiting for its id, works, and records it."""
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="fi")
        await liisa.send("/subscribe")
        menu = liisa.last_message()
        stored = await subscription_drafts.get(h.env.db, liisa.id)
        assert stored is not None and stored.message_id == menu.message_id
        await subscription_drafts.save(h.env.db, replace(stored, message_id=PENDING))
        await liisa.tap("Pohjois-Karjala", message_id=menu.message_id)
        assert "Joensuu" in liisa.last_message().buttons
        assert len(liisa.messages()) == 1  # the same menu, edited: not "this menu is old"
        after = await subscription_drafts.get(h.env.db, liisa.id)
        assert after is not None and after.message_id == menu.message_id


async def test_the_new_leader_runs_the_jobs_the_old_one_left(tmp_path: Path) -> None:
    """A job that falls due while the leader is going is run by the process that takes over
    (its scheduler starts by running what is due)."""
    async with BotHarness.start(tmp_path) as h:
        async with second_process(h) as follower:
            services = _services(follower)
            assert services.duties is not None and not services.duties.leading
            db = h.env.db
            now = db.now()
            # Due now, written behind the leader's back: its scheduler (on the test's clock)
            # fires only when told, so the job waits for whoever leads next.
            async with db.transaction() as tx:
                await schedule.upsert(tx, [PlannedJob(RETENTION_KEY, "retention", now)], now)
            await h._running.aclose()  # the leader goes
            await _until(lambda: services.duties is not None and services.duties.leading, 5)
            job = await schedule.get(services.env.db, RETENTION_KEY)
            # Run, and planned again for the next night: the new leader did it.
            assert job is not None and job.state == "pending" and job.due_at > now
