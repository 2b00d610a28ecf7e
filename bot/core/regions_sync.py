"""Keep the database's municipality table in step with the packaged classification."""

from __future__ import annotations

import logging

from bot.core.places import PlaceCatalog
from storage import subscriptions
from storage.db import Database

__all__ = ["sync_places"]

log = logging.getLogger(__name__)


async def sync_places(db: Database, catalog: PlaceCatalog) -> None:
    """Write changed municipalities; subscriptions of merged-away ones move to the successor.

    Mergers take effect on 1 January: a new release ships the new CSV and successor list, and
    the first start-up after it repoints every subscription without losing a subscriber.
    """
    rows = [
        subscriptions.MunicipalityRow(
            code=m.code,
            name_fi=m.name_fi,
            name_sv=m.name_sv,
            region_code=m.region_code,
            county_id=m.county_id,
        )
        for m in catalog.municipalities
    ]
    rows += [
        subscriptions.MunicipalityRow(old, "", "", "", "", successor=new)
        for old, new in catalog.retired().items()
    ]
    changed = await subscriptions.sync_municipalities(db, rows)
    if changed:
        log.info("municipality classification updated: %d rows", changed)
