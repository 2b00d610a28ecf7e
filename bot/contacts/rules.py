"""Contact people's rules: who may list themselves, what a title may be, which areas a listing
covers, and which contact people answer for a place."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.core.place_search import PlaceRef
from bot.core.places import PlaceCatalog
from bot.environment import Environment
from bot.roles.access import is_admin
from bot.subscriptions.rules import resolve_names
from storage import contacts, roles, subscriptions
from storage.contacts import ContactArea, ContactPerson

__all__ = [
    "DEEP_LINK_PREFIX",
    "MESSAGE_LIMIT",
    "TITLE_LIMIT",
    "Found",
    "Scope",
    "TitleProblem",
    "check_title",
    "clean_title",
    "contacts_for",
    "listing_scope",
]

TITLE_LIMIT = 120
# A relayed message, with the header the bot adds, stays within Telegram's 4096 characters.
MESSAGE_LIMIT = 3500
# `https://t.me/<bot>?start=cw_<ref>`: "✉️ Write to them" from a group opens the private chat.
DEEP_LINK_PREFIX = "cw_"
TitleProblem = Literal["empty", "too_long", "markup"]
# Markup a title may not carry: HTML tags and Markdown's emphasis, code and link characters. The
# title is shown as plain text everywhere; refusing them is clearer than showing them raw.
_MARKUP = re.compile(r"[<>*_`\[\]~]")


def check_title(title: str) -> TitleProblem | None:
    if not title:
        return "empty"
    if len(title) > TITLE_LIMIT:
        return "too_long"
    if _MARKUP.search(title):
        return "markup"
    return None


def clean_title(text: str) -> str:
    """One line, single spaces."""
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Scope:
    """What a person may list themselves for: everywhere (staff), or these areas."""

    covers_all: bool
    areas: tuple[ContactArea, ...]


async def listing_scope(env: Environment, user_id: int) -> Scope | None:
    """None for a participant; admins and coordinators of "all" are the network's staff."""
    granted = await roles.active_roles(env.db, user_id)
    if is_admin(env.config, user_id, granted) or any(r.covers_everything for r in granted):
        return Scope(True, ())
    if not granted:
        return None
    areas: list[ContactArea] = []
    for role in granted:
        for area in role.scope:
            if area.kind != "all":
                areas.append(ContactArea(area.kind, area.code))
    return Scope(False, tuple(dict.fromkeys(areas)))


@dataclass(frozen=True, slots=True)
class Found:
    """/contact's answer: the contact people of the places, the staff, and names not found
    (with "did you mean" suggestions)."""

    local: tuple[ContactPerson, ...]
    staff: tuple[ContactPerson, ...]
    unresolved: tuple[tuple[str, tuple[PlaceRef, ...]], ...]
    places: tuple[subscriptions.Area, ...]


def _targets(
    places: tuple[subscriptions.Area, ...], catalog: PlaceCatalog
) -> tuple[set[str], set[str], set[str]]:
    """A municipality brings its wellbeing county and region; a region or county itself."""
    municipalities: set[str] = set()
    regions: set[str] = set()
    counties: set[str] = set()
    for area in places:
        if area.kind == "municipality":
            found = catalog.municipality(area.code)
            if found is not None:
                municipalities.add(found.code)
                regions.add(found.region_code)
                counties.add(found.county_id)
        elif area.kind == "region":
            regions.add(area.code)
        elif area.kind == "county":
            counties.add(area.code)
    return municipalities, regions, counties


_KIND_ORDER = {"municipality": 0, "county": 1, "region": 2}


async def contacts_for(env: Environment, text: str, chat_id: int) -> Found:
    """The contact people of the places in `text` (without text: the chat's subscriptions)."""
    unresolved: tuple[tuple[str, tuple[PlaceRef, ...]], ...] = ()
    if text.strip():
        resolution = resolve_names(env.place_index, text)
        places, unresolved = resolution.found, resolution.unresolved
    else:
        places = (await subscriptions.get(env.db, chat_id)).areas
    m, r, c = _targets(places, env.catalog)
    local = await contacts.for_areas(env.db, sorted(m), sorted(r), sorted(c))
    # The nearest first: the municipality's, then the county's, then the region's.
    local.sort(key=lambda p: min((_KIND_ORDER[a.kind] for a in p.areas), default=3))
    staff = await contacts.staff(env.db)
    return Found(tuple(local), tuple(staff), unresolved, tuple(places))
