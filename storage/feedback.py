"""Feedback after an event: the round (when the questionnaire went out and when it closes), one
answer per person, the "next message is my comment" drafts, and the aggregates for /feedback.

Anonymity lives here too: `anonymous_answers` and `totals` never select a user id or name, so
nothing built from them can tell a coordinator who gave which rating or comment.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.db import Database, Writer

__all__ = [
    "AnonymousAnswer",
    "Answer",
    "Draft",
    "Round",
    "Totals",
    "anonymous_answers",
    "asked_count",
    "clear_draft",
    "create_round",
    "get_answer",
    "get_draft",
    "get_round",
    "save_attended",
    "save_comment",
    "save_rating",
    "start_draft",
    "totals",
]

_ASKED_STATUSES = ("yes", "maybe")


@dataclass(frozen=True, slots=True)
class Round:
    event_id: int
    opened_at: int
    closes_at: int
    asked: int

    def is_open(self, now: int) -> bool:
        return now < self.closes_at


@dataclass(frozen=True, slots=True)
class Answer:
    """One person's own answer: only ever shown back to that person."""

    event_id: int
    user_id: int
    rating: int | None
    attended: bool | None
    comment: str
    association: str | None
    municipality_code: str | None
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class AnonymousAnswer:
    """An answer without its author, for the coordinator's results."""

    rating: int | None
    attended: bool | None
    comment: str
    association: str | None
    municipality_code: str | None


@dataclass(frozen=True, slots=True)
class Totals:
    responses: int  # people who gave a rating
    distribution: tuple[int, int, int, int, int]  # how many gave 1, 2, 3, 4, 5
    attended_yes: int
    attended_no: int

    @property
    def average(self) -> float | None:
        if not self.responses:
            return None
        return sum((i + 1) * n for i, n in enumerate(self.distribution)) / self.responses


@dataclass(frozen=True, slots=True)
class Draft:
    user_id: int
    event_id: int
    created_at: int


