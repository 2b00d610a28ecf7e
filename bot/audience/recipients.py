"""Who receives an invitation or announcement: chats whose subscribed areas meet the target
area and whose themes meet the target themes.

A target (an event's municipalities, or an announcement's region) is expanded to municipalities;
a chat is in the audience when it follows any of those municipalities, a region or wellbeing
county containing one of them, or the whole country — i.e. when the two areas intersect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.core.places import PlaceCatalog
from storage import role_audiences, rsvps, subscriptions
from storage.db import Database, Writer
from storage.subscriptions import AudienceQuery

__all__ = ["ANSWERED", "ROLES", "AudienceRole", "AudienceSpec", "count", "expand", "resolve"]

ANSWERED: tuple[rsvps.Status, ...] = ("yes", "maybe", "waitlist", "no")
# Audiences by role: the listed contact people, the coordinators, the groups with a published
# directory listing (storage/role_audiences.py) — in the spec's areas instead of subscribers.
AudienceRole = Literal["contacts", "coordinators", "associations"]
ROLES: tuple[AudienceRole, ...] = ("contacts", "coordinators", "associations")


@dataclass(frozen=True, slots=True)
class AudienceSpec:
    municipalities: frozenset[str] = field(default_factory=frozenset)
    regions: frozenset[str] = field(default_factory=frozenset)
    counties: frozenset[str] = field(default_factory=frozenset)
    themes: frozenset[str] = field(default_factory=frozenset)
    everyone: bool = False
    # The people who answered this event (any answer), instead of areas and themes.
    event_id: int | None = None
    # People or groups by role, in the areas (everyone: anywhere), instead of subscribers.
    role: AudienceRole | None = None

    @property
    def has_places(self) -> bool:
        return bool(self.municipalities or self.regions or self.counties)


def expand(spec: AudienceSpec, catalog: PlaceCatalog) -> AudienceQuery:
    codes = set(spec.municipalities)
    for region in spec.regions:
        codes.update(m.code for m in catalog.municipalities_in_region(region))
    for county in spec.counties:
        codes.update(m.code for m in catalog.municipalities_in_county(county))
    known = [m for code in codes if (m := catalog.municipality(code)) is not None]
    return AudienceQuery(
        municipalities=tuple(sorted(m.code for m in known)),
        regions=tuple(sorted({m.region_code for m in known})),
        counties=tuple(sorted({m.county_id for m in known})),
        themes=tuple(sorted(spec.themes)),
        everyone=spec.everyone,
    )


async def resolve(db: Database | Writer, catalog: PlaceCatalog, spec: AudienceSpec) -> list[int]:
    """Chat ids of the audience (active, not paused), each once."""
    if spec.event_id is not None:
        return await rsvps.notify_chats(db, spec.event_id, ANSWERED)
    query = expand(spec, catalog)
    if spec.role == "contacts":
        return await role_audiences.contact_chats(db, query)
    if spec.role == "coordinators":
        return await role_audiences.coordinator_chats(db, query)
    if spec.role == "associations":
        return await role_audiences.association_chats(db, query, query.themes)
    return await subscriptions.audience(db, query)


async def count(db: Database, catalog: PlaceCatalog, spec: AudienceSpec) -> int:
    """The audience size, for previews ("will reach N chats")."""
    if spec.event_id is not None or spec.role is not None:
        return len(await resolve(db, catalog, spec))
    return await subscriptions.audience_count(db, expand(spec, catalog))
