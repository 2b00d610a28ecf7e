"""/newcall end to end: a coordinator's call with two shifts is published and a subscriber gets
its card; an association's administrator writes one through the signed link and it names the
association; every bad shift line is answered and nothing is stored; a participant and a
coordinator outside their scope are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import ADMIN, admin_user, appoint, delivered, subscriber
from tests.harness import BotHarness, ChatUser


async def _calls_stored(h: BotHarness) -> int:
    return int(await h.env.db.fetchval("SELECT count(*) FROM volunteer_calls") or 0)


async def _until_shifts(person: ChatUser) -> None:
    await person.send("/newcall")
    await person.send("Fair stand")
    await person.send("We present associations at the fair.")
    await person.send("Joensuu")
    await person.tap("Health")
    await person.tap("Done ▶")
    await person.send("-")


async def test_a_coordinators_call_with_two_shifts_reaches_a_subscriber(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        reader = await subscriber(h, "Reija", ["health"])
        await kaisa.send("/newcall")
        assert "What is its title?" in kaisa.last_message().text
        await kaisa.send("Fair stand")
        await kaisa.send("We present associations at the fair.")
        await kaisa.send("Joensuu")
        await kaisa.tap("Health")
        await kaisa.tap("Done ▶")
        await kaisa.send("first aid")
        await kaisa.send("3.12. 10–12, 4 places; 12–14, 4 places")
        preview = kaisa.last_message().text
        assert "Fair stand" in preview
        assert "Skills wanted: first aid" in preview
        assert "It goes to 1 chat." in preview
        await kaisa.tap("📣 Publish")
        assert re.fullmatch(
            r"Published as call \d+: it goes to 1 chat\.", kaisa.last_message().text
        )
        await delivered(h)
        assert "Fair stand" in reader.last_message().text
        assert len(reader.last_message().buttons) >= 2  # one button per shift


async def test_an_association_admins_call_names_the_association(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        pekka = h.sandbox.add_user("Pekka", language_code="fi")
        aino = h.sandbox.add_user("Aino", language_code="fi")
        group = h.sandbox.add_group(
            "Kylät", members=[pekka, aino], admins=[pekka], bot_present=True
        )
        in_group = ChatUser(h, pekka, group)
        for command in ("/profile name Kylät ry", "/profile municipality Joensuu"):
            await in_group.send(command)
        await ChatUser(h, aino, group).send("/newcall")
        assert h.sandbox.last_message(group) is not None
        assert "Vain ryhmän ylläpitäjät voivat julkaista hakuja" in (
            h.sandbox.last_message(group).text  # type: ignore[union-attr]
        )
        await in_group.send("/newcall")
        link = in_group.last_message().button("📨 Jatka yksityisesti")
        assert link is not None and link.url is not None
        payload = re.search(r"start=(ncl_\S+)", link.url)
        assert payload
        stranger = h.user("Vieras", language_code="en")
        await stranger.send(f"/start {payload.group(1)}")
        assert stranger.last_message().text == "This link is not valid any more."

        private = in_group.in_chat(h.sandbox.private_chat(pekka))
        await private.send(f"/start {payload.group(1)}")
        assert "Vapaaehtoishaku yhdistykselle ”Kylät ry”" in private.last_message().text
        await private.send("Talkoot")
        await private.send("Kylätalon kevättalkoot.")
        await private.send("Helsinki")  # outside the association's municipalities
        assert "vain vastuualueesi kuntiin" in private.last_message().text
        await private.send("Joensuu")
        await private.tap("Valmis ▶")
        await private.send("-")
        await private.send("3.12. klo 10-12 4 paikkaa")
        assert "Järjestäjä: Kylät ry" in private.last_message().text
        await private.tap("📣 Julkaise")
        assert private.last_message().text.startswith("Julkaistu hakuna")
        listing = await h.env.db.fetchval(
            "SELECT l.name FROM volunteer_calls c JOIN listings l ON l.id = c.listing_id"
        )
        assert listing == "Kylät ry"


@pytest.mark.parametrize(
    ("shifts", "expected"),
    [
        ("3.12. 12–10, 4 places", ""),  # ends before it starts
        ("24.11. 10–12, 4 places", ""),  # yesterday
        ("3.12. 10–12, 0 places", ""),
        ("3.12. 10–12, 10000 places", ""),
        ("3.12. 10–12, 4 places; 10–12, 4 places", "is given twice"),
        ("; ".join(f"{1 + i // 10}.12. {8 + i % 10}–{9 + i % 10}, 2" for i in range(60)), ""),
        ("3.12. 10–12", "give the number of places"),
    ],
)
async def test_bad_shifts_are_answered_and_nothing_is_stored(
    tmp_path: Path, shifts: str, expected: str
) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        await _until_shifts(admin)
        await admin.send(shifts)
        answer = admin.last_message().text
        assert answer.endswith("Nothing was saved; send the shifts again.")
        assert expected in answer
        assert len(answer.splitlines()) >= 2  # the problem itself, then what to do
        assert "📣 Publish" not in admin.last_message().buttons
        assert await _calls_stored(h) == 0


async def test_a_participant_and_an_out_of_scope_coordinator_are_refused(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        olli = h.user("Olli", language_code="en")
        await olli.send("/newcall")
        assert olli.last_message().text.startswith("Only coordinators can post volunteer calls")
        await kaisa.send("/newcall")
        await kaisa.send("Stand")
        await kaisa.send("At the fair.")
        await kaisa.send("Helsinki")
        assert kaisa.last_message().text == (
            "You can post calls only for municipalities you cover. Send other names."
        )
        await kaisa.send("/cancel")
        assert kaisa.last_message().text == "Stopped; no call was published."


async def test_the_organiser_sets_the_reminders(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        await _until_shifts(kaisa)
        await kaisa.send("3.12. 10–12, 4 places")
        assert "Reminders: 1 day and 2 hours before each shift" in kaisa.last_message().text
        await kaisa.tap("⏰ Change reminders")
        assert "For example “1 d, 2 h”" in kaisa.last_message().text
        for wrong in ("soon", "5 min", "20 d", "1 h, 2 h, 3 h, 4 h"):
            await kaisa.send(wrong)
            assert "For example “1 d, 2 h”" in kaisa.last_message().text, wrong
        await kaisa.send("3 h, 2 d")
        assert "Reminders: 2 days and 3 hours before each shift" in kaisa.last_message().text
        await kaisa.tap("📣 Publish")
        stored = await h.env.db.fetchval("SELECT reminders FROM volunteer_calls")
        assert stored == "172800 10800"
        keys = {
            str(r[0])
            for r in await h.env.db.fetchall(
                "SELECT key FROM schedule WHERE kind = 'shift_reminder'"
            )
        }
        assert {k.rsplit(":", 1)[1] for k in keys} == {"172800", "10800"}


async def test_no_reminders_at_all(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        await _until_shifts(kaisa)
        await kaisa.send("3.12. 10–12, 4 places")
        await kaisa.tap("⏰ Change reminders")
        await kaisa.send("-")
        assert "Reminders: no reminders" in kaisa.last_message().text
        await kaisa.tap("📣 Publish")
        count = await h.env.db.fetchval(
            "SELECT count(*) FROM schedule WHERE kind = 'shift_reminder'"
        )
        assert count == 0
        # The check-in and the thanks are still planned.
        kinds = await h.env.db.fetchall(
            "SELECT DISTINCT kind FROM schedule WHERE kind LIKE 'shift%'"
        )
        assert sorted(str(r[0]) for r in kinds) == ["shift_checkin", "shift_thanks"]
