"""The /volunteer profile's rules and texts: reading the places a person types (typos forgiven,
as /subscribe does), their skills, and the profile shown back to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.config_values import Theme
from bot.core.i18n import Texts
from bot.core.place_search import PlaceIndex
from bot.core.places import PlaceCatalog
from bot.subscriptions.rules import area_name, resolve_names, theme_names
from storage.subscriptions import Area
from storage.volunteer_profiles import ProfileArea, VolunteerProfile

__all__ = ["MAX_AREAS", "MAX_SKILLS", "PlacesRead", "place_name", "profile_text", "read_places"]

MAX_AREAS = 30
MAX_SKILLS = 300  # characters


@dataclass(frozen=True, slots=True)
class PlacesRead:
    areas: tuple[ProfileArea, ...]
    guessed: tuple[tuple[str, ProfileArea], ...]  # a typo taken as its nearest place
    unknown: tuple[str, ...]


def read_places(index: PlaceIndex, text: str) -> PlacesRead:
    """Municipalities, regions and wellbeing counties named in `text`; a name that is not
    exact is taken as the place search's best guess (said back to the person), one with no
    guess is unknown."""
    resolution = resolve_names(index, text)
    areas = [ProfileArea(a.kind, a.code) for a in resolution.found]
    guessed: list[tuple[str, ProfileArea]] = []
    unknown: list[str] = []
    for typed, candidates in resolution.unresolved:
        if candidates and candidates[0].kind in ("all", "municipality", "region", "county"):
            area = ProfileArea(candidates[0].kind, candidates[0].code)
            guessed.append((typed, area))
            areas.append(area)
        else:
            unknown.append(typed)
    return PlacesRead(tuple(dict.fromkeys(areas)), tuple(guessed), tuple(unknown))


def place_name(area: ProfileArea, catalog: PlaceCatalog, t: Texts) -> str:
    return area_name(Area(area.kind, area.code), catalog, t)


def profile_text(
    t: Texts, profile: VolunteerProfile | None, catalog: PlaceCatalog, themes: Sequence[Theme]
) -> str:
    """The profile as its owner sees it in /volunteer."""
    if profile is None:
        return t._(
            "<b>Your volunteer profile</b>\n"
            "You get no volunteer calls yet. Tell me where you could help, and turn calls on: "
            "associations' calls for volunteers in your area then come to this chat."
        )
    places = ", ".join(place_name(a, catalog, t) for a in profile.areas) or t._("none yet")
    chosen = ", ".join(theme_names(profile.themes, themes, t)) or t._("all themes")
    return t._(
        "<b>Your volunteer profile</b>\n"
        "Calls: {state}\nWhere: {places}\nThemes: {themes}\nSkills: {skills}\n"
        "Only you see this; the organisers of a call you answer may see it too.",
        state=t._("yes, send me calls") if profile.wants_calls else t._("not now"),
        places=places,
        themes=chosen,
        skills=profile.skills or t._("none given"),
    )
