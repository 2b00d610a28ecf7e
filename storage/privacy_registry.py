"""The registry of personal data, table by table: what /mydata exports, what /forget erases and
what the daily retention run anonymises. storage/privacy.py holds the core tables' sections and
is what features import (`from storage import privacy`).

Every table that holds data about a person is covered by a `Section` in one registry. A section
names its tables and has up to three functions:

- `export(db, user_id)` → a JSON-ready value (lists of dicts, plain numbers and strings) with
  everything the table holds about that person — and nothing about anybody else (no other
  people's ids or names);
- `forget(tx, person)` → runs inside the one /forget transaction; deletes the person's rows, or,
  where rows are counted (answers), keeps them under a pseudonym so the counts stay right;
- `retain(tx, retention)` → runs inside the daily retention transaction; anonymises what is older
  than `retention.cutoff`.

A feature with new tables adds one section, at the end of its storage module:

    from storage import privacy

    async def _export_votes(db: Database, user_id: int) -> object:
        return await privacy.rows(
            db, "SELECT poll_id, choice, answered_at FROM poll_votes WHERE user_id = ?", (user_id,)
        )

    async def _forget_votes(tx: Writer, person: privacy.Person) -> None:
        # Keep the vote, drop who: one pseudonym per person and poll (not linkable across polls).
        for (poll_id,) in await tx.fetchall(
            "SELECT DISTINCT poll_id FROM poll_votes WHERE user_id = ?", (person.user_id,)
        ):
            await tx.execute(
                "UPDATE poll_votes SET user_id = ? WHERE poll_id = ? AND user_id = ?",
                (person.pseudonym(f"poll:{poll_id}"), poll_id, person.user_id),
            )

    privacy.register(
        privacy.Section("poll_votes", ("poll_votes",), export=_export_votes, forget=_forget_votes)
    )

Rules the registry relies on:
- Forget hooks run in registration order, all before the person's private chat and user row are
  deleted (`erase_person`). Rows that reference `chats` with ON DELETE CASCADE and must survive
  (answers given in the private chat) have to be moved first: to a pseudonym for the person and
  to `ANONYMOUS_CHAT` (call `ensure_anonymous_chat`) for the chat. Nothing is ever sent to that
  chat: an outbox row for it is dropped by a trigger (migration 0007).
- Pseudonyms are random negative numbers below -2**53, so they never collide with a Telegram
  user or chat id; `is_pseudonym(user_id)` tells them apart. `Person.pseudonym(scope)` returns the
  same number for the same scope within one /forget, so a person's RSVP and feedback of one event
  stay together (joins keep working) while answers to different events cannot be linked.
- `tests/test_privacy.py` fails when a table with a person's id in it is covered by no section,
  and when a section's table is not in the schema.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from storage.db import Database, Params, Writer

__all__ = [
    "ANONYMOUS_CHAT",
    "NO_PERSONAL_DATA",
    "PSEUDONYM_FLOOR",
    "Exporter",
    "Forgetter",
    "Person",
    "RetainResult",
    "Retainer",
    "Retention",
    "Section",
    "dumps",
    "ensure_anonymous_chat",
    "erase_person",
    "export",
    "forget",
    "is_pseudonym",
    "iso",
    "new_pseudonym",
    "register",
    "retain",
    "rows",
    "sections",
]

# The chat anonymised answers point at (rsvps.chat_id is NOT NULL and cascades on delete).
ANONYMOUS_CHAT = 0
# Telegram ids have at most 52 significant bits; pseudonyms lie below all of them.
PSEUDONYM_FLOOR = -(2**53)
# Tables that hold nobody's personal data (checked by the schema coverage test). A feature's
# own such tables are declared with a section without functions: `Section("x", ("x",))`.
NO_PERSONAL_DATA = frozenset(
    {
        "municipalities",
        "event_municipalities",
        "event_themes",
        "feedback_rounds",
        "outbox_files",
        "role_scopes",  # follows roles
    }
)


def is_pseudonym(user_id: int) -> bool:
    return user_id <= PSEUDONYM_FLOOR


def new_pseudonym() -> int:
    """A fresh random pseudonym (62 bits of randomness: a clash within one event, which would
    only roll the transaction back, is practically impossible)."""
    return PSEUDONYM_FLOOR - 1 - secrets.randbelow(2**62)


@dataclass
class Person:
    """The person being forgotten, inside the /forget transaction."""

    user_id: int
    now: int
    private_chat: bool  # whether they have a private chat with the bot
    _pseudonyms: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # section → rows kept anonymously

    def pseudonym(self, scope: str) -> int:
        """The same pseudonym for the same scope (e.g. `event:12`) within this /forget."""
        if scope not in self._pseudonyms:
            self._pseudonyms[scope] = new_pseudonym()
        return self._pseudonyms[scope]


@dataclass(frozen=True, slots=True)
class Retention:
    """One retention run: personal data of what ended before `cutoff` is anonymised."""

    cutoff: int
    now: int
    batch: int = 200  # events per run; the runner comes back soon when more are left


Exporter = Callable[[Database, int], Awaitable[object]]
Forgetter = Callable[[Writer, Person], Awaitable[None]]
# Returns how much it anonymised; with `more`, that work is left for the next run.
Retainer = Callable[[Writer, Retention], Awaitable["RetainResult"]]


@dataclass(frozen=True, slots=True)
class RetainResult:
    changed: int = 0
    more: bool = False


@dataclass(frozen=True, slots=True)
class Section:
    name: str  # the key in the /mydata document
    tables: tuple[str, ...]  # the tables it covers
    export: Exporter | None = None
    forget: Forgetter | None = None
    retain: Retainer | None = None


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add (or, with the same name, replace) a section; returns it."""
    _SECTIONS[section.name] = section
    return section


