"""Row locks for write blocks outside the global order of writes (`Database.write(...,
serialised=False)`, storage/db.py): a block that reads, decides and writes locks the row it
decides on first."""

from __future__ import annotations

import sqlite3

__all__ = ["lock_row_sync"]


def lock_row_sync(raw: sqlite3.Connection, table: str, row_id: int) -> None:
    """Lock one row until the transaction ends (PostgreSQL's SELECT … FOR UPDATE). SQLite's
    BEGIN IMMEDIATE already holds the whole database."""
    if isinstance(raw, sqlite3.Connection):
        return
    raw.execute(f"SELECT 1 FROM {table} WHERE id = ? FOR UPDATE", (row_id,)).fetchall()
