"""Breakout sessions end to end: the coordinator sets them from the event's view, "✅ Coming"
asks which session, places and waiting lists are per session, the card and the coordinator's
view and CSV split by session; bad input and forged buttons change nothing."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.callbacks import sign
from bot.events import rsvp
from storage import rsvps, sessions, subscriptions
from storage.subscriptions import Area
from tests.factories import (
    ADMIN,
    JOENSUU,
    admin_user,
    appoint,
    delivered,
    forum_fields,
    publish_delivered,
)
from tests.harness import START, BotHarness, ChatUser


async def _person(h: BotHarness, name: str, language: str) -> ChatUser:
    person = h.user(name, language_code=language)
    await person.send("/start")
    await subscriptions.replace(h.env.db, person.id, [Area("municipality", JOENSUU)], ["health"])
    return person


async def _set_sessions(coordinator: ChatUser, event_id: int, text: str) -> str:
    await coordinator.send(f"/event {event_id}")
    await coordinator.tap("🧩 Sessions")
    assert "Send the breakout sessions" in coordinator.last_message().text
    await coordinator.send(text)
    return coordinator.last_message().text


async def _stored(h: BotHarness, event_id: int) -> list[tuple[str, int | None]]:
    return [(s.title, s.capacity) for s in await sessions.for_event(h.env.db, event_id)]


async def test_people_pick_sessions_wait_for_a_full_one_and_are_promoted(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await admin.send("/start")
        coordinator = await appoint(h, admin, "Kaisa", "Joensuu")
        liisa = await _person(h, "Liisa", "fi")
        sven = await _person(h, "Sven", "sv")
        olli = await _person(h, "Olli", "en")
        fields = forum_fields(START + timedelta(days=20), capacity=30)
        event_id = await publish_delivered(h, fields, created_by=coordinator.id)

        # Bad input first: 7 sessions, a session larger than the event; nothing is stored.
        seven = "\n".join(f"Työpaja {n}; 5" for n in range(1, 8))
        assert "An event has 2–6 sessions, one a line; you sent 7." in await _set_sessions(
            coordinator, event_id, seven
        )
        await coordinator.send("Työpaja 1; 40\nTyöpaja 2; 20")
        assert (
            "Työpaja 1 has 40 places, more than the whole event (30)."
            in coordinator.last_message().text
        )
        assert await _stored(h, event_id) == []
        await coordinator.send("Työpaja 1; 1\nTyöpaja 2; 20\nTyöpaja 3")
        assert "✅ Saved: 3 sessions." in coordinator.last_message().text
        assert await _stored(h, event_id) == [
            ("Työpaja 1", 1),
            ("Työpaja 2", 20),
            ("Työpaja 3", None),
        ]
        first, second, _third = (s.id for s in await sessions.for_event(h.env.db, event_id))

        # ✅ Coming asks which session; nothing is stored until one is picked.
        await liisa.tap("✅ Tulen")
        assert liisa.last_answer() == "Mihin sessioon? Valitse alta."
        assert "Mihin tapahtuman" in liisa.last_message().text
        assert await rsvps.get(h.env.db, event_id, liisa.id) is None
        await liisa.tap("Työpaja 1 (1 vapaana)")
        assert liisa.last_answer() == "Vastauksesi: ✅ tulen, sessio Työpaja 1"
        card = liisa.messages()[-2]  # the card, refreshed above the picker
        assert "🧩 Työpaja 1: 1/1 · Työpaja 2: 0/20 · Työpaja 3: 0" in card.text

        await olli.tap("✅ Coming")
        await olli.tap("Työpaja 2 (20 left)")
        assert olli.last_answer() == "Your answer: ✅ coming, session Työpaja 2"

        # A full session: its waiting list, with the place in that session's line.
        await sven.tap("✅ Kommer")
        await sven.tap("Työpaja 1 (full: väntelista)")
        stored = await rsvps.get(h.env.db, event_id, sven.id)
        assert stored is not None and (stored.status, stored.session_id) == ("waitlist", first)
        assert sven.last_answer() == "Ditt svar: ⏳ på väntelistan, plats 1, session Työpaja 1"
        card = sven.messages()[-2]
        assert "🧩 Työpaja 1: 1/1 · Työpaja 2: 1/20 · Työpaja 3: 0" in card.text

        # Liisa changes to Työpaja 2 with one tap: Sven gets her place and is told.
        await liisa.tap("Työpaja 2 (20 vapaana)")  # her picker, as last drawn
        moved = await rsvps.get(h.env.db, event_id, liisa.id)
        assert moved is not None and (moved.status, moved.session_id) == ("yes", second)
        promoted = await rsvps.get(h.env.db, event_id, sven.id)
        assert promoted is not None and (promoted.status, promoted.session_id) == ("yes", first)
        await delivered(h)
        assert "En plats blev ledig" in sven.last_message().text

        # A session someone has chosen cannot be removed.
        text = await _set_sessions(coordinator, event_id, "Työpaja 2; 20\nTyöpaja 3")
        assert "people have chosen Työpaja 1" in text
        assert len(await _stored(h, event_id)) == 3
        await coordinator.send("/cancel")

        await coordinator.send(f"/event {event_id}")
        report = coordinator.last_message().text
        assert "By session (people coming, waiting)" in report
        assert "• Työpaja 1: 1/1, ⏳ 0" in report and "• Työpaja 2: 2/20, ⏳ 0" in report
        await coordinator.tap("📄 CSV")
        document = coordinator.last_message().document
        assert document is not None
        rows = list(csv.DictReader(io.StringIO(document.data.decode("utf-8-sig"))))
        assert {(r["name"], r["status"], r["session"]) for r in rows} == {
            ("Liisa", "yes", "Työpaja 2"),
            ("Sven", "yes", "Työpaja 1"),
            ("Olli", "yes", "Työpaja 2"),
        }


async def test_forged_and_stale_session_buttons_store_nothing(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        fields = forum_fields(START + timedelta(days=20), capacity=30)
        event_id = await publish_delivered(h, fields, created_by=None)
        other_id = await publish_delivered(h, fields, created_by=None)
        specs = [sessions.SessionSpec("A", 5), sessions.SessionSpec("B")]
        assert await sessions.replace(h.env.db, event_id, specs) == []
        assert await sessions.replace(h.env.db, other_id, specs) == []
        mine = (await sessions.for_event(h.env.db, event_id))[0].id
        theirs = (await sessions.for_event(h.env.db, other_id))[0].id
        first_card = next(m for m in liisa.messages() if m.button("✅ Tulen") is not None)
        await liisa.tap("✅ Tulen", message_id=first_card.message_id)
        picker = liisa.last_message()
        assert picker.button("A (5 vapaana)") is not None
        good = sign(h.env.key, event_id, liisa.id)

        await liisa.tap_data(picker.message_id, f"ses:{event_id}:{mine}:AAAAAAAAAA")
        assert liisa.last_answer() == "Tämä painike ei ole kelvollinen."
        await liisa.tap_data(picker.message_id, f"ses:{other_id}:{theirs}:{good}")
        assert liisa.last_answer() == "Tämä painike ei ole kelvollinen."
        # Signed for this event and chat, but the session is another event's.
        await liisa.tap_data(picker.message_id, f"ses:{event_id}:{theirs}:{good}")
        assert liisa.last_answer() == (
            "Tätä sessiota ei enää ole: napauta kortin ✅ Tulen uudelleen."
        )
        # A stale picker: its session was removed since (nobody had chosen it).
        renamed = [sessions.SessionSpec("B"), sessions.SessionSpec("C", 5)]
        assert await sessions.replace(h.env.db, event_id, renamed) == []
        await liisa.tap("A (5 vapaana)", message_id=picker.message_id)
        assert liisa.last_answer() == (
            "Tätä sessiota ei enää ole: napauta kortin ✅ Tulen uudelleen."
        )
        assert await rsvps.get(h.env.db, event_id, liisa.id) is None
        assert await rsvps.get(h.env.db, other_id, liisa.id) is None
        assert [s.title for s in await sessions.for_event(h.env.db, event_id)] == ["B", "C"]
        assert mine not in [s.id for s in await sessions.for_event(h.env.db, event_id)]


async def test_concurrent_picks_never_oversell_a_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twelve people pick a three-place session at once, through the bot and straight through
    the rules (on PostgreSQL over the pool's connections side by side): three get it. The gap
    between a tap's reads and its writes is widened, so taps that did not take turns on the
    event's row would overbook (without the row lock this fails on PostgreSQL)."""
    read = sessions.taken_sync

    def slow_read(raw: Any, event_id: int, user_id: int) -> dict[int, int]:
        taken = read(raw, event_id, user_id)
        time.sleep(0.02)
        return taken

    monkeypatch.setattr(sessions, "taken_sync", slow_read)
    async with BotHarness.start(tmp_path) as h:
        people = [await _person(h, f"P{n}", "en") for n in range(12)]
        fields = forum_fields(START + timedelta(days=20), capacity=50)
        event_id = await publish_delivered(h, fields, created_by=None)
        specs = [sessions.SessionSpec("Small", 3), sessions.SessionSpec("Big", 40)]
        assert await sessions.replace(h.env.db, event_id, specs) == []
        small = (await sessions.for_event(h.env.db, event_id))[0].id
        for person in people:
            await person.tap("✅ Coming")
        presses = [
            h.sandbox.press(
                p.chat, p.user, "Small (3 left)", message_id=p.last_message().message_id
            )
            for p in people[:6]
        ]
        await asyncio.gather(*(h.processed(u["update_id"]) for u in presses))
        await asyncio.gather(
            *(
                rsvp.answer(h.env, rsvp.Tap(event_id, p.id, p.id, "s", session_id=small))
                for p in people[6:]
            )
        )
        answers = [await rsvps.get(h.env.db, event_id, p.id) for p in people]
        assert sum(a is not None and a.status == "yes" for a in answers) == 3
        assert sum(a is not None and a.status == "waitlist" for a in answers) == 9
        positions = sorted(
            [await rsvps.waitlist_position(h.env.db, a) for a in answers if a is not None],
            key=lambda p: p or 0,
        )
        assert positions == [None] * 3 + list(range(1, 10))
        counts = await rsvps.counts(h.env.db, event_id)
        assert [(s.title, s.taken, s.waiting) for s in counts.sessions] == [
            ("Small", 3, 9),
            ("Big", 0, 0),
        ]
