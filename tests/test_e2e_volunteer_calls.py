"""Volunteer calls end to end: publishing reaches the matching subscribers and volunteer
profiles with one button per shift; sign-ups, waiting lists, promotion, overlaps, forged
buttons, reminders and concurrent taps."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.volunteering.calls import NewCall, NewShift, publish
from storage import subscriptions
from storage.subscriptions import Area
from tests.factories import JOENSUU, delivered
from tests.harness import START, BotHarness, ChatUser

KUOPIO = "297"


async def _person(
    h: BotHarness, name: str, language: str, place: str = JOENSUU, theme: str = "health"
) -> ChatUser:
    person = h.user(name, language_code=language)
    await person.send("/start")
    await subscriptions.replace(h.env.db, person.id, [Area("municipality", place)], [theme])
    return person


def _call(*shifts: tuple[timedelta, timedelta, int], title: str = "Messut") -> NewCall:
    return NewCall(
        title=title,
        description="Esittelypöytä messuilla",
        skills="ensiapu",
        municipalities=(JOENSUU,),
        themes=("health",),
        shifts=tuple(NewShift(START + a, START + b, n) for a, b, n in shifts),
    )


DAY = timedelta(days=8)
TEN, NOON, TWO = DAY + timedelta(hours=8), DAY + timedelta(hours=10), DAY + timedelta(hours=12)


async def test_publish_reaches_matching_subscribers_with_shift_buttons(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = await _person(h, "Liisa", "fi")
        sven = await _person(h, "Sven", "sv")
        other_place = await _person(h, "Olli", "en", place=KUOPIO)
        other_theme = await _person(h, "Outi", "fi", theme="culture")
        call_id, reached = await publish(h.env, _call((TEN, NOON, 4), (NOON, TWO, 2)), 1)
        await delivered(h)
        assert reached == 2 and call_id > 0
        card = liisa.last_message()
        assert "Messut" in card.text and "Esittelypöytä" in card.text
        assert [b.text for b in card.buttons()] == [
            "to 3.12. 10.00–12.00 · 4/4 vapaana",
            "to 3.12. 12.00–14.00 · 2/2 vapaana",
            "📋 Omat vuoroni",
        ]
        assert "Messut" in sven.last_message().text
        assert all("Messut" not in m.text for m in other_place.messages())
        assert all("Messut" not in m.text for m in other_theme.messages())
