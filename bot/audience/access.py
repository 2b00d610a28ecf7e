"""Which audiences a coordinator may address, for announcements and polls alike: audiences
within their scope (admins: any), and "event N" only when they may manage event N."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from bot.announcements.service import in_scope
from bot.audience.recipients import AudienceSpec
from bot.environment import Environment
from bot.events.service import may_manage
from bot.roles.access import is_admin
from storage import events, roles

__all__ = ["AudienceProblem", "audience_problem", "within_scope"]

AudienceProblem = Literal["scope", "event"]


async def audience_problem(
    env: Environment, user_id: int, spec: AudienceSpec
) -> AudienceProblem | None:
    """None when the user may address `spec`; "event": an event that is not theirs (or does not
    exist); "scope": areas outside the ones they coordinate."""
    if spec.event_id is not None:
        event = await events.get(env.db, spec.event_id)
        if event is None or not await may_manage(env, user_id, event):
            return "event"
        return None
    granted = await roles.active_roles(env.db, user_id)
    if is_admin(env.config, user_id, granted) or in_scope(granted, spec, env.catalog):
        return None
    return "scope"


async def within_scope(env: Environment, user_id: int, spec: AudienceSpec) -> AudienceSpec:
    """A role named without places ("coordinators") means those in the sender's scope: all of
    them for an admin or a coordinator of everywhere, else the areas the sender coordinates.
    Made concrete here, before the draft keeps it, so that sending later needs no sender."""
    if spec.role is None or spec.has_places or spec.everyone or spec.event_id is not None:
        return spec
    granted = await roles.active_roles(env.db, user_id)
    if is_admin(env.config, user_id, granted) or any(r.covers_everything for r in granted):
        return replace(spec, everyone=True)
    areas = [area for role in granted for area in role.scope]
    return replace(
        spec,
        municipalities=frozenset(a.code for a in areas if a.kind == "municipality"),
        regions=frozenset(a.code for a in areas if a.kind == "region"),
        counties=frozenset(a.code for a in areas if a.kind == "county"),
    )
