"""Three `python -m bot run --webhook` processes on one PostgreSQL database, behind a round-robin
forwarder (tools/cluster.py), driven as people through the Bot API stand-in.

One cluster serves the whole module (starting it costs seconds); each test makes its own people.
What is asserted is what people see (the stand-in's chats, the answers to their taps) and what is
stored: updates are handled wherever they land, wizards continue across processes, a broadcast
arrives exactly once, a capped event's places and waiting list stay exact across processes, and a
leader killed mid-broadcast loses nothing and duplicates at most what it had in flight.
"""

from __future__ import annotations

import functools
import inspect
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.delivery.worker import DeliveryWorker
from tests.pg_fixtures import _new_database
from tools.cluster import ROOT, Cluster, child_env, leader_lock_holders

ADMIN = 4_200_000
# The worker's default: at most this many sends in flight, so at most this many may arrive
# twice when the leader dies (bot/delivery/worker.py).
IN_FLIGHT: int = inspect.signature(DeliveryWorker).parameters["concurrency"].default
EXTRA = f'[bot]\nadmins = [{ADMIN}]\n[reminders]\nquiet_hours = ""\n'


@pytest.fixture(scope="module")
def cluster(
    postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    url = _new_database(postgres_server_url)
    directory = tmp_path_factory.mktemp("cluster")
    with Cluster.start(directory, database=url, processes=3, extra_config=EXTRA) as running:
        running.add_user("Admin", "en", user_id=ADMIN)
        yield running


def _query(cluster: Cluster, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(cluster.database, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def _cli(cluster: Cluster, *arguments: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *arguments, "--config", str(cluster.config_path)],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _each(cluster: Cluster, people: list[int], check: Callable[[int], object], what: str) -> None:
    """Wait until `check(person)` holds for every one of `people`."""
    for person in people:
        try:
            cluster.wait_for(functools.partial(check, person), f"{what} in chat {person}")
        except AssertionError as timed_out:
            raise AssertionError(f"{timed_out}\n{cluster.diagnose()}") from None


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    return {b["text"]: b["action"] for row in message["buttons"] for b in row}


def _has_button(cluster: Cluster, chat_id: int, label: str) -> bool:
    return any(label in _buttons(m) for m in cluster.messages(chat_id))


def _copies(cluster: Cluster, chat_id: int, text: str) -> int:
    return sum(1 for m in cluster.messages(chat_id) if text in (m["text"] or ""))


def _settled(cluster: Cluster) -> bool:
    """Nothing left to send: every outbox row has its outcome."""
    rows = _query(cluster, "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')")
    return bool(rows[0][0] == 0)


def _publish_event(cluster: Cluster, tmp: Path, title: str, capacity: str) -> int:
    """An event published as the admin through `events import --publish`, a month ahead."""
    start = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")
    csv = tmp / f"{title}.csv"
    csv.write_text(
        "title,kind,start,end,place,online_url,municipalities,themes,capacity,rsvp_deadline,"
        f"description\n{title},forum,{start} 18:00,2 h,Carelicum,,Joensuu,health,{capacity},,"
        "Tervetuloa\n",
        encoding="utf-8",
    )
    return int(_cli(cluster, "events", "import", str(csv), "--publish").split()[-1])


def _people_with_cards(cluster: Cluster, event_id: int, count: int, name: str) -> list[int]:
    """`count` new people who opened the event's card by its deep link (RSVP buttons)."""
    people = [cluster.add_user(f"{name}{n}", "en") for n in range(count)]
    for person in people:
        cluster.send(person, f"/start ev_{event_id}")
    _each(cluster, people, lambda p: _has_button(cluster, p, "✅ Coming"), "a card")
    return people


def _coming_taps(cluster: Cluster, people: list[int]) -> list[dict[str, Any]]:
    taps = []
    for person in people:
        card = next(m for m in cluster.messages(person) if "✅ Coming" in _buttons(m))
        data = _buttons(card)["✅ Coming"]
        taps.append({"chat_id": person, "user_id": person, "message_id": card["message_id"]})
        taps[-1]["data"] = data
    return taps


WIZARD = [
    ("Pohjois-Karjala", "Joensuu"),
    ("Joensuu", "✓ Joensuu"),
    ("Seuraavaksi: teemat »", "Terveys"),
    ("Terveys", "✓ Terveys"),
    ("Seuraavaksi: yhteenveto »", "✅ Tallenna"),
]


def test_updates_spread_and_wizards_continue_across_processes(cluster: Cluster) -> None:
    before = cluster.handled()
    routed_before = len(cluster.forwarder.routes)
    people = [cluster.add_user(f"Tilaaja{n}", "fi") for n in range(5)]
    for person in people:  # five people side by side: their steps interleave
        cluster.send(person, "/subscribe")
    _each(cluster, people, lambda p: _has_button(cluster, p, "Pohjois-Karjala"), "a menu")
    for label, then in WIZARD:
        for person in people:
            cluster.press(person, label)
        _each(cluster, people, functools.partial(_has_button, cluster, label=then), then)
    for person in people:
        cluster.press(person, "✅ Tallenna")
    _each(cluster, people, lambda p: _copies(cluster, p, "Tilaus tallennettu"), "saved")

    after = cluster.handled()
    assert all(after[i] > before[i] for i in after), (before, after)  # every process took some
    routes = cluster.forwarder.routes[routed_before:]
    for person in people:
        ports = {port for port, user in routes if user == person}
        assert len(ports) >= 2, f"one person's wizard stayed in one process: {ports}"
        # Exactly one menu message, edited in place at every step, and nothing twice.
        messages = cluster.messages(person)
        assert len(messages) == 1, [m["text"] for m in messages]
        assert messages[0]["edits"] == len(WIZARD) + 1
    stored = _query(
        cluster,
        "SELECT chat_id, count(*) FROM subscription_areas WHERE chat_id = ANY(%s) GROUP BY 1",
        people,
    )
    assert sorted(stored) == sorted((p, 1) for p in people)
    assert leader_lock_holders(cluster.database) == 1


def test_a_broadcast_arrives_exactly_once(cluster: Cluster) -> None:
    subscribed = [
        row[0]
        for row in _query(cluster, "SELECT DISTINCT chat_id FROM subscription_areas ORDER BY 1")
    ]
    assert len(subscribed) >= 5
    text = "Tiedote kaikille: kevään foorumi"
    output = _cli(cluster, "announce", "--all", "--text", text)
    assert f"audience: {len(subscribed)} chats" in output
    _each(cluster, subscribed, lambda c: _copies(cluster, c, text), "the announcement")
    cluster.wait_for(lambda: _settled(cluster), "the outbox to settle")
    assert {chat: _copies(cluster, chat, text) for chat in subscribed} == dict.fromkeys(
        subscribed, 1
    )


def test_capped_event_taps_over_three_processes(cluster: Cluster, tmp_path: Path) -> None:
    event_id = _publish_event(cluster, tmp_path, "Foorumi5", "5")
    people = _people_with_cards(cluster, event_id, 20, "Tulija")
    before = cluster.handled()
    answers = cluster.control("taps", {"taps": _coming_taps(cluster, people), "wait": 30})
    after = cluster.handled()
    assert all(after[i] > before[i] for i in after), (before, after)  # taps went to all three

    coming = "Your answer: ✅ coming"
    waiting = {f"Your answer: ⏳ on the waiting list, number {n}" for n in range(1, 16)}
    texts = Counter(answer["text"] for answer in answers)
    assert texts[coming] == 5, texts
    # Everyone answered, and each waiting-list number was told once: a later tap never steps
    # ahead of an earlier one, also within one second and across processes.
    assert texts == Counter({coming: 5, **dict.fromkeys(waiting, 1)}), texts
    stored = dict(
        _query(
            cluster, "SELECT status, count(*) FROM rsvps WHERE event_id = %s GROUP BY 1", event_id
        )
    )
    assert stored == {"yes": 5, "waitlist": 15}
    # What each person was told is what is stored for them.
    status = dict(
        _query(cluster, "SELECT user_id, status FROM rsvps WHERE event_id = %s", event_id)
    )
    for person, answer in zip(people, answers, strict=True):
        assert (status[person] == "yes") == (answer["text"] == coming), (person, answer)


def test_leader_killed_mid_broadcast(cluster: Cluster, tmp_path: Path) -> None:
    event_id = _publish_event(cluster, tmp_path, "Iltakoulu", "")
    people = _people_with_cards(cluster, event_id, 60, "Kuulija")
    cluster.control("taps", {"taps": _coming_taps(cluster, people), "wait": 30})
    cluster.wait_for(lambda: _settled(cluster), "the card updates to settle")
    leader = cluster.leader()
    assert leader_lock_holders(cluster.database) == 1

    cluster.fault("latency", {"ms": 300})  # about nine sends in flight at 30 a second
    text = "Muutos: ilta siirtyy"
    assert "audience: 60 chats" in _cli(
        cluster, "announce", "--event", str(event_id), "--text", text
    )
    sent = "SELECT count(*) FROM outbox WHERE state = 'sent' AND broadcast_id IS NOT NULL"
    base = _query(cluster, sent)[0][0]
    cluster.wait_for(lambda: _query(cluster, sent)[0][0] >= base + 10, "the broadcast to start")
    leader.kill()
    assert _query(cluster, sent)[0][0] < base + 60, "the broadcast ended before the kill"

    successor = cluster.wait_for_leader(timeout=15)
    assert successor is not leader
    cluster.fault("latency", {"ms": 0})
    _each(cluster, people, lambda p: _copies(cluster, p, text), "the announcement")
    cluster.wait_for(lambda: _settled(cluster), "the outbox to settle")
    copies = Counter(_copies(cluster, person, text) for person in people)
    assert set(copies) <= {1, 2}, copies  # nobody missed it, nobody got it three times
    assert copies[2] <= IN_FLIGHT, copies
    assert leader_lock_holders(cluster.database) == 1
