"""Which audiences a coordinator may address, for announcements and polls alike: audiences
within their scope (admins: any), and "event N" only when they may manage event N."""

from __future__ import annotations

from typing import Literal

from bot.announcements.service import in_scope
from bot.audience.recipients import AudienceSpec
from bot.environment import Environment
from bot.events.service import may_manage
from bot.roles.access import is_admin
from storage import events, roles

__all__ = ["AudienceProblem", "audience_problem"]

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
