"""`python -m bot events import`: the vuosikello from a spreadsheet, checked whole, published
exactly as from the wizard."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.events import service as events
from storage import subscriptions
from storage.subscriptions import Area
from tests.harness import TOKEN, WAIT, BotHarness

# The command line reads the real clock: the example's 2027 dates are ahead of it only while the
# wall clock is pinned (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("wall_clock")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "vuosikello.csv"
HEADER = (
    "title,kind,start,end,place,online_url,municipalities,themes,capacity,rsvp_deadline,description"
)


def _config(tmp_path: Path, db: Path) -> Path:
    config = tmp_path / "bot.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\n[storage]\npath = "{db}"\n[bot]\nadmins = [7000]\n',
        encoding="utf-8",
    )
    return config


def test_dry_run_lists_the_example_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, tmp_path / "bot.sqlite3")
    assert main(["events", "import", "--config", str(config), str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "row 2: 2027-02-03 17:00 forum “Pohjois-Karjalan järjestöfoorumi, kevät 2027”" in out
    assert out.strip().endswith("6 events are valid; --publish creates and publishes them.")
    assert not (tmp_path / "bot.sqlite3").exists()


def test_bad_rows_are_all_reported_and_nothing_is_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "vuosikello.csv"
    sheet.write_text(
        HEADER.replace(",", ";")
        + "\nFoorumi;forum;1.12.2020 18.00;;Carelicum;;Joensuu;health;;;\n"
        + "Ilta;yhdistysilta;2027-03-16 18:00;;Talo;;Atlantis;health;0;;\n"
        + "Hyvä;forum;2027-03-17 18:00;;Talo;;Joensuu;;;;\n",
        encoding="utf-8",
    )
    db = tmp_path / "bot.sqlite3"
    config = _config(tmp_path, db)
    assert main(["events", "import", "--config", str(config), str(sheet), "--publish"]) == 2
    err = capsys.readouterr().err
    assert "nothing was imported" in err
    assert "row 2:" in err and "past" in err
    assert "row 3:" in err and "Atlantis" in err and "capacity" in err
    assert "row 4:" not in err
    assert not db.exists()


async def test_publish_sends_invitations_through_the_running_bot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with BotHarness.start(tmp_path) as h:
        person = h.user("Liisa", language_code="en")
        await person.send("/start")
        await subscriptions.replace(h.env.db, person.id, [Area("municipality", "167")], ["health"])
        sheet = tmp_path / "kevät.csv"
        sheet.write_text(
            "\ufeff" + HEADER + "\nKevätfoorumi,forum,2027-02-03 17:00,2 h,"
            '"Carelicum, Joensuu",,Joensuu,health,50,,Tervetuloa\n',
            encoding="utf-8",
        )
        config = _config(tmp_path, h.config.storage.path)
        code = await asyncio.to_thread(
            main, ["events", "import", "--config", str(config), str(sheet), "--publish"]
        )
        assert code == 0
        assert capsys.readouterr().out.strip() == "1"
        h.clock.set(datetime.now(UTC) + timedelta(minutes=1))
        await h.sandbox.wait_for(
            lambda: any(m.button("✅ Coming") for m in person.messages()), timeout=WAIT
        )
        assert "Kevätfoorumi" in person.last_message().text
        await person.tap("✅ Coming")  # signed by the CLI with the same key as the bot's
        assert person.last_answer() == "Your answer: ✅ coming"


def test_a_failure_part_way_says_what_was_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each event is its own transaction: when the second fails, the first stays published, its
    id is on stdout, and the error names the row where publishing stopped."""
    db = tmp_path / "bot.sqlite3"
    config = _config(tmp_path, db)
    real = events.publish
    calls = [0]

    async def failing_second(*args: Any, **kwargs: Any) -> tuple[int, int]:
        calls[0] += 1
        if calls[0] == 2:
            raise sqlite3.OperationalError("database or disk is full")
        return await real(*args, **kwargs)

    monkeypatch.setattr(events, "publish", failing_second)
    assert main(["events", "import", "--config", str(config), str(EXAMPLE), "--publish"]) == 2
    out, err = capsys.readouterr()
    assert out == "1\n"
    assert "row 3: publishing stopped: database or disk is full." in err
    assert "The 1 event(s) printed above were published; this row and the 4 after it" in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT id FROM events").fetchall() == [(1,)]
    conn.close()
