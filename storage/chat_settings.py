"""Per-chat settings: quiet hours (overriding the configured default) and the weekly digest."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database, Writer

__all__ = ["ChatSettings", "digest_chats", "get", "set_digest", "set_quiet_hours"]


@dataclass(frozen=True, slots=True)
class ChatSettings:
    chat_id: int
    # None: the configured default; "": no quiet hours; otherwise "HH:MM-HH:MM".
    quiet_hours: str | None = None
    digest_weekday: int | None = None  # 0 = Monday; None: no digest
    digest_hour: int = 9


async def get(db: Database | Writer, chat_id: int) -> ChatSettings:
    row = await db.fetchone(
        "SELECT quiet_hours, digest_weekday, digest_hour FROM chat_settings WHERE chat_id = ?",
        (chat_id,),
    )
    if row is None:
        return ChatSettings(chat_id)
    return ChatSettings(chat_id, row[0], row[1], row[2])


async def set_quiet_hours(tx: Writer, chat_id: int, value: str | None, now: int) -> None:
    await tx.execute(
        "INSERT INTO chat_settings (chat_id, quiet_hours, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (chat_id) DO UPDATE SET quiet_hours = excluded.quiet_hours, "
        "updated_at = excluded.updated_at",
        (chat_id, value, now),
    )


async def set_digest(tx: Writer, chat_id: int, weekday: int | None, hour: int, now: int) -> None:
    await tx.execute(
        "INSERT INTO chat_settings (chat_id, digest_weekday, digest_hour, updated_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET "
        "digest_weekday = excluded.digest_weekday, digest_hour = excluded.digest_hour, "
        "updated_at = excluded.updated_at",
        (chat_id, weekday, hour, now),
    )


async def digest_chats(db: Database) -> list[ChatSettings]:
    rows = await db.fetchall(
        "SELECT s.chat_id, s.quiet_hours, s.digest_weekday, s.digest_hour FROM chat_settings s "
        "JOIN chats c ON c.id = s.chat_id AND c.active = 1 WHERE s.digest_weekday IS NOT NULL"
    )
    return [ChatSettings(r[0], r[1], r[2], r[3]) for r in rows]
