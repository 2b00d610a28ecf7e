"""An audience as JSON, for wizard drafts kept in the database (/announce, /poll)."""

from __future__ import annotations

from typing import Any

from bot.audience.recipients import ROLES, AudienceSpec

__all__ = ["spec_from_json", "spec_to_json"]


def spec_to_json(spec: AudienceSpec) -> dict[str, Any]:
    return {
        "municipalities": sorted(spec.municipalities),
        "regions": sorted(spec.regions),
        "counties": sorted(spec.counties),
        "themes": sorted(spec.themes),
        "everyone": spec.everyone,
        "event_id": spec.event_id,
        "role": spec.role,
    }


def spec_from_json(value: dict[str, Any]) -> AudienceSpec:
    return AudienceSpec(
        municipalities=frozenset(value["municipalities"]),
        regions=frozenset(value["regions"]),
        counties=frozenset(value["counties"]),
        themes=frozenset(value["themes"]),
        everyone=bool(value["everyone"]),
        event_id=value["event_id"],
        # Drafts saved before audiences by role have no "role".
        role=next((r for r in ROLES if r == value.get("role")), None),
    )
