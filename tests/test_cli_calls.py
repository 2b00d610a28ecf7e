"""`python -m bot calls import`: volunteer calls with their shifts from a spreadsheet, checked
row by row before anything is created; --publish prints one call id per line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.__main__ import main
from storage import subscriptions
from storage.subscriptions import Area
from tests.factories import delivered
from tests.harness import TOKEN, BotHarness

# The command line reads the real clock: the example's 2027 dates are ahead of it only while the
# wall clock is pinned (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("wall_clock")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "calls.csv"
HEADER = "call,title,municipalities,themes,skills,description,start,end,places"


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
    assert main(["calls", "import", "--config", str(config), str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "call messut (rows 2, 3, 4): “Järjestömessujen esittelypiste” — Joensuu" in out
    assert "  2027-03-20 10:00–12:00, 4 places" in out
    assert "call talkoot (rows 5): “Kylätalon kevättalkoot” — Outokumpu" in out
    assert "  2027-05-01 09:00–12:00, 10 places" in out
    assert out.strip().endswith("2 calls are valid; --publish creates and publishes them.")
    assert not (tmp_path / "bot.sqlite3").exists()


def test_bad_rows_are_each_named_and_nothing_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "calls.csv"
    sheet.write_text(
        HEADER
        + "\na,Stand,Atlantis,,,Text,2027-03-20 10:00,12:00,4"
        + "\na,,,,,,2027-03-20 14:00,12:00,4"
        + "\nb,Talkoot,Joensuu,,,Text,1.12.2020 10.00,12.00,4"
        + "\nc,Ok,Joensuu,,,Text,2027-03-20 10:00,12:00,0"
        + "\nd,Ok,Joensuu,,,Text,2027-03-20 10:00,12:00,10000"
        + "\ne,Fine,Joensuu,,,Text,2027-03-20 10:00,12:00,5"
        + "\nf,Twice,Joensuu,,,Text,2027-03-20 10:00,12:00,5"
        + "\nf,,,,,,20.3.2027 10.00,2 h,5\n",
        encoding="utf-8",
    )
    db = tmp_path / "bot.sqlite3"
    config = _config(tmp_path, db)
    assert main(["calls", "import", "--config", str(config), str(sheet), "--publish"]) == 2
    err = capsys.readouterr().err
    assert "nothing was created" in err
    lines = err.splitlines()
    assert any(line.startswith("row 2: ") and "'Atlantis' is not a known" in line for line in lines)
    assert any(line.startswith("row 3: end") and "not after the start" in line for line in lines)
    assert any(line.startswith("row 4: start") and "past" in line for line in lines)
    assert any(line.startswith("row 5: places") for line in lines)
    assert any(line.startswith("row 6: places") and "larger than 500" in line for line in lines)
    assert not any(line.startswith("row 7") for line in lines)
    assert "row 9: call 'f' already has this shift; give it once with all places" in lines
    assert not db.exists()


def test_a_wrong_header_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "calls.csv"
    sheet.write_text("title,start,end,places\nStand,2027-03-20 10:00,12:00,4\n", "utf-8")
    config = _config(tmp_path, tmp_path / "bot.sqlite3")
    assert main(["calls", "import", "--config", str(config), str(sheet)]) == 2
    assert f"the header must be {HEADER}" in capsys.readouterr().err


async def test_publish_prints_ids_and_the_calls_reach_subscribers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with BotHarness.start(tmp_path) as h:
        person = h.user("Liisa", language_code="en")
        await person.send("/start")
        await subscriptions.replace(
            h.env.db, person.id, [Area("municipality", "167")], ["volunteering"]
        )
        config = _config(tmp_path, h.config.storage.path)
        code = await asyncio.to_thread(
            main, ["calls", "import", "--config", str(config), str(EXAMPLE), "--publish"]
        )
        assert code == 0
        ids = capsys.readouterr().out.split()
        assert len(ids) == 2 and all(i.isdigit() for i in ids)
        stored = await h.env.db.fetchall(
            "SELECT c.id, c.title, count(s.id) AS shifts FROM volunteer_calls c "
            "JOIN call_shifts s ON s.call_id = c.id GROUP BY c.id, c.title ORDER BY c.id"
        )
        assert [(str(r["id"]), r["title"], r["shifts"]) for r in stored] == [
            (ids[0], "Järjestömessujen esittelypiste", 3),
            (ids[1], "Kylätalon kevättalkoot", 1),
        ]
        await delivered(h)
        assert "Järjestömessujen esittelypiste" in person.last_message().text


async def _publish(h: BotHarness, tmp_path: Path, rows: str) -> int:
    sheet = tmp_path / "calls.csv"
    sheet.write_text(rows, encoding="utf-8")
    config = _config(tmp_path, h.config.storage.path)
    return await asyncio.to_thread(
        main, ["calls", "import", "--config", str(config), str(sheet), "--publish"]
    )


async def _reminders_due(h: BotHarness) -> dict[str, list[int]]:
    """Per call title, how long before its shifts' starts the reminder jobs are due."""
    rows = await h.env.db.fetchall(
        "SELECT c.title, s.starts_at - j.due_at AS before FROM schedule j "
        "JOIN call_shifts s ON s.id = j.ref_id JOIN volunteer_calls c ON c.id = s.call_id "
        "WHERE j.kind = 'shift_reminder' ORDER BY c.title, before DESC"
    )
    found: dict[str, list[int]] = {}
    for row in rows:
        found.setdefault(str(row["title"]), []).append(int(row["before"]))
    return found


