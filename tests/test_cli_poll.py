"""`python -m bot poll results ID [--csv PATH]`: the results for operators, exit codes."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest

from bot.__main__ import main
from storage import chats, poll_answers, polls, subscriptions
from storage.db import Database
from storage.polls import NewPoll, NewQuestion
from storage.subscriptions import Area
from tests.harness import TOKEN

NOW = 1_795_600_800  # 25.11.2026


def _config(tmp_path: Path, db: Path) -> Path:
    config = tmp_path / "bot.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\n[storage]\npath = "{db}"\n[bot]\n'
        'admins = [7000]\ndefault_language = "en"\n',
        encoding="utf-8",
    )
    return config


async def _poll(path: Path) -> None:
    db = await Database.open(path, clock=lambda: float(NOW))
    try:
        for chat_id in (11, 12, 13, 14):
            await chats.upsert(db, chat_id, "private", None)
            await subscriptions.replace(db, chat_id, [Area("municipality", "167")], ["health"])
        async with db.transaction() as tx:
            poll_id = await polls.create(
                tx,
                NewPoll(
                    questions=(
                        NewQuestion("single", "Which evening?", ("Tuesday", "Wednesday")),
                        NewQuestion("text", "Anything else?"),
                    ),
                    anonymous=True,
                    group_mode="association",
                    closes_at=NOW + 86400,
                ),
                created_by=7000,
                now=NOW,
            )
            await polls.add_recipients(tx, poll_id, [11, 12, 13, 14])
            for chat_id, choice in ((11, 0), (12, 0), (13, 1)):
                await poll_answers.save_choices(
                    tx, poll_id, 0, chat_id, chat_id, [choice], user_id=chat_id, now=NOW
                )
            await poll_answers.save_text(
                tx, poll_id, 1, 11, 11, "=Coffee, please", user_id=11, now=NOW
            )
    finally:
        await db.close()


def test_results_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "bot.sqlite3"
    asyncio.run(_poll(db))
    config = _config(tmp_path, db)
    out_csv = tmp_path / "poll.csv"
    assert main(["poll", "results", "1", "--config", str(config), "--csv", str(out_csv)]) == 0
    out = capsys.readouterr().out
    assert "Poll 1: Which evening?" in out
    assert "Answered: 3 of 4 chats asked (75%); respondents: 3" in out
    assert "Tuesday: 2 (67%)" in out and "Wednesday: 1 (33%)" in out
    assert "• Joensuu (3): Tuesday 67%, Wednesday 33%" in out
    assert "“=Coffee, please”" in out
    assert "<b>" not in out and "&" not in out
    assert out.strip().endswith(f"wrote 4 rows to {out_csv}")
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text("utf-8-sig"))))
    assert ("2", "Anything else?", "'=Coffee, please") in {
        (r["question"], r["question_text"], r["answer"]) for r in rows
    }
    assert all("11" not in value for r in rows for value in r.values())


def test_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "bot.sqlite3"
    config = _config(tmp_path, db)
    assert main(["poll", "results", "1", "--config", str(config)]) == 2
    assert "does not exist" in capsys.readouterr().err
    asyncio.run(_poll(db))
    assert main(["poll", "results", "7", "--config", str(config)]) == 2
    assert capsys.readouterr().err.strip() == "error: no poll 7"
    missing = tmp_path / "no" / "such" / "dir" / "poll.csv"
    assert main(["poll", "results", "1", "--config", str(config), "--csv", str(missing)]) == 2
    assert "--csv" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["poll", "results", "x", "--config", str(config)])
    assert exc.value.code == 2


def test_csv_in_finnish_and_swedish(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--language gives the CSV's column names in that language; the formula guard stays."""
    db = tmp_path / "bot.sqlite3"
    asyncio.run(_poll(db))
    config = _config(tmp_path, db)
    headers = {
        "fi": ["kysymys", "kysymyksen teksti", "vastaus", "kunta", "yhdistys"],
        "sv": ["fråga", "frågans text", "svar", "kommun", "förening"],
    }
    for language, header in headers.items():
        out_csv = tmp_path / f"poll-{language}.csv"
        argv = ["poll", "results", "1", "--config", str(config), "--csv", str(out_csv)]
        assert main([*argv, "--language", language]) == 0
        capsys.readouterr()
        rows = list(csv.reader(io.StringIO(out_csv.read_text("utf-8-sig"))))
        assert rows[0] == header
        assert rows[-1][:3] == ["2", "Anything else?", "'=Coffee, please"]
