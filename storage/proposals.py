"""Event proposals: an association's event waiting for a coordinator of its municipality
(bot/proposals/). The event's fields are kept as the wizard's draft JSON; every change of them
raises `revision`, and every change of status is guarded by the status (and revision) it
expects, so the first of two coordinators' taps wins."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from storage import privacy
from storage.db import Database, Writer

__all__ = [
    "OPEN",
    "NewProposal",
    "Proposal",
    "Status",
    "canonical",
    "create_in",
    "declined_like",
    "due_for_escalation",
    "get",
    "open_proposals",
    "resubmit_in",
    "set_status_in",
]

Status = Literal["pending", "approved", "declined", "escalated"]
OPEN: tuple[Status, ...] = ("pending", "escalated")


@dataclass(frozen=True, slots=True)
class NewProposal:
    user_id: int
    chat_id: int | None
    listing_id: int | None
    association: str
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Proposal:
    id: int
    user_id: int
    chat_id: int | None
    listing_id: int | None
    association: str
    fields: dict[str, Any]
    status: Status
    handled_by: int | None
    reason: str | None
    revision: int
    event_id: int | None
    created_at: int
    updated_at: int

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


def canonical(fields: dict[str, Any]) -> str:
    """The fields as stored: one spelling, so that "unchanged" is a string comparison."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False)


def _proposal(row: sqlite3.Row) -> Proposal:
    return Proposal(
        id=row["id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        listing_id=row["listing_id"],
        association=row["association"],
        fields=json.loads(row["fields"]),
        status=row["status"],
        handled_by=row["handled_by"],
        reason=row["reason"],
        revision=row["revision"],
        event_id=row["event_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def get(db: Database | Writer, proposal_id: int) -> Proposal | None:
    row = await db.fetchone("SELECT * FROM proposals WHERE id = ?", (proposal_id,))
    return None if row is None else _proposal(row)


async def create_in(tx: Writer, new: NewProposal, now: int) -> Proposal:
    proposal_id = await tx.insert(
        "INSERT INTO proposals (user_id, chat_id, listing_id, association, fields, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            new.user_id,
            new.chat_id,
            new.listing_id,
            new.association,
            canonical(new.fields),
            now,
            now,
        ),
    )
    found = await get(tx, proposal_id)
    assert found is not None
    return found


async def resubmit_in(
    tx: Writer, proposal_id: int, fields: dict[str, Any], revision: int, now: int
) -> bool:
    """New fields from the proposer: pending again at the next revision; False when it was
    approved meanwhile or changed since `revision` was read."""
    changed = await tx.execute(
        "UPDATE proposals SET fields = ?, status = 'pending', revision = revision + 1, "
        "handled_by = NULL, reason = NULL, updated_at = ? "
        "WHERE id = ? AND revision = ? AND status IN ('pending', 'escalated', 'declined')",
        (canonical(fields), now, proposal_id, revision),
    )
    return changed > 0


async def set_status_in(
    tx: Writer,
    proposal_id: int,
    status: Status,
    now: int,
    *,
    expected: Sequence[Status],
    revision: int | None = None,
    by: int | None = None,
    reason: str | None = None,
    event_id: int | None = None,
    fields: dict[str, Any] | None = None,
) -> bool:
    """The first decision wins: changed only from an `expected` status (and at `revision`)."""
    marks = ",".join("?" * len(expected))
    sql = (
        "UPDATE proposals SET status = ?, handled_by = coalesce(?, handled_by), "
        "reason = coalesce(?, reason), event_id = coalesce(?, event_id), "
        "fields = coalesce(?, fields), updated_at = ? "
        f"WHERE id = ? AND status IN ({marks})"
    )
    params: list[object] = [
        status,
        by,
        reason,
        event_id,
        None if fields is None else canonical(fields),
        now,
        proposal_id,
        *expected,
    ]
    if revision is not None:
        sql += " AND revision = ?"
        params.append(revision)
    return await tx.execute(sql, tuple(params)) > 0


async def declined_like(
    db: Database | Writer, user_id: int, listing_id: int | None, association: str, fields: str
) -> bool:
    """Whether the same person's same association had exactly these fields declined."""
    row = await db.fetchone(
        "SELECT 1 FROM proposals WHERE user_id = ? AND status = 'declined' AND fields = ? "
        "AND coalesce(listing_id, 0) = ? AND association = ?",
        (user_id, fields, listing_id or 0, association),
    )
    return row is not None


async def open_proposals(db: Database | Writer, limit: int = 50) -> list[Proposal]:
    """Pending and escalated proposals, oldest first (callers filter by scope)."""
    rows = await db.fetchall(
        "SELECT * FROM proposals WHERE status IN ('pending', 'escalated') "
        "ORDER BY updated_at, id LIMIT ?",
        (limit,),
    )
    return [_proposal(row) for row in rows]


async def due_for_escalation(tx: Writer, before: int, limit: int = 200) -> list[Proposal]:
    rows = await tx.fetchall(
        "SELECT * FROM proposals WHERE status = 'pending' AND updated_at <= ? "
        "ORDER BY updated_at, id LIMIT ?",
        (before, limit),
    )
    return [_proposal(row) for row in rows]


async def _export(db: Database, user_id: int) -> object:
    return await privacy.rows(
        db,
        "SELECT id, association, fields, status, reason, created_at, updated_at "
        "FROM proposals WHERE user_id = ? ORDER BY id",
        (user_id,),
    )


async def _forget(tx: Writer, person: privacy.Person) -> None:
    # A proposal is the proposer's own message; an approved one lives on as its event.
    await tx.execute("DELETE FROM proposals WHERE user_id = ?", (person.user_id,))
    await tx.execute(
        "UPDATE proposals SET handled_by = NULL WHERE handled_by = ?", (person.user_id,)
    )


privacy.register(privacy.Section("proposals", ("proposals",), export=_export, forget=_forget))
