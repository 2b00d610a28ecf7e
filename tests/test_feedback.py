"""Feedback: storage (rounds, answers, drafts, aggregates), the service's checks and the
coordinator's report (suppressed small splits, anonymous CSV, PNG chart)."""

from __future__ import annotations

import csv
import io
import sqlite3
import struct
import zlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.callbacks import decode, verify
from bot.core.config import Config, StorageSettings
from bot.core.i18n import Translator
from bot.core.places import load_catalog
from bot.environment import Environment
from bot.feedback import report as feedback_report
from bot.feedback import service
from storage import chats, events, feedback, outbox, rsvps, users
from storage.db import Database
from storage.events import Event, NewEvent
from storage.feedback import AnonymousAnswer, Round, Totals
from storage.rsvps import Rsvp, Status

T0 = 1_795_000_000  # a fixed "now" for the database clock
JOENSUU, KUOPIO, LIPERI = "167", "297", "426"
KEY = b"k" * 32


class Clock:
    def __init__(self) -> None:
        self.now = float(T0)

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Environment]:
    clock = Clock()
    db = await Database.open(tmp_path / "fb.sqlite3", clock=clock)
    config = Config(storage=StorageSettings(path=tmp_path / "fb.sqlite3"))
    translator = Translator("fi", ZoneInfo("Europe/Helsinki"))
    yield Environment(config, db, translator, load_catalog(), KEY)
    await db.close()


def _clock(env: Environment) -> Clock:
    clock = env.db._clock
    assert isinstance(clock, Clock)
    return clock


async def _event(env: Environment, title: str = "Järjestöfoorumi") -> Event:
    new = NewEvent(
        kind="forum",
        title=title,
        description="",
        starts_at=T0 + 3600,
        ends_at=T0 + 7200,
        timezone="Europe/Helsinki",
        place="Carelicum",
        online_url="",
        capacity=None,
        rsvp_deadline=None,
        reminders=(),
        municipalities=(JOENSUU,),
        themes=("health",),
    )
    async with env.db.transaction() as tx:
        event_id = await events.create(tx, new, created_by=None, now=T0)
        await events.mark_published(tx, event_id, None, T0)
    event = await events.get(env.db, event_id)
    assert event is not None
    return event


async def _person(
    env: Environment,
    event: Event,
    user_id: int,
    status: Status,
    *,
    language: str = "fi",
    association: str | None = None,
    municipality: str | None = None,
    chat_id: int | None = None,
) -> None:
    await users.upsert(env.db, user_id, f"Person{user_id}", None, f"user{user_id}", language)
    await chats.upsert(env.db, user_id, "private", None)
    if chat_id is not None:
        await chats.upsert(env.db, chat_id, "group", "Kylä")
    answer = Rsvp(
        event.id, user_id, chat_id or user_id, status, 1, association, municipality, None, T0, T0
    )
    await env.db.write(lambda raw: rsvps.store_tap_sync(raw, event.id, [answer]))


async def _open(env: Environment, event: Event) -> int:
    async with env.db.transaction() as tx:
        return await service.open_round(env, tx, event, env.db.now())


# Storage


async def test_round_is_created_once(env: Environment) -> None:
    event = await _event(env)
    async with env.db.transaction() as tx:
        assert await feedback.create_round(tx, event.id, opened_at=T0, closes_at=T0 + 10, asked=3)
        assert not await feedback.create_round(
            tx, event.id, opened_at=T0 + 5, closes_at=T0 + 99, asked=9
        )
    assert await feedback.get_round(env.db, event.id) == Round(event.id, T0, T0 + 10, 3)
    assert await feedback.get_round(env.db, event.id + 1) is None


async def test_answers_replace_and_combine(env: Environment) -> None:
    event = await _event(env)
    async with env.db.transaction() as tx:
        kw = {"association": "Kyläyhdistys", "municipality_code": JOENSUU, "now": T0}
        await feedback.save_rating(tx, event.id, 1, 2, **kw)  # type: ignore[arg-type]
        await feedback.save_rating(tx, event.id, 1, 5, **kw)  # type: ignore[arg-type]
        await feedback.save_attended(tx, event.id, 1, True, **kw)  # type: ignore[arg-type]
        await feedback.save_comment(tx, event.id, 1, "Hyvä!", **kw)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="rating"):
            await feedback.save_rating(tx, event.id, 1, 6, **kw)  # type: ignore[arg-type]
    answer = await feedback.get_answer(env.db, event.id, 1)
    assert answer is not None
    assert (answer.rating, answer.attended, answer.comment) == (5, True, "Hyvä!")
    assert answer.association == "Kyläyhdistys" and answer.municipality_code == JOENSUU
    totals = await feedback.totals(env.db, event.id)
    assert totals == Totals(1, (0, 0, 0, 0, 1), 1, 0)


