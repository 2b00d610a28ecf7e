"""Appointing coordinators: one-time, expiring links with a scope."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from bot.core.place_search import PlaceIndex, split_names
from storage import invites
from storage.db import Database
from storage.roles import ScopeArea

__all__ = ["LINK_PREFIX", "LINK_TTL", "hash_token", "new_link_token", "parse_scope"]

LINK_PREFIX = "coord_"
LINK_TTL = timedelta(days=7)
_EVERYWHERE = {"all", "kaikki", "alla", "everyone", "koko suomi", "hela finland"}


def hash_token(token: str) -> str:
    # Only the hash is stored: a copy of the database does not hand out coordinator rights.
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scope(text: str, index: PlaceIndex) -> tuple[tuple[ScopeArea, ...], list[str]]:
    """ "Joensuu, Outokumpu" / "Pohjois-Karjala" / "all" → (scope, names not recognised)."""
    areas: list[ScopeArea] = []
    unknown: list[str] = []
    for name in split_names(text):
        if name.casefold() in _EVERYWHERE:
            areas.append(ScopeArea("all"))
            continue
        found = index.search(name).exact
        if found is None:
            unknown.append(name)
            continue
        areas.append(ScopeArea(found.kind, found.code))
    if any(area.kind == "all" for area in areas):
        return (ScopeArea("all"),), unknown
    return tuple(dict.fromkeys(areas)), unknown


async def new_link_token(
    db: Database, scope: tuple[ScopeArea, ...], created_by: int, now: int
) -> str:
    token = secrets.token_urlsafe(24)  # 32 characters, within the 64 a start link may carry
    await invites.create(
        db, hash_token(token), scope, created_by, now + int(LINK_TTL.total_seconds())
    )
    return token
