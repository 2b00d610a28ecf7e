"""Subscription rules shared by the menus, the text shortcut and deep links.

Areas are named in the reader's language; names typed by users are resolved with the forgiving
place search; deep-link payloads (`sub_m167__thealth`) are parsed and built here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.config import Theme
from bot.core.i18n import Texts
from bot.core.place_search import PlaceIndex, PlaceRef, normalise, split_names
from bot.core.places import PlaceCatalog
from storage.subscriptions import ALL_THEMES, Area, Subscription

__all__ = [
    "DEEP_LINK_PREFIX",
    "NameResolution",
    "area_for",
    "area_name",
    "build_payload",
    "is_valid_area",
    "match_theme",
    "parse_payload",
    "resolve_names",
    "sort_areas",
    "summary_lines",
    "theme_names",
]

DEEP_LINK_PREFIX = "sub_"
_PAYLOAD_ITEM = re.compile(r"^([mrcta])([A-Za-z0-9_-]*)$")
_KIND_LETTER = {"municipality": "m", "region": "r", "county": "c", "all": "a"}
_LETTER_KIND = {v: k for k, v in _KIND_LETTER.items()}
_KIND_ORDER = {"all": 0, "county": 1, "region": 2, "municipality": 3}


def area_for(ref: PlaceRef) -> Area:
    return Area(ref.kind, ref.code)


def is_valid_area(area: Area, catalog: PlaceCatalog) -> bool:
    if area.kind == "all":
        return area.code == ""
    if area.kind == "region":
        return catalog.region(area.code) is not None
    if area.kind == "county":
        return catalog.county(area.code) is not None
    return catalog.municipality(area.code) is not None


def area_name(area: Area, catalog: PlaceCatalog, t: Texts) -> str:
    language = t.language
    if area.kind == "all":
        return t._("all of Finland")
    if area.kind == "region":
        region = catalog.region(area.code)
        return t._("{name} (region)", name=region.name(language)) if region else area.code
    if area.kind == "county":
        county = catalog.county(area.code)
        return county.name(language) if county else area.code
    municipality = catalog.municipality(area.code)
    return municipality.name(language) if municipality else area.code


def sort_areas(areas: Iterable[Area], catalog: PlaceCatalog, t: Texts) -> list[Area]:
    """Whole country first, then counties, regions and municipalities, each alphabetically."""
    return sorted(areas, key=lambda a: (_KIND_ORDER[a.kind], area_name(a, catalog, t).casefold()))


def theme_names(themes: Iterable[str], available: Iterable[Theme], t: Texts) -> list[str]:
    by_id = {theme.id: theme for theme in available}
    chosen = set(themes)
    if not chosen or ALL_THEMES in chosen:
        return [t._("all themes")]
    return sorted(by_id[i].name(t.language) for i in chosen if i in by_id)


def summary_lines(
    subscription: Subscription | None,
    areas: Iterable[Area],
    themes: Iterable[str],
    catalog: PlaceCatalog,
    available: Iterable[Theme],
    t: Texts,
    *,
    now: int = 0,
) -> list[str]:
    """The readable "areas: …, themes: …" block used by the menus and /mysubscriptions."""
    names = [area_name(a, catalog, t) for a in sort_areas(areas, catalog, t)]
    lines = [
        t._("<b>Areas:</b> {areas}", areas=", ".join(names) if names else t._("none yet")),
        t._("<b>Themes:</b> {themes}", themes=", ".join(theme_names(themes, available, t))),
    ]
    if subscription is not None and subscription.paused_at(now):
        lines.append(t._("⏸ Deliveries are paused."))
    return lines


def match_theme(text: str, available: Iterable[Theme]) -> Theme | None:
    """A theme by its id or its name in any language, forgiving case and diacritics."""
    wanted = normalise(text)
    if not wanted:
        return None
    for theme in available:
        names = (theme.id, theme.fi, theme.sv, theme.en)
        if any(normalise(name) == wanted for name in names):
            return theme
    return None


@dataclass(frozen=True, slots=True)
class NameResolution:
    found: tuple[Area, ...]
    unresolved: tuple[tuple[str, tuple[PlaceRef, ...]], ...]  # typed text, suggestions


def resolve_names(index: PlaceIndex, text: str) -> NameResolution:
    """Resolve "Joensuu, Outokumpu ja Liperi": exact hits, and suggestions for the rest."""
    found: list[Area] = []
    unresolved: list[tuple[str, tuple[PlaceRef, ...]]] = []
    for name in split_names(text):
        result = index.search(name, limit=6)
        if result.exact is not None:
            area = area_for(result.exact)
            if area not in found:
                found.append(area)
        else:
            unresolved.append((name, tuple(result.candidates)))
    return NameResolution(tuple(found), tuple(unresolved))


def build_payload(areas: Iterable[Area], themes: Iterable[str]) -> str:
    """`sub_m167__thealth`: at most 64 characters of [A-Za-z0-9_-] (Telegram's /start limit)."""
    items = [f"{_KIND_LETTER[a.kind]}{a.code}" for a in areas]
    items += [f"t{theme}" for theme in themes]
    payload = DEEP_LINK_PREFIX + "__".join(items)
    if len(payload) > 64:
        raise ValueError("too many areas and themes for one link")
    return payload


def parse_payload(
    payload: str, catalog: PlaceCatalog, available: Iterable[Theme]
) -> tuple[frozenset[Area], frozenset[str]] | None:
    """Areas and themes named by a deep link, or None when any part is unknown."""
    if not payload.startswith(DEEP_LINK_PREFIX) or len(payload) > 64:
        return None
    theme_ids = {theme.id for theme in available}
    areas: set[Area] = set()
    themes: set[str] = set()
    for item in payload[len(DEEP_LINK_PREFIX) :].split("__"):
        match = _PAYLOAD_ITEM.match(item)
        if not match:
            return None
        letter, code = match.groups()
        if letter == "t":
            if code not in theme_ids:
                return None
            themes.add(code)
            continue
        area = Area(_LETTER_KIND[letter], code)  # type: ignore[arg-type]
        if not is_valid_area(area, catalog):
            return None
        areas.add(area)
    if not areas and not themes:
        return None
    return frozenset(areas), frozenset(themes)
