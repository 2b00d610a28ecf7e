"""The packaged municipality classification and the forgiving place-name search."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.place_search import PlaceIndex, PlaceRef, normalise, split_names
from bot.core.places import load_catalog

CATALOG = load_catalog()
INDEX = PlaceIndex(CATALOG)


def test_catalog_counts_and_quirks() -> None:
    assert len(CATALOG.municipalities) == 308
    assert len(CATALOG.regions) == 19
    assert len(CATALOG.counties) == 23
    helsinki = CATALOG.municipality("091")
    assert helsinki is not None
    assert (helsinki.name_sv, helsinki.county_id) == ("Helsingfors", "helsinki")
    assert len(CATALOG.municipalities_in_region("21")) == 16  # Åland
    assert CATALOG.county("pohjois-karjala") is not None
    county = CATALOG.county("pohjois-karjala")
    assert county is not None
    assert county.name("sv") == "Norra Karelens välfärdsområde"
    # Finnish alphabetical order puts Ä names at the very end.
    assert [m.name_fi for m in CATALOG.municipalities[-2:]] == ["Ähtäri", "Äänekoski"]


def test_successor_chains_and_bad_files(tmp_path: Path) -> None:
    succ = tmp_path / "succ.csv"
    succ.write_text("old_code,new_code,valid_from\n911,167,2027-01-01\n167,091,2028-01-01\n")
    catalog = load_catalog(successors=succ)
    assert catalog.successor("911") == "091"
    assert catalog.retired() == {"911": "091", "167": "091"}
    assert catalog.successor("091") is None
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name_fi,name_sv,region_code,region_fi,region_sv,wellbeing_county_fi\n"
        "91,Helsinki,Helsingfors,01,Uusimaa,Nyland,Helsingin kaupunki\n"
    )
    with pytest.raises(ValueError, match="line 2: municipality code '91' is not 3 digits"):
        load_catalog(bad)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Joensuu", PlaceRef("municipality", "167")),
        ("jonsuu", PlaceRef("municipality", "167")),
        ("JOENS", PlaceRef("municipality", "167")),
        ("Vasa", PlaceRef("municipality", "905")),
        ("Helsingfors", PlaceRef("municipality", "091")),
        ("aanekoski", PlaceRef("municipality", "992")),
        ("091", PlaceRef("municipality", "091")),
        ("Pohjois-Karjala", PlaceRef("region", "12")),
        ("pohjois karjala", PlaceRef("region", "12")),
        ("Norra Karelen", PlaceRef("region", "12")),
        ("Ahvenanmaa", PlaceRef("region", "21")),
        ("Pohjois-Karjalan hyvinvointialue", PlaceRef("county", "pohjois-karjala")),
        ("Pohjois-Karjala hyvinvointialue", PlaceRef("county", "pohjois-karjala")),
        ("tampre", PlaceRef("municipality", "837")),
    ],
)
def test_search_finds(query: str, expected: PlaceRef) -> None:
    assert INDEX.search(query).exact == expected


def test_ambiguous_and_unknown() -> None:
    result = INDEX.search("uusi")
    assert result.exact is None
    assert PlaceRef("region", "01") in result.candidates
    assert len(result.candidates) >= 2
    nothing = INDEX.search("qwxz")
    assert nothing.exact is None
    assert nothing.candidates == ()
    assert INDEX.search("").exact is None
    assert INDEX.search("999").exact is None


def test_split_names() -> None:
    assert split_names("Joensuu, Outokumpu ja Liperi; Kontiolahti\nIlomantsi och Vasa") == [
        "Joensuu",
        "Outokumpu",
        "Liperi",
        "Kontiolahti",
        "Ilomantsi",
        "Vasa",
    ]


@given(st.text(max_size=40))
def test_normalise_is_idempotent_and_plain(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert once == once.lower()
    assert all(ch.isascii() for ch in once)


@given(st.text(max_size=30))
@settings(max_examples=150)
def test_search_never_raises(text: str) -> None:
    INDEX.search(text)


@given(
    st.sampled_from([m for m in CATALOG.municipalities if len(m.name_fi) >= 6]),
    st.integers(min_value=0, max_value=100),
)
@settings(max_examples=120)
def test_one_deleted_letter_still_finds_the_municipality(municipality: object, seed: int) -> None:
    from bot.core.places import Municipality

    assert isinstance(municipality, Municipality)
    name = municipality.name_fi
    cut = 1 + seed % (len(name) - 1)
    typo = name[:cut] + name[cut + 1 :]
    result = INDEX.search(typo)
    ref = PlaceRef("municipality", municipality.code)
    assert result.exact == ref or ref in result.candidates, (typo, result)
