"""Audiences by role end to end: /announce and /poll to "coordinators", "contacts" and
"associations" (also in Finnish and Swedish), narrowed by an area and by the sender's scope, and
the same through `python -m bot announce --role`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.__main__ import main
from storage import chats, contacts, roles, users
from storage.contacts import ContactArea
from storage.db import Database, Writer
from storage.roles import ScopeArea
from tests.factories import ADMIN, admin_user, delivered
from tests.harness import BotHarness, ChatUser

JOENSUU, OUTOKUMPU, HELSINKI, POHJOIS_KARJALA = "167", "309", "091", "12"
GROUP_JOENSUU, GROUP_PRIVATE, GROUP_HELSINKI = -5001, -5002, -5003


async def _listing(tx: Writer, chat_id: int, code: str, status: str, now: int) -> None:
    await tx.execute(
        "INSERT INTO chats (id, type, title, active, created_at, updated_at) "
        "VALUES (?, 'group', 'Yhdistys', 1, ?, ?)",
        (chat_id, now, now),
    )
    listing = await tx.insert(
        "INSERT INTO listings (chat_id, name, status, created_at, updated_at) "
        "VALUES (?, 'Yhdistys', ?, ?, ?)",
        (chat_id, status, now, now),
    )
    await tx.execute(
        "INSERT INTO listing_municipalities (listing_id, code, position) VALUES (?, ?, 0)",
        (listing, code),
    )


async def _seed(db: Database, people: dict[str, int]) -> None:
    """Coordinators of Joensuu, the region Pohjois-Karjala, Outokumpu and Helsinki (the first,
    second and fourth also listed as contact people), and three groups: published in Joensuu,
    private in Joensuu, published in Helsinki."""
    scopes = {
        "pekka": ScopeArea("municipality", JOENSUU),
        "maija": ScopeArea("region", POHJOIS_KARJALA),
        "outi": ScopeArea("municipality", OUTOKUMPU),
        "hanna": ScopeArea("municipality", HELSINKI),
    }
    for name, user_id in people.items():
        await users.upsert(db, user_id, name.title(), None, None, "en")
        await chats.upsert(db, user_id, "private", None)
        await roles.grant(db, user_id, "coordinator", (scopes[name],), None)
        if name != "outi":
            area = scopes[name]
            assert area.kind != "all"
            await contacts.save(
                db,
                user_id,
                f"{name} yhteyshenkilö",
                [ContactArea(area.kind, area.code)],
                covers_all=False,
                username=None,
            )
    now = db.now()
    async with db.transaction() as tx:
        await _listing(tx, GROUP_JOENSUU, JOENSUU, "public", now)
        await _listing(tx, GROUP_PRIVATE, JOENSUU, "private", now)
        await _listing(tx, GROUP_HELSINKI, HELSINKI, "public", now)


def _people(h: BotHarness) -> dict[str, ChatUser]:
    found = {}
    for name in ("pekka", "maija", "outi", "hanna"):
        user = h.sandbox.add_user(name.title(), language_code="en")
        found[name] = ChatUser(h, user, h.sandbox.private_chat(user))
    h.sandbox.add_group("Joensuun yhdistys", chat_id=GROUP_JOENSUU, bot_present=True)
    h.sandbox.add_group("Salainen", chat_id=GROUP_PRIVATE, bot_present=True)
    h.sandbox.add_group("Helsingin yhdistys", chat_id=GROUP_HELSINKI, bot_present=True)
    return found


async def _announce(h: BotHarness, sender: ChatUser, text: str, audience: str) -> str:
    await sender.send("/announce")
    await sender.send(text)
    await sender.send(audience)
    preview = sender.last_message().text
    if preview.startswith("It will reach"):
        await sender.tap("📣 Send now")
        await delivered(h)
    return preview


def _got(h: BotHarness, text: str, chat_ids: list[int], sender: ChatUser) -> set[int]:
    """The chats the announcement `text` arrived in (the sender's preview does not count)."""
    arrived = set()
    for chat_id in chat_ids:
        copies = sum(m.text == text for m in h.sandbox.messages(chat_id))
        if copies > (1 if chat_id == sender.id else 0):
            arrived.add(chat_id)
    return arrived


async def test_announce_by_role_reaches_exactly_the_right_chats(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        people = _people(h)
        ids = {name: p.id for name, p in people.items()}
        await _seed(h.env.db, ids)
        admin = admin_user(h)
        everyone = [*ids.values(), GROUP_JOENSUU, GROUP_PRIVATE, GROUP_HELSINKI, ADMIN]

        assert await _announce(h, admin, "A", "coordinators Joensuu") == "It will reach 2 chats."
        assert _got(h, "A", everyone, admin) == {ids["pekka"], ids["maija"]}
        assert await _announce(h, admin, "B", "yhteyshenkilöt") == "It will reach 3 chats."
        assert _got(h, "B", everyone, admin) == {ids["pekka"], ids["maija"], ids["hanna"]}
        assert await _announce(h, admin, "C", "föreningar") == "It will reach 2 chats."
        assert _got(h, "C", everyone, admin) == {GROUP_JOENSUU, GROUP_HELSINKI}
        assert await _announce(h, admin, "D", "koordinaattorit") == "It will reach 4 chats."
        assert _got(h, "D", everyone, admin) == set(ids.values())

        # A coordinator of Joensuu: their scope is the limit, with or without an area.
        pekka = people["pekka"]
        assert await _announce(h, pekka, "E", "associations") == "It will reach 1 chat."
        assert _got(h, "E", everyone, pekka) == {GROUP_JOENSUU}
        assert await _announce(h, pekka, "F", "coordinators") == "It will reach 2 chats."
        assert _got(h, "F", everyone, pekka) == {ids["pekka"], ids["maija"]}
        refused = await _announce(h, pekka, "G", "contacts Helsinki")
        assert refused == (
            "That audience is outside the areas you coordinate. Send another audience."
        )
        await pekka.send("contacts, Outokumpu")
        assert pekka.last_message().text.startswith("That audience is outside")
        await pekka.send("/cancel")
        assert _got(h, "G", everyone, pekka) == set()


def test_cli_announce_by_role(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db_path = tmp_path / "bot.sqlite3"
    config = tmp_path / "bot.toml"
    config.write_text(f'[storage]\npath = "{db_path}"\n', encoding="utf-8")
    assert main(["migrate", "--config", str(config)]) == 0
    ids = {"pekka": 11, "maija": 12, "outi": 13, "hanna": 14}

    async def seed() -> None:
        database = await Database.open(db_path)
        await _seed(database, ids)
        await database.close()

    async def recipients(broadcast: int) -> set[int]:
        database = await Database.open(db_path)
        rows = await database.fetchall(
            "SELECT chat_id FROM outbox WHERE broadcast_id = ?", (broadcast,)
        )
        await database.close()
        return {row[0] for row in rows}

    asyncio.run(seed())
    capsys.readouterr()
    base = ["announce", "--config", str(config), "--text", "Kysely"]
    assert main([*base, "--role", "coordinators", "--municipality", "Joensuu"]) == 0
    assert "audience: 2 chats" in capsys.readouterr().out
    assert asyncio.run(recipients(1)) == {11, 12}
    assert main([*base, "--role", "associations"]) == 0
    assert "audience: 2 chats" in capsys.readouterr().out
    assert asyncio.run(recipients(2)) == {GROUP_JOENSUU, GROUP_HELSINKI}
    assert main([*base, "--role", "kontaktpersoner", "--region", "Pohjois-Karjala"]) == 0
    assert asyncio.run(recipients(3)) == {11, 12}
    assert main([*base, "--role", "bosses"]) == 2
    assert "unknown role 'bosses'" in capsys.readouterr().err


async def test_poll_to_the_associations_of_a_coordinators_scope(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        people = _people(h)
        await _seed(h.env.db, {name: p.id for name, p in people.items()})
        pekka = people["pekka"]
        await pekka.send("/poll")
        await pekka.send("Which evening suits the next forum?")
        await pekka.tap("🔘 One choice")
        await pekka.send("Tuesday\nWednesday")
        await pekka.tap("Continue ▶")
        await pekka.send("associations")
        assert "The audience is 1 chat." in "\n".join(m.text for m in pekka.messages()[-3:])
        await pekka.tap("🙈 Anonymous")
        await pekka.tap("🏠 The association, once (its administrators)")
        await pekka.send("3.12.2026 18.00")
        await pekka.tap("No reminder")
        await pekka.tap("No")
        await pekka.tap("📣 Send the poll")
        assert "📊 Poll 1 is on its way to 1 chat." in pekka.last_message().text
        await delivered(h)
        asked = await h.env.db.fetchall("SELECT chat_id FROM poll_recipients WHERE poll_id = 1")
        assert [row[0] for row in asked] == [GROUP_JOENSUU]
        assert any(
            "Which evening suits the next forum?" in m.text
            for m in h.sandbox.messages(GROUP_JOENSUU)
        )
        assert not any(
            "Which evening" in m.text
            for chat in (GROUP_PRIVATE, GROUP_HELSINKI)
            for m in h.sandbox.messages(chat)
        )
