"""Subscribing end to end: menus edited in place, the text shortcut, deep links, groups."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.audience.recipients import AudienceSpec, resolve
from storage import subscriptions
from storage.subscriptions import ALL_THEMES, Area
from tests.harness import BotHarness, ChatUser

JOENSUU = Area("municipality", "167")


async def _subscription(h: BotHarness, chat_id: int) -> subscriptions.Subscription:
    return await subscriptions.get(h.env.db, chat_id)


async def test_menu_flow_saves_only_on_confirm(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="fi")
        await liisa.send("/subscribe")
        menu = liisa.last_message()
        assert "vaihe 1/3" in menu.text
        assert "Pohjois-Karjala" in menu.buttons
        await liisa.tap("Pohjois-Karjala")
        edited = liisa.last_message()
        assert edited.message_id == menu.message_id  # edited in place
        assert "Koko maakunta: Pohjois-Karjala" in edited.buttons
        await liisa.tap("Joensuu")
        assert "✓ Joensuu" in liisa.last_message().buttons
        await liisa.tap("Outokumpu")
        await liisa.tap("✓ Outokumpu")  # untick again
        assert "Outokumpu" in liisa.last_message().buttons
        await liisa.tap("Seuraavaksi: teemat »")
        await liisa.tap("Terveys")
        await liisa.tap("Kulttuuri")
        # Nothing is saved before confirming.
        assert (await _subscription(h, liisa.id)).empty
        await liisa.tap("Seuraavaksi: yhteenveto »")
        summary = liisa.last_message().text
        assert "Alueet:</b>" not in summary  # markup is parsed, the user sees plain text
        assert "Alueet: Joensuu" in summary
        assert "Teemat: Kulttuuri, Terveys" in summary
        await liisa.tap("✅ Tallenna")
        saved = await _subscription(h, liisa.id)
        assert saved.areas == (JOENSUU,)
        assert saved.themes == ("culture", "health")
        assert "Tilaus tallennettu" in liisa.last_message().text
        assert liisa.last_message().buttons == []


async def test_paging_whole_region_and_cancel(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        anna = h.user("Anna", language_code="sv")
        await anna.send("/subscribe")
        await anna.tap("Egentliga Finland")  # 27 municipalities: three pages
        first = anna.last_message()
        assert "Sida 1 av 3" in first.text
        await anna.tap("▶")
        assert "Sida 2 av 3" in anna.last_message().text
        await anna.tap("Hela landskapet: Egentliga Finland")
        assert "✓ Hela landskapet: Egentliga Finland" in anna.last_message().buttons
        county = "Hela välfärdsområdet: Egentliga Finlands välfärdsområde"
        await anna.tap(county)
        assert "✓ " + county in anna.last_message().buttons
        await anna.tap("Nästa: teman »")
        await anna.tap("Nästa: sammanfattning »")
        await anna.tap("✖ Avbryt")
        assert anna.last_message().text == "Ingenting ändrades."
        assert (await _subscription(h, anna.id)).empty


async def test_text_shortcut_with_typos_swedish_and_suggestions(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="fi")
        await liisa.send("/subscribe jonsuu, Vasa")
        reply = liisa.messages()[-1]
        assert reply.text.startswith("✅ Tilattu: Joensuu, Vaasa")
        assert reply.buttons == ["✏️ Muokkaa teemoja"]
        sub = await _subscription(h, liisa.id)
        assert set(sub.areas) == {JOENSUU, Area("municipality", "905")}
        assert sub.themes == (ALL_THEMES,)
        await liisa.send("/subscribe uusi")
        suggestion = liisa.last_message()
        assert "Tarkoititko" in suggestion.text
        assert "Uusimaa (maakunta)" in suggestion.buttons
        await liisa.tap("Uusimaa (maakunta)")
        assert Area("region", "01") in (await _subscription(h, liisa.id)).areas
        await liisa.send("/subscribe Qwxzkylä")
        assert "En löytänyt kohdetta" in liisa.last_message().text
        await liisa.send("/subscribe Pohjois-Karjala")
        assert Area("region", "12") in (await _subscription(h, liisa.id)).areas


async def test_shortcut_keeps_chosen_themes_and_edit_themes_button(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="en")
        await liisa.send("/start")  # the bot records the chat on first contact
        await subscriptions.replace(h.env.db, liisa.id, [JOENSUU], ["health"])
        await liisa.send("/subscribe Outokumpu")
        assert (await _subscription(h, liisa.id)).themes == ("health",)
        await liisa.tap("✏️ Edit themes")
        assert "step 2/3: themes" in liisa.last_message().text
        assert "✓ Health" in liisa.last_message().buttons


async def test_stale_and_forged_callbacks_get_a_fresh_menu(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="en")
        await liisa.send("/subscribe")
        old = liisa.last_message()
        await liisa.send("/subscribe")  # a newer menu replaces the draft
        await liisa.tap_data(old.message_id, "sub:m:167")
        assert liisa.last_answer() == "This menu has expired; here is a fresh one."
        fresh = liisa.last_message()
        assert fresh.message_id > old.message_id
        await liisa.tap_data(fresh.message_id, "sub:m:999")  # no such municipality
        assert liisa.last_answer() == "This menu has expired; here is a fresh one."
        await liisa.tap_data(liisa.last_message().message_id, "sub:t:not_a_theme")
        assert liisa.last_answer() == "This menu has expired; here is a fresh one."
        assert (await _subscription(h, liisa.id)).empty


async def test_mysubscriptions_unsubscribe_pause_resume(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa", language_code="en")
        await liisa.send("/mysubscriptions")
        assert "no subscriptions yet" in liisa.last_message().text
        await subscriptions.replace(
            h.env.db, liisa.id, [JOENSUU, Area("region", "12")], ["health", "village"]
        )
        await liisa.send("/mysubscriptions")
        overview = liisa.last_message()
        assert "Areas: Pohjois-Karjala (region), Joensuu" in overview.text
        assert "Themes: Health, Village activity" in overview.text
        await liisa.tap("➖ Remove…")
        await liisa.tap("✖ Joensuu")
        assert liisa.last_answer() == "Removed."
        assert (await _subscription(h, liisa.id)).areas == (Area("region", "12"),)
        await liisa.send("/unsubscribe Pohjois-Karjala")
        assert liisa.last_message().text == "Removed: Pohjois-Karjala (region)"
        await subscriptions.replace(h.env.db, liisa.id, [JOENSUU], ["health"])
        await liisa.send("/pause 1.1.2020")
        assert "already past" in liisa.last_message().text
        await liisa.send("/pause 31.12.")
        assert "paused until Thu 31 Dec 2026" in liisa.last_message().text
        assert (
            await resolve(
                h.env.db,
                h.env.catalog,
                AudienceSpec(municipalities=frozenset({"167"})),
            )
            == []
        )
        await liisa.send("/mysubscriptions")
        assert "Paused until Thu 31 Dec 2026." in liisa.last_message().text
        h.clock.advance(timedelta(days=40))  # the pause ends by itself on its day
        await liisa.send("/mysubscriptions")
        assert "paused" not in liisa.last_message().text.lower()
        assert await resolve(
            h.env.db,
            h.env.catalog,
            AudienceSpec(municipalities=frozenset({"167"})),
        ) == [liisa.id]
        await liisa.send("/pause")
        await liisa.send("/resume")
        assert await resolve(
            h.env.db,
            h.env.catalog,
            AudienceSpec(municipalities=frozenset({"167"})),
        ) == [liisa.id]
        await subscriptions.replace(h.env.db, liisa.id, [JOENSUU], ["health", "culture"])
        await liisa.send("/unsubscribe")
        await liisa.tap("✖ Health")
        assert (await _subscription(h, liisa.id)).themes == ("culture",)
        await liisa.send("/mysubscriptions")
        await liisa.tap("⏸ Pause deliveries")
        assert liisa.last_answer() == "Deliveries paused."
        assert "▶ Resume deliveries" in liisa.last_message().buttons
        await liisa.tap("▶ Resume deliveries")
        assert (await _subscription(h, liisa.id)).paused_until is None
        await liisa.send("/unsubscribe")
        await liisa.tap("✖ Unsubscribe from everything")
        await liisa.tap("Yes, remove all")
        assert (await _subscription(h, liisa.id)).empty


async def test_deep_link_preselects_and_sublink_is_for_coordinators(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({5000})) as h:
        volunteer = h.user("Ville", language_code="en")
        await volunteer.send("/sublink Joensuu")
        assert volunteer.last_message().text == "Only coordinators can create subscription links."
        admin_user = h.sandbox.add_user("Admin", language_code="en", user_id=5000)
        admin = ChatUser(h, admin_user, h.sandbox.private_chat(admin_user))
        await admin.send("/sublink Joensuu, health")
        link_text = admin.last_message().text
        assert "start=sub_m167__thealth" in link_text
        await volunteer.send("/start sub_m167__thealth")
        assert "step 3/3" in volunteer.last_message().text
        await volunteer.tap("✅ Save")
        saved = await _subscription(h, volunteer.id)
        assert (saved.areas, saved.themes) == ((JOENSUU,), ("health",))
        await volunteer.send("/start sub_m999")
        assert "not valid" in volunteer.last_message().text


async def test_group_greeting_admin_only_changes_and_removal(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        pekka = h.sandbox.add_user("Pekka", language_code="fi")
        aino = h.sandbox.add_user("Aino", language_code="fi")
        group = h.sandbox.add_group("Kyläyhdistys", members=[pekka, aino], admins=[pekka])
        update = h.sandbox.bot_added_to_group(group, pekka)
        await h.processed(update["update_id"])
        greeting = h.sandbox.last_message(group)
        assert greeting is not None
        assert "Hei, Kyläyhdistys!" in greeting.text
        as_aino = ChatUser(h, aino, group)
        as_pekka = ChatUser(h, pekka, group)
        await as_aino.send("/subscribe Joensuu")
        assert "Vain ryhmän ylläpitäjät" in as_aino.last_message().text
        assert (await _subscription(h, group.id)).empty
        await as_pekka.send("/subscribe Joensuu")
        assert (await _subscription(h, group.id)).areas == (JOENSUU,)
        await as_aino.tap("✏️ Muokkaa teemoja")
        assert as_aino.last_answer() == "Vain ryhmän ylläpitäjät voivat muuttaa sen asetuksia."
        await as_aino.send("/profile name Hijacked")
        await as_pekka.send("/profile name Rääkkylän Kylät ry")
        await as_pekka.send("/profile municipality Rääkkylä")
        await as_pekka.send("/profile themes kylätoiminta, kulttuuri")
        await as_pekka.send("/profile contact pj@example.fi")
        profile_text = as_pekka.last_message().text
        assert "Nimi: Rääkkylän Kylät ry" in profile_text
        assert "Kunta: Rääkkylä" in profile_text
        assert "Teemat: Kylätoiminta, Kulttuuri" in profile_text
        await as_pekka.send("/profile colour red")
        assert "En tunne profiilin kenttää" in as_pekka.last_message().text
        update = h.sandbox.bot_removed_from_group(group, pekka, status="kicked")
        await h.processed(update["update_id"])
        chat = await h.env.db.fetchone(
            "SELECT active, inactive_reason FROM chats WHERE id = ?", (group.id,)
        )
        assert chat is not None
        assert (chat[0], chat[1]) == (0, "kicked")
        assert (
            await resolve(
                h.env.db,
                h.env.catalog,
                AudienceSpec(municipalities=frozenset({"167"})),
            )
            == []
        )
