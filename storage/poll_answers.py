"""Answers to polls: one answer per respondent and question, the answers with what the results
and their splits need, the "my next message is my answer" drafts, and the polls' section of
personal data (/mydata, /forget, retention) — answers are what it keeps under pseudonyms.

Anonymity lives here: `answers(..., with_people=False)` never selects a user id, so nothing
built from it can tell a coordinator who gave which answer on an anonymous poll.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from storage import privacy
from storage.db import Database, Writer
from storage.polls import ASSOCIATION, themes_of

_CHUNK = 500  # ids per IN (…) list, well under SQLite's limit of bound parameters

__all__ = [
    "AnswerRow",
    "TextDraft",
    "answer_of",
    "answers",
    "clear_answer",
    "clear_draft",
    "get_draft",
    "people",
    "respondents_in_chat",
    "save_choices",
    "save_text",
    "start_draft",
]


class AnswerRow(NamedTuple):
    """One chosen option (or scale value, or text) with what the splits need. `user_id` is
    None unless the caller asked for people (named polls only).

    A NamedTuple rather than a frozen dataclass: a results view builds one per answer (12 500
    in bench/poll_results.py), and a frozen dataclass costs four times as much to build."""

    question: int
    chat_id: int
    respondent: int
    choice: int
    text: str
    association: str | None
    municipality_code: str | None
    themes: tuple[str, ...]
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class TextDraft:
    user_id: int
    poll_id: int
    question: int
    chat_id: int
    created_at: int


# Answers


async def save_choices(
    tx: Writer,
    poll_id: int,
    question: int,
    chat_id: int,
    respondent: int,
    choices: Sequence[int],
    *,
    user_id: int,
    now: int,
) -> None:
    """The respondent's answer to a choice or scale question; it replaces an earlier one (no
    choices: the answer is withdrawn)."""
    await clear_answer(tx, poll_id, question, chat_id, respondent)
    await tx.executemany(
        "INSERT INTO poll_answers (poll_id, question, chat_id, respondent, choice, user_id, "
        "answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (poll_id, question, chat_id, respondent, choice, user_id, now)
            for choice in sorted(set(choices))
        ],
    )


async def save_text(
    tx: Writer,
    poll_id: int,
    question: int,
    chat_id: int,
    respondent: int,
    text: str,
    *,
    user_id: int,
    now: int,
) -> None:
    await clear_answer(tx, poll_id, question, chat_id, respondent)
    await tx.execute(
        "INSERT INTO poll_answers (poll_id, question, chat_id, respondent, choice, text, "
        "user_id, answered_at) VALUES (?, ?, ?, ?, -1, ?, ?, ?)",
        (poll_id, question, chat_id, respondent, text, user_id, now),
    )


async def clear_answer(
    tx: Writer, poll_id: int, question: int, chat_id: int, respondent: int
) -> None:
    await tx.execute(
        "DELETE FROM poll_answers WHERE poll_id = ? AND question = ? AND chat_id = ? "
        "AND respondent = ?",
        (poll_id, question, chat_id, respondent),
    )


async def answer_of(
    db: Database | Writer, poll_id: int, question: int, chat_id: int, respondent: int
) -> tuple[tuple[int, ...], str]:
    """The respondent's own current answer: (choices, text); ((), '') when none."""
    rows = await db.fetchall(
        "SELECT choice, text FROM poll_answers WHERE poll_id = ? AND question = ? "
        "AND chat_id = ? AND respondent = ? ORDER BY choice",
        (poll_id, question, chat_id, respondent),
    )
    choices = tuple(row[0] for row in rows if row[0] >= 0)
    text = next((row[1] for row in rows if row[0] < 0), "")
    return choices, text


async def respondents_in_chat(db: Database | Writer, poll_id: int, chat_id: int) -> int:
    """How many respondents answered something in this chat (the group message shows it)."""
    value = await db.fetchval(
        "SELECT count(DISTINCT respondent) FROM poll_answers WHERE poll_id = ? AND chat_id = ?",
        (poll_id, chat_id),
    )
    return int(value)


