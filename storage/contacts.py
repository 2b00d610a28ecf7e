"""The network's contact people (coordinators who list themselves with a title) and the
one-message relay between a person and a contact person."""

from __future__ import annotations

from storage import privacy
from storage.db import Database, Writer

__all__: list[str] = []


async def _export(db: Database, user_id: int) -> object:
    listing = await privacy.rows(
        db,
        "SELECT title, reach, username, covers_all, created_at, updated_at FROM contact_people "
        "WHERE user_id = ?",
        (user_id,),
    )
    areas = await privacy.rows(
        db,
        "SELECT area_kind, area_code FROM contact_areas WHERE user_id = ? "
        "ORDER BY area_kind, area_code",
        (user_id,),
    )
    # Messages: only that they were sent and when, never the other side's id.
    sent = await privacy.rows(
        db,
        "SELECT sent_at FROM contact_messages WHERE from_user_id = ? ORDER BY sent_at",
        (user_id,),
    )
    received = await privacy.rows(
        db,
        "SELECT sent_at FROM contact_messages WHERE to_user_id = ? ORDER BY sent_at",
        (user_id,),
    )
    return {
        "contact_person": listing[0] if listing else None,
        "areas": areas,
        "messages_sent": sent,
        "messages_received": received,
    }


async def _forget(tx: Writer, person: privacy.Person) -> None:
    await tx.execute("DELETE FROM contact_people WHERE user_id = ?", (person.user_id,))
    await tx.execute(
        "DELETE FROM contact_messages WHERE from_user_id = ? OR to_user_id = ?",
        (person.user_id, person.user_id),
    )


privacy.register(
    privacy.Section(
        "contacts",
        ("contact_people", "contact_areas", "contact_messages"),
        export=_export,
        forget=_forget,
    )
)
