"""The demo's volunteer call: Kaisa asks for help at a fair's stand with two shifts; Liisa (a
subscriber) and two volunteers who set up /volunteer profiles sign up, the third lands on the
waiting list and is promoted when another cancels; a reminder is confirmed, Liisa checks in,
Kaisa marks Sara as there in the call's view, both are thanked with their hours, and Liisa
gets her record and certificate."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.context import BotApplication
from bot.core.i18n import Texts
from bot.sandbox import SimChat, SimUser
from bot.volunteering.cards import shift_label, shift_when
from storage import volunteer_calls

if TYPE_CHECKING:  # bot.demo.script imports this module
    from bot.demo.script import Transcript

__all__ = ["demo_volunteering"]

HELSINKI = ZoneInfo("Europe/Helsinki")
FastForward = Callable[["Transcript", BotApplication, datetime], Awaitable[None]]


async def _volunteer_profile(
    t: Transcript, person: SimUser, chat: SimChat, texts: Texts, place: str
) -> None:
    await t.send(person, chat, "/start")
    await t.send(person, chat, "/volunteer")
    await t.tap(person, chat, texts._("🔔 Turn calls on"))
    await t.tap(person, chat, texts._("📍 Where"))
    await t.send(person, chat, place)


async def demo_volunteering(
    t: Transcript,
    application: BotApplication,
    fast_forward: FastForward,
    *,
    coordinator: tuple[SimUser, SimChat],
    reader: tuple[SimUser, SimChat],
) -> None:
    services = application.bot_data.services
    assert services is not None
    env = services.env
    en, fi, sv = (env.translator.texts(x) for x in ("en", "fi", "sv"))
    (kaisa, kaisa_chat), (liisa, liisa_chat) = coordinator, reader

    t.heading("Volunteering: two people say in /volunteer that they want calls")
    matti = t.sandbox.add_user("Matti", last_name="Mäkelä", language_code="fi")
    sara = t.sandbox.add_user("Sara", last_name="Lind", language_code="sv")
    matti_chat, sara_chat = t.sandbox.private_chat(matti), t.sandbox.private_chat(sara)
    t.names[matti_chat.id], t.names[sara_chat.id] = "Matti's chat", "Sara's chat"
    await _volunteer_profile(t, matti, matti_chat, fi, "Joensuu")
    await _volunteer_profile(t, sara, sara_chat, sv, "Norra Karelen")

    t.heading("Kaisa asks for volunteers for the wellbeing fair's stand: two shifts")
    await t.send(kaisa, kaisa_chat, "/newcall")
    for answer in (
        "Hyvinvointimessujen esittelypöytä",
        "Esittelemme järjestöjä messuilla ja jaamme esitteitä.",
        "Joensuu",
    ):
        await t.send(kaisa, kaisa_chat, answer)
    health = env.config.bot.theme("health")
    assert health is not None
    await t.tap(kaisa, kaisa_chat, health.name("en"))
    await t.tap(kaisa, kaisa_chat, en._("Done ▶"))
    await t.send(kaisa, kaisa_chat, "-")
    await t.send(kaisa, kaisa_chat, "5.12. 10–12, 2 places; 12–14, 2 places")
    await t.tap(kaisa, kaisa_chat, en._("⏰ Change reminders"))
    await t.send(kaisa, kaisa_chat, "1 d")  # the check-in message comes on the day anyway
    await t.tap(kaisa, kaisa_chat, en._("📣 Publish"))
    await services.delivery.wait_idle(timeout=60)
    t.report_chats([liisa_chat, matti_chat, sara_chat])

    call_id = int(await env.db.fetchval("SELECT max(id) FROM volunteer_calls") or 0)
    first, _second = await volunteer_calls.shifts(env.db, call_id)

    t.heading("Liisa and Matti take the morning shift; Sara lands on its waiting list")
    await t.tap(liisa, liisa_chat, shift_label(first, 0, fi))
    await t.tap(matti, matti_chat, shift_label(first, 0, fi))
    await t.tap(sara, sara_chat, shift_label(first, 0, sv))
    t.heading("Matti cannot come after all: Sara gets his place and is told")
    await t.tap(matti, matti_chat, shift_label(first, 2, fi))
    await services.delivery.wait_idle(timeout=60)
    t.report_chats([sara_chat])

    t.heading("A day before: the reminder, and Liisa confirms")
    await fast_forward(t, application, datetime(2026, 12, 4, 10, 0, tzinfo=HELSINKI))
    t.report_chats([liisa_chat, sara_chat])
    await t.tap(liisa, liisa_chat, fi._("✅ I'll be there"))

    t.heading("Half an hour before the shift: check-in opens, Liisa is there")
    await fast_forward(t, application, datetime(2026, 12, 5, 9, 30, tzinfo=HELSINKI))
    t.report_chats([liisa_chat, sara_chat])
    await t.tap(liisa, liisa_chat, fi._("📍 I'm here"))

    t.heading("Sara is there but forgot to tap: Kaisa marks her in the call's view")
    await t.send(kaisa, kaisa_chat, f"/call {call_id}")
    await t.tap(kaisa, kaisa_chat, en._("👥 Attendance {when}", when=shift_when(first, en)))
    await t.tap(kaisa, kaisa_chat, "⬜ Sara Lind")

    t.heading("An hour after the shift: thanks, with the hours")
    await fast_forward(t, application, datetime(2026, 12, 5, 13, 0, tzinfo=HELSINKI))
    t.report_chats([liisa_chat, sara_chat])

    t.heading("Liisa's record of the year, and her certificate")
    await t.send(liisa, liisa_chat, "/myvolunteering")
    await t.tap(liisa, liisa_chat, fi._("📄 Certificate"))
