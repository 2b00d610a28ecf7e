"""Audiences named by people: the free text a coordinator types in a chat ("Joensuu, Outokumpu,
health", "Pohjois-Karjala", "all", "event 12") and the `announce` command's options. Both find
places with the same search and sort them into municipalities, regions and wellbeing counties
the same way."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot.audience.recipients import AudienceRole, AudienceSpec
from bot.core.config import Theme
from bot.core.place_search import PlaceIndex, PlaceRef, split_names
from bot.subscriptions.rules import area_for, match_theme

__all__ = ["ROLE_WORDS", "AudienceChoice", "UnknownPlace", "parse_audience", "parse_options"]

_EVENT = re.compile(r"^(?:event|tapahtuma|evenemang)\s*#?(\d{1,12})$", re.IGNORECASE)
_EVERYONE = {"all", "kaikki", "alla", "everyone", "koko suomi", "hela finland"}
# Audiences by role, in English, Finnish and Swedish (casefolded).
ROLE_WORDS: dict[str, AudienceRole] = {
    "contacts": "contacts",
    "contact people": "contacts",
    "yhteyshenkilöt": "contacts",
    "kontaktpersoner": "contacts",
    "coordinators": "coordinators",
    "koordinaattorit": "coordinators",
    "koordinatorer": "coordinators",
    "associations": "associations",
    "yhdistykset": "associations",
    "järjestöt": "associations",
    "föreningar": "associations",
}


@dataclass(frozen=True, slots=True)
class AudienceChoice:
    spec: AudienceSpec
    unknown: tuple[str, ...]  # names that are neither a place nor a theme


class UnknownPlace(ValueError):
    """An option's name that is no place of the kind the option takes."""

    def __init__(self, kind: Literal["municipality", "region"], name: str) -> None:
        super().__init__(f"no {kind} called {name!r}")
        self.kind = kind
        self.name = name


class _Places:
    """The places chosen so far, by kind."""

    def __init__(self) -> None:
        self.by_kind: dict[str, set[str]] = {
            "municipality": set(),
            "region": set(),
            "county": set(),
        }

    def add(self, ref: PlaceRef) -> None:
        area = area_for(ref)
        self.by_kind[area.kind].add(area.code)

    def __bool__(self) -> bool:
        return any(self.by_kind.values())

    def spec(
        self,
        themes: Iterable[str],
        everyone: bool,
        event_id: int | None,
        role: AudienceRole | None = None,
    ) -> AudienceSpec:
        return AudienceSpec(
            municipalities=frozenset(self.by_kind["municipality"]),
            regions=frozenset(self.by_kind["region"]),
            counties=frozenset(self.by_kind["county"]),
            themes=frozenset(themes),
            everyone=everyone,
            event_id=event_id,
            role=role,
        )


def parse_audience(text: str, index: PlaceIndex, themes: tuple[Theme, ...]) -> AudienceChoice:
    """ "Joensuu, Outokumpu, health" / "Pohjois-Karjala" / "all" (themes alone: everyone who
    follows them) / "coordinators Joensuu" (a role: those people or groups, in the places; without
    places, in the sender's scope: bot.audience.access.within_scope)."""
    places = _Places()
    chosen_themes: set[str] = set()
    unknown: list[str] = []
    everyone = False
    event_id: int | None = None
    role: AudienceRole | None = None
    for name in _role_split(text):
        if match := _EVENT.match(name.strip()):
            event_id = int(match.group(1))
            continue
        if name.casefold() in _EVERYONE:
            everyone = True
            continue
        named_role = ROLE_WORDS.get(name.casefold())
        if named_role is not None and role in (None, named_role):
            role = named_role
            continue
        theme = match_theme(name, themes)
        if theme is not None:
            chosen_themes.add(theme.id)
            continue
        found = index.search(name).exact
        if found is None:
            unknown.append(name)
            continue
        places.add(found)
    if not places and role is None:
        everyone = everyone or bool(chosen_themes)
    spec = places.spec(chosen_themes, everyone, event_id, role)
    return AudienceChoice(spec, tuple(unknown))


def _role_split(text: str) -> list[str]:
    """split_names, with a leading role word cut off its place ("coordinators Joensuu" is
    "coordinators", "Joensuu"): a role reads naturally without a comma."""
    names: list[str] = []
    for name in split_names(text):
        first, _, rest = name.strip().partition(" ")
        if first.casefold() in ROLE_WORDS and rest.strip():
            names += [first, rest.strip()]
        else:
            names.append(name)
    return names


def parse_options(
    index: PlaceIndex,
    *,
    municipalities: Iterable[str],
    regions: Iterable[str],
    themes: Iterable[str],
    everyone: bool,
    event_id: int | None,
    role: AudienceRole | None = None,
) -> AudienceSpec:
    """The `announce` command's audience: every municipality name must be a municipality, every
    region name a region or wellbeing county (UnknownPlace otherwise). Without places, everyone
    who follows the themes; "event" addresses those who answered it instead; a role, those
    people or groups in the places (without places: everywhere)."""
    places = _Places()
    for name in municipalities:
        found = index.search(name).exact
        if found is None or found.kind != "municipality":
            raise UnknownPlace("municipality", name)
        places.add(found)
    for name in regions:
        found = index.search(name).exact
        if found is None or found.kind == "municipality":
            raise UnknownPlace("region", name)
        places.add(found)
    return places.spec(themes, (everyone or not places) and event_id is None, event_id, role)
