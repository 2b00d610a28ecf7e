"""Association profiles: the optional name, municipality, themes and contact of a group chat."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database

__all__ = ["Profile", "delete", "get", "save"]


@dataclass(frozen=True, slots=True)
class Profile:
    chat_id: int
    name: str
    municipality_code: str | None
    themes: tuple[str, ...]
    contact: str | None


async def get(db: Database, chat_id: int) -> Profile | None:
    row = await db.fetchone("SELECT * FROM association_profiles WHERE chat_id = ?", (chat_id,))
    if row is None:
        return None
    return Profile(
        chat_id=row["chat_id"],
        name=row["name"],
        municipality_code=row["municipality_code"],
        themes=tuple(row["themes"].split()),
        contact=row["contact"],
    )


async def save(db: Database, profile: Profile) -> None:
    await db.execute(
        """
        INSERT INTO association_profiles (chat_id, name, municipality_code, themes, contact,
                                          updated_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (chat_id) DO UPDATE SET
            name = excluded.name, municipality_code = excluded.municipality_code,
            themes = excluded.themes, contact = excluded.contact, updated_at = excluded.updated_at
        """,
        (
            profile.chat_id,
            profile.name,
            profile.municipality_code,
            " ".join(profile.themes),
            profile.contact,
            db.now(),
        ),
    )


async def delete(db: Database, chat_id: int) -> bool:
    return await db.execute("DELETE FROM association_profiles WHERE chat_id = ?", (chat_id,)) > 0
