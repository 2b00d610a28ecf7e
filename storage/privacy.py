"""Personal data of the core tables (users, chats, drafts, roles, RSVPs, feedback, invites, what a
coordinator created, messages): their sections in the registry, and the registry's API for every
feature (`from storage import privacy`). How sections work and the rules they follow:
storage/privacy_registry.py.
"""

from __future__ import annotations

import json
import sqlite3

from storage.db import Database, Writer
from storage.privacy_registry import (
    ANONYMOUS_CHAT,
    NO_PERSONAL_DATA,
    PSEUDONYM_FLOOR,
    Exporter,
    Forgetter,
    Person,
    Retainer,
    RetainResult,
    Retention,
    Section,
    dumps,
    ensure_anonymous_chat,
    erase_person,
    export,
    forget,
    is_pseudonym,
    iso,
    new_pseudonym,
    register,
    retain,
    rows,
    sections,
)

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


# --- the core sections -----------------------------------------------------------------------


async def _export_user(db: Database, user_id: int) -> object:
    found = await rows(
        db,
        "SELECT id, first_name, last_name, username, language_code, language, created_at, "
        "updated_at FROM users WHERE id = ?",
        (user_id,),
    )
    return found[0] if found else None


async def _export_private_chat(db: Database, user_id: int) -> object:
    chat = await rows(
        db,
        "SELECT id, type, language, active, inactive_reason, paused_until, created_at, "
        "updated_at FROM chats WHERE id = ? AND type = 'private'",
        (user_id,),
    )
    if not chat:
        return None
    result = dict(chat[0])
    result["subscribed_areas"] = await rows(
        db,
        "SELECT a.kind, a.code, m.name_fi, m.name_sv, a.created_at FROM subscription_areas a "
        "LEFT JOIN municipalities m ON a.kind = 'municipality' AND m.code = a.code "
        "WHERE a.chat_id = ? ORDER BY a.kind, a.code",
        (user_id,),
    )
    result["subscribed_themes"] = [
        r["theme_id"]
        for r in await db.fetchall(
            "SELECT theme_id FROM subscription_themes WHERE chat_id = ? ORDER BY theme_id",
            (user_id,),
        )
    ]
    settings = await rows(
        db,
        "SELECT quiet_hours, digest_weekday, digest_hour, updated_at FROM chat_settings "
        "WHERE chat_id = ?",
        (user_id,),
    )
    result["settings"] = settings[0] if settings else None
    result["scheduled_jobs"] = await rows(
        db,
        "SELECT key, kind, due_at, state FROM schedule WHERE chat_id = ? ORDER BY due_at",
        (user_id,),
    )
    return result


async def _export_drafts(db: Database, user_id: int) -> object:
    found = await rows(
        db,
        "SELECT kind, step, payload, updated_at FROM drafts WHERE user_id = ? ORDER BY kind",
        (user_id,),
    )
    for draft in found:
        draft["payload"] = json.loads(draft["payload"])
    return found


async def _forget_drafts(tx: Writer, person: Person) -> None:
    await tx.execute("DELETE FROM drafts WHERE user_id = ?", (person.user_id,))


async def _export_roles(db: Database, user_id: int) -> object:
    found = await rows(
        db,
        "SELECT id, role, created_at, revoked_at FROM roles WHERE user_id = ? ORDER BY id",
        (user_id,),
    )
    for role in found:
        role["scope"] = await rows(
            db,
            "SELECT area_kind, area_code FROM role_scopes WHERE role_id = ? "
            "ORDER BY area_kind, area_code",
            (role["id"],),
        )
    return found


async def _forget_roles(tx: Writer, person: Person) -> None:
    await tx.execute("UPDATE roles SET granted_by = NULL WHERE granted_by = ?", (person.user_id,))
    await tx.execute("DELETE FROM roles WHERE user_id = ?", (person.user_id,))


async def _export_rsvps(db: Database, user_id: int) -> object:
    return await rows(
        db,
        """
        SELECT r.event_id, e.title AS event_title, e.starts_at, e.ends_at, e.state AS event_state,
               r.status, r.headcount, r.association, r.municipality_code,
               (SELECT s.title FROM event_sessions s WHERE s.id = r.session_id) AS session,
               r.chat_id AS answered_in_chat, CASE WHEN c.type = 'private' THEN NULL
               ELSE c.title END AS answered_in_group, r.queued_at, r.created_at, r.updated_at
        FROM rsvps r JOIN events e ON e.id = r.event_id LEFT JOIN chats c ON c.id = r.chat_id
        WHERE r.user_id = ? ORDER BY e.starts_at, r.event_id
        """,
        (user_id,),
    )


