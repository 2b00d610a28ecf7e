"""Audience polls and surveys: the poll and its questions, the chats asked (with what the splits
need), the messages that carry the questions, one answer per respondent and question, and the
"my next message is my answer" drafts (`storage.poll_answers`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from storage import privacy, subscriptions
from storage.db import Database, Writer

__all__ = [
    "ASSOCIATION",
    "GroupMode",
    "NewPoll",
    "NewQuestion",
    "Poll",
    "PollMessage",
    "Question",
    "QuestionKind",
    "Recipient",
    "add_recipients",
    "answered_chats",
    "answered_count",
    "asked_count",
    "close",
    "create",
    "get",
    "intro_messages",
    "list_polls",
    "mark_messages_closed",
    "mark_reminded",
    "message_for_native",
    "open_messages",
    "recipient",
    "recipients_of",
    "record_message",
    "set_broadcast",
    "themes_of",
    "unanswered_chats",
]

QuestionKind = Literal["single", "multiple", "scale", "text"]
GroupMode = Literal["association", "member"]
# The respondent of an association that answers once in its group (its admins tap for it).
ASSOCIATION = 0
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class NewQuestion:
    kind: QuestionKind
    text: str
    options: tuple[str, ...] = ()  # choice questions only


@dataclass(frozen=True, slots=True)
class Question:
    position: int
    kind: QuestionKind
    text: str
    options: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NewPoll:
    questions: tuple[NewQuestion, ...]
    anonymous: bool
    group_mode: GroupMode
    closes_at: int
    reminder_at: int | None = None
    share_results: bool = False
    audience: str = ""


@dataclass(frozen=True, slots=True)
class Poll:
    id: int
    created_by: int
    title: str
    anonymous: bool
    group_mode: GroupMode
    audience: str
    state: Literal["open", "closed"]
    share_results: bool
    reminder_at: int | None
    closes_at: int
    broadcast_id: int | None
    created_at: int
    closed_at: int | None
    questions: tuple[Question, ...]

    def is_open(self, now: int) -> bool:
        return self.state == "open" and now < self.closes_at

    def question(self, position: int) -> Question | None:
        return self.questions[position] if 0 <= position < len(self.questions) else None


@dataclass(frozen=True, slots=True)
class Recipient:
    poll_id: int
    chat_id: int
    is_group: bool
    association: str | None
    municipality_code: str | None
    themes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PollMessage:
    poll_id: int
    question: int  # -1: the introduction
    chat_id: int
    message_id: int
    telegram_poll_id: str | None
    closed: bool


def themes_of(value: str) -> tuple[str, ...]:
    """The themes column of poll_recipients (stored as one string) as ids."""
    return tuple(value.split()) if value else ()


# Polls


async def create(tx: Writer, new: NewPoll, *, created_by: int, now: int) -> int:
    if not new.questions:
        raise ValueError("a poll needs a question")
    poll_id = await tx.insert(
        """
        INSERT INTO polls (created_by, title, anonymous, group_mode, audience, share_results,
                           reminder_at, closes_at, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (
            created_by,
            new.questions[0].text,
            int(new.anonymous),
            new.group_mode,
            new.audience,
            int(new.share_results),
            new.reminder_at,
            new.closes_at,
            now,
        ),
    )
    await tx.executemany(
        "INSERT INTO poll_questions (poll_id, position, kind, text) VALUES (?, ?, ?, ?)",
        [(poll_id, i, q.kind, q.text) for i, q in enumerate(new.questions)],
    )
    await tx.executemany(
        "INSERT INTO poll_options (poll_id, question, position, text) VALUES (?, ?, ?, ?)",
        [
            (poll_id, i, j, option)
            for i, q in enumerate(new.questions)
            for j, option in enumerate(q.options)
        ],
    )
    return poll_id


async def set_broadcast(tx: Writer, poll_id: int, broadcast_id: int) -> None:
    await tx.execute("UPDATE polls SET broadcast_id = ? WHERE id = ?", (broadcast_id, poll_id))


async def _questions(db: Database | Writer, poll_ids: Sequence[int]) -> dict[int, list[Question]]:
    marks = ",".join("?" * len(poll_ids))
    options: dict[tuple[int, int], list[str]] = {}
    for row in await db.fetchall(
        f"SELECT poll_id, question, text FROM poll_options WHERE poll_id IN ({marks}) "
        "ORDER BY poll_id, question, position",
        tuple(poll_ids),
    ):
        options.setdefault((row[0], row[1]), []).append(row[2])
    found: dict[int, list[Question]] = {}
    for row in await db.fetchall(
        f"SELECT poll_id, position, kind, text FROM poll_questions WHERE poll_id IN ({marks}) "
        "ORDER BY poll_id, position",
        tuple(poll_ids),
    ):
        found.setdefault(row[0], []).append(
            Question(row[1], row[2], row[3], tuple(options.get((row[0], row[1]), ())))
        )
    return found


