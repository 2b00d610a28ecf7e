"""Roles: who is an admin or a coordinator, and over which areas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from storage.db import Database, Writer

__all__ = [
    "AreaKind",
    "Role",
    "RoleName",
    "ScopeArea",
    "active_roles",
    "grant",
    "grant_in",
    "revoke",
]

RoleName = Literal["admin", "coordinator"]
AreaKind = Literal["all", "region", "county", "municipality"]


@dataclass(frozen=True, slots=True)
class ScopeArea:
    kind: AreaKind
    code: str = ""


@dataclass(frozen=True, slots=True)
class Role:
    id: int
    user_id: int
    role: RoleName
    granted_by: int | None
    created_at: int
    scope: tuple[ScopeArea, ...]

    @property
    def covers_everything(self) -> bool:
        return any(area.kind == "all" for area in self.scope)


async def grant(
    db: Database, user_id: int, role: RoleName, scope: tuple[ScopeArea, ...], granted_by: int | None
) -> Role:
    async with db.transaction() as tx:
        return await grant_in(tx, user_id, role, scope, granted_by, db.now())


async def grant_in(
    tx: Writer,
    user_id: int,
    role: RoleName,
    scope: tuple[ScopeArea, ...],
    granted_by: int | None,
    now: int,
) -> Role:
    """Inside the caller's transaction (a coordinator link is used up in the same one)."""
    role_id = await tx.insert(
        "INSERT INTO roles (user_id, role, granted_by, created_at) VALUES (?, ?, ?, ?)",
        (user_id, role, granted_by, now),
    )
    await tx.executemany(
        "INSERT OR IGNORE INTO role_scopes (role_id, area_kind, area_code) VALUES (?, ?, ?)",
        [(role_id, area.kind, area.code) for area in scope],
    )
    return Role(role_id, user_id, role, granted_by, now, scope)


async def revoke(db: Database, role_id: int) -> bool:
    """Revoke a role; a person left without any role is no longer listed as a contact person
    (/contact would otherwise keep sending people to someone who no longer coordinates)."""
    async with db.transaction() as tx:
        changed = await tx.execute(
            "UPDATE roles SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (db.now(), role_id),
        )
        await tx.execute(
            """
            DELETE FROM contact_people
            WHERE user_id = (SELECT user_id FROM roles WHERE id = ?)
              AND NOT EXISTS (SELECT 1 FROM roles r
                              WHERE r.user_id = contact_people.user_id AND r.revoked_at IS NULL)
            """,
            (role_id,),
        )
    return changed > 0


async def active_roles(db: Database, user_id: int | None = None) -> list[Role]:
    """Unrevoked roles, with their scopes, for one user or everybody."""
    where = "r.revoked_at IS NULL" + (" AND r.user_id = ?" if user_id is not None else "")
    rows = await db.fetchall(
        f"""
        SELECT r.id, r.user_id, r.role, r.granted_by, r.created_at, s.area_kind, s.area_code
        FROM roles r LEFT JOIN role_scopes s ON s.role_id = r.id
        WHERE {where} ORDER BY r.id, s.area_kind, s.area_code
        """,
        (user_id,) if user_id is not None else (),
    )
    roles: dict[int, Role] = {}
    for row in rows:
        role = roles.get(row["id"]) or Role(
            row["id"], row["user_id"], row["role"], row["granted_by"], row["created_at"], ()
        )
        if row["area_kind"] is not None:
            role = Role(
                role.id,
                role.user_id,
                role.role,
                role.granted_by,
                role.created_at,
                (*role.scope, ScopeArea(row["area_kind"], row["area_code"])),
            )
        roles[role.id] = role
    return list(roles.values())
