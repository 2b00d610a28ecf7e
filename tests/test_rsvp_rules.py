"""The RSVP rules under long random runs of taps: what a tap reports is what is stored.

A tap reads the event's answers once, decides, and writes and counts in one more trip
(bot/events/rsvp.py),
so the answer, the waiting-list position and the counts it reports are computed, not read back.
These runs check them against the database after every tap, together with the rules' promises:
never more people coming than places, and nobody left waiting while the first in line would fit.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from bot.events import rsvp
from bot.events.service import publish
from storage import rsvps
from tests.factories import forum_fields
from tests.harness import START, BotHarness

ACTIONS: list[rsvp.Action] = ["y", "y", "y", "m", "n", "p", "p", "q"]


async def test_random_taps_report_what_is_stored_and_keep_the_rules(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        db = h.env.db
        users = [h.user(f"P{n}", language_code="en") for n in range(6)]
        for user in users:
            await user.send("/start")
        people = [user.id for user in users]
        promotions = waits = refusals = 0
        for seed in range(12):
            draw = random.Random(seed)
            capacity = draw.choice([1, 2, 3, 5])
            event_id, _ = await publish(
                h.env,
                forum_fields(START + timedelta(days=20), capacity=capacity),
                None,
            )
            for _ in range(40):
                h.clock.advance(timedelta(seconds=draw.choice([0, 1, 7])))
                person = draw.choice(people)
                action = draw.choice(ACTIONS)
                outcome = await rsvp.answer(h.env, rsvp.Tap(event_id, person, person, action))
                stored = await rsvps.get(db, event_id, person)
                if outcome.problem is not None:
                    refusals += 1
                    assert outcome.rsvp == stored  # nothing changed
                    continue
                assert outcome.rsvp == stored
                assert outcome.counts == await rsvps.counts(db, event_id)
                assert stored is not None
                assert outcome.waitlist_position == await rsvps.waitlist_position(db, stored)
                waits += stored.status == "waitlist"
                promotions += outcome.promoted

                taken = await db.fetchval(
                    "SELECT coalesce(sum(headcount), 0) FROM rsvps "
                    "WHERE event_id = ? AND status = 'yes'",
                    (event_id,),
                )
                assert taken <= capacity
                first = await db.fetchval(
                    "SELECT headcount FROM rsvps WHERE event_id = ? AND status = 'waitlist' "
                    "ORDER BY queued_at, created_at, user_id LIMIT 1",
                    (event_id,),
                )
                if first is not None:
                    assert taken + first > capacity, "the first in line would fit"
        # The runs reach every branch worth checking.
        assert promotions > 5 and waits > 10 and refusals > 5
        await h.services.delivery.wait_idle()
        told = sum(
            "A place freed up" in message.text for user in users for message in user.messages()
        )
        assert told == promotions  # each promoted person is told, once


async def test_one_cancellation_can_promote_several_in_line(tmp_path: Path) -> None:
    """Three places held by one yes (+2): when it becomes a no, the first three in line move up
    in order and the fourth keeps waiting, now first in line."""
    async with BotHarness.start(tmp_path) as h:
        db = h.env.db
        users = [h.user(f"P{n}", language_code="en") for n in range(5)]
        for user in users:
            await user.send("/start")
        holder, *queue = [user.id for user in users]
        event_id, _ = await publish(
            h.env, forum_fields(START + timedelta(days=20), capacity=3), None
        )

        async def tap(person: int, action: rsvp.Action) -> rsvp.Outcome:
            h.clock.advance(timedelta(seconds=1))
            return await rsvp.answer(h.env, rsvp.Tap(event_id, person, person, action))

        await tap(holder, "p")  # yes with 2 people
        await tap(holder, "p")  # 3 people: full
        for person in queue:
            assert (await tap(person, "y")).rsvp.status == "waitlist"  # type: ignore[union-attr]
        outcome = await tap(holder, "n")
        assert outcome.promoted == 3
        statuses = [(await rsvps.get(db, event_id, p)).status for p in queue]  # type: ignore[union-attr]
        assert statuses == ["yes", "yes", "yes", "waitlist"]
        last = await rsvps.get(db, event_id, queue[-1])
        assert last is not None and await rsvps.waitlist_position(db, last) == 1


async def test_a_place_number_once_told_never_moves_back_within_one_second(
    tmp_path: Path,
) -> None:
    """Joins of the waiting list in one second keep their order of arrival, whatever the user
    ids: each person's number is the one they were told, and stays so."""
    async with BotHarness.start(tmp_path) as h:
        db = h.env.db
        users = [h.user(f"P{n}", language_code="en") for n in range(5)]
        for user in users:
            await user.send("/start")
        event_id, _ = await publish(
            h.env, forum_fields(START + timedelta(days=20), capacity=1), None
        )
        holder, *queue = [user.id for user in users]
        await rsvp.answer(h.env, rsvp.Tap(event_id, holder, holder, "y"))
        told: dict[int, int | None] = {}
        for person in sorted(queue, reverse=True):  # the highest user id first, same second
            outcome = await rsvp.answer(h.env, rsvp.Tap(event_id, person, person, "y"))
            told[person] = outcome.waitlist_position
        assert list(told.values()) == [1, 2, 3, 4]
        for person, position in told.items():
            stored = await rsvps.get(db, event_id, person)
            assert stored is not None and await rsvps.waitlist_position(db, stored) == position
        # The first in line is the first who arrived, and moves up when the place frees.
        await rsvp.answer(h.env, rsvp.Tap(event_id, holder, holder, "n"))
        first = max(queue)
        assert (await rsvps.get(db, event_id, first)).status == "yes"  # type: ignore[union-attr]
