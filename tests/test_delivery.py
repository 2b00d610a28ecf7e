"""The delivery worker against the stand-in: order, limits, every failure class, crash safety."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import DeliverySettings
from bot.delivery.ratelimit import SharedRateLimiter
from bot.delivery.worker import DeliveryWorker
from storage import broadcasts, chats, outbox, subscriptions
from storage.outbox import NewFile, NewMessage
from storage.subscriptions import Area
from tests.harness import WAIT, BotHarness


async def _people(h: BotHarness, count: int) -> list[int]:
    ids = []
    for i in range(count):
        user = h.sandbox.add_user(f"Jäsen {i}")
        h.sandbox.private_chat(user)
        await chats.upsert(h.env.db, user.id, "private", None)
        ids.append(user.id)
    return ids


async def _enqueue(
    h: BotHarness,
    chat_ids: list[int],
    kind: outbox.Kind = "announcement",
    text: str = "Tiedote",
    broadcast: bool = True,
) -> int | None:
    db = h.env.db
    async with db.transaction() as tx:
        broadcast_id = None
        if broadcast:
            broadcast_id = await broadcasts.create_broadcast(
                tx,
                kind=kind,
                created_by=None,
                report_chat_id=None,
                summary=text,
                audience="test",
                scheduled_at=db.now(),
                now=db.now(),
            )
        await outbox.enqueue(
            tx,
            [
                NewMessage(c, kind, "sendMessage", {"text": text, "parse_mode": "HTML"})
                for c in chat_ids
            ],
            now=db.now(),
            broadcast_id=broadcast_id,
        )
    h.services.delivery.wake()
    return broadcast_id


async def test_every_recipient_gets_exactly_one_message(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        people = await _people(h, 60)
        broadcast_id = await _enqueue(h, people, text="<b>Järjestöilta</b> torstaina")
        await h.services.delivery.wait_idle()
        for chat_id in people:
            [message] = h.sandbox.messages(chat_id)
            assert message.text == "Järjestöilta torstaina"
        assert broadcast_id is not None
        progress = await broadcasts.progress(h.env.db, broadcast_id)
        assert (progress.sent, progress.failed, progress.pending) == (60, 0, 0)
        row = await h.env.db.fetchone("SELECT message_id FROM outbox LIMIT 1")
        assert row is not None
        assert row[0] == 1  # Telegram's message id is recorded


async def test_reminder_overtakes_a_big_announcement(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        people = await _people(h, 201)
        await _enqueue(h, people[:200], "announcement", "Tiedote")
        await _enqueue(h, [people[200]], "reminder", "Muistutus", broadcast=False)
        await h.services.delivery.wait_idle()
        sends = [r for r in h.sandbox.requests if r.method == "sendMessage"]
        position = next(i for i, r in enumerate(sends) if r.params["text"] == "Muistutus")
        # The first batch already holds the reminder; only sends launched before it was queued
        # (at most one batch of concurrent requests) can precede it.
        assert position < 40


async def test_blocked_deactivated_and_unknown_chats(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        ok, blocked, gone, unknown = await _people(h, 4)
        h.sandbox.block(h.sandbox.world.chats[blocked])
        h.sandbox.deactivate(h.sandbox.world.users[gone])
        h.sandbox.forget_chat(unknown)
        broadcast_id = await _enqueue(h, [ok, blocked, gone, unknown])
        await _enqueue(h, [blocked], text="Toinen")  # waits behind the first to the same chat
        await h.services.delivery.wait_idle()
        assert len(h.sandbox.messages(ok)) == 1
        for chat_id, reason in (
            (blocked, "blocked"),
            (gone, "deactivated"),
            (unknown, "not_found"),
        ):
            chat = await chats.get(h.env.db, chat_id)
            assert chat is not None
            assert (chat.active, chat.inactive_reason) == (False, reason)
        assert broadcast_id is not None
        progress = await broadcasts.progress(h.env.db, broadcast_id)
        assert (progress.sent, progress.blocked, progress.not_found) == (1, 2, 1)
        states = await h.env.db.fetchall(
            "SELECT state FROM outbox WHERE chat_id = ? ORDER BY id", (blocked,)
        )
        assert [r[0] for r in states] == ["failed", "skipped"]
        assert h.sandbox.count("sendMessage", status=403) == 2  # never retried


async def test_flood_control_pauses_and_loses_nothing(tmp_path: Path) -> None:
    # A strict stand-in at 10/s against a worker that believes in 1000/s: 429s must come,
    # be honoured, and every message still arrive once.
    async with BotHarness.start(tmp_path, sandbox_options={"global_rate": 10}) as h:
        people = await _people(h, 25)
        await _enqueue(h, people)
        await h.services.delivery.wait_idle(timeout=30)
        assert h.sandbox.count("sendMessage", status=429) >= 1
        for chat_id in people:
            assert len(h.sandbox.messages(chat_id)) == 1


async def test_group_migration_moves_chat_and_subscriptions(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        pekka = h.sandbox.add_user("Pekka")
        group = h.sandbox.add_group("Kylä", members=[pekka], admins=[pekka], bot_present=True)
        await chats.upsert(h.env.db, group.id, "group", "Kylä")
        await subscriptions.replace(h.env.db, group.id, [Area("municipality", "167")], [])
        supergroup = h.sandbox.migrate_to_supergroup(group)
        await _enqueue(h, [group.id], text="Kutsu")
        await h.services.delivery.wait_idle()
        assert [m.text for m in h.sandbox.messages(supergroup)] == ["Kutsu"]
        moved = await subscriptions.get(h.env.db, supergroup.id)
        assert moved.areas == (Area("municipality", "167"),)
        assert await chats.get(h.env.db, group.id) is None


async def test_network_errors_back_off_then_deliver(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        [person] = await _people(h, 1)
        down = {"yes": True}
        real = h.sandbox.world.chats[person]

        original = h.sandbox.limits.check

        def flaky(chat_id: int, chat_type: str) -> int | None:
            # Down until the test has seen the row wait: a short first pause could otherwise
            # let a busy machine's worker retry and deliver between two looks at the row.
            if down["yes"]:
                raise RuntimeError("simulated server crash")  # aiohttp answers 500
            return original(chat_id, chat_type)

        h.sandbox.limits.check = flaky  # type: ignore[method-assign]
        await _enqueue(h, [person], text="Sinnikäs")
        row = await _wait_state(h, "pending", at_least=1)
        assert row["error"]
        down["yes"] = False
        await h.env.db.execute("UPDATE outbox SET not_before = 0")  # skip the back-off wait
        h.services.delivery.wake()
        await h.services.delivery.wait_idle()
        assert [m.text for m in h.sandbox.messages(real)] == ["Sinnikäs"]


async def _wait_state(h: BotHarness, state: str, at_least: int) -> dict[str, object]:
    deadline = asyncio.get_running_loop().time() + WAIT
    while asyncio.get_running_loop().time() < deadline:
        row = await h.env.db.fetchone("SELECT state, attempts, error FROM outbox")
        if row is not None and row["state"] == state and row["attempts"] >= at_least:
            return dict(row)
        await asyncio.sleep(0.01)
    raise AssertionError(f"the row did not reach {state!r} after {at_least}+ attempt(s)")


async def _enqueue_document(h: BotHarness, chat_ids: list[int]) -> None:
    """One stored file, sent as a document to each chat."""
    db = h.env.db
    async with db.transaction() as tx:
        file_id = await outbox.add_file(tx, NewFile("ohjelma.pdf", "application/pdf", b"%PDF"))
        await outbox.enqueue(
            tx,
            [
                NewMessage(
                    c,
                    "announcement",
                    "sendDocument",
                    {"caption": "Ohjelma"},
                    file_id=file_id,
                    file_param="document",
                )
                for c in chat_ids
            ],
            now=db.now(),
        )


async def test_file_is_uploaded_once_then_reused(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        people = await _people(h, 5)
        await _enqueue_document(h, people)
        h.services.delivery.wake()
        await h.services.delivery.wait_idle()
        for chat_id in people:
            [message] = h.sandbox.messages(chat_id)
            assert message.document is not None
            assert message.document.data == b"%PDF"
        assert len(h.sandbox.world.files) == 1  # uploaded once, then sent by file_id


async def test_file_is_not_uploaded_again_while_its_file_id_is_being_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A slow database (PostgreSQL under load) stores the first upload's file_id late; the rows
    # waiting on it must not take that pause for a failed upload and upload the file again.
    real_mark_sent = outbox.mark_sent

    async def slow_mark_sent(*args: Any, **kwargs: Any) -> None:
        if kwargs.get("telegram_file") is not None:
            await asyncio.sleep(0.3)
        await real_mark_sent(*args, **kwargs)

    monkeypatch.setattr(outbox, "mark_sent", slow_mark_sent)
    async with BotHarness.start(tmp_path) as h:
        people = await _people(h, 5)
        await _enqueue_document(h, people)
        h.services.delivery.wake()
        await h.services.delivery.wait_idle()
        assert all(len(h.sandbox.messages(c)) == 1 for c in people)
        assert len(h.sandbox.world.files) == 1


async def test_crash_mid_broadcast_loses_nothing(tmp_path: Path) -> None:
    settings = DeliverySettings(global_rate=100.0, private_interval=0.001)
    async with BotHarness.start(tmp_path, delivery=settings) as h:
        people = await _people(h, 150)
        await _enqueue(h, people)
        worker = h.services.delivery
        await h.sandbox.wait_for(lambda: h.sandbox.count("sendMessage") >= 40, timeout=WAIT)
        # Kill the worker without a graceful stop: its task and requests in flight vanish.
        assert worker._task is not None
        worker._task.cancel()
        inflight = list(worker._inflight.values())
        for task in inflight:
            task.cancel()
        await asyncio.gather(worker._task, *inflight, return_exceptions=True)
        stuck = await h.env.db.fetchval("SELECT count(*) FROM outbox WHERE state = 'sending'")
        assert stuck <= 32
        limiter = h.application.bot.rate_limiter
        assert isinstance(limiter, SharedRateLimiter)
        restarted = DeliveryWorker(
            h.env.db, h.application.bot, limiter, settings, clock=h.clock.timestamp
        )
        await restarted.start()
        await restarted.wait_idle()
        await restarted.stop()
        counts = [len(h.sandbox.messages(c)) for c in people]
        assert min(counts) == 1  # nothing lost
        assert sum(counts) - len(people) <= stuck  # duplicates only from rows in flight
        sent = await h.env.db.fetchval("SELECT count(*) FROM outbox WHERE state = 'sent'")
        assert sent == 150


async def test_quiet_hours_hook_defers_all_but_urgent(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        calm, urgent = await _people(h, 2)
        await h.services.delivery.stop()
        later = h.clock.timestamp() + 3600

        async def quiet(chat_id: int, now: float) -> float | None:
            return later

        limiter = h.application.bot.rate_limiter
        assert isinstance(limiter, SharedRateLimiter)
        worker = DeliveryWorker(
            h.env.db,
            h.application.bot,
            limiter,
            h.config.delivery,
            clock=h.clock.timestamp,
            quiet_hours=quiet,
        )
        db = h.env.db
        async with db.transaction() as tx:
            await outbox.enqueue(
                tx,
                [
                    NewMessage(calm, "announcement", "sendMessage", {"text": "Huomenna"}),
                    NewMessage(
                        urgent, "announcement", "sendMessage", {"text": "Peruttu"}, urgent=True
                    ),
                ],
                now=db.now(),
            )
        await worker.start()
        await worker.wait_idle()
        assert [m.text for m in h.sandbox.messages(urgent)] == ["Peruttu"]
        assert h.sandbox.messages(calm) == []
        row = await db.fetchone("SELECT state, not_before FROM outbox WHERE chat_id = ?", (calm,))
        assert row is not None
        assert (row[0], row[1]) == ("pending", later)
        await worker.stop()
