"""Operations: /stats and /report for admins, and the backup, export, stats and report
subcommands run against the live database of a running bot."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.feedback import service as feedback_service
from storage import chats, events, feedback, listings, subscriptions
from storage.backup import copy
from storage.listings import Listing
from storage.subscriptions import Area
from tests.factories import ADMIN, JOENSUU, admin_user, forum_fields, publish_delivered, subscriber
from tests.harness import BotHarness, ChatUser


def _config_file(tmp_path: Path, db: Path) -> Path:
    path = tmp_path / "ops.toml"
    path.write_text(f'[storage]\npath = "{db}"\n[bot]\ndefault_language = "en"\n', "utf-8")
    return path


async def _network(h: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser, int]:
    """An admin, two subscribers and an association group; one forum with answers and ratings."""
    admin = admin_user(h)
    await admin.send("/start")
    liisa = await subscriber(h, "Liisa", ["health"])
    matti = await subscriber(h, "Matti", ["*"])
    pekka = h.sandbox.add_user("Pekka", language_code="en")
    group = h.sandbox.add_group("Kylä", members=[pekka], admins=[pekka], bot_present=True)
    db = h.env.db
    await chats.upsert(db, group.id, "group", "Kylä")
    await chats.set_language(db, group.id, "en")
    await subscriptions.replace(db, group.id, [Area("region", "12")], ["health"])
    await listings.save(db, Listing(0, group.id, None, "=Joensuun Kyläyhdistys", (JOENSUU,)))
    fields = forum_fields(datetime(2026, 12, 1, 15, 30, tzinfo=UTC))
    event_id = await publish_delivered(h, fields, ADMIN)
    await liisa.tap("✅ Coming")
    await matti.tap("❔ Maybe")
    in_group = ChatUser(h, pekka, group)
    await in_group.tap("✅ Coming")
    await in_group.tap("➕1 person")
    await in_group.tap("🏠 For our association")
    event = await events.get(db, event_id)
    assert event is not None
    async with db.transaction() as tx:
        await feedback_service.open_round(h.env, tx, event, db.now())
    async with db.transaction() as tx:
        for person, rating in ((liisa, 5), (matti, 4), (in_group, 3)):
            await feedback.save_rating(
                tx, event_id, person.id, rating, association=None, municipality_code=None,
                now=db.now(),
            )  # fmt: skip
    return admin, liisa, matti, event_id


async def test_stats_and_report_for_admins_only(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin, liisa, _matti, _event_id = await _network(h)

        await liisa.send("/stats")
        assert liisa.last_message().text == "Only administrators can see the network's figures."
        await liisa.send("/report 2026")
        assert liisa.last_message().text == "Only administrators can see the network's figures."

        await admin.send("/stats")
        text = admin.last_message().text
        assert "Statistics" in text
        assert "Chats: 4 active (3 private, 1 groups), 3 subscribed, 0 paused" in text
        assert "• North Karelia: 3" in text or "• Pohjois-Karjala: 3" in text
        assert "• Health: 2" in text and "• All themes: 1" in text
        assert "Published: 1, cancelled: 0" in text
        assert "Invitations delivered: 3; answer rate 100 %" in text
        assert "Answers: 3 people, coming: 3 people" in text
        assert "Feedback: 3 of 3 asked, feedback rate 100 %" in text

        await admin.send("/report 20x6")
        assert admin.last_message().text == "Give the year as four digits, e.g. /report 2026"
        await admin.send("/report 2025")
        assert admin.last_message().text == "No published events in 2025."
        await admin.send("/report 2026")
        sent = admin.messages()[-3:]
        assert sent[0].document is not None and sent[0].document.filename == (
            "participation_2026.csv"
        )
        rows = list(csv.DictReader(io.StringIO(sent[0].document.data.decode("utf-8-sig"))))
        by_section = {(r["section"], r["code"]): r for r in rows}
        joensuu = by_section[("municipality", JOENSUU)]
        assert (joensuu["name"], joensuu["events"], joensuu["coming"]) == ("Joensuu", "1", "3")
        assert joensuu["average_rating"] == "4.00"
        association = by_section[("association", "'=Joensuun Kyläyhdistys")]
        assert association["name"] == "'=Joensuun Kyläyhdistys"  # formula-safe
        assert association["coming"] == "2" and association["average_rating"] == ""
        assert sent[1].photo is not None
        assert sent[2].document is not None and sent[2].document.filename == "directory_2026.csv"

        await chats.set_language(h.env.db, admin.id, "fi")
        await admin.send("/report 2026")
        document = admin.messages()[-3].document
        assert document is not None and document.filename == "participation_2026.csv"
        finnish = list(csv.reader(io.StringIO(document.data.decode("utf-8-sig"))))
        assert finnish[0] == [
            "vuosi",
            "osio",
            "koodi",
            "nimi",
            "tapahtumia",
            "vastanneita",
            "tulossa",
            "ehkä",
            "palautevastauksia",
            "arvioiden keskiarvo",
        ]
        assert ["2026", "kunta", JOENSUU, "Joensuu"] in [r[:4] for r in finnish]


@pytest.mark.usefixtures("wall_clock")  # `stats` without --year means the CLI's current year
async def test_cli_on_a_running_bot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _admin_user, _liisa, _matti, _event_id = await _network(h)
        config = _config_file(tmp_path, h.config.storage.path)

        def run(*argv: str) -> int:
            return main([*argv, "--config", str(config)])

        assert await asyncio.to_thread(run, "stats", "--json", "--year", "2026") == 0
        figures = json.loads(capsys.readouterr().out)
        assert figures["events"]["published"] == 1
        assert figures["events"]["answer_rate"] == 1.0
        assert figures["events"]["feedback_rate"] == 1.0
        assert {"id": "*", "name": "*", "chats": 1} in figures["subscribers_by_theme"]
        assert await asyncio.to_thread(run, "stats") == 0
        assert "events 2026: 1 published, 0 cancelled" in capsys.readouterr().out

        backup = tmp_path / "copy.sqlite3"
        assert await asyncio.to_thread(run, "backup", str(backup)) == 0
        assert "integrity ok" in capsys.readouterr().out
        with sqlite3.connect(backup) as copy_db:
            assert copy_db.execute("SELECT count(*) FROM rsvps").fetchone()[0] == 3
            assert copy_db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert await asyncio.to_thread(run, "backup", str(backup)) == 2
        err = capsys.readouterr().err
        assert err == f"error: {backup} exists (use --force to replace it)\n"
        assert await asyncio.to_thread(run, "backup", str(backup), "--force") == 0
        assert await asyncio.to_thread(run, "backup", str(tmp_path / "no" / "x.db")) == 2
        assert "is not a directory" in capsys.readouterr().err

        out = tmp_path / "export"
        assert await asyncio.to_thread(run, "export", str(out)) == 0
        printed = capsys.readouterr().out
        assert "rsvps.csv: 3 rows" in printed and "feedback.csv: 3 rows" in printed
        raw = (out / "rsvps.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rsvp_rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert "name" not in rsvp_rows[0] and "user_id" not in rsvp_rows[0]
        assert len({r["person"] for r in rsvp_rows}) == 3
        for user_id in h.sandbox.world.users:
            assert str(user_id) not in raw.decode("utf-8-sig")
        assert "Liisa" not in raw.decode("utf-8-sig")
        fb = list(csv.DictReader(io.StringIO((out / "feedback.csv").read_text("utf-8-sig"))))
        assert sorted(r["rating"] for r in fb) == ["3", "4", "5"]
        assert set(fb[0]) == {"event_id", "rating", "attended", "comment", "municipality",
                              "association"}  # fmt: skip
        ev = list(csv.DictReader(io.StringIO((out / "events.csv").read_text("utf-8-sig"))))
        assert (ev[0]["title"], ev[0]["yes"], ev[0]["delivered"]) == ("Järjestöfoorumi", "2", "3")

        assert await asyncio.to_thread(run, "export", str(out)) == 2
        assert "exists (use --force" in capsys.readouterr().err
        assert await asyncio.to_thread(run, "export", str(out), "--force", "--with-names") == 0
        assert "Liisa" in (out / "rsvps.csv").read_text("utf-8-sig")
        capsys.readouterr()

        swedish = tmp_path / "export-sv"
        assert await asyncio.to_thread(run, "export", str(swedish), "--language", "sv") == 0
        rows = list(csv.reader(io.StringIO((swedish / "rsvps.csv").read_text("utf-8-sig"))))
        assert rows[0] == ["evenemang", "person", "svar", "personer", "förening", "kommun",
                           "svarat i chatten", "svarstid"]  # fmt: skip
        assert sorted((r[2], r[3], r[4], r[6]) for r in rows[1:]) == [
            ("ja", "1", "", "privat"),
            ("ja", "2", "'=Joensuun Kyläyhdistys", "grupp"),  # still formula-safe
            ("kanske", "1", "", "privat"),
        ]
        ev = list(csv.DictReader(io.StringIO((swedish / "events.csv").read_text("utf-8-sig"))))
        assert (ev[0]["typ"], ev[0]["läge"], ev[0]["ja"]) == ("Föreningsforum", "publicerat", "2")
        finnish = tmp_path / "export-fi"
        assert await asyncio.to_thread(run, "export", str(finnish), "--language", "fi") == 0
        fi_rows = list(csv.reader(io.StringIO((finnish / "feedback.csv").read_text("utf-8-sig"))))
        assert fi_rows[0] == ["tapahtuma", "arvio", "osallistui", "kommentti", "kunta", "yhdistys"]
        assert {r[5] for r in fi_rows[1:]} == {"ei yhdistystä"}
        capsys.readouterr()

        reports = tmp_path / "reports"
        assert await asyncio.to_thread(run, "report", "2026", "--out", str(reports)) == 0
        assert (reports / "participation_2026.png").read_bytes().startswith(b"\x89PNG")
        assert "Joensuu" in (reports / "participation_2026.csv").read_text("utf-8-sig")
        assert await asyncio.to_thread(run, "report", "26", "--out", str(reports)) == 2
        assert "expected a year like 2026" in capsys.readouterr().err


def test_ops_commands_refuse_a_missing_or_old_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config_file(tmp_path, tmp_path / "missing.sqlite3")
    for argv in (["stats"], ["export", str(tmp_path / "x")], ["backup", str(tmp_path / "b")]):
        assert main([*argv, "--config", str(config)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "does not exist" in err, err
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as conn:
        conn.execute("PRAGMA user_version = 1")
    config = _config_file(tmp_path, old)
    assert main(["stats", "--config", str(config)]) == 2
    assert "run `python -m bot migrate` first" in capsys.readouterr().err


def test_backup_is_consistent_while_another_process_writes(tmp_path: Path) -> None:
    """Every copy is one committed state: rows are written in pairs, a copy never has half."""
    source = tmp_path / "live.sqlite3"
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, pad TEXT)")
    stop, written = threading.Event(), threading.Event()

    def writer() -> None:
        conn = sqlite3.connect(source, isolation_level=None)
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO t (pad) VALUES (?)", [("x" * 500,), ("y" * 500,)])
            conn.execute("COMMIT")
            written.set()
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert written.wait(30)  # copies from the first pair on, however busy the machine
        counts = []
        for n in range(8):
            info = copy(source, tmp_path / f"b{n}.sqlite3")
            assert info.integrity == "ok"
            with sqlite3.connect(info.path) as conn:
                counts.append(conn.execute("SELECT count(*) FROM t").fetchone()[0])
    finally:
        stop.set()
        thread.join()
    assert all(c % 2 == 0 for c in counts), counts
    assert counts[-1] > 0
    assert not list(tmp_path.glob(".*.tmp"))
