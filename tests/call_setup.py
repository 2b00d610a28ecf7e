"""The volunteer call the coordinator-view tests share (tests/test_e2e_call_roster.py,
test_e2e_shift_cancel.py, test_e2e_call_walkin.py): Kaisa's call with shifts of 1 and 2
places on 3.12.; Liisa (fi) holds the first, Sven (sv) waits for it, Olli (en) holds the
second."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.sandbox.world import SimUser
from bot.volunteering.calls import NewCall, NewShift, publish
from storage import call_roster, listings, subscriptions
from storage.call_roster import RosterRow
from storage.subscriptions import Area
from tests.factories import JOENSUU, admin_user, appoint, delivered
from tests.harness import START, BotHarness, ChatUser

__all__ = [
    "DAY",
    "FIRST",
    "NOON",
    "SECOND",
    "TEN",
    "TWO",
    "AssociationCall",
    "association_call",
    "person",
    "roster_row",
    "setup_call",
]

# 3.12. at 10.00 in Helsinki (START is 12.00 there on 25.11.).
DAY = timedelta(days=8, hours=-2)
TEN, NOON, TWO = DAY, DAY + timedelta(hours=2), DAY + timedelta(hours=4)
FIRST, SECOND = "Thu 3.12. 10:00–12:00", "Thu 3.12. 12:00–14:00"


async def person(h: BotHarness, name: str, language: str) -> ChatUser:
    """Someone who started the bot and subscribes to Joensuu's health theme."""
    someone = h.user(name, language_code=language)
    await someone.send("/start")
    await subscriptions.replace(h.env.db, someone.id, [Area("municipality", JOENSUU)], ["health"])
    return someone


async def setup_call(
    h: BotHarness, admin: ChatUser | None = None
) -> tuple[ChatUser, ChatUser, ChatUser, ChatUser, int]:
    """Kaisa, Liisa, Sven, Olli and the call's id."""
    kaisa = await appoint(h, admin or admin_user(h), "Kaisa", "Joensuu")
    liisa = await person(h, "Liisa", "fi")
    sven = await person(h, "Sven", "sv")
    olli = await person(h, "Olli", "en")
    call = NewCall(
        title="Messut",
        description="Esittelypöytä",
        skills="",
        municipalities=(JOENSUU,),
        themes=("health",),
        shifts=(NewShift(START + TEN, START + NOON, 1), NewShift(START + NOON, START + TWO, 2)),
    )
    call_id, _ = await publish(h.env, call, kaisa.id)
    await delivered(h)
    await liisa.tap("to 3.12. 10.00–12.00 · 1/1 vapaana")
    await sven.tap("tors 3.12. 10.00–12.00 · 1/1 lediga")
    await olli.tap("Thu 3.12. 12:00–14:00 · 2/2 free")
    return kaisa, liisa, sven, olli, call_id


async def roster_row(h: BotHarness, call_id: int, user_id: int) -> RosterRow:
    rows = await call_roster.roster(h.env.db, call_id)
    return next(r for r in rows if r.user_id == user_id)


@dataclass(frozen=True)
class AssociationCall:
    """Kylät ry's group (administered by Pekka and Outi, Aino a plain member), and the call
    Pekka posted for it; each person in their private chat, Pekka also in the group."""

    pekka: ChatUser
    outi: ChatUser
    aino: ChatUser
    in_group: ChatUser
    call_id: int


async def association_call(h: BotHarness, outi_language: str = "fi") -> AssociationCall:
    pekka = h.sandbox.add_user("Pekka", language_code="fi")
    outi = h.sandbox.add_user("Outi", language_code=outi_language)
    aino = h.sandbox.add_user("Aino", language_code="fi")
    group = h.sandbox.add_group(
        "Kylät", members=[pekka, outi, aino], admins=[pekka, outi], bot_present=True
    )
    in_group = ChatUser(h, pekka, group)
    for command in ("/profile name Kylät ry", "/profile municipality Joensuu"):
        await in_group.send(command)
    listing = await listings.for_chat(h.env.db, group.id)
    assert listing is not None
    call = NewCall(
        title="Kyläjuhla",
        description="",
        skills="",
        municipalities=(JOENSUU,),
        themes=(),
        shifts=(NewShift(START + TEN, START + NOON, 3),),
        listing_id=listing.id,
    )
    call_id, _ = await publish(h.env, call, pekka.id)

    def private(user: SimUser) -> ChatUser:
        return ChatUser(h, user, h.sandbox.private_chat(user))

    return AssociationCall(private(pekka), private(outi), private(aino), in_group, call_id)
