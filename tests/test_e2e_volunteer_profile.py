"""/volunteer end to end: a person turns volunteer calls on, names places (a typo forgiven),
picks a theme and writes skills; what is stored is what they see, matching_users finds them by
municipality, region, theme or skill; /mydata shows the profile and /forget removes it; a group
gets no profile."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from bot.privacy.service import export_my_data, forget_user
from bot.volunteering.calls import NewCall, NewShift, publish
from storage import volunteer_profiles
from storage.volunteer_profiles import ProfileArea
from tests.factories import ADMIN, admin_user, delivered
from tests.harness import BotHarness

JOENSUU, OUTOKUMPU, HELSINKI = "167", "309", "091"


async def test_a_person_builds_a_profile_and_matching_finds_them(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        aino = h.user("Aino", language_code="fi")
        await aino.send("/start")
        await aino.send("/volunteer")
        assert "Et vielä saa vapaaehtoishakuja" in aino.last_message().text
        await aino.tap("🔔 Haut päälle")
        assert aino.last_message().text == "Haut ovat päällä. Kerro vielä missä: napauta 📍 Missä."
        await aino.tap("📍 Missä")
        await aino.send("Joensu, Outokumpu")  # a typo, forgiven
        shown = aino.last_message().text
        assert "Haut: kyllä, lähetä hakuja" in shown
        assert "Missä: Joensuu, Outokumpu" in shown
        await aino.tap("🏷 Teemat")
        await aino.tap("Terveys")
        assert "✅ Terveys" in aino.last_message().buttons
        await aino.tap("🛠 Taidot")
        await aino.send("ensiapu, ruoanlaitto")
        assert "Taidot: ensiapu, ruoanlaitto" in aino.last_message().text

        profile = await volunteer_profiles.get(h.env.db, aino.id)
        assert profile is not None and profile.wants_calls
        assert profile.areas == (
            ProfileArea("municipality", JOENSUU),
            ProfileArea("municipality", OUTOKUMPU),
        )
        assert profile.themes == ("health",)
        assert profile.skills == "ensiapu, ruoanlaitto"

        db = h.env.db
        assert await volunteer_profiles.matching_users(db, [JOENSUU], ["health"], "") == [aino.id]
        assert await volunteer_profiles.matching_users(db, [JOENSUU], [], "") == [aino.id]
        # Another theme: only a shared skill word lets the call in.
        assert await volunteer_profiles.matching_users(db, [JOENSUU], ["culture"], "") == []
        assert await volunteer_profiles.matching_users(
            db, [JOENSUU], ["culture"], "Ensiapu ja järjestelyt"
        ) == [aino.id]
        assert await volunteer_profiles.matching_users(db, [HELSINKI], ["health"], "") == []

        await aino.tap("🔕 Haut pois")
        assert await volunteer_profiles.matching_users(db, [JOENSUU], ["health"], "") == []


async def test_a_region_covers_its_municipalities_and_a_profile_is_private(
    tmp_path: Path,
) -> None:
    async with BotHarness.start(tmp_path) as h:
        erik = h.user("Erik", language_code="sv")
        await erik.send("/start")
        await erik.send("/volunteer")
        await erik.tap("📍 Var")
        await erik.send("Norra Karelen, Atlantis")
        assert erik.last_message().text.startswith("Jag hittade inte")
        assert await volunteer_profiles.get(h.env.db, erik.id) is None  # nothing half-saved
        await erik.send("Norra Karelen")
        assert "Var: Norra Karelen" in erik.last_message().text
        await erik.tap("🔔 Slå på uppdrag")
        db = h.env.db
        assert await volunteer_profiles.matching_users(db, [JOENSUU], ["health"], "") == [erik.id]

        group = h.sandbox.add_group("Kylät", members=[erik.user], bot_present=True)
        in_group = erik.in_chat(group)
        await in_group.send("/volunteer")
        assert in_group.last_message().text == (
            "Din frivilligprofil är privat: skicka /volunteer till mig."
        )


async def test_mydata_shows_the_profile_and_forget_removes_it(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        olli = h.user("Olli", language_code="en")
        await olli.send("/start")
        await volunteer_profiles.save(
            h.env.db,
            olli.id,
            wants_calls=True,
            skills="carpentry",
            areas=[ProfileArea("municipality", JOENSUU)],
            themes=["health"],
        )
        env = h.env
        mine = await export_my_data(env.db, env.config, olli.id, env.db.now())
        section = json.loads(mine.data)["volunteer_profile"]
        assert section["skills"] == "carpentry"
        assert section["areas"] == [{"kind": "municipality", "code": JOENSUU}]
        assert section["wants_calls"] is True
        await forget_user(env.db, env.config, olli.id)
        assert await volunteer_profiles.get(h.env.db, olli.id) is None


async def test_a_call_matching_the_profile_reaches_the_person(tmp_path: Path) -> None:
    """Nobody subscribes: the profile alone brings the call, by place and skill."""
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        aino = h.user("Aino", language_code="fi")
        await aino.send("/start")
        await aino.send("/volunteer")
        await aino.tap("📍 Missä")
        await aino.send("Joensuu")
        await aino.tap("🔔 Haut päälle")
        await aino.tap("🏷 Teemat")
        await aino.tap("Kulttuuri")
        await aino.tap("🛠 Taidot")
        await aino.send("ensiapu")
        admin = admin_user(h)
        await admin.send("/newcall")
        for answer in ("Fair stand", "At the fair.", "Joensuu"):
            await admin.send(answer)
        await admin.tap("Health")  # not Aino's theme: her skill brings it
        await admin.tap("Done ▶")
        await admin.send("ensiapu")
        await admin.send("3.12. 10–12, 4 places; 12–14, 4 places")
        assert "It goes to 1 chat." in admin.last_message().text
        await admin.tap("📣 Publish")
        await delivered(h)
        card = aino.last_message()
        assert "Fair stand" in card.text
        assert len(card.buttons) == 3  # two shifts and "my shifts"

        other = await publish(
            h.env,
            NewCall("Kuopio", "x", "", ("297",), (), (NewShift(*_shift(h), 2),)),
            ADMIN,
        )
        await delivered(h)
        assert other[1] == 0
        assert all("Kuopio" not in m.text for m in aino.messages())


def _shift(h: BotHarness) -> tuple[datetime, datetime]:
    start = h.clock.now() + timedelta(days=3)
    return start, start + timedelta(hours=2)