async def test_the_schema_refuses_a_long_comment(env: Environment) -> None:
    event = await _event(env)
    with pytest.raises(sqlite3.IntegrityError):
        async with env.db.transaction() as tx:
            await feedback.save_comment(
                tx, event.id, 1, "x" * 1001, association=None, municipality_code=None, now=T0
            )
    assert await feedback.get_answer(env.db, event.id, 1) is None


async def test_drafts(env: Environment) -> None:
    event = await _event(env)
    await feedback.start_draft(env.db, 5, event.id, T0)
    await feedback.start_draft(env.db, 5, event.id, T0 + 1)  # a newer button replaces it
    draft = await feedback.get_draft(env.db, 5)
    assert draft is not None and (draft.event_id, draft.created_at) == (event.id, T0 + 1)
    assert await feedback.clear_draft(env.db, 5)
    assert not await feedback.clear_draft(env.db, 5)
    assert await feedback.get_draft(env.db, 5) is None


async def test_anonymous_answers_have_no_authors_and_follow_content(env: Environment) -> None:
    event = await _event(env)
    async with env.db.transaction() as tx:
        for user_id, rating, comment in [(9, 4, "b"), (1, 2, "z"), (5, 4, "a")]:
            await feedback.save_rating(
                tx, event.id, user_id, rating, association=None, municipality_code=None, now=T0
            )
            await feedback.save_comment(
                tx, event.id, user_id, comment, association=None, municipality_code=None, now=T0
            )
    found = await feedback.anonymous_answers(env.db, event.id)
    assert [(a.rating, a.comment) for a in found] == [(2, "z"), (4, "a"), (4, "b")]
    assert not hasattr(found[0], "user_id")
    totals = await feedback.totals(env.db, event.id)
    assert totals.responses == 3 and totals.average == pytest.approx(10 / 3)


# Service