def _anonymise_answers_sync(
    raw: sqlite3.Connection, event_id: int, user_id: int, alias: int
) -> int:
    """One person's RSVP and feedback of one event under `alias`; returns rows changed.

    The answer keeps its status, headcount, association and municipality (counts and splits
    stay right); the chat it was given in and the feedback comment go."""
    changed = raw.execute(
        "UPDATE rsvps SET user_id = ?, chat_id = ? WHERE event_id = ? AND user_id = ?",
        (alias, ANONYMOUS_CHAT, event_id, user_id),
    ).rowcount
    changed += raw.execute(
        "UPDATE feedback SET user_id = ?, comment = '' WHERE event_id = ? AND user_id = ?",
        (alias, event_id, user_id),
    ).rowcount
    return changed


async def _forget_answers(tx: Writer, person: Person) -> None:
    found = await tx.fetchall(
        "SELECT event_id FROM rsvps WHERE user_id = ?1 UNION "
        "SELECT event_id FROM feedback WHERE user_id = ?1",
        (person.user_id,),
    )
    if not found:
        return
    await ensure_anonymous_chat(tx, person.now)
    aliases = [(event_id, person.pseudonym(f"event:{event_id}")) for (event_id,) in found]

    def block(raw: sqlite3.Connection) -> int:
        return sum(_anonymise_answers_sync(raw, e, person.user_id, a) for e, a in aliases)

    kept = await tx.run(block)
    person.counts["answers"] = person.counts.get("answers", 0) + kept
    await tx.execute("DELETE FROM feedback_drafts WHERE user_id = ?", (person.user_id,))


async def _export_feedback(db: Database, user_id: int) -> object:
    return await rows(
        db,
        """
        SELECT f.event_id, e.title AS event_title, e.starts_at, f.rating, f.attended, f.comment,
               f.association, f.municipality_code, f.created_at, f.updated_at
        FROM feedback f JOIN events e ON e.id = f.event_id
        WHERE f.user_id = ? ORDER BY e.starts_at, f.event_id
        """,
        (user_id,),
    )


async def _export_feedback_drafts(db: Database, user_id: int) -> object:
    return await rows(
        db,
        "SELECT d.event_id, e.title AS event_title, d.created_at FROM feedback_drafts d "
        "JOIN events e ON e.id = d.event_id WHERE d.user_id = ?",
        (user_id,),
    )


async def _export_invites(db: Database, user_id: int) -> object:
    created = await rows(
        db,
        "SELECT scope, created_at, expires_at, used_at IS NOT NULL AS used, used_at "
        "FROM coordinator_invites WHERE created_by = ? ORDER BY created_at",
        (user_id,),
    )
    used = await rows(
        db,
        "SELECT scope, created_at, used_at FROM coordinator_invites WHERE used_by = ? "
        "ORDER BY used_at",
        (user_id,),
    )
    return {"created": created, "used": used}


async def _forget_invites(tx: Writer, person: Person) -> None:
    # An open link made by the person stops working; a used one stays as the other person's
    # record, without its maker (0: a forgotten person; the column is NOT NULL).
    await tx.execute(
        "DELETE FROM coordinator_invites WHERE created_by = ? AND used_at IS NULL",
        (person.user_id,),
    )
    await tx.execute(
        "UPDATE coordinator_invites SET created_by = 0 WHERE created_by = ?", (person.user_id,)
    )
    await tx.execute(
        "UPDATE coordinator_invites SET used_by = NULL WHERE used_by = ?", (person.user_id,)
    )


async def _export_created(db: Database, user_id: int) -> object:
    return {
        "events": await rows(
            db,
            "SELECT id, kind, title, starts_at, ends_at, state, created_at FROM events "
            "WHERE created_by = ? ORDER BY starts_at, id",
            (user_id,),
        ),
        "event_series": await rows(
            db,
            "SELECT id, rule, created_at FROM event_series WHERE created_by = ? ORDER BY id",
            (user_id,),
        ),
        "announcements": await rows(
            db,
            "SELECT id, kind, summary, state, scheduled_at, created_at FROM broadcasts "
            "WHERE created_by = ? OR report_chat_id = ? ORDER BY id",
            (user_id, user_id),
        ),
    }


async def _forget_created(tx: Writer, person: Person) -> None:
    """What the person made stays (events, series, announcements), without its maker."""
    uid = person.user_id
    await tx.execute("UPDATE events SET created_by = NULL WHERE created_by = ?", (uid,))
    await tx.execute("UPDATE event_series SET created_by = NULL WHERE created_by = ?", (uid,))
    await tx.execute("UPDATE broadcasts SET created_by = NULL WHERE created_by = ?", (uid,))
    await tx.execute(
        "UPDATE broadcasts SET report_chat_id = NULL, progress_message_id = NULL "
        "WHERE report_chat_id = ?",
        (uid,),
    )


async def _export_messages(db: Database, user_id: int) -> object:
    return await rows(
        db,
        "SELECT o.id, o.kind, o.method, o.state, o.created_at, o.updated_at FROM outbox o "
        "JOIN chats c ON c.id = o.chat_id AND c.type = 'private' WHERE o.chat_id = ? "
        "ORDER BY o.id",
        (user_id,),
    )


