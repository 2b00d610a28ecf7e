"""Reading directory search words: places (multi-word, Swedish, typos), themes, languages and
free words; what narrows and what is an alternative."""

from __future__ import annotations

from bot.core.config import DEFAULT_THEMES
from bot.core.place_search import PlaceIndex, PlaceRef
from bot.core.places import load_catalog
from bot.directory.search import from_subscription, parse_query
from storage.subscriptions import Area, Subscription

CATALOG = load_catalog()
INDEX = PlaceIndex(CATALOG)


def _parse(text: str):  # type: ignore[no-untyped-def]
    return parse_query(text, INDEX, CATALOG, DEFAULT_THEMES)


def test_places_themes_languages_and_free_words() -> None:
    query = _parse("Joensuu terveys arabia kahvila")
    assert query.places == (PlaceRef("municipality", "167"),)
    assert query.municipalities == ("167",)
    assert query.themes == ("health",)
    assert query.languages == ("ar",)
    assert query.words == ("kahvila",)
    assert query.typed == "joensuu terveys arabia kahvila"


def test_swedish_names_typos_and_multi_word_names() -> None:
    assert _parse("Helsingfors").places == (PlaceRef("municipality", "091"),)
    assert _parse("Helsinkki").places == (PlaceRef("municipality", "091"),)
    assert _parse("Joensu").places == (PlaceRef("municipality", "167"),)
    region = _parse("Pohjois Karjala")
    assert region.places == (PlaceRef("region", "12"),) and region.words == ()
    assert "167" in region.municipalities and len(region.municipalities) > 5
    assert _parse("Lapset ja perheet").themes == ("families",)
    assert _parse("svenska").languages == ("sv",)


def test_places_are_alternatives_and_short_unknown_words_stay_free() -> None:
    query = _parse("Joensuu, Vaasa; kuoro")
    assert set(query.municipalities) == {"167", "905"}
    assert query.words == ("kuoro",)
    assert _parse("sali").words == ("sali",)  # not "Salo" with a typo


def test_emoji_punctuation_and_sql_text() -> None:
    assert _parse("🎉 🙂 !!").empty
    sql = _parse("'; DROP TABLE listings; --")
    assert sql.words == ("drop", "table", "listings")
    assert sql.places == () and sql.typed == "drop table listings"
    assert len(_parse("sana " * 40).typed) <= 100


def test_a_chats_subscription_is_places_and_any_of_its_themes() -> None:
    subscription = Subscription(
        1, (Area("municipality", "167"), Area("region", "15")), ("health", "youth"), None
    )
    query = from_subscription(subscription, CATALOG)
    assert "167" in query.municipalities and "905" in query.municipalities
    assert query.filter().theme_groups == (("health", "youth"),)
    everywhere = from_subscription(Subscription(1, (Area("all"),), ("*",), None), CATALOG)
    assert everywhere.municipalities == () and everywhere.themes == ()
    assert _parse("terveys nuoret").filter().theme_groups == (("health",), ("youth",))
