"""Who sees an event's coordinator view besides its coordinators: its co-organisers
(storage/organisers.py) — each co-organising coordinator, each co-organising association's
group administrators (or, for an association without a group, the person who listed it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.environment import Environment
from storage import listings, organisers

__all__ = ["co_organises"]


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