async def test_open_round_asks_yes_and_maybe_once_in_their_language(env: Environment) -> None:
    event = await _event(env, "Foorumi <kevät>")
    await _person(env, event, 1, "yes")
    await _person(env, event, 2, "maybe", language="sv")
    await _person(env, event, 3, "no")
    await _person(env, event, 4, "waitlist")
    await _person(env, event, 5, "yes", chat_id=-100)  # answered in a group: no private chat
    await env.db.execute("UPDATE chats SET active = 0 WHERE id = 5")

    assert await _open(env, event) == 3
    assert await _open(env, event) == 0  # idempotent
    round_ = await feedback.get_round(env.db, event.id)
    assert round_ is not None
    assert round_.asked == 3
    assert round_.closes_at == T0 + int(timedelta(days=7).total_seconds())
    rows = await env.db.fetchall("SELECT chat_id, kind, params FROM outbox ORDER BY chat_id")
    assert [(r["chat_id"], r["kind"]) for r in rows] == [
        (-100, "feedback"),
        (1, "feedback"),
        (2, "feedback"),
    ]
    due = await outbox.due(env.db, T0 + 1, 10)
    by_chat = {row.chat_id: row.params for row in due}
    assert "Kuinka hyödyllinen tilaisuus Foorumi &lt;kevät&gt; oli?" in by_chat[1]["text"]
    assert "Hur nyttigt var Foorumi &lt;kevät&gt;?" in by_chat[2]["text"]
    buttons = by_chat[-100]["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["1", "2", "3", "4", "5"]
    data = decode(buttons[3]["callback_data"])
    assert data is not None and data.area == "fb" and data.parts[:2] == (str(event.id), "r4")
    assert verify(KEY, event.id, -100, data.part(2))
    assert not verify(KEY, event.id, 1, data.part(2))


async def test_rating_rules(env: Environment) -> None:
    event = await _event(env)
    await _person(env, event, 1, "yes", association="Kyläyhdistys", municipality=LIPERI)
    await _person(env, event, 3, "no")

    early = await service.rate(env, event.id, 1, 4)
    assert early.problem == "not_open"
    await _open(env, event)
    assert (await service.rate(env, event.id, 1, 4)).problem is None
    second = await service.rate(env, event.id, 1, 2)
    assert second.answer is not None and second.answer.rating == 2
    assert second.answer.association == "Kyläyhdistys"
    assert second.answer.municipality_code == LIPERI
    assert (await service.rate(env, event.id, 3, 5)).problem == "not_invited"
    assert (await service.rate(env, event.id, 77, 5)).problem == "not_invited"
    assert await feedback.get_answer(env.db, event.id, 3) is None
    assert (await service.rate(env, event.id + 5, 1, 5)).problem == "gone"
    assert (await service.save_attended(env, event.id, 1, False)).answer.attended is False  # type: ignore[union-attr]

    _clock(env).now += timedelta(days=7).total_seconds()
    assert (await service.rate(env, event.id, 1, 5)).problem == "closed"
    assert (await service.save_attended(env, event.id, 1, True)).problem == "closed"
    answer = await feedback.get_answer(env.db, event.id, 1)
    assert answer is not None and (answer.rating, answer.attended) == (2, False)


async def test_comment_rules(env: Environment) -> None:
    event = await _event(env)
    await _person(env, event, 1, "maybe")
    await _open(env, event)
    assert (await service.save_comment(env, 1, "no draft")).problem == "no_draft"
    assert (await service.start_comment(env, event.id, 2)).problem == "not_invited"
    assert await feedback.get_draft(env.db, 2) is None

    assert (await service.start_comment(env, event.id, 1)).problem is None
    assert (await service.save_comment(env, 1, "x" * 5000)).problem == "too_long"
    assert (await service.save_comment(env, 1, "   ")).problem == "empty"
    assert (await service.save_comment(env, 1, None)).problem == "empty"
    assert await feedback.get_answer(env.db, event.id, 1) is None
    assert await feedback.get_draft(env.db, 1) is not None  # the shorter one may follow

    saved = await service.save_comment(env, 1, "  Kiitos, hyvä ilta!  ")
    assert saved.answer is not None and saved.answer.comment == "Kiitos, hyvä ilta!"
    assert saved.answer.rating is None
    assert await feedback.get_draft(env.db, 1) is None
    assert (await service.save_comment(env, 1, "again")).problem == "no_draft"

    assert (await service.start_comment(env, event.id, 1)).problem is None
    assert await service.drop_comment(env, 1)
    assert not await service.drop_comment(env, 1)


# Report


def _answers(*rows: tuple[int, str | None, str | None]) -> list[AnonymousAnswer]:
    return [AnonymousAnswer(r, None, "", a, m) for r, m, a in rows]


def test_split_hides_small_groups() -> None:
    result = feedback_report.split(
        [("A", 5)] * 3 + [("B", 4)] * 4 + [("C", 1)] * 2 + [("D", 2)] * 1, "others"
    )
    assert [(r.label, r.answers) for r in result.rows] == [("B", 4), ("A", 3)]
    assert result.others is not None and result.others.answers == 3
    assert result.others.average == pytest.approx(4 / 3)

    # "others" would be 1 answer: the smallest shown group joins it, so nothing is derivable.
    merged = feedback_report.split([("A", 5)] * 4 + [("B", 3)] * 3 + [("C", 1)], "others")
    assert [(r.label, r.answers) for r in merged.rows] == [("A", 4)]
    assert merged.others is not None and merged.others.answers == 4

    tiny = feedback_report.split([("A", 5), ("A", 4), ("B", 1)], "others")
    assert tiny.rows == () and tiny.others is None and tiny.too_small

    exact = feedback_report.split([("A", 5)] * 3, "others")
    assert [(r.label, r.answers) for r in exact.rows] == [("A", 3)] and exact.others is None


def _results(answers: list[AnonymousAnswer], asked: int = 10) -> feedback_report.Results:
    distribution = [0] * 5
    for a in answers:
        if a.rating is not None:
            distribution[a.rating - 1] += 1
    totals = Totals(
        sum(distribution),
        tuple(distribution),  # type: ignore[arg-type]
        sum(a.attended is True for a in answers),
        sum(a.attended is False for a in answers),
    )
    return feedback_report.Results(Round(1, T0, T0 + 100, asked), totals, tuple(answers))


async def test_render_shows_rate_distribution_splits_and_sorted_comments(env: Environment) -> None:
    event = await _event(env)
    answers = [
        AnonymousAnswer(5, True, "Zumba oli paras", "Kyläyhdistys", JOENSUU),
        AnonymousAnswer(4, True, "", "Kyläyhdistys", JOENSUU),
        AnonymousAnswer(4, False, "", "Kyläyhdistys", JOENSUU),
        AnonymousAnswer(2, None, "aika oli huono", None, KUOPIO),
        AnonymousAnswer(3, None, "", None, LIPERI),
        AnonymousAnswer(1, None, "", None, None),
        AnonymousAnswer(None, True, "Ei arviota", None, None),
    ]
    t = env.translator.texts("en")
    text = feedback_report.render(
        event, _results(answers, asked=8), t, env.catalog, now=T0, due_at=None
    )
    assert "Answers: 6 of 8 asked (75%)" in text
    assert "Average: 3.2 / 5" in text
    assert "5 ██████ 1\n4 ████████████ 2\n3 ██████ 1\n2 ██████ 1\n1 ██████ 1" in text
    assert "Attended: 3 yes, 1 no" in text
    assert "• Joensuu: 3 answers, average 4.3" in text
    assert "• Others (groups with fewer than 3 answers): 3 answers, average 2\n" in text
    assert "Kuopio" not in text and "Liperi" not in text  # one answer each: merged
    assert "• Kyläyhdistys: 3 answers, average 4.3" in text
    assert "• no association: 3 answers, average 2\n" in text
    comments = [line for line in text.splitlines() if line.startswith("• “")]
    assert comments == ["• “aika oli huono”", "• “Ei arviota”", "• “Zumba oli paras”"]
    assert "The questionnaire is open until" in text

    fi = feedback_report.render(
        event, _results(answers, asked=8), env.translator.texts("fi"), env.catalog, now=T0 + 100
    )
    assert "Vastauksia: 6/8 kysytyistä (75 %)" in fi and "Keskiarvo: 3,2/5" in fi
    assert "Kysely sulkeutui" in fi

    none = feedback_report.Results(None, Totals(0, (0, 0, 0, 0, 0), 0, 0), ())
    waiting = feedback_report.render(event, none, t, env.catalog, now=T0, due_at=T0 + 7200)
    assert "The questionnaire has not been sent yet; it goes out" in waiting


async def test_csv_is_anonymous_sorted_and_generalizes_small_groups(env: Environment) -> None:
    await users.upsert(env.db, 4242, "Secret", "Name", "secretname", "fi")
    answers = [
        AnonymousAnswer(5, True, "=HYPERLINK(1)", "Kyläyhdistys", JOENSUU),
        AnonymousAnswer(3, True, "", "Kyläyhdistys", JOENSUU),
        AnonymousAnswer(4, False, "ok", "Kyläyhdistys", JOENSUU),
        AnonymousAnswer(2, None, "", None, JOENSUU),
        AnonymousAnswer(2, True, "", None, JOENSUU),
        AnonymousAnswer(3, None, "", None, JOENSUU),
        AnonymousAnswer(1, None, "", "Pieni seura", KUOPIO),
        AnonymousAnswer(1, None, "", "Toinen seura", KUOPIO),
        AnonymousAnswer(2, None, "", "Kolmas seura", KUOPIO),
    ]
    t = env.translator.texts("en")
    data = feedback_report.answers_csv(_results(answers), t, env.catalog)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["rating", "attended", "comment", "municipality", "association"]
    assert [r["rating"] for r in rows] == sorted(r["rating"] for r in rows)
    assert Counter((r["municipality"], r["association"]) for r in rows) == {
        ("Joensuu", "Kyläyhdistys"): 3,
        ("Joensuu", "no association"): 3,
        ("Kuopio", "others"): 3,
    }
    assert "seura" not in text  # associations with one answer each
    assert next(r for r in rows if r["rating"] == "5")["comment"] == "'=HYPERLINK(1)"
    for secret in ("4242", "Secret", "secretname", "user"):
        assert secret not in text

    # One answer from Kuopio, one from "Pieni seura": every column generalizes.
    few = answers[:3] + answers[6:7] + answers[3:4]
    rows = list(
        csv.DictReader(
            io.StringIO(
                feedback_report.answers_csv(_results(few), t, env.catalog).decode("utf-8-sig")
            )
        )
    )
    assert {(r["municipality"], r["association"]) for r in rows} == {("others", "others")}


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    crc = struct.unpack(">I", data[29:33])[0]
    assert zlib.crc32(data[12:29]) == crc
    return width, height


async def test_chart_is_a_png(env: Environment) -> None:
    event = await _event(env, "Järjestöfoorumi <hyvinvointi> 🌿 $x$")
    totals = Totals(6, (0, 1, 1, 3, 1), 4, 1)
    for language in ("fi", "sv", "en"):
        png = feedback_report.chart_png(event, totals, env.translator.texts(language))
        assert _png_size(png) == (640, 400)
        assert png.endswith(b"IEND\xaeB`\x82")
    empty = feedback_report.chart_png(
        event, Totals(0, (0, 0, 0, 0, 0), 0, 0), env.translator.texts("en")
    )
    assert _png_size(empty) == (640, 400)


async def test_a_cancelled_event_gets_no_round(env: Environment) -> None:
    event = await _event(env)
    await _person(env, event, 1, "yes")
    async with env.db.transaction() as tx:
        await events.cancel(tx, event.id, T0)
    cancelled = await events.get(env.db, event.id)
    assert cancelled is not None and cancelled.state == "cancelled"
    assert await _open(env, cancelled) == 0
    assert await feedback.get_round(env.db, event.id) is None
    assert await env.db.fetchval("SELECT count(*) FROM outbox") == 0
