"""Role resolution: configured admins, appointed coordinators, everyone else."""

from __future__ import annotations

from bot.core.config import Config
from bot.runtime.commands import Role
from storage import roles
from storage.db import Database

__all__ = ["is_admin", "role_of"]


def is_admin(config: Config, user_id: int, granted: list[roles.Role]) -> bool:
    """Configured admins, and users granted the admin role (`granted`: their active roles)."""
    return user_id in config.bot.admins or any(r.role == "admin" for r in granted)


async def role_of(config: Config, db: Database, user_id: int) -> Role:
    if user_id in config.bot.admins:
        return "admin"
    granted = await roles.active_roles(db, user_id)
    if is_admin(config, user_id, granted):
        return "admin"
    if granted:
        return "coordinator"
    return "participant"
