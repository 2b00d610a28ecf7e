"""Whose scope covers which municipalities: the coordinators a listing or an event proposal goes
to, and the network's administrators who decide when nobody covers it (or nobody answered)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.places import PlaceCatalog
from bot.environment import Environment
from bot.roles.access import is_admin
from storage import roles

__all__ = ["covering", "covers", "may_decide", "network_admins", "reviewers"]


def covers(role: roles.Role, codes: Iterable[str], catalog: PlaceCatalog) -> bool:
    """Whether a coordinator's scope covers one of the municipalities."""
    for code in codes:
        place = catalog.municipality(code)
        for area in role.scope:
            if area.kind == "all" or (area.kind == "municipality" and area.code == code):
                return True
            if place is not None and (
                (area.kind == "region" and area.code == place.region_code)
                or (area.kind == "county" and area.code == place.county_id)
            ):
                return True
    return False


async def covering(env: Environment, codes: Iterable[str]) -> list[int]:
    """The coordinators whose scope covers one of the municipalities, each once."""
    wanted = tuple(codes)
    granted = await roles.active_roles(env.db)
    return list(
        dict.fromkeys(
            r.user_id for r in granted if r.role == "coordinator" and covers(r, wanted, env.catalog)
        )
    )


async def network_admins(env: Environment) -> list[int]:
    """The configured administrators and those with the admin role, each once."""
    granted = await roles.active_roles(env.db)
    found = [*sorted(env.config.bot.admins), *(r.user_id for r in granted if r.role == "admin")]
    return list(dict.fromkeys(found))


async def reviewers(env: Environment, codes: Iterable[str]) -> list[int]:
    """The coordinators covering the municipalities; else the network's administrators."""
    return await covering(env, codes) or await network_admins(env)


async def may_decide(env: Environment, user_id: int, codes: Iterable[str]) -> bool:
    """An administrator, or a coordinator whose scope covers one of the municipalities now."""
    granted = await roles.active_roles(env.db, user_id)
    if is_admin(env.config, user_id, granted):
        return True
    wanted = tuple(codes)
    return any(r.role == "coordinator" and covers(r, wanted, env.catalog) for r in granted)