async def answers(db: Database | Writer, poll_id: int, *, with_people: bool) -> list[AnswerRow]:
    """Every answer row with its chat's split attributes; user ids only `with_people` (named
    polls), in an order that follows the content, never the order of answering."""
    chats: dict[int, tuple[str | None, str | None, tuple[str, ...]]] = {
        row[0]: (row[1], row[2], themes_of(row[3]))
        for row in await db.fetchall(
            "SELECT chat_id, association, municipality_code, themes FROM poll_recipients "
            "WHERE poll_id = ?",
            (poll_id,),
        )
    }
    # Answers moved to chat 0 take their own anonymised chat's attributes (by pseudonym).
    anonymised = {
        row[0]: (row[1], row[2], themes_of(row[3]))
        for row in await db.fetchall(
            "SELECT respondent, association, municipality_code, themes "
            "FROM poll_anonymised_recipients WHERE poll_id = ?",
            (poll_id,),
        )
    }
    person = "user_id" if with_people else "NULL"
    rows = await db.fetchall(
        f"""
        SELECT question, chat_id, respondent, choice, text, {person} FROM poll_answers
        WHERE poll_id = ? ORDER BY question, choice, text, chat_id, respondent
        """,
        (poll_id,),
    )
    found = []
    unknown: tuple[str | None, str | None, tuple[str, ...]] = (None, None, ())
    for question, chat_id, respondent, choice, text, user_id in rows:
        if chat_id == privacy.ANONYMOUS_CHAT and respondent in anonymised:
            association, municipality, themes = anonymised[respondent]
        else:
            association, municipality, themes = chats.get(chat_id, unknown)
        found.append(
            AnswerRow(
                question,
                chat_id,
                respondent,
                choice,
                text,
                association,
                municipality,
                themes,
                user_id,
            )
        )
    return found


async def people(db: Database | Writer, user_ids: Sequence[int]) -> dict[int, str]:
    """Display names for named results."""
    found: dict[int, str] = {}
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = await db.fetchall(
            f"SELECT id, first_name, last_name FROM users WHERE id IN ({marks})", tuple(chunk)
        )
        for row in rows:
            found[row[0]] = " ".join(part for part in (row[1], row[2]) if part) or str(row[0])
    return found


# Drafts: "my next private message is my answer"


async def start_draft(
    db: Database | Writer, user_id: int, poll_id: int, question: int, chat_id: int, now: int
) -> None:
    """One draft per person: a newer "write my answer" replaces an older draft."""
    await db.execute(
        "INSERT INTO poll_text_drafts (user_id, poll_id, question, chat_id, created_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET poll_id = excluded.poll_id, "
        "question = excluded.question, chat_id = excluded.chat_id, "
        "created_at = excluded.created_at",
        (user_id, poll_id, question, chat_id, now),
    )


async def get_draft(db: Database | Writer, user_id: int) -> TextDraft | None:
    row = await db.fetchone("SELECT * FROM poll_text_drafts WHERE user_id = ?", (user_id,))
    if row is None:
        return None
    return TextDraft(
        row["user_id"], row["poll_id"], row["question"], row["chat_id"], row["created_at"]
    )


async def clear_draft(db: Database | Writer, user_id: int) -> bool:
    return await db.execute("DELETE FROM poll_text_drafts WHERE user_id = ?", (user_id,)) > 0


# Personal data (see storage/privacy.py): /mydata exports a person's answers, the polls their
# private chat was asked and the polls they made; /forget and the retention run keep answers
# under a pseudonym (one per person and poll, so answers to different polls cannot be linked) and
# a private chat's part of a poll as a row of poll_anonymised_recipients (migration 0008), so that
# every figure of the poll stays the same: asked, answering chats, respondents, counts, splits.


async def _export(db: Database, user_id: int) -> object:
    answers = await privacy.rows(
        db,
        """
        SELECT a.poll_id, p.title AS poll_title, a.question + 1 AS question,
               q.text AS question_text,
               CASE WHEN q.kind = 'scale' THEN CAST(a.choice AS TEXT)
                    WHEN a.choice >= 0 THEN o.text END AS choice,
               a.text, CASE WHEN a.chat_id = a.user_id THEN NULL ELSE c.title END AS in_group,
               a.respondent = 0 AS for_association, a.answered_at
        FROM poll_answers a JOIN polls p ON p.id = a.poll_id
        JOIN poll_questions q ON q.poll_id = a.poll_id AND q.position = a.question
        LEFT JOIN poll_options o ON o.poll_id = a.poll_id AND o.question = a.question
                                AND o.position = a.choice
        LEFT JOIN chats c ON c.id = a.chat_id
        WHERE a.user_id = ? ORDER BY a.poll_id, a.question, a.choice
        """,
        (user_id,),
    )
    asked = await privacy.rows(
        db,
        "SELECT r.poll_id, p.title AS poll_title, r.municipality_code, r.themes, r.reminded_at "
        "FROM poll_recipients r JOIN polls p ON p.id = r.poll_id "
        "JOIN chats c ON c.id = r.chat_id AND c.type = 'private' WHERE r.chat_id = ? "
        "ORDER BY r.poll_id",
        (user_id,),
    )
    created = await privacy.rows(
        db,
        "SELECT id, title, anonymous, state, closes_at, created_at FROM polls "
        "WHERE created_by = ? ORDER BY id",
        (user_id,),
    )
    drafts = await privacy.rows(
        db,
        "SELECT poll_id, question + 1 AS question, created_at FROM poll_text_drafts "
        "WHERE user_id = ?",
        (user_id,),
    )
    return {"answers": answers, "asked": asked, "created": created, "answer_drafts": drafts}


