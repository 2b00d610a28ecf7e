"""Wizard drafts against a real SQLite file: save, read, revisions, expiry, /mydata, /forget,
and every draft dataclass's JSON round trip."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.announcements.service import Content
from bot.audience.parsing import AudienceChoice
from bot.audience.recipients import AudienceSpec
from bot.events.draft import Draft as EventDraft
from bot.events.draft import Repeat
from bot.polls.draft import Draft as PollDraft
from handlers.announcements import Draft as AnnounceDraft
from storage import drafts, privacy, subscription_drafts
from storage.db import Database
from storage.polls import NewQuestion
from storage.schema import load_migrations
from storage.subscriptions import Area

NOW = [1_800_000_000]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    NOW[0] = 1_800_000_000
    database = await Database.open(tmp_path / "d.sqlite3", clock=lambda: float(NOW[0]))
    yield database
    await database.close()


async def test_save_get_latest_and_revisions(db: Database) -> None:
    first = await drafts.save(db, 1, 1, "poll", "question", {"pending": ""})
    assert first.revision == 1
    NOW[0] += 5
    await drafts.save(db, 1, 1, "announce", "content", {})
    again = await drafts.save(db, 1, 1, "poll", "kind", {"pending": "Which?"})
    assert again.revision == 2
    got = await drafts.get(db, 1, 1, "poll")
    assert got == again and got.payload == {"pending": "Which?"}
    latest = await drafts.latest(db, 1, 1, ("poll", "announce"))
    assert latest is not None and latest.kind == "poll"
    assert await drafts.get(db, 1, 2, "poll") is None  # another chat
    assert not await drafts.delete(db, 1, 1, "poll", revision=1)  # touched since
    assert await drafts.delete(db, 1, 1, "poll", revision=2)
    await drafts.delete_all(db, 1, 1, ("poll", "announce"))
    assert await drafts.latest(db, 1, 1, ("poll", "announce")) is None


async def test_expired_drafts_are_ignored_then_cleared(db: Database) -> None:
    await drafts.save(db, 1, 1, "poll", "question", {})
    NOW[0] += drafts.TTL
    assert await drafts.get(db, 1, 1, "poll") is None
    assert await drafts.latest(db, 1, 1, ("poll", "announce")) is None
    assert not await drafts.delete(db, 1, 1, "poll")
    await drafts.save(db, 2, 2, "announce", "content", {})
    assert await db.fetchval("SELECT count(*) FROM drafts") == 1


async def test_mydata_exports_and_forget_deletes_only_ones_drafts(db: Database) -> None:
    await drafts.save(db, 42, 42, "announce", "audience", {"audience_size": 3})
    await drafts.save(db, 7, 7, "poll", "question", {})
    document = await privacy.export(db, 42)
    assert document["drafts"] == [
        {
            "kind": "announce",
            "step": "audience",
            "payload": {"audience_size": 3},
            "updated_at": "2027-01-15T08:00:00Z",
        }
    ]
    async with db.transaction() as tx:
        await privacy.forget(tx, 42, db.now())
    assert [r[0] for r in await db.fetchall("SELECT user_id FROM drafts")] == [7]


def test_event_draft_round_trips_through_json() -> None:
    helsinki = timezone(timedelta(hours=2))
    draft = EventDraft(
        5,
        kind="forum",
        title="Foorumi",
        starts_at=datetime(2026, 12, 1, 17, 30, tzinfo=helsinki),
        ends_at=datetime(2026, 12, 1, 19, 30, tzinfo=helsinki),
        place="Carelicum",
        online_url="https://meet.example/f",
        municipalities=("167",),
        themes=("health",),
        description="Tervetuloa",
        capacity=3,
        rsvp_deadline=datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
        reminders=(86400, 3600),
        editing=None,
        reviewing=True,
        repeat=Repeat("w2", months=(1, 2), count=None, until=date(2027, 6, 1)),
    )
    assert EventDraft.from_json(5, draft.to_json()) == draft


def test_poll_and_announcement_drafts_round_trip_through_json() -> None:
    spec = AudienceSpec(municipalities=frozenset({"167"}), themes=frozenset({"health"}))
    poll = PollDraft(
        5,
        "reminder",
        questions=(NewQuestion("single", "Which?", ("Tue", "Thu")), NewQuestion("text", "Why?")),
        pending="Next?",
        pending_kind="multiple",
        choice=AudienceChoice(spec, ()),
        audience_size=4,
        anonymous=False,
        group_mode="member",
        closes_at=1_800_100_000,
        reminder_at=1_800_050_000,
        share_results=True,
    )
    assert PollDraft.from_json(5, "reminder", poll.to_json()) == poll
    announce = AnnounceDraft(5, "confirm", Content("<b>Hei</b>", 3, photo="file-1"))
    announce = AnnounceDraft(5, "confirm", announce.content, AudienceChoice(spec, ()), 9)
    assert AnnounceDraft.from_json(5, "confirm", announce.to_json()) == announce


async def test_a_shared_draft_is_one_per_chat(db: Database) -> None:
    await drafts.save(db, 1, -5, "subscribe", "regions", {"message_id": 10}, shared=True)
    NOW[0] += 1
    await drafts.save(db, 2, -5, "subscribe", "themes", {"message_id": 11}, shared=True)
    found = await drafts.shared(db, -5, "subscribe")
    assert found is not None and (found.user_id, found.step) == (2, "themes")
    assert await db.fetchval("SELECT count(*) FROM drafts") == 1
    assert await drafts.delete(db, None, -5, "subscribe")
    assert await drafts.shared(db, -5, "subscribe") is None


async def test_an_open_subscription_menu_survives_the_upgrade_to_the_drafts_table(
    tmp_path: Path,
) -> None:
    """Migration 0010 moves the menu's working copies into `drafts`: a menu someone had open
    before the upgrade continues with its areas, themes and view after it."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for migration in load_migrations():
        if migration.version >= 10:
            break
        conn.executescript(migration.sql)
        conn.execute(f"PRAGMA user_version = {migration.version}")
    conn.execute(
        "INSERT INTO chats (id, type, title, active, created_at, updated_at) "
        "VALUES (-100, 'supergroup', 'Kylätoimikunta', 1, 0, 0)"
    )
    conn.execute(
        "INSERT INTO subscription_drafts (chat_id, message_id, user_id, areas, themes, view, "
        "updated_at) VALUES (-100, 42, 7, 'municipality:167 region:12', 'health culture', "
        "'themes', ?)",
        (NOW[0] - 60,),
    )
    conn.commit()
    conn.close()
    db = await Database.open(path, clock=lambda: float(NOW[0]))
    try:
        draft = await subscription_drafts.get(db, -100)
        assert draft is not None
        assert (draft.message_id, draft.user_id, draft.view) == (42, 7, "themes")
        assert draft.areas == {Area("municipality", "167"), Area("region", "12")}
        assert draft.themes == {"health", "culture"}
        assert (
            await db.fetchval(
                "SELECT count(*) FROM sqlite_master WHERE name = ?", ("subscription_drafts",)
            )
            == 0
        )
    finally:
        await db.close()


