"""The audience query and subscription storage against a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import chats, subscription_drafts, subscriptions
from storage.db import Database
from storage.subscription_drafts import Draft
from storage.subscriptions import ALL_THEMES, Area, AudienceQuery, MunicipalityRow

NOW = 1_800_000_000
PK = "pohjois-karjala"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "s.sqlite3", clock=lambda: float(NOW))
    yield database
    await database.close()


async def _chat(db: Database, chat_id: int, areas: list[Area], themes: list[str]) -> None:
    await chats.upsert(db, chat_id, "private" if chat_id > 0 else "group", None)
    await subscriptions.replace(db, chat_id, areas, themes)


JOENSUU = Area("municipality", "167")
OUTOKUMPU = Area("municipality", "309")
PK_REGION = Area("region", "12")
PK_COUNTY = Area("county", "pohjois-karjala")


async def test_audience_matches_areas_directly_or_through_region_county_or_all(
    db: Database,
) -> None:
    await _chat(db, 1, [JOENSUU], ["health"])
    await _chat(db, 2, [PK_REGION], [ALL_THEMES])
    await _chat(db, 3, [PK_COUNTY], ["village"])
    await _chat(db, 4, [Area("all")], ["health", "culture"])
    await _chat(db, 5, [OUTOKUMPU], ["health"])
    await _chat(db, 6, [Area("municipality", "091")], ["health"])

    async def ask(*themes: str) -> list[int]:
        found = await subscriptions.audience(db, AudienceQuery(["167"], ["12"], [PK], themes))
        return sorted(found)

    assert await ask("health") == [1, 2, 4]
    assert await ask("village") == [2, 3]
    assert await ask() == [1, 2, 3, 4]
    query = AudienceQuery(["167"], ["12"], [PK], ["health"])
    assert await subscriptions.audience_count(db, query) == 3
    everyone = await subscriptions.audience(db, AudienceQuery(everyone=True))
    assert sorted(everyone) == [1, 2, 3, 4, 5, 6]


async def test_inactive_and_paused_chats_are_left_out(db: Database) -> None:
    await _chat(db, 1, [JOENSUU], [ALL_THEMES])
    await _chat(db, 2, [JOENSUU], [ALL_THEMES])
    await _chat(db, 3, [JOENSUU], [ALL_THEMES])
    await _chat(db, 4, [JOENSUU], [ALL_THEMES])
    await chats.deactivate(db, 2, "blocked", NOW)
    await subscriptions.set_paused(db, 3, NOW + 3600)
    await subscriptions.set_paused(db, 4, NOW - 1)  # pause already over
    assert sorted(await subscriptions.audience(db, AudienceQuery(["167"]))) == [1, 4]


async def test_replace_add_remove_and_clear(db: Database) -> None:
    await _chat(db, 1, [JOENSUU, OUTOKUMPU], ["health", "village"])
    sub = await subscriptions.get(db, 1)
    assert set(sub.areas) == {JOENSUU, OUTOKUMPU}
    assert sub.themes == ("health", "village")
    # Adding areas keeps the chosen themes.
    sub = await subscriptions.add(db, 1, [PK_REGION], None)
    assert PK_REGION in sub.areas
    assert sub.themes == ("health", "village")
    assert await subscriptions.remove_area(db, 1, OUTOKUMPU)
    assert not await subscriptions.remove_area(db, 1, OUTOKUMPU)
    assert await subscriptions.remove_theme(db, 1, "health")
    assert await subscriptions.remove_theme(db, 1, "village")
    assert (await subscriptions.get(db, 1)).all_themes  # no filter left: all themes
    await subscriptions.clear(db, 1)
    assert (await subscriptions.get(db, 1)).empty
    # A chat with no themes yet gets all themes on its first add.
    await chats.upsert(db, 7, "private", None)
    assert (await subscriptions.add(db, 7, [JOENSUU], None)).all_themes


async def test_merged_municipality_moves_its_subscribers(db: Database) -> None:
    await _chat(db, 1, [Area("municipality", "911")], ["health"])
    await _chat(db, 2, [Area("municipality", "911"), JOENSUU], ["health"])
    rows = [
        MunicipalityRow("167", "Joensuu", "Joensuu", "12", "pohjois-karjala"),
        MunicipalityRow("911", "", "", "", "", successor="167"),
    ]
    assert await subscriptions.sync_municipalities(db, rows) == 2
    assert await subscriptions.sync_municipalities(db, rows) == 0  # nothing changed
    assert (await subscriptions.get(db, 1)).areas == (JOENSUU,)
    assert (await subscriptions.get(db, 2)).areas == (JOENSUU,)


async def test_group_migration_keeps_subscriptions(db: Database) -> None:
    await _chat(db, -5, [JOENSUU], ["health"])
    async with db.transaction() as tx:
        await chats.migrate_id(tx, -5, -1005, NOW)
    assert (await subscriptions.get(db, -1005)).areas == (JOENSUU,)
    assert (await subscriptions.get(db, -5)).empty
    moved = await chats.get(db, -1005)
    assert moved is not None
    assert moved.type == "supergroup"


async def test_drafts_round_trip(db: Database) -> None:
    await chats.upsert(db, 1, "private", None)
    draft = Draft(1, 10, 1, frozenset({JOENSUU, Area("all")}), frozenset({"health"}), "themes", 0)
    saved = await subscription_drafts.save(db, draft)
    loaded = await subscription_drafts.get(db, 1)
    assert loaded == saved
    assert loaded.areas == {JOENSUU, Area("all")}
    await subscription_drafts.delete(db, 1)
    assert await subscription_drafts.get(db, 1) is None
