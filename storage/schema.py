"""The schema's history: the numbered migrations packaged in storage/migrations/, and where a
database stands in it. storage/db.py applies them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

__all__ = [
    "DatabaseError",
    "Migration",
    "SchemaStatus",
    "latest_version",
    "load_migrations",
]

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class DatabaseError(RuntimeError):
    """The database cannot be used as it is; the message is meant for the operator."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    current: int
    latest: int

    @property
    def pending(self) -> int:
        return max(0, self.latest - self.current)


def load_migrations() -> tuple[Migration, ...]:
    """The packaged migrations in order; numbering must be 1..N without gaps."""
    folder = resources.files("storage").joinpath("migrations")
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise DatabaseError(f"migration {expected:04d} is missing")
    return tuple(found)


def latest_version() -> int:
    return len(load_migrations())
