"""The one audience parser: a coordinator's free text and the `announce` command's options."""

from __future__ import annotations

import pytest

from bot.audience.parsing import UnknownPlace, parse_audience, parse_options
from bot.audience.recipients import AudienceSpec
from bot.core.config import Config
from bot.core.place_search import PlaceIndex
from bot.core.places import load_catalog

INDEX = PlaceIndex(load_catalog())
THEMES = Config().bot.themes


def test_free_text_sorts_places_themes_everyone_and_event() -> None:
    choice = parse_audience(
        "Joensuu, Pohjois-Karjala, Pohjois-Karjalan hyvinvointialue, health, Atlantis",
        INDEX,
        THEMES,
    )
    assert choice.spec == AudienceSpec(
        municipalities=frozenset({"167"}),
        regions=frozenset({"12"}),
        counties=frozenset({"pohjois-karjala"}),
        themes=frozenset({"health"}),
    )
    assert choice.unknown == ("Atlantis",)
    assert parse_audience("health", INDEX, THEMES).spec.everyone  # themes alone: everyone
    assert parse_audience("kaikki", INDEX, THEMES).spec == AudienceSpec(everyone=True)
    assert parse_audience("tapahtuma #12", INDEX, THEMES).spec == AudienceSpec(event_id=12)


def test_options_take_places_of_their_kind_only() -> None:
    spec = parse_options(
        INDEX,
        municipalities=["Joensuu"],
        regions=["Pohjois-Karjala", "Pohjois-Karjalan hyvinvointialue"],
        themes=["health"],
        everyone=False,
        event_id=None,
    )
    assert spec == AudienceSpec(
        municipalities=frozenset({"167"}),
        regions=frozenset({"12"}),
        counties=frozenset({"pohjois-karjala"}),
        themes=frozenset({"health"}),
    )
    with pytest.raises(UnknownPlace) as raised:
        parse_options(
            INDEX, municipalities=[], regions=["Joensuu"], themes=[], everyone=False, event_id=None
        )
    assert (raised.value.kind, raised.value.name) == ("region", "Joensuu")
    with pytest.raises(UnknownPlace):
        parse_options(
            INDEX,
            municipalities=["Pohjois-Karjala"],
            regions=[],
            themes=[],
            everyone=False,
            event_id=None,
        )


def test_options_without_places_mean_everyone_unless_an_event() -> None:
    def spec(event_id: int | None) -> AudienceSpec:
        return parse_options(
            INDEX,
            municipalities=[],
            regions=[],
            themes=["health"],
            everyone=False,
            event_id=event_id,
        )

    assert spec(None) == AudienceSpec(themes=frozenset({"health"}), everyone=True)
    assert spec(7) == AudienceSpec(themes=frozenset({"health"}), event_id=7)