async def test_save_with_an_expected_revision_is_compare_and_set(db: Database) -> None:
    first = await drafts.save(db, 1, 1, "poll", "question", {"n": 1})
    second = await drafts.save(db, 1, 1, "poll", "kind", {"n": 2}, expected_revision=1)
    assert second.revision == 2
    with pytest.raises(drafts.DraftConflict):  # read at 1, but another update saved 2
        await drafts.save(db, 1, 1, "poll", "kind", {"n": 3}, expected_revision=first.revision)
    stored = await drafts.get(db, 1, 1, "poll")
    assert stored is not None and stored.payload == {"n": 2}
    await drafts.delete(db, 1, 1, "poll")
    with pytest.raises(drafts.DraftConflict):  # ended meanwhile
        await drafts.save(db, 1, 1, "poll", "kind", {"n": 4}, expected_revision=2)
    assert await drafts.get(db, 1, 1, "poll") is None


async def test_a_shared_draft_counts_revisions_across_its_editors(db: Database) -> None:
    await drafts.save(db, 1, -5, "subscribe", "regions", {}, shared=True)
    taken = await drafts.save(
        db, 2, -5, "subscribe", "themes", {}, shared=True, expected_revision=1
    )
    assert taken.revision == 2
    with pytest.raises(drafts.DraftConflict):
        await drafts.save(db, 1, -5, "subscribe", "x", {}, shared=True, expected_revision=1)


async def test_touch_keeps_the_revision_and_delete_all_names_what_went(db: Database) -> None:
    saved = await drafts.save(db, 1, 1, "poll", "question", {})
    NOW[0] += 60
    touched = await drafts.touch(db, saved)
    assert (touched.revision, touched.updated_at) == (1, NOW[0])
    assert not await drafts.delete(db, 1, 1, "poll", untouched_since=saved.updated_at)
    gone = await drafts.delete_all(db, 1, 1, ("poll", "announce"))
    assert [(d.kind, d.updated_at) for d in gone] == [("poll", NOW[0])]
