"""The card for one reader: what a batch of cards shows is read in one trip, then each card
shows its own reader's answer (private chats only) and its chat's buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import Config, StorageSettings
from bot.environment import Environment, open_environment
from bot.events import reader_cards, reminders
from bot.events import service as events
from bot.events.reader_cards import Reader
from storage import events as stored
from storage.db import Writer
from storage.events import Event
from tests.factories import forum_fields

GROUP = -100


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Environment]:
    env = await open_environment(Config(storage=StorageSettings(path=tmp_path / "c.sqlite3")))
    yield env
    await env.db.close()


async def _event(env: Environment) -> Event:
    start = datetime.now(UTC) + timedelta(days=10)
    event_id, _ = await events.publish(env, forum_fields(start, capacity=1), None)
    async with env.db.transaction() as tx:
        for chat_id in (1, 2, 3, GROUP):
            kind = "private" if chat_id > 0 else "group"
            await tx.execute(
                "INSERT INTO chats (id, type, active, created_at, updated_at) "
                "VALUES (?, ?, 1, 0, 0)",
                (chat_id, kind),
            )
        await tx.execute(
            "INSERT INTO listings (id, chat_id, name, created_at, updated_at) "
            "VALUES (1, ?, 'Kyläyhdistys', 0, 0)",
            (GROUP,),
        )
        await tx.execute(
            "INSERT INTO listing_municipalities (listing_id, position, code) VALUES (1, 0, '167')"
        )
        for user_id, status, queued in ((1, "yes", None), (2, "waitlist", 5), (3, "waitlist", 6)):
            await tx.execute(
                "INSERT INTO rsvps (event_id, user_id, chat_id, status, headcount, "
                "queued_at, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, 1, 1)",
                (event_id, user_id, user_id, status, queued),
            )
    event = await stored.get(env.db, event_id)
    assert event is not None
    return event


async def test_each_reader_sees_their_own_answer_and_their_chats_buttons(
    env: Environment,
) -> None:
    event = await _event(env)
    t = env.translator.texts("en")
    readers = [Reader(1, private=True), Reader(3, private=True), Reader(GROUP, private=False)]
    reads = await reader_cards.read(env.db, event.id, readers)
    now = env.db.now()
    mine, waiting, group = (
        reader_cards.render_read(env, event, t, reader, reads, now=now) for reader in readers
    )
    assert "Your answer: ✅ coming" in mine.text
    assert "⏳ on the waiting list, number 2" in waiting.text
    assert "Your answer" not in group.text
    assert "✅ 1 coming" in group.text and "⏳ 2 waiting" in group.text
    assert group.markup is not None and mine.markup is not None
    labels = [b.text for row in group.markup.inline_keyboard for b in row]
    assert "🏠 For our association" in labels
    assert "🏠 For our association" not in [
        b.text for row in mine.markup.inline_keyboard for b in row
    ]


async def test_a_reminder_reads_its_cards_in_one_trip(
    env: Environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = await _event(env)
    trips: list[str] = []
    for name in ("run", "execute", "fetchone", "fetchall", "fetchval"):
        original = getattr(Writer, name)

        def counted(self: Writer, *args: Any, _name: str = name, _f: Any = original) -> Any:
            trips.append(_name)
            return _f(self, *args)

        monkeypatch.setattr(Writer, name, counted)
    async with env.db.transaction() as tx:
        rows = await reminders._cards(
            env, tx, event, [1, 2, 3, GROUP], reminders.REMINDER_HEADER, env.db.now()
        )
    assert len(rows) == 4
    assert trips == ["run"]