def _poll(row: sqlite3.Row, questions: list[Question]) -> Poll:
    return Poll(
        id=row["id"],
        created_by=row["created_by"],
        title=row["title"],
        anonymous=bool(row["anonymous"]),
        group_mode=row["group_mode"],
        audience=row["audience"],
        state=row["state"],
        share_results=bool(row["share_results"]),
        reminder_at=row["reminder_at"],
        closes_at=row["closes_at"],
        broadcast_id=row["broadcast_id"],
        created_at=row["created_at"],
        closed_at=row["closed_at"],
        questions=tuple(questions),
    )


async def get(db: Database | Writer, poll_id: int) -> Poll | None:
    row = await db.fetchone("SELECT * FROM polls WHERE id = ?", (poll_id,))
    if row is None:
        return None
    return _poll(row, (await _questions(db, [poll_id])).get(poll_id, []))


async def list_polls(db: Database, created_by: int | None, limit: int = 20) -> list[Poll]:
    """The newest polls first: one coordinator's, or everyone's (None)."""
    if created_by is None:
        rows = await db.fetchall("SELECT * FROM polls ORDER BY id DESC LIMIT ?", (limit,))
    else:
        rows = await db.fetchall(
            "SELECT * FROM polls WHERE created_by = ? ORDER BY id DESC LIMIT ?",
            (created_by, limit),
        )
    if not rows:
        return []
    questions = await _questions(db, [row["id"] for row in rows])
    return [_poll(row, questions.get(row["id"], [])) for row in rows]


async def close(tx: Writer, poll_id: int, now: int) -> bool:
    """False when it was closed already (closing must happen once)."""
    changed = await tx.execute(
        "UPDATE polls SET state = 'closed', closed_at = ? WHERE id = ? AND state = 'open'",
        (now, poll_id),
    )
    return changed > 0


# Recipients


async def add_recipients(tx: Writer, poll_id: int, chat_ids: Sequence[int]) -> None:
    """The chats asked, with their association, municipality (the association's, or a private
    chat's only subscribed municipality) and themes as they are now."""
    for start in range(0, len(chat_ids), _CHUNK):
        chunk = list(chat_ids[start : start + _CHUNK])
        await tx.execute(
            f"""
            INSERT INTO poll_recipients (poll_id, chat_id, is_group, association,
                                         municipality_code, themes)
            SELECT ?, c.id, CASE WHEN c.type != 'private' THEN 1 ELSE 0 END, p.name,
                   coalesce((SELECT lm.code FROM listing_municipalities lm
                             WHERE lm.listing_id = p.id ORDER BY lm.position LIMIT 1),
                            {subscriptions.only_municipality_sql("c.id")}),
                   coalesce((SELECT group_concat(theme_id, ' ') FROM
                                 (SELECT theme_id FROM subscription_themes st
                                  WHERE st.chat_id = c.id ORDER BY theme_id) AS t), '')
            FROM chats c LEFT JOIN listings p ON p.chat_id = c.id
            WHERE c.id IN ({",".join("?" * len(chunk))})
            """,
            (poll_id, *chunk),
        )


def _recipient(row: sqlite3.Row) -> Recipient:
    return Recipient(
        poll_id=row["poll_id"],
        chat_id=row["chat_id"],
        is_group=bool(row["is_group"]),
        association=row["association"],
        municipality_code=row["municipality_code"],
        themes=themes_of(row["themes"]),
    )


async def recipient(db: Database | Writer, poll_id: int, chat_id: int) -> Recipient | None:
    row = await db.fetchone(
        "SELECT * FROM poll_recipients WHERE poll_id = ? AND chat_id = ?", (poll_id, chat_id)
    )
    return None if row is None else _recipient(row)


async def recipients_of(db: Database | Writer, poll_id: int) -> list[Recipient]:
    rows = await db.fetchall(
        "SELECT * FROM poll_recipients WHERE poll_id = ? ORDER BY chat_id", (poll_id,)
    )
    return [_recipient(row) for row in rows]


