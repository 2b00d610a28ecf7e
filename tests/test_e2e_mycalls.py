"""/mycalls lists the calls a person may manage: their own, every call for the network's
administrators, and the calls of associations whose groups they administer — also calls another
administrator of that group posted. When Telegram does not answer the administrator check, the
list says some calls may be missing instead of silently leaving them out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.volunteering.calls import NewCall, NewShift, publish
from tests.call_setup import association_call
from tests.factories import ADMIN, JOENSUU, admin_user, appoint
from tests.harness import START, BotHarness, ChatUser

DAY = timedelta(days=8, hours=-2)


def _call(title: str, listing_id: int | None = None) -> NewCall:
    return NewCall(
        title=title,
        description="",
        skills="",
        municipalities=(JOENSUU,),
        themes=(),
        shifts=(NewShift(START + DAY, START + DAY + timedelta(hours=2), 3),),
        listing_id=listing_id,
    )


async def _association(h: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser, int]:
    """Kylät ry's call (tests/call_setup.py), posted by Pekka: Outi (English) administers
    the group too, Aino is a plain member; and the network's admin."""
    kylat = await association_call(h, outi_language="en")
    return kylat.outi, kylat.aino, admin_user(h), kylat.call_id


async def test_an_associations_other_admin_finds_its_calls(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        outi, aino, admin, call_id = await _association(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        own_id, _ = await publish(h.env, _call("Messut"), kaisa.id)

        await outi.send("/mycalls")
        listed = outi.last_message()
        assert f"{call_id}: Kyläjuhla" in listed.text
        assert "Messut" not in listed.text  # a coordinator's call is not the association's
        await outi.tap(f"{call_id}: Kyläjuhla")
        assert outi.last_message().text.startswith(f"Volunteer call {call_id}: Kyläjuhla")

        # A member who administers nothing still gets the refusal.
        await aino.send("/mycalls")
        assert aino.last_message().text.startswith("Vain vapaaehtoishakujen järjestäjät")
        # The coordinator sees her own call, not the association's.
        await kaisa.send("/mycalls")
        assert f"{own_id}: Messut" in kaisa.last_message().text
        assert "Kyläjuhla" not in kaisa.last_message().text
        # The network's administrator sees both, without asking Telegram about any group.
        asked = h.sandbox.count("getChatMember")
        await admin.send("/mycalls")
        assert f"{own_id}: Messut" in admin.last_message().text
        assert f"{call_id}: Kyläjuhla" in admin.last_message().text
        assert h.sandbox.count("getChatMember") == asked


async def test_a_check_without_an_answer_says_calls_may_be_missing(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        outi, _aino, _admin, call_id = await _association(h)
        h.sandbox.faults.errors(500, 1.0, 60.0, methods=["getChatMember"])
        await outi.send("/mycalls")
        texts = [m.text for m in outi.messages()[-2:]]
        assert texts[0].startswith("Telegram did not answer when I asked which association")
        assert "Kyläjuhla" not in texts[1]  # fail closed: no call on a guess
        h.sandbox.faults.clear()
        await outi.send("/mycalls")
        assert f"{call_id}: Kyläjuhla" in outi.last_message().text