def _anonymise_chat_sync(
    raw: sqlite3.Connection, poll_id: int, chat_id: int, pseudonym: int
) -> int:
    """A private chat's part of a poll without the chat: its answers move to the placeholder chat
    under `pseudonym`, its recipient row becomes a poll_anonymised_recipients row (with what the
    splits need only when it answered), its messages go. Returns the rows changed (answers
    moved, plus one for the recipient)."""
    found = raw.execute(
        "SELECT association, municipality_code, themes FROM poll_recipients "
        "WHERE poll_id = ? AND chat_id = ?",
        (poll_id, chat_id),
    ).fetchone()
    if found is None:
        return 0
    answered = raw.execute(
        "SELECT 1 FROM poll_answers WHERE poll_id = ? AND chat_id = ? LIMIT 1", (poll_id, chat_id)
    ).fetchone()
    association, municipality, themes = tuple(found) if answered else (None, None, "")
    raw.execute(
        "INSERT INTO poll_anonymised_recipients (poll_id, respondent, association, "
        "municipality_code, themes) VALUES (?, ?, ?, ?, ?)",
        (poll_id, pseudonym, association, municipality, themes),
    )
    moved = 0
    if answered:
        raw.execute(
            "INSERT OR IGNORE INTO poll_recipients (poll_id, chat_id, is_group, themes) "
            "VALUES (?, ?, 0, '')",
            (poll_id, privacy.ANONYMOUS_CHAT),
        )
        moved = raw.execute(
            "UPDATE poll_answers SET chat_id = ?, respondent = ?, user_id = NULL "
            "WHERE poll_id = ? AND chat_id = ?",
            (privacy.ANONYMOUS_CHAT, pseudonym, poll_id, chat_id),
        ).rowcount
    raw.execute("DELETE FROM poll_messages WHERE poll_id = ? AND chat_id = ?", (poll_id, chat_id))
    raw.execute("DELETE FROM poll_recipients WHERE poll_id = ? AND chat_id = ?", (poll_id, chat_id))
    return moved + 1


def _anonymise_chats_sync(raw: sqlite3.Connection, chats: Sequence[tuple[int, int, int]]) -> int:
    """`_anonymise_chat_sync` for each (poll, chat, pseudonym); the answers moved."""
    return sum(_anonymise_chat_sync(raw, *item) - 1 for item in chats)


async def _forget(tx: Writer, person: privacy.Person) -> None:
    uid = person.user_id
    await tx.execute("DELETE FROM poll_text_drafts WHERE user_id = ?", (uid,))
    await tx.execute("UPDATE polls SET created_by = 0 WHERE created_by = ?", (uid,))
    kept = 0
    # The polls their private chat was asked: that chat is deleted (and its poll_recipients and
    # poll_messages rows with it), so its part moves to the anonymous chat first.
    asked = (
        await tx.fetchall("SELECT poll_id FROM poll_recipients WHERE chat_id = ?", (uid,))
        if person.private_chat
        else []
    )
    if asked:
        await privacy.ensure_anonymous_chat(tx, person.now)
        moving = [(poll_id, uid, person.pseudonym(f"poll:{poll_id}")) for (poll_id,) in asked]
        kept += await tx.run(lambda raw: _anonymise_chats_sync(raw, moving))
    # Answers as a member of a group stay in the group; an association's answer stays the
    # association's, without who gave it.
    for (poll_id,) in await tx.fetchall(
        "SELECT DISTINCT poll_id FROM poll_answers WHERE user_id = ?", (uid,)
    ):
        kept += await tx.execute(
            "UPDATE poll_answers SET respondent = ?, user_id = NULL "
            "WHERE poll_id = ? AND user_id = ? AND respondent = ?",
            (person.pseudonym(f"poll:{poll_id}"), poll_id, uid, uid),
        )
        kept += await tx.execute(
            "UPDATE poll_answers SET user_id = NULL WHERE poll_id = ? AND user_id = ?",
            (poll_id, uid),
        )
    person.counts["poll_answers"] = person.counts.get("poll_answers", 0) + kept