def sections() -> tuple[Section, ...]:
    return tuple(_SECTIONS.values())


# --- helpers for sections -------------------------------------------------------------------


def iso(ts: int | float | None) -> str | None:
    """Unix seconds as an ISO 8601 UTC string, for the /mydata document."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


_TIME_COLUMNS = (
    "created_at",
    "updated_at",
    "used_at",
    "expires_at",
    "revoked_at",
    "starts_at",
    "ends_at",
    "queued_at",
    "paused_until",
    "scheduled_at",
    "due_at",
    "done_at",
    "published_at",
    "cancelled_at",
    "answered_at",
    "closes_at",
)


def _value(key: str, value: Any) -> Any:
    if key in _TIME_COLUMNS and isinstance(value, int | float):
        return iso(value)
    if isinstance(value, bytes):
        return None
    return value


async def rows(db: Database | Writer, sql: str, params: Params = ()) -> list[dict[str, Any]]:
    """A query's rows as JSON-ready dicts; `*_at` style time columns become ISO strings."""
    found = await db.fetchall(sql, params)
    return [{key: _value(key, row[key]) for key in row.keys()} for row in found]  # noqa: SIM118


async def ensure_anonymous_chat(tx: Writer, now: int) -> None:
    await tx.execute(
        "INSERT OR IGNORE INTO chats (id, type, title, active, inactive_reason, created_at, "
        "updated_at) VALUES (?, 'channel', NULL, 0, 'anonymised', ?, ?)",
        (ANONYMOUS_CHAT, now, now),
    )


async def erase_person(tx: Writer, person: Person) -> None:
    """Last: the private chat (its subscriptions, settings, drafts, profile and scheduled jobs
    go with it, ON DELETE CASCADE) and the user row."""
    await tx.execute("DELETE FROM chats WHERE id = ? AND type = 'private'", (person.user_id,))
    await tx.execute("DELETE FROM users WHERE id = ?", (person.user_id,))


# --- running the registry -------------------------------------------------------------------


async def export(db: Database, user_id: int) -> dict[str, object]:
    """Every section's data about the person, by section name."""
    document: dict[str, object] = {}
    for section in sections():
        if section.export is not None:
            document[section.name] = await section.export(db, user_id)
    return document


async def forget(tx: Writer, user_id: int, now: int) -> Person:
    """Inside the caller's transaction: every section's forget hook, then `erase_person`."""
    private = await tx.fetchval("SELECT 1 FROM chats WHERE id = ? AND type = 'private'", (user_id,))
    person = Person(user_id=user_id, now=now, private_chat=bool(private))
    for section in sections():
        if section.forget is not None:
            await section.forget(tx, person)
    await erase_person(tx, person)
    return person


async def retain(tx: Writer, retention: Retention) -> RetainResult:
    """Inside the caller's transaction: every section's retention hook."""
    changed, more = 0, False
    for section in sections():
        if section.retain is not None:
            result = await section.retain(tx, retention)
            changed += result.changed
            more = more or result.more
    return RetainResult(changed, more)


def dumps(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")
