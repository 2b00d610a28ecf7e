"""The events import and issue 20: the optional `for_whom` and `programme` columns (a sheet
without them imports exactly as before), their bad values, and the clash warnings that
`events import --publish` prints without stopping."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.events.importing import parse_csv
from tests.test_events_import import GOOD, HEADER, OPTIONS, row_with
from tests.test_events_import import csv_rows as old_rows

# The command line reads the real clock: the 2027 dates are ahead of it only while the wall
# clock is pinned (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("wall_clock")

NEW_HEADER = HEADER + ",for_whom,programme"


def new_rows(*rows: str) -> tuple[list[object], list[str]]:
    events, problems = parse_csv("\n".join([NEW_HEADER, *rows]) + "\n", **OPTIONS)
    return list(events), [f"row {p.row}: {p.message}" for p in problems]


def test_an_old_sheet_imports_unchanged() -> None:
    events, problems = old_rows(GOOD)
    assert problems == []
    fields = events[0].fields
    assert (fields.for_whom, fields.programme) == ((), ())
    assert fields.title == "Foorumi" and fields.capacity == 50


def test_for_whom_words_and_programme_lines() -> None:
    programme = "18.00 Tervetuloa | 18.15 Työpajat\n19.30 Yhteenveto"
    events, problems = new_rows(
        row_with() + ',"vapaaehtoiset; henkilöstö;kunta","' + programme + '"',
        row_with(title="Toinen") + ",,",
    )
    assert problems == []
    first = events[0].fields  # type: ignore[attr-defined]
    assert first.for_whom == ("staff", "volunteers", "public_sector")
    assert first.programme == ("18.00 Tervetuloa", "18.15 Työpajat", "19.30 Yhteenveto")
    second = events[1].fields  # type: ignore[attr-defined]
    assert (second.for_whom, second.programme) == ((), ())


def test_bad_for_whom_and_programme_are_one_line_per_problem() -> None:
    eleven = " | ".join(f"{i}.00 Kohta" for i in range(8, 19))
    events, problems = new_rows(
        row_with() + ',"volunteers;astronauts",',
        row_with() + f',,"{eleven}"',
        row_with() + ',,"18.00 ' + "x" * 95 + '"',
        row_with() + ',,"18.00 <b>Tervetuloa</b>"',
    )
    assert events == []
    assert problems == [
        "row 2: for_whom: 'astronauts' is not a group; use staff, volunteers, public_sector or "
        "everyone (or henkilöstö, vapaaehtoiset, kunta, kaikki) separated by ;",
        "row 3: programme has more than 10 lines",
        f"row 4: programme line {('18.00 ' + 'x' * 95)[:60]!r} is longer than 100 characters",
        "row 5: programme line '18.00 <b>Tervetuloa</b>' contains HTML; the programme is plain "
        "text",
    ]


def _config(tmp_path: Path, db: Path) -> Path:
    config = tmp_path / "bot.toml"
    config.write_text(
        f'[telegram]\ntoken = "123456:TEST-token"\n[storage]\npath = "{db}"\n'
        "[bot]\nadmins = [7000]\n",
        encoding="utf-8",
    )
    return config


def test_publish_warns_of_clashes_and_imports_all_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "bot.sqlite3"
    config = _config(tmp_path, db)
    first = tmp_path / "first.csv"
    first.write_text(
        HEADER + "\nIlta Joensuussa,yhdistysilta,2027-03-16 18:00,2 h,Talo,,Joensuu,culture,,,\n",
        encoding="utf-8",
    )
    assert main(["events", "import", "--config", str(config), str(first), "--publish"]) == 0
    assert capsys.readouterr().out == "1\n"
    second = tmp_path / "second.csv"
    second.write_text(
        NEW_HEADER + "\nFoorumi,forum,2027-03-16 20:00,2 h,Carelicum,,Joensuu,health,,,,"
        'vapaaehtoiset,"18.00 Tervetuloa"\n'
        "Myöhemmin,forum,2027-03-16 22:30,1 h,Carelicum,,Joensuu,health,,,,,\n",
        encoding="utf-8",
    )
    assert main(["events", "import", "--config", str(config), str(second), "--publish"]) == 0
    out, err = capsys.readouterr()
    assert out == "2\n3\n"
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert warnings == [
        "row 2: warning: may clash with event 1 “Ilta Joensuussa” at 2027-03-16 18:00 "
        "(same municipality within 3 hours); /event 1",
        # Row 3 is 4 h 30 min after the evening, but 2 h 30 min after row 2, published by then.
        "row 3: warning: may clash with event 2 “Foorumi” at 2027-03-16 20:00 "
        "(same municipality within 3 hours); /event 2",
    ]
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT for_whom, programme FROM events WHERE id = 2").fetchone()
    conn.close()
    assert stored == ("volunteers", "18.00 Tervetuloa")


def test_the_dry_run_warns_of_clashes_with_published_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "bot.sqlite3"
    config = _config(tmp_path, db)
    first = tmp_path / "first.csv"
    first.write_text(
        HEADER + "\nIlta Joensuussa,yhdistysilta,2027-03-16 18:00,2 h,Talo,,Joensuu,culture,,,\n",
        encoding="utf-8",
    )
    assert main(["events", "import", "--config", str(config), str(first), "--publish"]) == 0
    capsys.readouterr()
    second = tmp_path / "second.csv"
    second.write_text(
        HEADER + "\nFoorumi,forum,2027-03-16 20:00,2 h,Carelicum,,Joensuu,health,,,\n",
        encoding="utf-8",
    )
    assert main(["events", "import", "--config", str(config), str(second)]) == 0
    out, err = capsys.readouterr()
    assert out.strip().endswith("1 events are valid; --publish creates and publishes them.")
    assert err.splitlines() == [
        "row 2: warning: may clash with event 1 “Ilta Joensuussa” at 2027-03-16 18:00 "
        "(same municipality within 3 hours); /event 1"
    ]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (1,)
    conn.close()
