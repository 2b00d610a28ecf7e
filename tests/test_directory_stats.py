"""The directory in the statistics: listed associations per municipality and theme, and the
searches that found nothing (their words, never who searched), in /stats, `stats --json` and
the year-end report's directory file."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.ops import directory_figures
from bot.ops.figures import year_bounds
from storage import listings
from storage.listings import Listing, Status
from tests.factories import ADMIN, admin_user
from tests.harness import BotHarness

JOENSUU, OUTOKUMPU = "167", "309"


async def _listed(
    h: BotHarness, name: str, places: tuple[str, ...], themes: tuple[str, ...], status: Status
) -> None:
    await listings.save(
        h.env.db,
        Listing(0, None, None, name, municipalities=places, themes=themes, status=status),
    )


async def _network(h: BotHarness) -> None:
    await _listed(h, "Joen Terveys", (JOENSUU,), ("health",), "public")
    await _listed(h, "Kahden Kunnan Kuoro", (JOENSUU, OUTOKUMPU), ("culture", "health"), "public")
    await _listed(h, "Odottava", (JOENSUU,), ("health",), "pending")  # not listed yet
    searcher = h.user("Liisa")
    await searcher.send("/directory Joensuu sirkus")
    await searcher.send("/directory sirkus")
    await searcher.send("/directory Joensuu")  # found: not a miss


async def test_stats_show_listings_and_misses_without_who(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        await _network(h)
        since, until = year_bounds(2026, h.config.bot.timezone)
        figures = await directory_figures.collect(
            h.env.db, h.config, h.env.catalog, since, until, "en"
        )
        assert [(m.code, m.listings) for m in figures.municipalities] == [
            (JOENSUU, 2),
            (OUTOKUMPU, 1),
        ]
        assert [(t.code, t.listings) for t in figures.themes] == [("health", 2), ("culture", 1)]
        assert figures.misses == 2
        assert figures.missed_words == (("sirkus", 2), ("joensuu", 1))
        columns = await h.env.db.fetchall("SELECT * FROM directory_misses")
        assert {tuple(row.keys()) for row in columns} == {("id", "words", "searched_at")}

        admin = admin_user(h)
        await admin.send("/start")
        await admin.send("/stats")
        text = admin.last_message().text
        assert "Listed associations by municipality\n• Joensuu: 2\n• Outokumpu: 1" in text
        assert "Listed associations by theme\n• Health: 2\n• Culture: 1" in text
        assert "Directory searches that found nothing: 2" in text
        assert "Most common words: sirkus (2), joensuu (1)" in text
        assert "Liisa" not in text


async def test_report_file_and_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db_path = tmp_path / "bot.sqlite3"
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        await _network(h)
        since, until = year_bounds(2026, h.config.bot.timezone)
        figures = await directory_figures.collect(
            h.env.db, h.config, h.env.catalog, since, until, "fi"
        )
        rows = list(
            csv.reader(
                io.StringIO(
                    directory_figures.csv_report(
                        figures, 2026, h.env.translator.texts("fi")
                    ).decode("utf-8-sig")
                )
            )
        )
        assert rows[0] == ["vuosi", "osio", "koodi", "nimi", "määrä"]
        assert ["2026", "listattuja kunnittain", JOENSUU, "Joensuu", "2"] in rows
        assert ["2026", "listattuja teemoittain", "health", "Terveys", "2"] in rows
        assert ["2026", "haut ilman tuloksia", "", "", "2"] in rows
        assert ["2026", "sana, jolla ei löytynyt mitään", "", "sirkus", "2"] in rows
    config = tmp_path / "ops.toml"
    config.write_text(f'[storage]\npath = "{db_path}"\n[bot]\ndefault_language = "en"\n', "utf-8")
    assert (
        await asyncio.to_thread(
            main, ["stats", "--year", "2026", "--json", "--config", str(config)]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["listed_by_municipality"][0] == {"code": JOENSUU, "name": "Joensuu", "listings": 2}
    assert data["listed_by_theme"][0] == {"id": "health", "name": "Health", "listings": 2}
    assert data["directory_misses"] == {
        "searches": 2,
        "top_words": [{"word": "sirkus", "searches": 2}, {"word": "joensuu", "searches": 1}],
    }
    assert await asyncio.to_thread(main, ["stats", "--year", "2026", "--config", str(config)]) == 0
    plain = capsys.readouterr().out
    assert "listed associations by municipality:\n  Joensuu (167): 2" in plain
    assert "directory searches that found nothing: 2; most common words: sirkus (2)" in plain
