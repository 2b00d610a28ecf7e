"""`python -m bot grants import`: grant calls from a sheet, checked whole (exit 2, nothing
created, on any problem), a dry run that lists them, and --publish printing one id per line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from storage import grants, subscriptions
from storage.subscriptions import Area
from tests.harness import TOKEN, WAIT, BotHarness

# The command line reads the real clock; the wall clock is pinned to the harness's start.
pytestmark = pytest.mark.usefixtures("wall_clock")

HEADER = "title,funder,municipalities,themes,opens,deadline,amount,link,description"
ROWS = (
    "Toiminta-avustus,Joensuun kaupunki,Joensuu,health,1.12.2026,15.1.2027 16.00,"
    '"500–3 000 €",https://example.org/a,Yhdistyksille\n'
    "Kylätoiminta,Leader,Joensuu;Outokumpu,,,2027-02-01,,,\n"
)


def _config(tmp_path: Path, db: Path) -> Path:
    config = tmp_path / "bot.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\n[storage]\npath = "{db}"\n[bot]\nadmins = [7000]\n',
        encoding="utf-8",
    )
    return config


def test_dry_run_lists_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "grants.csv"
    sheet.write_text(HEADER + "\n" + ROWS, encoding="utf-8")
    config = _config(tmp_path, tmp_path / "bot.sqlite3")
    assert main(["grants", "import", "--config", str(config), str(sheet)]) == 0
    out = capsys.readouterr().out
    assert "row 2: deadline 2027-01-15 16:00 “Toiminta-avustus” (Joensuun kaupunki)" in out
    assert "row 3: deadline 2027-02-01 23:59 “Kylätoiminta” (Leader)" in out
    assert out.strip().endswith("2 grant calls are valid; --publish creates and publishes them.")
    assert not (tmp_path / "bot.sqlite3").exists()


def test_unknown_municipality_and_past_deadline_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "grants.csv"
    sheet.write_text(
        HEADER
        + "\n"
        + ROWS
        + "Avustus,STEA,Atlantis,,,1.3.2027,,,\nVanha,STEA,Joensuu,,,1.1.2020,,,\n",
        encoding="utf-8",
    )
    db = tmp_path / "bot.sqlite3"
    config = _config(tmp_path, db)
    assert main(["grants", "import", "--config", str(config), str(sheet), "--publish"]) == 2
    err = capsys.readouterr().err
    assert "nothing was imported" in err
    assert "row 4: municipalities: 'Atlantis' is not a known municipality" in err
    assert "row 5: deadline '1.1.2020' is in the past" in err
    assert "row 2:" not in err and "row 3:" not in err
    assert not db.exists()


async def test_publish_prints_ids_and_sends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with BotHarness.start(tmp_path) as h:
        person = h.user("Liisa", language_code="en")
        await person.send("/start")
        await subscriptions.replace(h.env.db, person.id, [Area("municipality", "167")], ["health"])
        sheet = tmp_path / "grants.csv"
        sheet.write_text("\ufeff" + HEADER + "\n" + ROWS, encoding="utf-8")
        config = _config(tmp_path, h.config.storage.path)
        code = await asyncio.to_thread(
            main, ["grants", "import", "--config", str(config), str(sheet), "--publish"]
        )
        assert code == 0
        assert capsys.readouterr().out.split() == ["1", "2"]
        stored = await grants.get(h.env.db, 2)
        assert stored is not None and stored.municipalities == ("167", "309")
        h.clock.set(datetime.now(UTC) + timedelta(minutes=1))
        await h.sandbox.wait_for(
            lambda: sum("Grant call" in (m.text or "") for m in person.messages()) == 2,
            timeout=WAIT,
        )
        assert person.last_message().buttons == ["🔔 Remind me", "📅 Deadline to calendar"]
