"""Volunteer call sign-up benchmark: a call with 20 shifts of 25 places sent to 2000 chats,
then sign-up taps on its most popular shifts through the real Application.

    python bench/shifts.py [--people N] [--rate TAPS_PER_S] [--seconds S] [--popular K]

The structure and helpers are bench/rsvp.py's (the stand-in in its own process, the bot's
Application with long polling in this one, taps injected by the stand-in at a fixed rate and
timed to the bot's answerCallbackQuery). Tap n is person n mod N tapping shift n mod K of the
K most popular: the first round signs everyone up (25 places each, the rest onto the waiting
lists), a second round by the same people on the same shifts cancels, which promotes the first
waiting. Afterwards it checks the goals: places never oversold (no shift over its places, and
every shift full while anyone waits), tap p95 < 100 ms, and promotions in order (nobody who
still waits arrived before anyone who got a place; the waiting lists' queue times strictly
increase). Prints the ratios to the goals (≥ 1 meets it).

Tap latency is measured by the stand-in, on its own clock, from the moment the tap is queued
for the bot's getUpdates (the long poll's pick-up included) to the bot's answerCallbackQuery
for it: the answer the person sees (the toast or alert), not the card's edit that follows it.
The edits still count: each holds one of the bot's side-by-side update slots until Telegram
answers it, so slow edits delay later taps. A cancel of a waiting place leaves the card as it
was: the bot does not edit it (handlers/volunteering/shifts.py), and a 400 such as "message is
not modified" comes back at once (bot/delivery/ratelimit.py does not retry it); before both, the
cancel round queued the taps for ~18 s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import ClientSession, ClientTimeout

from bench.rsvp import GOAL_P95_MS, StandIn, _config, control, measure, stand_in_process
from bot.app import build_application
from bot.runtime.runner import running
from bot.volunteering.calls import NewCall, NewShift, publish
from storage import chats, subscriptions
from storage.db import Database
from storage.subscriptions import Area
from tests.factories import JOENSUU

GOAL_RATE = 300.0
SHIFTS, PLACES = 20, 25


async def _publish(
    session: ClientSession, stand_in: StandIn, services: Any, people: int
) -> tuple[int, list[tuple[int, int, list[str]]]]:
    """`people` subscribers, the call published to them; each one's card: chat, message and
    its shift buttons' data."""
    chat_ids = []
    for i in range(people):
        made = await control(session, stand_in, "POST", "/users", {"first_name": f"V{i}"})
        chat_id = int(made["chat_id"])
        chat_ids.append(chat_id)
        await chats.upsert(services.env.db, chat_id, "private", None)
        await subscriptions.replace(
            services.env.db, chat_id, [Area("municipality", JOENSUU)], ["health"]
        )
    day = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0) + timedelta(days=10)
    shifts = tuple(
        NewShift(day + timedelta(hours=h), day + timedelta(hours=h + 1), PLACES)
        for h in range(SHIFTS)
    )
    call = NewCall("Messut", "Benchmark", "", (JOENSUU,), ("health",), shifts)
    call_id, _reached = await publish(services.env, call, created_by=1)
    services.delivery.wake()
    await services.delivery.wait_idle(timeout=300)
    cards = []
    for chat_id in chat_ids:
        messages = await control(session, stand_in, "GET", f"/chats/{chat_id}/messages")
        card = messages[-1]
        cards.append(
            (chat_id, card["message_id"], [row[0]["action"] for row in card["buttons"][:SHIFTS]])
        )
    return call_id, cards


def _planned_taps(
    cards: list[tuple[int, int, list[str]]], rate: float, seconds: float, popular: int
) -> list[dict[str, Any]]:
    taps = []
    for n in range(max(1, round(rate * seconds))):
        chat_id, message_id, data = cards[n % len(cards)]
        shift = (n % len(cards)) % popular
        taps.append(
            {"chat_id": chat_id, "user_id": chat_id, "message_id": message_id, "data": data[shift]}
        )
    return taps


async def check(db: Database, call_id: int) -> tuple[int, int, list[str]]:
    """(most places taken in one shift, promotions, what is wrong)."""
    wrong = []
    most = 0
    rows = await db.fetchall(
        "SELECT s.id, s.places, g.status, g.created_at, g.queued_at FROM call_shifts s "
        "JOIN shift_signups g ON g.shift_id = s.id WHERE s.call_id = ? ORDER BY s.id",
        (call_id,),
    )
    by_shift: dict[int, list[Any]] = {}
    for row in rows:
        by_shift.setdefault(row[0], []).append(row)
    for shift_id, signed in by_shift.items():
        places = signed[0][1]
        yes = [r for r in signed if r[2] == "yes"]
        waiting = sorted((r for r in signed if r[2] == "waitlist"), key=lambda r: r[4])
        most = max(most, len(yes))
        if len(yes) > places:
            wrong.append(f"shift {shift_id}: {len(yes)} people in {places} places")
        if waiting and len(yes) < places:
            wrong.append(f"shift {shift_id}: a free place while {len(waiting)} wait")
        if yes and waiting and max(r[3] for r in yes) > min(r[3] for r in waiting):
            wrong.append(f"shift {shift_id}: someone who arrived later got a place first")
        queued = [r[4] for r in waiting]
        if queued != sorted(set(queued)):
            wrong.append(f"shift {shift_id}: waiting list times not strictly increasing")
    # A place held now, written after the row was made: promoted from the waiting list.
    promoted = int(
        await db.fetchval(
            "SELECT count(*) FROM shift_signups g JOIN call_shifts s ON s.id = g.shift_id "
            "WHERE s.call_id = ? AND g.status = 'yes' AND g.updated_at > g.created_at",
            (call_id,),
        )
        or 0
    )
    return most, promoted, wrong


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=GOAL_RATE)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--popular", type=int, default=3, help="shifts the taps go to")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        async with stand_in_process() as stand_in:
            application = build_application(_config(stand_in, Path(tmp)))
            async with (
                ClientSession(timeout=ClientTimeout(total=None)) as session,
                running(application, poll_timeout=1),
            ):
                services = application.bot_data.services
                assert services is not None
                call_id, cards = await _publish(session, stand_in, services, args.people)
                taps = _planned_taps(cards, args.rate, args.seconds, args.popular)
                result = await measure(session, stand_in, taps, args.rate)
                most, promoted, wrong = await check(services.env.db, call_id)
    print(
        f"a call of {SHIFTS} shifts × {PLACES} places sent to {args.people} chats; "
        f"{result.taps} taps at {args.rate:.0f}/s for {args.seconds:g} s on the "
        f"{args.popular} most popular shifts",
        flush=True,
    )
    print(
        f"{result.answered}/{result.taps} answered ({result.refused} refused); "
        f"{result.rate:.0f} taps/s answered → {result.rate / GOAL_RATE:.2f} of the 300/s goal; "
        f"p95 tap→answer {result.p95_ms:.1f} ms → {GOAL_P95_MS / result.p95_ms:.2f} of the "
        f"100 ms goal (p50 {result.p50_ms:.1f} ms, max {result.max_ms:.1f} ms); "
        f"bot CPU per tap {result.cpu_ms:.2f} ms",
        flush=True,
    )
    oversold = "never oversold" if not any("places" in w for w in wrong) else "OVERSOLD"
    print(
        f"places: at most {most}/{PLACES} taken in a shift ({oversold}) → "
        f"{PLACES / max(most, 1):.2f} of the no-overselling goal; {promoted} promotions, "
        f"{'in order' if not wrong else 'PROBLEMS: ' + '; '.join(wrong)}",
        flush=True,
    )
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
