"""The association directory's search end to end: /directory [words] with places, typos,
themes, languages and free words, paging, cards, misses, bad input, and inline mode."""

from __future__ import annotations

from pathlib import Path

from storage import listings, subscriptions
from storage.listings import Listing, Status
from storage.subscriptions import Area
from tests.factories import ADMIN, admin_user, appoint
from tests.harness import BotHarness

JOENSUU, HELSINKI, VAASA, OUTOKUMPU = "167", "091", "905", "309"


async def _listing(
    h: BotHarness,
    name: str,
    *,
    places: tuple[str, ...] = (JOENSUU,),
    status: Status = "public",
    themes: tuple[str, ...] = (),
    languages: tuple[str, ...] = (),
    about: str = "",
    join_link: str | None = None,
) -> Listing:
    return await listings.save(
        h.env.db,
        Listing(
            id=0,
            chat_id=None,
            user_id=None,
            name=name,
            municipalities=places,
            themes=themes,
            languages=languages,
            about=about,
            join_link=join_link,
            status=status,
        ),
    )


async def _misses(h: BotHarness) -> list[tuple[str, ...]]:
    rows = await h.env.db.fetchall("SELECT * FROM directory_misses ORDER BY id")
    return [tuple(str(value) for value in row) for row in rows]


async def test_place_search_shows_only_public_listings_and_opens_a_card(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        await _listing(
            h,
            "Joen Kyläyhdistys",
            themes=("village",),
            about="Kylätalon talkoot joka kuukausi.",
            join_link="https://t.me/+joenkyla",
        )
        for status in ("private", "pending", "hidden", "lapsed"):
            await _listing(h, f"Piilossa {status}", status=status)
        await _listing(h, "Helsingin Seura", places=(HELSINKI,))
        liisa = h.user("Liisa")
        await liisa.send("/directory Joensuu")
        found = liisa.last_message()
        assert found.text.startswith("🔎 Joensuu")
        assert "1 yhdistys löytyi" in found.text
        assert "Joen Kyläyhdistys — Joensuu · Kylätoiminta" in found.text
        assert "Piilossa" not in found.text and "Helsingin" not in found.text
        assert found.buttons == ["1. Joen Kyläyhdistys"]
        await liisa.tap("1. Joen Kyläyhdistys")
        card = liisa.last_message()
        assert card.message_id != found.message_id  # the card is a new message
        assert card.text.startswith("Joen Kyläyhdistys\n📍 Joensuu\n🏷 Kylätoiminta")
        assert "Kylätalon talkoot" in card.text
        assert card.keyboard == [[("👋 Liity ryhmään", "https://t.me/+joenkyla")]]
        assert await _misses(h) == []


async def test_swedish_names_typos_regions_and_narrowing(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        await _listing(h, "Helsingin Terveys", places=(HELSINKI,), themes=("health",))
        await _listing(
            h, "Joensuun Arabiapiiri", themes=("health",), languages=("ar", "fi"), about="Kahvila"
        )
        await _listing(h, "Joensuun Kuoro", themes=("culture",), languages=("fi",))
        await _listing(h, "Outokummun Terveys", places=(OUTOKUMPU,), themes=("health",))
        anna = h.user("Anna", language_code="sv")
        await anna.send("/directory Helsingfors")
        assert "Helsingin Terveys" in anna.last_message().text
        assert "1 förening hittades" in anna.last_message().text
        await anna.send("/directory Helsinkki")  # a typo
        assert "Helsingin Terveys" in anna.last_message().text
        liisa = h.user("Liisa")
        await liisa.send("/directory Joensu")  # a typo
        assert "2 yhdistystä löytyi" in liisa.last_message().text
        await liisa.send("/directory Pohjois-Karjala terveys")  # a region and a theme
        text = liisa.last_message().text
        assert "Joensuun Arabiapiiri" in text and "Outokummun Terveys" in text
        assert "Kuoro" not in text and "Helsingin" not in text
        await liisa.send("/directory Joensuu terveys arabia")
        text = liisa.last_message().text
        assert "1 yhdistys löytyi" in text and "Joensuun Arabiapiiri" in text
        await liisa.send("/directory kuoro")  # a free word from the name
        assert "Joensuun Kuoro" in liisa.last_message().text
        assert "1 yhdistys" in liisa.last_message().text
        await liisa.send("/directory Joensuu kahvila")  # a free word from the text
        assert "Joensuun Arabiapiiri" in liisa.last_message().text
        assert await _misses(h) == []


async def test_paging_five_per_page_edited_in_place(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        for letter in "ABCDEFG":
            await _listing(h, f"{letter} Yhdistys")
        liisa = h.user("Liisa")
        await liisa.send("/directory Joensuu")
        first = liisa.last_message()
        assert "7 yhdistystä löytyi (sivu 1/2)" in first.text
        assert first.buttons == [f"{n}. {c} Yhdistys" for n, c in enumerate("ABCDE", 1)] + ["▶"]
        await liisa.tap("▶")
        second = liisa.last_message()
        assert second.message_id == first.message_id and second.edit_count == 1
        assert "(sivu 2/2)" in second.text
        assert second.buttons == ["6. F Yhdistys", "7. G Yhdistys", "◀"]
        await liisa.tap("◀")
        assert liisa.last_message().buttons[0] == "1. A Yhdistys"


async def test_nothing_found_records_only_the_words(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        await _listing(h, "Joen Kyläyhdistys")
        liisa = h.user("Liisa")
        await liisa.send("/directory Joensuu Sirkuskoulu")
        assert "Mikään hakemiston yhdistys ei vastaa" in liisa.last_message().text
        assert "vähemmillä sanoilla" in liisa.last_message().text
        rows = await h.env.db.fetchall("SELECT * FROM directory_misses")
        assert [dict(row) for row in rows] == [
            {"id": 1, "words": "joensuu sirkuskoulu", "searched_at": h.env.db.now()}
        ]


async def test_bad_input_is_answered_and_stores_nothing(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        await _listing(h, "Joen Kyläyhdistys")
        liisa = h.user("Liisa")
        await liisa.send("/directory " + "Joensuu " * 62 + "Joen")  # 500 characters
        assert "enintään 200 merkkiä" in liisa.last_message().text
        await liisa.send("/directory 🎉🎉 🙂")
        assert "Järjestöhakemisto" in liisa.last_message().text  # the usage
        assert await _misses(h) == []
        await liisa.send("/directory Joensuu'; DROP TABLE listings; --")
        assert "Mikään hakemiston yhdistys ei vastaa" in liisa.last_message().text
        assert [m[1] for m in await _misses(h)] == ["joensuu drop table listings"]
        assert await h.env.db.fetchval("SELECT count(*) FROM listings") == 1
        await liisa.send("/directory % _")  # LIKE's wildcards are plain characters
        assert "Järjestöhakemisto" in liisa.last_message().text


async def test_without_words_searches_the_chats_subscriptions(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        await _listing(h, "Joen Terveys", themes=("health",))
        await _listing(h, "Joen Kuoro", themes=("culture",))
        await _listing(h, "Vaasan Terveys", places=(VAASA,), themes=("health",))
        liisa = h.user("Liisa")
        await liisa.send("/directory")
        assert "Järjestöhakemisto" in liisa.last_message().text  # nothing subscribed yet
        await subscriptions.replace(h.env.db, liisa.id, [Area("region", "12")], ["health", "youth"])
        await liisa.send("/directory")
        text = liisa.last_message().text
        assert text.startswith("🔎 Tämän keskustelun tilaukset")
        assert "Joen Terveys" in text
        assert "Kuoro" not in text and "Vaasan" not in text
        assert await _misses(h) == []


async def test_inline_query_from_a_stranger_and_choosing_a_card(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        listing = await _listing(
            h, "Joen Terveys", themes=("health",), join_link="https://t.me/+joen"
        )
        await _listing(h, "Joen Kuoro", themes=("culture",))
        stranger = h.sandbox.add_user("Omar", language_code="en")  # never started the bot
        update = h.sandbox.inline_query(stranger, "Joensuu health")
        await h.processed(update["update_id"])
        answer = h.sandbox.inline_answer(update["inline_query"]["id"])
        assert answer.titles == ["Joen Terveys"]
        assert answer.results[0]["description"] == "Joensuu · Health"
        assert answer.cache_time == 30 and answer.is_personal is False
        assert (
            await h.env.db.fetchval("SELECT count(*) FROM users WHERE id = ?", (stranger.id,)) == 0
        )
        group = h.sandbox.add_group("Kylä", members=[stranger], bot_present=True)
        sent = h.sandbox.choose_inline_result(
            group, stranger, update["inline_query"]["id"], str(listing.id)
        )
        assert sent.via_bot and not sent.from_bot
        assert sent.text.startswith("Joen Terveys\n📍 Joensuu\n🏷 Health")
        assert sent.keyboard == [[("👋 Join the group", "https://t.me/+joen")]]
        empty = h.sandbox.inline_query(stranger, "")
        await h.processed(empty["update_id"])
        hint = h.sandbox.inline_answer(empty["inline_query"]["id"])
        assert hint.results == [] and hint.button is not None
        assert hint.button["text"] == "Type a place, a theme or a language"
        assert await _misses(h) == []


async def test_inline_results_are_paged_with_next_offset(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path) as h:
        for number in range(23):
            await _listing(h, f"Yhdistys {number:02d}")
        someone = h.sandbox.add_user("Eeva")
        update = h.sandbox.inline_query(someone, "Joensuu")
        await h.processed(update["update_id"])
        first = h.sandbox.inline_answer(update["inline_query"]["id"])
        assert len(first.results) == 20 and first.next_offset == "20"
        more = h.sandbox.inline_query(someone, "Joensuu", offset="20")
        await h.processed(more["update_id"])
        rest = h.sandbox.inline_answer(more["inline_query"]["id"])
        assert rest.titles == ["Yhdistys 20", "Yhdistys 21", "Yhdistys 22"]
        assert rest.next_offset == ""


async def test_a_coordinator_of_the_place_sees_hide_under_the_card_others_do_not(
    tmp_path: Path,
) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        await _listing(h, "Joen Kyläyhdistys")
        admin = admin_user(h)
        kaisa = await appoint(h, admin, "Kaisa", "Joensuu")
        vaasa = await appoint(h, admin, "Ville", "Vaasa")
        liisa = h.user("Liisa")
        for person, sees_hide in ((kaisa, True), (vaasa, False), (liisa, False)):
            await person.send("/directory Joensuu")
            await person.tap("1. Joen Kyläyhdistys")
            card = person.last_message()
            assert card.text.startswith("Joen Kyläyhdistys")
            assert ("🙈 Hide" in card.buttons) is sees_hide