_FINISHED_TO_ANONYMOUS = (
    "UPDATE outbox SET chat_id = ?, params = '{}', message_id = NULL, error = NULL "
    "WHERE chat_id = ? AND state IN ('sent', 'failed', 'skipped')"
)


async def _forget_messages(tx: Writer, person: Person) -> None:
    """Waiting messages to the private chat are dropped; the delivery log of sent ones keeps
    its counts (a broadcast's report stays right) without the chat or the text."""
    if not person.private_chat:
        return
    await ensure_anonymous_chat(tx, person.now)
    await tx.execute(
        "DELETE FROM outbox WHERE chat_id = ? AND state IN ('pending', 'sending')",
        (person.user_id,),
    )
    await tx.execute(_FINISHED_TO_ANONYMOUS, (ANONYMOUS_CHAT, person.user_id))


# --- retention ------------------------------------------------------------------------------


def _retain_events_sync(raw: sqlite3.Connection, cutoff: int, batch: int) -> RetainResult:
    events = [
        r[0]
        for r in raw.execute(
            """
            SELECT e.id FROM events e
            WHERE coalesce(e.ends_at, e.starts_at) < ?1 AND (
                EXISTS (SELECT 1 FROM rsvps r WHERE r.event_id = e.id
                        AND (r.user_id > ?2 OR r.chat_id != ?3))
                OR EXISTS (SELECT 1 FROM feedback f WHERE f.event_id = e.id
                           AND (f.user_id > ?2 OR f.comment != ''))
                OR EXISTS (SELECT 1 FROM feedback_drafts d WHERE d.event_id = e.id))
            ORDER BY e.id LIMIT ?4
            """,
            (cutoff, PSEUDONYM_FLOOR, ANONYMOUS_CHAT, batch + 1),
        ).fetchall()
    ]
    more = len(events) > batch
    changed = 0
    for event_id in events[:batch]:
        people = raw.execute(
            "SELECT user_id FROM rsvps WHERE event_id = ?1 AND user_id > ?2 UNION "
            "SELECT user_id FROM feedback WHERE event_id = ?1 AND user_id > ?2",
            (event_id, PSEUDONYM_FLOOR),
        ).fetchall()
        for (user_id,) in people:
            changed += _anonymise_answers_sync(raw, event_id, user_id, new_pseudonym())
        # Rows anonymised earlier by /forget are already under a pseudonym: only their chat
        # and comment may be left.
        changed += raw.execute(
            "UPDATE rsvps SET chat_id = ? WHERE event_id = ? AND chat_id != ?",
            (ANONYMOUS_CHAT, event_id, ANONYMOUS_CHAT),
        ).rowcount
        changed += raw.execute(
            "UPDATE feedback SET comment = '' WHERE event_id = ? AND comment != ''", (event_id,)
        ).rowcount
        changed += raw.execute(
            "DELETE FROM feedback_drafts WHERE event_id = ?", (event_id,)
        ).rowcount
    return RetainResult(changed, more)


async def _retain_answers(tx: Writer, retention: Retention) -> RetainResult:
    await ensure_anonymous_chat(tx, retention.now)
    return await tx.run(lambda raw: _retain_events_sync(raw, retention.cutoff, retention.batch))


async def _retain_messages(tx: Writer, retention: Retention) -> RetainResult:
    """The delivery log of private chats: who got which message, older than the cutoff."""
    changed = await tx.execute(
        """
        UPDATE outbox SET chat_id = ?1, params = '{}', message_id = NULL, error = NULL
        WHERE updated_at < ?2 AND state IN ('sent', 'failed', 'skipped') AND chat_id != ?1
          AND chat_id IN (SELECT id FROM chats WHERE type = 'private')
        """,
        (ANONYMOUS_CHAT, retention.cutoff),
    )
    return RetainResult(changed)


register(Section("user", ("users",), export=_export_user))
register(
    Section(
        "private_chat",
        (
            "chats",
            "subscription_areas",
            "subscription_themes",
            "chat_settings",
            "schedule",
        ),
        export=_export_private_chat,
    )
)
register(Section("drafts", ("drafts",), export=_export_drafts, forget=_forget_drafts))
register(Section("roles", ("roles",), export=_export_roles, forget=_forget_roles))
register(
    Section(
        "rsvps",
        ("rsvps",),
        export=_export_rsvps,
        forget=_forget_answers,
        retain=_retain_answers,
    )
)
register(Section("feedback", ("feedback",), export=_export_feedback))
register(Section("feedback_drafts", ("feedback_drafts",), export=_export_feedback_drafts))
register(
    Section(
        "coordinator_invites",
        ("coordinator_invites",),
        export=_export_invites,
        forget=_forget_invites,
    )
)
register(
    Section(
        "created",
        ("events", "event_series", "broadcasts"),
        export=_export_created,
        forget=_forget_created,
    )
)
register(
    Section(
        "messages",
        ("outbox",),
        export=_export_messages,
        forget=_forget_messages,
        retain=_retain_messages,
    )
)
