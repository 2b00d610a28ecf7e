"""Poll rules and storage: options and questions, deep-link payloads, the results' small-group
rule, and /mydata + /forget of answers (counts stay right)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.polls import links as poll_links
from bot.polls import report as poll_report
from bot.polls import report_csv as poll_report_csv
from bot.polls import report_text as poll_report_text
from bot.polls import rules as poll_rules
from storage import chats, poll_answers, polls, privacy, subscriptions
from storage.db import Database
from storage.poll_answers import AnswerRow
from storage.polls import NewPoll, NewQuestion, Poll, Question
from storage.subscriptions import Area

KEY = b"k" * 32
NOW = 1_795_600_800


def test_options_rules() -> None:
    assert poll_rules.parse_options("Tue\n\n Wed \n").options == ("Tue", "Wed")
    assert poll_rules.parse_options("Tue").problem == "too_few"
    assert poll_rules.parse_options("\n".join(str(n) for n in range(11))).problem == "too_many"
    assert poll_rules.parse_options("\n".join(str(n) for n in range(10))).problem is None
    long = poll_rules.parse_options("Tue\n" + "é" * 101)
    assert long.problem == "too_long" and long.detail == "é" * 101
    assert poll_rules.parse_options("Tue\n" + "x" * 100).problem is None
    # Telegram counts UTF-16 units: 50 emoji are 100 units, 51 are too many.
    assert poll_rules.parse_options("Tue\n" + "🙂" * 51).problem == "too_long"
    dup = poll_rules.parse_options("Tue\nWed\n  tue  ")
    assert dup.problem == "duplicate" and dup.detail == "tue"
    assert poll_rules.check_question(" ") == "empty"
    assert poll_rules.check_question("Q" * 300) is None
    assert poll_rules.check_question("Q" * 301) == "too_long"


@given(st.integers(1, 10**9), st.integers(0, 4), st.integers(-(10**13), 10**10))
def test_deep_link_round_trip(poll_id: int, question: int, chat_id: int) -> None:
    payload = poll_links.deep_link_payload(KEY, poll_id, question, chat_id)
    assert len(payload) <= 64
    assert poll_links.parse_deep_link(KEY, payload) == (poll_id, question, chat_id)
    assert poll_links.parse_deep_link(b"x" * 32, payload) is None
    sig = poll_links.signature(KEY, poll_id, chat_id)
    moved = f"plt_{poll_id}_{question}_{chat_id + 1}_{sig}"
    assert poll_links.parse_deep_link(KEY, moved) is None


@given(st.text(max_size=70))
def test_garbage_deep_links_are_refused(text: str) -> None:
    assert poll_links.parse_deep_link(KEY, "plt_" + text) is None


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
            await poll_answers.save_choices(tx, poll_id, 0, 42, 42, [0], user_id=42, now=NOW)
            await poll_answers.save_choices(tx, poll_id, 0, -5, 42, [1], user_id=42, now=NOW)
            await poll_answers.save_choices(tx, poll_id, 0, 43, 43, [1], user_id=43, now=NOW)
            await poll_answers.start_draft(tx, 42, poll_id, 0, 42, NOW)
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


# Figures that survive /forget and retention: asked, answered chats, respondents, counts, splits.

_PEOPLE = {  # private chat → (municipality, themes)
    41: ("167", ["health"]),
    42: ("167", ["health", "youth"]),
    43: ("167", ["youth"]),
    44: ("091", ["health"]),
    45: ("167", ["health"]),
    46: ("091", ["youth"]),
}
GROUP = -5


async def _survey(db: Database, *, closes_at: int = NOW + 3600) -> int:
    """An anonymous survey asked in six private chats and one group (each member answers):
    41 and 42 answer privately (41 also in the group), 43 never answers, 44–46 answer, and 47
    answers in the group only. 42 is writing a free-text answer."""
    for chat_id, (code, themes) in _PEOPLE.items():
        await chats.upsert(db, chat_id, "private", None)
        await subscriptions.replace(db, chat_id, [Area("municipality", code)], themes)
    await chats.upsert(db, GROUP, "group", "Kylätoimikunta")
    await subscriptions.replace(db, GROUP, [Area("municipality", "167")], ["*"])
    async with db.transaction() as tx:
        poll_id = await polls.create(
            tx,
            NewPoll(
                (
                    NewQuestion("single", "Which evening?", ("Tue", "Wed")),
                    NewQuestion("scale", "How useful?"),
                    NewQuestion("text", "Anything else?"),
                ),
                anonymous=True,
                group_mode="member",
                closes_at=closes_at,
            ),
            created_by=7,
            now=NOW,
        )
        await polls.add_recipients(tx, poll_id, [*_PEOPLE, GROUP])
        answers = {
            (41, 41): (0, 4, "Kyllä"),
            (42, 42): (1, 5, ""),
            (44, 44): (0, 3, "Hyvä"),
            (45, 45): (1, 4, ""),
            (46, 46): (0, 2, ""),
            (GROUP, 41): (1, 4, ""),
            (GROUP, 47): (0, 5, "Ehkä"),
        }
        for (chat_id, person), (choice, scale, text) in answers.items():
            await poll_answers.save_choices(
                tx, poll_id, 0, chat_id, person, [choice], user_id=person, now=NOW
            )
            await poll_answers.save_choices(
                tx, poll_id, 1, chat_id, person, [scale], user_id=person, now=NOW
            )
            if text:
                await poll_answers.save_text(
                    tx, poll_id, 2, chat_id, person, text, user_id=person, now=NOW
                )
        await poll_answers.start_draft(tx, 42, poll_id, 2, 42, NOW)
    return poll_id


async def _figures(db: Database, poll_id: int) -> tuple[object, ...]:
    """Everything a coordinator sees: the rendered message (with every split), the CSV, and the
    numbers the /polls list shows."""
    from zoneinfo import ZoneInfo

    from bot.core.config_values import DEFAULT_THEMES
    from bot.core.i18n import Translator
    from bot.core.places import load_catalog

    poll = await polls.get(db, poll_id)
    assert poll is not None
    results = await poll_report.build(db, poll)
    t = Translator("en", ZoneInfo("Europe/Helsinki")).texts("en")
    catalog = load_catalog()
    return (
        results.asked,
        results.answered_chats,
        results.respondents,
        [
            (q.respondents, q.options, q.average, q.texts, q.by_municipality, q.by_theme)
            for q in results.questions
        ],
        poll_report_text.render(results, t, catalog, DEFAULT_THEMES, now=NOW, full=True),
        poll_report_csv.answers_csv(results, t, catalog, DEFAULT_THEMES),
        await polls.asked_count(db, poll_id),
        await polls.answered_count(db, poll_id),
    )


async def test_forget_keeps_every_figure_of_a_poll(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3", clock=lambda: float(NOW))
    try:
        poll_id = await _survey(db)
        before = await _figures(db, poll_id)
        assert before[:3] == (7, 6, 7)  # asked, answered chats, respondents
        assert before[-2:] == (7, 6)
        for person in (41, 42, 43):  # two private respondents and one who never answered
            async with db.transaction() as tx:
                await privacy.forget(tx, person, NOW)
        assert await _figures(db, poll_id) == before
        assert (
            await db.fetchval(
                "SELECT count(*) FROM poll_answers WHERE user_id IN (41, 42, 43) "
                "OR respondent IN (41, 42, 43) OR chat_id IN (41, 42, 43)"
            )
            == 0
        )
        assert await db.fetchval("SELECT count(*) FROM poll_anonymised_recipients") == 3
        # Only the respondents keep what the splits need; the one who never answered is a count.
        assert [
            tuple(r)
            for r in await db.fetchall(
                "SELECT municipality_code, themes FROM poll_anonymised_recipients "
                "ORDER BY municipality_code NULLS FIRST, themes"
            )
        ] == [(None, ""), ("167", "health"), ("167", "health youth")]
    finally:
        await db.close()


async def _rows(db: Database, poll_id: int) -> list[tuple[object, ...]]:
    found = []
    for table in ("poll_recipients", "poll_answers", "poll_messages", "poll_text_drafts"):
        found += [
            (table, *r)
            for r in await db.fetchall(f"SELECT * FROM {table} WHERE poll_id = ?", (poll_id,))
        ]
    return found


async def test_retention_anonymises_old_closed_polls_only(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3", clock=lambda: float(NOW))
    try:
        old = await _survey(db)
        async with db.transaction() as tx:
            await polls.record_message(tx, old, 0, 44, 900, None)
            await polls.record_message(tx, old, 0, GROUP, 901, None)
            await polls.close(tx, old, NOW)
        async with db.transaction() as tx:  # one person forgotten earlier: both must mix
            await privacy.forget(tx, 43, NOW)
        recent = await _survey(db, closes_at=NOW + 100 * 86400)
        async with db.transaction() as tx:
            await polls.close(tx, recent, NOW + 90 * 86400)
        figures = {p: await _figures(db, p) for p in (old, recent)}
        untouched = await _rows(db, recent)

        retention = privacy.Retention(cutoff=NOW + 86400, now=NOW + 86400, batch=1)
        async with db.transaction() as tx:
            result = await poll_answers._retain(tx, retention)
        assert result.changed > 0 and not result.more
        assert {p: await _figures(db, p) for p in (old, recent)} == figures
        assert await _rows(db, recent) == untouched
        assert (
            await db.fetchval(
                "SELECT count(*) FROM poll_answers WHERE poll_id = ?1 "
                "AND (user_id IS NOT NULL OR respondent > 0)",
                (old,),
            )
            == 0
        )
        assert [
            tuple(r)
            for r in await db.fetchall(
                "SELECT chat_id, is_group FROM poll_recipients WHERE poll_id = ? ORDER BY chat_id",
                (old,),
            )
        ] == [(GROUP, 1), (privacy.ANONYMOUS_CHAT, 0)]
        assert [
            tuple(r)
            for r in await db.fetchall(
                "SELECT chat_id FROM poll_messages WHERE poll_id = ?", (old,)
            )
        ] == [(GROUP,)]
        assert (
            await db.fetchval("SELECT count(*) FROM poll_text_drafts WHERE poll_id = ?", (old,))
            == 0
        )
        assert await db.fetchval(
            "SELECT count(*) FROM poll_anonymised_recipients WHERE poll_id = ?", (old,)
        ) == len(_PEOPLE)
        # The free-text answers are the results of their question: they stay.
        assert (
            await db.fetchval(
                "SELECT count(*) FROM poll_answers WHERE poll_id = ? AND text != ''", (old,)
            )
            == 3
        )

        # Idempotent: a second run (by the registry, as the daily job runs it) changes nothing.
        anonymised = await _rows(db, old)
        async with db.transaction() as tx:
            again = await privacy.retain(tx, retention)
        assert again == privacy.RetainResult(0, False)
        assert await _rows(db, old) == anonymised
        assert {p: await _figures(db, p) for p in (old, recent)} == figures
    finally:
        await db.close()


async def test_retention_of_polls_goes_in_batches(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3", clock=lambda: float(NOW))
    try:
        first = await _survey(db)
        second = await _survey(db)
        async with db.transaction() as tx:
            await polls.close(tx, first, NOW)
            await polls.close(tx, second, NOW)
        retention = privacy.Retention(cutoff=NOW + 1, now=NOW + 1, batch=1)
        results = []
        for _ in range(3):
            async with db.transaction() as tx:
                results.append(await poll_answers._retain(tx, retention))
        assert [r.more for r in results] == [True, False, False]
        assert results[0].changed > 0 and results[1].changed > 0 and results[2].changed == 0
    finally:
        await db.close()