_PRIVATE_CHATS = "SELECT id FROM chats WHERE type = 'private'"


def _retain_poll_sync(raw: sqlite3.Connection, poll_id: int) -> int:
    """One old closed poll anonymised (see `_retain_polls_sync`); the rows changed."""
    changed = 0
    aliases: dict[int, int] = {}

    def alias(user_id: int) -> int:
        if user_id not in aliases:
            aliases[user_id] = privacy.new_pseudonym()
        return aliases[user_id]

    for (chat_id,) in raw.execute(
        "SELECT chat_id FROM poll_recipients WHERE poll_id = ? AND is_group = 0 "
        "AND chat_id != ? ORDER BY chat_id",
        (poll_id, privacy.ANONYMOUS_CHAT),
    ).fetchall():
        # A private chat's id is its person's: their answers in groups get the same alias.
        changed += _anonymise_chat_sync(raw, poll_id, chat_id, alias(chat_id))
    for (respondent,) in raw.execute(
        "SELECT DISTINCT respondent FROM poll_answers WHERE poll_id = ? AND respondent > ? "
        "ORDER BY respondent",
        (poll_id, ASSOCIATION),
    ).fetchall():
        changed += raw.execute(
            "UPDATE poll_answers SET respondent = ?, user_id = NULL "
            "WHERE poll_id = ? AND respondent = ?",
            (alias(respondent), poll_id, respondent),
        ).rowcount
    changed += raw.execute(
        "UPDATE poll_answers SET user_id = NULL WHERE poll_id = ? AND user_id IS NOT NULL",
        (poll_id,),
    ).rowcount
    changed += raw.execute(
        f"DELETE FROM poll_messages WHERE poll_id = ? AND chat_id IN ({_PRIVATE_CHATS})",
        (poll_id,),
    ).rowcount
    changed += raw.execute("DELETE FROM poll_text_drafts WHERE poll_id = ?", (poll_id,)).rowcount
    return changed


def _retain_polls_sync(raw: sqlite3.Connection, cutoff: int, batch: int) -> privacy.RetainResult:
    """Polls closed before `cutoff`: who answered (user ids, respondents that are people) goes
    to pseudonyms, private chats to the anonymous chat as /forget does it, drafts and the
    messages sent to private chats are deleted. Counts, splits and free-text answers stay."""
    found = [
        row[0]
        for row in raw.execute(
            f"""
            SELECT p.id FROM polls p
            WHERE p.state = 'closed' AND p.closed_at < ?1 AND (
                EXISTS (SELECT 1 FROM poll_answers a WHERE a.poll_id = p.id
                        AND (a.user_id IS NOT NULL OR a.respondent > ?2))
                OR EXISTS (SELECT 1 FROM poll_recipients r WHERE r.poll_id = p.id
                           AND r.is_group = 0 AND r.chat_id != ?3)
                OR EXISTS (SELECT 1 FROM poll_text_drafts d WHERE d.poll_id = p.id)
                OR EXISTS (SELECT 1 FROM poll_messages m WHERE m.poll_id = p.id
                           AND m.chat_id IN ({_PRIVATE_CHATS})))
            ORDER BY p.id LIMIT ?4
            """,
            (cutoff, ASSOCIATION, privacy.ANONYMOUS_CHAT, batch + 1),
        ).fetchall()
    ]
    changed = sum(_retain_poll_sync(raw, poll_id) for poll_id in found[:batch])
    return privacy.RetainResult(changed, len(found) > batch)


async def _retain(tx: Writer, retention: privacy.Retention) -> privacy.RetainResult:
    await privacy.ensure_anonymous_chat(tx, retention.now)
    return await tx.run(lambda raw: _retain_polls_sync(raw, retention.cutoff, retention.batch))


privacy.register(
    privacy.Section(
        "polls",
        (
            "polls",
            "poll_recipients",
            "poll_anonymised_recipients",
            "poll_answers",
            "poll_text_drafts",
            "poll_messages",
        ),
        export=_export,
        forget=_forget,
        retain=_retain,
    )
)
privacy.register(privacy.Section("poll_content", ("poll_questions", "poll_options")))
