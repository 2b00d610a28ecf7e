"""Role resolution: configured admins, appointed coordinators, everyone else."""

from __future__ import annotations

from bot.commands import Role
from bot.config import Config
from storage import roles
from storage.db import Database

__all__ = ["role_of"]


async def role_of(config: Config, db: Database, user_id: int) -> Role:
    if user_id in config.bot.admins:
        return "admin"
    granted = await roles.active_roles(db, user_id)
    if any(r.role == "admin" for r in granted):
        return "admin"
    if granted:
        return "coordinator"
    return "participant"
