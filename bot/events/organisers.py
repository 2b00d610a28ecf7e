"""Who sees an event's coordinator view besides its coordinators: its co-organisers
(storage/organisers.py) — each co-organising coordinator, each co-organising association's
group administrators (or, for an association without a group, the person who listed it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.environment import Environment
from storage import directory_search, listings, organisers
from storage.listings import fold

__all__ = ["MAX_MATCHES", "Candidates", "candidates", "co_organises"]

MAX_MATCHES = 5  # buttons offered for one typed name
_MIN_WORD = 2  # a one-letter word would match nearly everything


@dataclass(frozen=True, slots=True)
class Candidates:
    """What a typed name may mean: public directory listings and active coordinators, each as
    (id, name), at most MAX_MATCHES of each."""

    listings: tuple[tuple[int, str], ...] = ()
    coordinators: tuple[tuple[int, str], ...] = ()


async def candidates(env: Environment, text: str) -> Candidates:
    """Listings whose name or text has every typed word (the directory's own search), and
    coordinators whose name has every typed word (accents and case folded)."""
    words = tuple(w for w in fold(text).split() if len(w) >= _MIN_WORD)[:5]
    if not words:
        return Candidates()
    page = await directory_search.search(
        env.db, directory_search.SearchFilter(words=words), limit=MAX_MATCHES
    )
    people = [
        (user_id, name)
        for user_id, name in await organisers.coordinators(env.db)
        if all(word in fold(name) for word in words)
    ]
    return Candidates(
        tuple((listing.id, listing.name) for listing in page.listings),
        tuple(people[:MAX_MATCHES]),
    )


async def co_organises(
    env: Environment,
    user_id: int,
    event_id: int,
    is_group_admin: Callable[[int], Awaitable[bool]],
) -> bool:
    """`is_group_admin(chat_id)`: whether the person administers that group now."""
    found = await organisers.for_event(env.db, event_id)
    if user_id in found.users:
        return True
    for listing_id in found.listings:
        listing = await listings.get(env.db, listing_id)
        if listing is None:
            continue
        if listing.chat_id is None:
            if listing.user_id == user_id:
                return True
        elif await is_group_admin(listing.chat_id):
            return True
    return False
