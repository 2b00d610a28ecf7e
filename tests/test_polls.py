"""Poll rules and storage: options and questions, deep-link payloads, the results' small-group
rule, and /mydata + /forget of answers (counts stay right)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot import poll_report
from bot import polls as service
from storage import chats, polls, privacy, subscriptions
from storage.db import Database
from storage.polls import AnswerRow, NewPoll, NewQuestion, Poll, Question
from storage.subscriptions import Area

KEY = b"k" * 32
NOW = 1_795_600_800


def test_options_rules() -> None:
    assert service.parse_options("Tue\n\n Wed \n").options == ("Tue", "Wed")
    assert service.parse_options("Tue").problem == "too_few"
    assert service.parse_options("\n".join(str(n) for n in range(11))).problem == "too_many"
    assert service.parse_options("\n".join(str(n) for n in range(10))).problem is None
    long = service.parse_options("Tue\n" + "é" * 101)
    assert long.problem == "too_long" and long.detail == "é" * 101
    assert service.parse_options("Tue\n" + "x" * 100).problem is None
    # Telegram counts UTF-16 units: 50 emoji are 100 units, 51 are too many.
    assert service.parse_options("Tue\n" + "🙂" * 51).problem == "too_long"
    dup = service.parse_options("Tue\nWed\n  tue  ")
    assert dup.problem == "duplicate" and dup.detail == "tue"
    assert service.check_question(" ") == "empty"
    assert service.check_question("Q" * 300) is None
    assert service.check_question("Q" * 301) == "too_long"


@given(st.integers(1, 10**9), st.integers(0, 4), st.integers(-(10**13), 10**10))
def test_deep_link_round_trip(poll_id: int, question: int, chat_id: int) -> None:
    payload = service.deep_link_payload(KEY, poll_id, question, chat_id)
    assert len(payload) <= 64
    assert service.parse_deep_link(KEY, payload) == (poll_id, question, chat_id)
    assert service.parse_deep_link(b"x" * 32, payload) is None
    sig = service.signature(KEY, poll_id, chat_id)
    moved = f"plt_{poll_id}_{question}_{chat_id + 1}_{sig}"
    assert service.parse_deep_link(KEY, moved) is None


@given(st.text(max_size=70))
def test_garbage_deep_links_are_refused(text: str) -> None:
    assert service.parse_deep_link(KEY, "plt_" + text) is None


def _poll(anonymous: bool) -> Poll:
    question = Question(0, "single", "Which evening?", ("Tue", "Wed"))
    return Poll(
        1,
        7,
        "Which evening?",
        anonymous,
        "member",
        "",
        "open",
        False,
        None,
        NOW,
        None,
        NOW,
        None,
        (question,),
    )


def test_small_groups_are_merged_on_anonymous_polls_only() -> None:
    rows = [
        AnswerRow(0, chat, chat, chat % 2, "", None, code, ("health",), chat)
        for chat, code in ((1, "167"), (2, "167"), (3, "167"), (4, "309"), (5, "426"), (6, "091"))
    ]
    anonymous = poll_report.compute(_poll(True), 6, rows)
    split = anonymous.questions[0].by_municipality
    assert split is not None
    assert [(r.key, r.respondents) for r in split.rows] == [("167", 3)]
    assert split.others is not None and split.others.respondents == 3
    named = poll_report.compute(_poll(False), 6, rows, {1: "Liisa"})
    split = named.questions[0].by_municipality
    assert split is not None and [r.key for r in split.rows] == ["167", "091", "309", "426"]
    assert named.questions[0].options[1].names == ("3", "5", "Liisa")
    assert anonymous.questions[0].options[1].names == ()


async def test_forget_keeps_the_counts(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3", clock=lambda: float(NOW))
    try:
        for chat_id, kind in ((42, "private"), (43, "private"), (-5, "group")):
            await chats.upsert(db, chat_id, kind, None)  # type: ignore[arg-type]
            await subscriptions.replace(db, chat_id, [Area("municipality", "167")], ["*"])
        await db.execute(
            "INSERT INTO users (id, first_name, created_at, updated_at) VALUES (42, 'Liisa', 1, 1)"
        )
        async with db.transaction() as tx:
            poll_id = await polls.create(
                tx,
                NewPoll(
                    (NewQuestion("single", "Which evening?", ("Tue", "Wed")),),
                    anonymous=False,
                    group_mode="member",
                    closes_at=NOW + 3600,
                ),
                created_by=42,
                now=NOW,
            )
            await polls.add_recipients(tx, poll_id, [42, 43, -5])
            await polls.save_choices(tx, poll_id, 0, 42, 42, [0], user_id=42, now=NOW)
            await polls.save_choices(tx, poll_id, 0, -5, 42, [1], user_id=42, now=NOW)
            await polls.save_choices(tx, poll_id, 0, 43, 43, [1], user_id=43, now=NOW)
            await polls.start_draft(tx, 42, poll_id, 0, 42, NOW)
        document = await privacy.export(db, 42)
        mine = document["polls"]
        assert isinstance(mine, dict)
        assert {(a["choice"], a["in_group"]) for a in mine["answers"]} == {
            ("Tue", None),
            ("Wed", None),
        }
        assert [p["poll_title"] for p in mine["asked"]] == ["Which evening?"]
        assert [p["title"] for p in mine["created"]] == ["Which evening?"]
        assert len(mine["answer_drafts"]) == 1
        poll = await polls.get(db, poll_id)
        assert poll is not None
        before = await poll_report.build(db, poll)

        async with db.transaction() as tx:
            person = await privacy.forget(tx, 42, NOW)
        assert person.counts["poll_answers"] == 2
        after = await poll_report.build(db, poll)
        assert (
            [o.count for o in after.questions[0].options]
            == [o.count for o in before.questions[0].options]
            == [1, 2]
        )
        assert after.respondents == before.respondents == 3
        assert await db.fetchval("SELECT count(*) FROM poll_answers WHERE user_id = 42") == 0
        assert await db.fetchval("SELECT count(*) FROM poll_answers WHERE respondent = 42") == 0
        assert await db.fetchval("SELECT count(*) FROM poll_text_drafts") == 0
        assert (await polls.get(db, poll_id)).created_by == 0  # type: ignore[union-attr]
        assert "Liisa" not in str(after.names)
        assert (await privacy.export(db, 42))["polls"] == {
            "answers": [],
            "asked": [],
            "created": [],
            "answer_drafts": [],
        }
    finally:
        await db.close()