async def asked_count(db: Database | Writer, poll_id: int) -> int:
    """The chats asked: the recipients, plus the private chats anonymised since (chat 0, where
    their answers went, does not count itself)."""
    return int(
        await db.fetchval(
            "SELECT (SELECT count(*) FROM poll_recipients WHERE poll_id = ?1 AND chat_id != ?2) "
            "+ (SELECT count(*) FROM poll_anonymised_recipients WHERE poll_id = ?1)",
            (poll_id, privacy.ANONYMOUS_CHAT),
        )
    )


async def answered_chats(db: Database | Writer, poll_id: int) -> list[int]:
    """The chats (still known) where someone answered: where the summary may go."""
    rows = await db.fetchall(
        "SELECT DISTINCT chat_id FROM poll_answers WHERE poll_id = ? AND chat_id != ? "
        "ORDER BY chat_id",
        (poll_id, privacy.ANONYMOUS_CHAT),
    )
    return [row[0] for row in rows]


async def answered_count(db: Database | Writer, poll_id: int) -> int:
    """How many chats asked answered something, anonymised private chats included (each of
    them is its pseudonym in chat 0): the response rate's numerator, as `poll_report` counts."""
    return int(
        await db.fetchval(
            "SELECT (SELECT count(DISTINCT chat_id) FROM poll_answers "
            "        WHERE poll_id = ?1 AND chat_id != ?2) "
            "+ (SELECT count(DISTINCT respondent) FROM poll_answers "
            "   WHERE poll_id = ?1 AND chat_id = ?2)",
            (poll_id, privacy.ANONYMOUS_CHAT),
        )
    )


async def unanswered_chats(db: Database | Writer, poll_id: int) -> list[int]:
    """Active chats asked where nobody has answered anything (and not reminded yet)."""
    rows = await db.fetchall(
        """
        SELECT r.chat_id FROM poll_recipients r JOIN chats c ON c.id = r.chat_id AND c.active = 1
        WHERE r.poll_id = ? AND r.reminded_at IS NULL AND NOT EXISTS (
            SELECT 1 FROM poll_answers a WHERE a.poll_id = r.poll_id AND a.chat_id = r.chat_id)
        ORDER BY r.chat_id
        """,
        (poll_id,),
    )
    return [row[0] for row in rows]


async def mark_reminded(tx: Writer, poll_id: int, chat_ids: Sequence[int], now: int) -> None:
    await tx.executemany(
        "UPDATE poll_recipients SET reminded_at = ? WHERE poll_id = ? AND chat_id = ?",
        [(now, poll_id, chat_id) for chat_id in chat_ids],
    )


# Messages


async def record_message(
    tx: Writer,
    poll_id: int,
    question: int,
    chat_id: int,
    message_id: int,
    telegram_poll_id: str | None,
) -> None:
    await tx.execute(
        """
        INSERT INTO poll_messages (poll_id, question, chat_id, message_id, telegram_poll_id)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (poll_id, question, chat_id) DO UPDATE SET
            message_id = excluded.message_id, telegram_poll_id = excluded.telegram_poll_id
        """,
        (poll_id, question, chat_id, message_id, telegram_poll_id),
    )


def _message(row: sqlite3.Row) -> PollMessage:
    return PollMessage(
        row["poll_id"],
        row["question"],
        row["chat_id"],
        row["message_id"],
        row["telegram_poll_id"],
        bool(row["closed"]),
    )


async def message_for_native(db: Database | Writer, telegram_poll_id: str) -> PollMessage | None:
    row = await db.fetchone(
        "SELECT * FROM poll_messages WHERE telegram_poll_id = ?", (telegram_poll_id,)
    )
    return None if row is None else _message(row)


async def intro_messages(db: Database | Writer, poll_id: int) -> dict[int, int]:
    """chat id → the message id of the poll's introduction there."""
    rows = await db.fetchall(
        "SELECT chat_id, message_id FROM poll_messages WHERE poll_id = ? AND question = -1",
        (poll_id,),
    )
    return {row[0]: row[1] for row in rows}


async def open_messages(db: Database | Writer, poll_id: int) -> list[PollMessage]:
    """Question messages (not introductions) that still take answers."""
    rows = await db.fetchall(
        "SELECT * FROM poll_messages WHERE poll_id = ? AND question >= 0 AND closed = 0 "
        "ORDER BY chat_id, question",
        (poll_id,),
    )
    return [_message(row) for row in rows]


async def mark_messages_closed(tx: Writer, poll_id: int) -> None:
    await tx.execute("UPDATE poll_messages SET closed = 1 WHERE poll_id = ?", (poll_id,))
