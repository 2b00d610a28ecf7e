"""One-time links that appoint a coordinator: stored by the hash of their token only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from storage import roles
from storage.db import Database
from storage.roles import Role, ScopeArea

__all__ = ["Redeemed", "create", "redeem"]


@dataclass(frozen=True, slots=True)
class Redeemed:
    outcome: Literal["ok", "unknown", "used", "expired"]
    role: Role | None = None


def _scope_text(scope: tuple[ScopeArea, ...]) -> str:
    return " ".join(f"{area.kind}:{area.code}" for area in scope)


def _scope(text: str) -> tuple[ScopeArea, ...]:
    areas = []
    for item in text.split():
        kind, _, code = item.partition(":")
        if kind in ("all", "region", "county", "municipality"):
            areas.append(ScopeArea(kind, code))  # type: ignore[arg-type]
    return tuple(areas)


async def create(
    db: Database, token_hash: str, scope: tuple[ScopeArea, ...], created_by: int, expires_at: int
) -> None:
    await db.execute(
        "INSERT INTO coordinator_invites (token_hash, scope, created_by, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (token_hash, _scope_text(scope), created_by, db.now(), expires_at),
    )


async def redeem(db: Database, token_hash: str, user_id: int) -> Redeemed:
    """Use the link up and grant the role in one transaction: two people opening the same link
    at once cannot both become coordinators."""
    now = db.now()
    async with db.transaction() as tx:
        row = await tx.fetchone(
            "SELECT * FROM coordinator_invites WHERE token_hash = ?", (token_hash,)
        )
        if row is None:
            return Redeemed("unknown")
        if row["used_at"] is not None:
            return Redeemed("used")
        if row["expires_at"] <= now:
            return Redeemed("expired")
        role = await roles.grant_in(
            tx, user_id, "coordinator", _scope(row["scope"]), row["created_by"], now
        )
        await tx.execute(
            "UPDATE coordinator_invites SET used_by = ?, used_at = ?, role_id = ? "
            "WHERE token_hash = ? AND used_at IS NULL",
            (user_id, now, role.id, token_hash),
        )
    return Redeemed("ok", role)
