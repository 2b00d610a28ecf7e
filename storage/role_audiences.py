"""Audiences by role (/announce, /poll and `announce` to "contacts", "coordinators" or
"associations"): the chats of the listed contact people, of the coordinators, or of the groups
with a published directory listing, whose areas meet the target.

The target comes already expanded (bot.audience.recipients.expand): its municipalities and the
regions and wellbeing counties they lie in. A person's or listing's area meets it as a chat's
subscription does: the same municipality, a region or county containing one of them, or
everywhere (a contact person of the network's staff, a coordinator with the "all" scope).
Only usable chats are returned: a person's private chat with the bot, active; a group active and
not paused.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.db import Database, Writer
from storage.subscriptions import AudienceQuery

__all__ = ["association_chats", "contact_chats", "coordinator_chats"]


def _area_test(alias: str, kind: str, code: str, query: AudienceQuery) -> tuple[str, list[str]]:
    """SQL that is true when the row's (kind, code) meets the query's areas."""
    tests: list[str] = []
    params: list[str] = []
    for name, codes in (
        ("municipality", query.municipalities),
        ("region", query.regions),
        ("county", query.counties),
    ):
        if codes:
            tests.append(
                f"({alias}.{kind} = '{name}' AND {alias}.{code} IN ({','.join('?' * len(codes))}))"
            )
            params.extend(codes)
    return (" OR ".join(tests) or "0 = 1"), params


_PRIVATE_OK = "c.id = {user} AND c.type = 'private' AND c.active = 1"


async def contact_chats(db: Database | Writer, query: AudienceQuery) -> list[int]:
    """The listed contact people whose areas meet the target (everyone: all of them)."""
    params: list[str] = []
    if query.everyone:
        where = "1 = 1"
    else:
        test, params = _area_test("a", "area_kind", "area_code", query)
        where = (
            f"p.covers_all = 1 OR p.user_id IN (SELECT a.user_id FROM contact_areas a WHERE {test})"
        )
    rows = await db.fetchall(
        f"""
        SELECT c.id FROM contact_people p JOIN chats c ON {_PRIVATE_OK.format(user="p.user_id")}
        WHERE {where} ORDER BY c.id
        """,
        params,
    )
    return [row[0] for row in rows]


async def coordinator_chats(db: Database | Writer, query: AudienceQuery) -> list[int]:
    """People with an unrevoked coordinator role whose scope meets the target."""
    params: list[str] = []
    if query.everyone:
        scope = "1 = 1"
    else:
        test, params = _area_test("s", "area_kind", "area_code", query)
        scope = f"s.area_kind = 'all' OR {test}"
    rows = await db.fetchall(
        f"""
        SELECT DISTINCT c.id FROM roles r
        JOIN role_scopes s ON s.role_id = r.id
        JOIN chats c ON {_PRIVATE_OK.format(user="r.user_id")}
        WHERE r.role = 'coordinator' AND r.revoked_at IS NULL AND ({scope})
        ORDER BY c.id
        """,
        params,
    )
    return [row[0] for row in rows]


async def association_chats(
    db: Database | Writer, query: AudienceQuery, themes: Sequence[str] = ()
) -> list[int]:
    """Group chats whose listing is published (public) and names one of the target's
    municipalities (everyone: any); with `themes`, only listings with one of those themes."""
    params: list[object] = []
    where = "l.status = 'public' AND l.chat_id IS NOT NULL"
    if not query.everyone:
        marks = ",".join("?" * len(query.municipalities)) or "NULL"
        where += (
            " AND l.id IN (SELECT m.listing_id FROM listing_municipalities m "
            f"WHERE m.code IN ({marks}))"
        )
        params.extend(query.municipalities)
    params.append(db.now())
    rows = await db.fetchall(
        f"""
        SELECT c.id, l.themes FROM listings l JOIN chats c ON c.id = l.chat_id
        WHERE {where} AND c.active = 1 AND (c.paused_until IS NULL OR c.paused_until <= ?)
        ORDER BY c.id
        """,
        params,
    )
    wanted = set(themes)
    return [row[0] for row in rows if not wanted or wanted & set(row[1].split())]