def _bool(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def _round(row: sqlite3.Row) -> Round:
    return Round(row["event_id"], row["opened_at"], row["closes_at"], row["asked"])


# Rounds


async def asked_count(db: Database | Writer, event_id: int) -> int:
    """People asked: everyone who answered yes or maybe."""
    value = await db.fetchval(
        "SELECT count(DISTINCT user_id) FROM rsvps WHERE event_id = ? AND status IN (?, ?)",
        (event_id, *_ASKED_STATUSES),
    )
    return int(value)


async def create_round(
    tx: Writer, event_id: int, *, opened_at: int, closes_at: int, asked: int
) -> bool:
    """False when the event has a round already (nothing is changed then)."""
    changed = await tx.execute(
        "INSERT INTO feedback_rounds (event_id, opened_at, closes_at, asked) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (event_id) DO NOTHING",
        (event_id, opened_at, closes_at, asked),
    )
    return changed > 0


async def get_round(db: Database | Writer, event_id: int) -> Round | None:
    row = await db.fetchone("SELECT * FROM feedback_rounds WHERE event_id = ?", (event_id,))
    return None if row is None else _round(row)


# Answers


async def get_answer(db: Database | Writer, event_id: int, user_id: int) -> Answer | None:
    row = await db.fetchone(
        "SELECT * FROM feedback WHERE event_id = ? AND user_id = ?", (event_id, user_id)
    )
    if row is None:
        return None
    return Answer(
        event_id=row["event_id"],
        user_id=row["user_id"],
        rating=row["rating"],
        attended=_bool(row["attended"]),
        comment=row["comment"],
        association=row["association"],
        municipality_code=row["municipality_code"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def _save(
    tx: Writer,
    column: str,
    value: int | str,
    event_id: int,
    user_id: int,
    *,
    association: str | None,
    municipality_code: str | None,
    now: int,
) -> None:
    # `column` is one of three literals chosen below, never user input.
    await tx.execute(
        f"""
        INSERT INTO feedback (event_id, user_id, {column}, association, municipality_code,
                              created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (event_id, user_id) DO UPDATE SET
            {column} = excluded.{column}, association = excluded.association,
            municipality_code = excluded.municipality_code, updated_at = excluded.updated_at
        """,
        (event_id, user_id, value, association, municipality_code, now, now),
    )


async def save_rating(
    tx: Writer,
    event_id: int,
    user_id: int,
    rating: int,
    *,
    association: str | None,
    municipality_code: str | None,
    now: int,
) -> None:
    """A second rating replaces the first."""
    if not 1 <= rating <= 5:
        raise ValueError(f"rating out of range: {rating}")
    await _save(
        tx,
        "rating",
        rating,
        event_id,
        user_id,
        association=association,
        municipality_code=municipality_code,
        now=now,
    )


async def save_attended(
    tx: Writer,
    event_id: int,
    user_id: int,
    attended: bool,
    *,
    association: str | None,
    municipality_code: str | None,
    now: int,
) -> None:
    await _save(
        tx,
        "attended",
        int(attended),
        event_id,
        user_id,
        association=association,
        municipality_code=municipality_code,
        now=now,
    )


async def save_comment(
    tx: Writer,
    event_id: int,
    user_id: int,
    comment: str,
    *,
    association: str | None,
    municipality_code: str | None,
    now: int,
) -> None:
    """The schema refuses comments over 1000 characters; the service checks before."""
    await _save(
        tx,
        "comment",
        comment,
        event_id,
        user_id,
        association=association,
        municipality_code=municipality_code,
        now=now,
    )


# Drafts: "my next private message is the comment"


async def start_draft(db: Database | Writer, user_id: int, event_id: int, now: int) -> None:
    """One draft per person: a newer comment button replaces an older draft."""
    await db.execute(
        "INSERT INTO feedback_drafts (user_id, event_id, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET event_id = excluded.event_id, "
        "created_at = excluded.created_at",
        (user_id, event_id, now),
    )


async def get_draft(db: Database | Writer, user_id: int) -> Draft | None:
    row = await db.fetchone("SELECT * FROM feedback_drafts WHERE user_id = ?", (user_id,))
    return None if row is None else Draft(row["user_id"], row["event_id"], row["created_at"])


async def clear_draft(db: Database | Writer, user_id: int) -> bool:
    """True when there was a draft."""
    return await db.execute("DELETE FROM feedback_drafts WHERE user_id = ?", (user_id,)) > 0


# Results (no user ids past this line)


async def totals(db: Database | Writer, event_id: int) -> Totals:
    row = await db.fetchone(
        """
        SELECT count(rating) AS responses,
               coalesce(sum(rating = 1), 0) AS r1, coalesce(sum(rating = 2), 0) AS r2,
               coalesce(sum(rating = 3), 0) AS r3, coalesce(sum(rating = 4), 0) AS r4,
               coalesce(sum(rating = 5), 0) AS r5,
               coalesce(sum(attended = 1), 0) AS yes, coalesce(sum(attended = 0), 0) AS no
        FROM feedback WHERE event_id = ?
        """,
        (event_id,),
    )
    assert row is not None  # an aggregate always returns a row
    return Totals(
        responses=row["responses"],
        distribution=(row["r1"], row["r2"], row["r3"], row["r4"], row["r5"]),
        attended_yes=row["yes"],
        attended_no=row["no"],
    )


async def anonymous_answers(db: Database | Writer, event_id: int) -> list[AnonymousAnswer]:
    """Every answer without who gave it, in an order that follows the content only (never the
    order of answering, which a coordinator could match against who answered when)."""
    rows = await db.fetchall(
        """
        SELECT rating, attended, comment, association, municipality_code FROM feedback
        WHERE event_id = ?
        ORDER BY rating IS NULL, rating, attended IS NULL, attended, comment,
                 coalesce(municipality_code, ''), coalesce(association, '')
        """,
        (event_id,),
    )
    return [
        AnonymousAnswer(
            rating=r["rating"],
            attended=_bool(r["attended"]),
            comment=r["comment"],
            association=r["association"],
            municipality_code=r["municipality_code"],
        )
        for r in rows
    ]
