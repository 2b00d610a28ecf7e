"""Which volunteer calls /mycalls lists for a person: every call for the network's
administrators; otherwise the calls they created, and the calls of the associations whose
groups they administer — the same people bot/volunteering/roster.py `may_manage` lets open a
call's view, so an association's other administrators find its calls too."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.environment import Environment
from storage import call_roster
from storage.call_roster import CallSummary

__all__ = ["GROUPS_CHECKED", "GroupAdmin", "OrganisedCalls", "organised_calls"]

# Whether the person administers a group: True / False, None when Telegram did not answer.
GroupAdmin = Callable[[int], Awaitable[bool | None]]
# The association groups asked about, the latest posters first: each costs a getChatMember
# (cached for a minute), so an old poster's calls drop out of the list rather than slow it.
GROUPS_CHECKED = 20


@dataclass(frozen=True, slots=True)
class OrganisedCalls:
    calls: list[CallSummary]
    unchecked: bool  # some groups' administrators could not be asked: calls may be missing


async def organised_calls(
    env: Environment, user_id: int, *, admin: bool, group_admin: GroupAdmin, limit: int
) -> OrganisedCalls:
    if admin:
        return OrganisedCalls(await call_roster.organised(env.db, None, limit), False)
    groups = await call_roster.posting_groups(env.db, GROUPS_CHECKED)
    answers = await asyncio.gather(*(group_admin(g) for g in groups))
    mine = [g for g, yes in zip(groups, answers, strict=True) if yes]
    calls = await call_roster.organised(env.db, user_id, limit, mine)
    return OrganisedCalls(calls, any(a is None for a in answers))
