"""Who receives an invitation or announcement: chats whose subscribed areas meet the target
area and whose themes meet the target themes.

A target (an event's municipalities, or an announcement's region) is expanded to municipalities;
a chat is in the audience when it follows any of those municipalities, a region or wellbeing
county containing one of them, or the whole country — i.e. when the two areas intersect.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.places import PlaceCatalog
from storage import rsvps, subscriptions
from storage.db import Database, Writer
from storage.subscriptions import AudienceQuery

__all__ = ["ANSWERED", "AudienceSpec", "count", "expand", "resolve"]

ANSWERED: tuple[rsvps.Status, ...] = ("yes", "maybe", "waitlist", "no")


@dataclass(frozen=True, slots=True)
class AudienceSpec:
    municipalities: frozenset[str] = field(default_factory=frozenset)
    regions: frozenset[str] = field(default_factory=frozenset)
    counties: frozenset[str] = field(default_factory=frozenset)
    themes: frozenset[str] = field(default_factory=frozenset)
    everyone: bool = False
    # The people who answered this event (any answer), instead of areas and themes.
    event_id: int | None = None


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
    return await subscriptions.audience(db, expand(spec, catalog))


async def count(db: Database, catalog: PlaceCatalog, spec: AudienceSpec) -> int:
    """The audience size, for previews ("will reach N chats")."""
    if spec.event_id is not None:
        return len(await rsvps.notify_chats(db, spec.event_id, ANSWERED))
    return await subscriptions.audience_count(db, expand(spec, catalog))