async def test_the_reminders_column_sets_each_calls_reminders(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        # Anywhere in the header; the first row of a call sets them, as its title.
        code = await _publish(
            h,
            tmp_path,
            "call,reminders,title,municipalities,themes,skills,description,start,end,places"
            '\na,"3 h, 45 min",Custom,Joensuu,,,Text,2027-03-20 10:00,12:00,4'
            "\na,,,,,,,2027-03-21 10:00,12:00,4"
            "\nb,-,Silent,Joensuu,,,Text,2027-03-20 10:00,12:00,4"
            "\nc,2 pv,Finnish,Joensuu,,,Text,2027-03-20 10:00,12:00,4"
            "\nd,,Default,Joensuu,,,Text,2027-03-20 10:00,12:00,4\n",
        )
        assert code == 0
        stored = await h.env.db.fetchall("SELECT title, reminders FROM volunteer_calls")
        assert {str(r["title"]): str(r["reminders"]) for r in stored} == {
            "Custom": "10800 2700",
            "Silent": "",
            "Finnish": "172800",
            "Default": "86400 7200",
        }
        assert await _reminders_due(h) == {
            "Custom": [10800, 10800, 2700, 2700],
            "Finnish": [172800],
            "Default": [86400, 7200],
        }
        # A sheet with the original header still imports, with the default reminders.
        code = await _publish(
            h, tmp_path, HEADER + "\ne,Plain,Joensuu,,,Text,2027-03-20 10:00,12:00,4\n"
        )
        assert code == 0
        assert (await _reminders_due(h))["Plain"] == [86400, 7200]


def test_bad_reminders_are_named_by_row_and_nothing_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "calls.csv"
    sheet.write_text(
        HEADER
        + ",reminders"
        + "\na,Ok,Joensuu,,,Text,2027-03-20 10:00,12:00,4,1 d"
        + "\nb,Soon,Joensuu,,,Text,2027-03-20 10:00,12:00,4,5 min"
        + '\nc,Many,Joensuu,,,Text,2027-03-20 10:00,12:00,4,"1 h, 2 h, 3 h, 4 h"'
        + "\nd,Words,Joensuu,,,Text,2027-03-20 10:00,12:00,4,soon\n",
        encoding="utf-8",
    )
    db = tmp_path / "bot.sqlite3"
    config = _config(tmp_path, db)
    assert main(["calls", "import", "--config", str(config), str(sheet), "--publish"]) == 2
    err = capsys.readouterr().err
    assert "nothing was created" in err
    hint = "give at most 3 times before each shift, each 15 min–14 days, e.g. 1 d, 2 h"
    lines = err.splitlines()
    assert not any(line.startswith("row 2") for line in lines)
    for number, value in ((3, "5 min"), (4, "1 h, 2 h, 3 h, 4 h"), (5, "soon")):
        assert any(
            line.startswith(f"row {number}: reminders {value!r} is not in an accepted form")
            and hint in line
            for line in lines
        ), number
    assert not db.exists()


def test_the_dry_run_says_changed_reminders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "calls.csv"
    sheet.write_text(
        HEADER
        + ",reminders"
        + '\na,Custom,Joensuu,,,Text,2027-03-20 10:00,12:00,4,"2 d, 90 min"'
        + "\nb,Silent,Joensuu,,,Text,2027-03-20 10:00,12:00,4,-"
        + "\nc,Default,Joensuu,,,Text,2027-03-20 10:00,12:00,4,\n",
        encoding="utf-8",
    )
    config = _config(tmp_path, tmp_path / "bot.sqlite3")
    assert main(["calls", "import", "--config", str(config), str(sheet)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("1 shift(s) — reminders 2 d, 90 min before each shift")
    assert out[2].endswith("1 shift(s) — no reminders")
    assert out[4].endswith("1 shift(s)")
