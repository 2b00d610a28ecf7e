"""Read-only queries for operations: figures for /stats and `python -m bot stats`, the rows of
`python -m bot export` and the year-end participation report.

Privacy: nothing here selects a name, a username or a message text. User ids leave this module
only in `rsvp_rows` (so the export can turn them into per-file pseudonyms) and only together with
the display name when the caller explicitly asks for names.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.db import Database

__all__ = [
    "EventRow",
    "FeedbackRow",
    "Overview",
    "ParticipationRow",
    "RsvpRow",
    "event_rows",
    "feedback_rows",
    "overview",
    "participation",
    "rsvp_rows",
    "subscribers_by_region",
    "subscribers_by_theme",
]


@dataclass(frozen=True, slots=True)
class Overview:
    """Whole-network figures; event figures count events starting in [since, until)."""

    active_chats: int
    private_chats: int
    group_chats: int
    paused_chats: int
    subscribed_chats: int  # active chats with at least one area
    whole_country: int  # active chats following all of Finland
    all_themes: int  # active subscribed chats following every theme
    events: int  # published, not cancelled
    cancelled: int
    invitations: int  # invitation messages delivered for those events
    answered_chats: int  # (event, chat) pairs among them from which someone answered
    answers: int  # people who answered (any answer)
    coming: int  # people coming (yes, with headcount)
    feedback_asked: int
    feedback_answers: int  # people who gave a rating


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    uid: str
    kind: str
    state: str
    title: str
    starts_at: int
    ends_at: int | None
    timezone: str
    place: str
    online_url: str
    capacity: int | None
    rsvp_deadline: int | None
    municipalities: tuple[str, ...]
    themes: tuple[str, ...]
    series_id: int | None
    created_at: int
    published_at: int | None
    cancelled_at: int | None
    invited: int
    delivered: int
    yes: int
    yes_people: int
    maybe: int
    no: int
    waitlist: int
    feedback_asked: int
    feedback_answers: int


@dataclass(frozen=True, slots=True)
class RsvpRow:
    event_id: int
    user_id: int  # for pseudonyms; never written to a file as it is
    status: str
    headcount: int
    association: str | None
    municipality_code: str | None
    chat_type: str | None  # where the answer was given: private, group, supergroup
    created_at: int
    updated_at: int
    name: str | None  # only when asked for
    username: str | None  # only when asked for


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    """An answer without its author (no user id, no time: only content and the splits)."""

    event_id: int
    rating: int | None
    attended: bool | None
    comment: str
    association: str | None
    municipality_code: str | None


@dataclass(frozen=True, slots=True)
class ParticipationRow:
    """One municipality, theme or association in the year-end report."""

    key: str  # municipality code, theme id, or association name ('' = individuals)
    events: int
    answers: int  # people who answered
    coming: int  # people coming (yes, with headcount)
    maybe: int  # people who said maybe (with headcount)
    feedback_answers: int
    rating_sum: int


def _ints(text: str | None) -> tuple[str, ...]:
    return tuple(text.split(",")) if text else ()


_CHATS_SQL = """
    SELECT count(*) AS active,
           sum(type = 'private') AS private,
           sum(type IN ('group', 'supergroup')) AS groups,
           sum(paused_until IS NOT NULL AND paused_until > ?) AS paused,
           sum(EXISTS (SELECT 1 FROM subscription_areas a WHERE a.chat_id = c.id))
               AS subscribed,
           sum(EXISTS (SELECT 1 FROM subscription_areas a WHERE a.chat_id = c.id
                       AND a.kind = 'all')) AS country,
           sum(EXISTS (SELECT 1 FROM subscription_areas a WHERE a.chat_id = c.id)
               AND EXISTS (SELECT 1 FROM subscription_themes t WHERE t.chat_id = c.id
                           AND t.theme_id = '*')) AS all_themes
    FROM chats c WHERE c.active = 1
    """

_EVENTS_SQL = """
    SELECT sum(state = 'published') AS published, sum(state = 'cancelled') AS cancelled
    FROM events WHERE starts_at >= ? AND starts_at < ? AND state != 'draft'
    """

_REACH_SQL = """
    WITH year_events AS (
        SELECT id, broadcast_id FROM events
        WHERE state = 'published' AND starts_at >= ? AND starts_at < ?
    )
    SELECT (SELECT count(*) FROM year_events e JOIN outbox o
            ON o.broadcast_id = e.broadcast_id AND o.state = 'sent') AS invitations,
           -- (invitation, chat) pairs that were delivered and from which someone answered;
           -- INTERSECT sorts both sides once instead of probing the outbox per answer.
           (SELECT count(*) FROM (
                SELECT e.broadcast_id, r.chat_id FROM rsvps r
                JOIN year_events e ON e.id = r.event_id
                INTERSECT
                SELECT o.broadcast_id, o.chat_id FROM year_events e
                JOIN outbox o ON o.broadcast_id = e.broadcast_id AND o.state = 'sent')
                AS answered_pairs)
               AS answered_chats,
           (SELECT count(*) FROM rsvps r JOIN year_events e ON e.id = r.event_id) AS answers,
           (SELECT coalesce(sum(r.headcount), 0) FROM rsvps r
            JOIN year_events e ON e.id = r.event_id WHERE r.status = 'yes') AS coming,
           (SELECT coalesce(sum(f.asked), 0) FROM feedback_rounds f
            JOIN year_events e ON e.id = f.event_id) AS asked,
           (SELECT count(*) FROM feedback f JOIN year_events e ON e.id = f.event_id
            WHERE f.rating IS NOT NULL) AS feedback_answers
    """


async def overview(db: Database, since: int, until: int) -> Overview:
    now = db.now()
    chats = await db.fetchone(
        _CHATS_SQL,
        (now,),
    )
    events = await db.fetchone(
        _EVENTS_SQL,
        (since, until),
    )
    reach = await db.fetchone(
        _REACH_SQL,
        (since, until),
    )
    assert chats is not None and events is not None and reach is not None

    def n(row: sqlite3.Row, key: str) -> int:
        return int(row[key] or 0)

    return Overview(
        active_chats=n(chats, "active"),
        private_chats=n(chats, "private"),
        group_chats=n(chats, "groups"),
        paused_chats=n(chats, "paused"),
        subscribed_chats=n(chats, "subscribed"),
        whole_country=n(chats, "country"),
        all_themes=n(chats, "all_themes"),
        events=n(events, "published"),
        cancelled=n(events, "cancelled"),
        invitations=n(reach, "invitations"),
        answered_chats=n(reach, "answered_chats"),
        answers=n(reach, "answers"),
        coming=n(reach, "coming"),
        feedback_asked=n(reach, "asked"),
        feedback_answers=n(reach, "feedback_answers"),
    )


async def subscribers_by_region(db: Database) -> dict[str, int]:
    """Active chats following (part of) each region: a municipality in it, the region itself, or a
    wellbeing county with municipalities in it. All-of-Finland followers are not included."""
    # One equi-join per area kind (an OR in one join condition would compare every area
    # with every municipality).
    rows = await db.fetchall(
        """
        SELECT x.region, count(DISTINCT x.chat_id) AS chats FROM (
            SELECT a.chat_id, m.region_code AS region FROM subscription_areas a
            JOIN municipalities m ON m.code = a.code WHERE a.kind = 'municipality'
            UNION ALL
            SELECT a.chat_id, a.code FROM subscription_areas a WHERE a.kind = 'region'
            UNION ALL
            SELECT a.chat_id, m.region_code FROM subscription_areas a
            JOIN municipalities m ON m.county_id = a.code AND m.successor IS NULL
            WHERE a.kind = 'county'
        ) x JOIN chats c ON c.id = x.chat_id AND c.active = 1
        GROUP BY x.region
        """
    )
    return {r["region"]: int(r["chats"]) for r in rows}


async def subscribers_by_theme(db: Database) -> dict[str, int]:
    """Active chats with at least one area, by theme id ('*': every theme)."""
    rows = await db.fetchall(
        """
        SELECT t.theme_id AS theme, count(*) AS chats FROM subscription_themes t
        JOIN chats c ON c.id = t.chat_id AND c.active = 1
        WHERE EXISTS (SELECT 1 FROM subscription_areas a WHERE a.chat_id = t.chat_id)
        GROUP BY t.theme_id
        """
    )
    return {r["theme"]: int(r["chats"]) for r in rows}


async def event_rows(db: Database) -> list[EventRow]:
    """Every event that is not a draft, oldest first, with its answer and feedback counts."""
    rows = await db.fetchall(
        """
        SELECT e.*,
               (SELECT group_concat(code, ',') FROM (SELECT code FROM event_municipalities
                WHERE event_id = e.id ORDER BY code) AS m) AS municipality_codes,
               (SELECT group_concat(theme_id, ',') FROM (SELECT theme_id FROM event_themes
                WHERE event_id = e.id ORDER BY theme_id) AS t) AS theme_ids,
               (SELECT count(*) FROM outbox o WHERE o.broadcast_id = e.broadcast_id) AS invited,
               (SELECT count(*) FROM outbox o WHERE o.broadcast_id = e.broadcast_id
                AND o.state = 'sent') AS delivered,
               (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id AND r.status = 'yes') AS yes,
               (SELECT coalesce(sum(headcount), 0) FROM rsvps r WHERE r.event_id = e.id
                AND r.status = 'yes') AS yes_people,
               (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id
                AND r.status = 'maybe') AS maybe,
               (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id AND r.status = 'no') AS no,
               (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id
                AND r.status = 'waitlist') AS waitlist,
               (SELECT asked FROM feedback_rounds f WHERE f.event_id = e.id) AS asked,
               (SELECT count(*) FROM feedback f WHERE f.event_id = e.id
                AND f.rating IS NOT NULL) AS feedback_answers
        FROM events e WHERE e.state != 'draft'
        ORDER BY e.starts_at, e.id
        """
    )
    return [
        EventRow(
            id=r["id"],
            uid=r["uid"],
            kind=r["kind"],
            state=r["state"],
            title=r["title"],
            starts_at=r["starts_at"],
            ends_at=r["ends_at"],
            timezone=r["timezone"],
            place=r["place"],
            online_url=r["online_url"],
            capacity=r["capacity"],
            rsvp_deadline=r["rsvp_deadline"],
            municipalities=_ints(r["municipality_codes"]),
            themes=_ints(r["theme_ids"]),
            series_id=r["series_id"],
            created_at=r["created_at"],
            published_at=r["published_at"],
            cancelled_at=r["cancelled_at"],
            invited=int(r["invited"]),
            delivered=int(r["delivered"]),
            yes=int(r["yes"]),
            yes_people=int(r["yes_people"]),
            maybe=int(r["maybe"]),
            no=int(r["no"]),
            waitlist=int(r["waitlist"]),
            feedback_asked=int(r["asked"] or 0),
            feedback_answers=int(r["feedback_answers"]),
        )
        for r in rows
    ]


async def rsvp_rows(db: Database, *, with_names: bool) -> list[RsvpRow]:
    names = (
        "trim(u.first_name || ' ' || coalesce(u.last_name, '')) AS name, u.username AS username"
        if with_names
        else "NULL AS name, NULL AS username"
    )
    rows = await db.fetchall(
        f"""
        SELECT r.event_id, r.user_id, r.status, r.headcount, r.association, r.municipality_code,
               c.type AS chat_type, r.created_at, r.updated_at, {names}
        FROM rsvps r JOIN events e ON e.id = r.event_id
        LEFT JOIN chats c ON c.id = r.chat_id
        LEFT JOIN users u ON u.id = r.user_id
        ORDER BY e.starts_at, r.event_id, r.status, r.updated_at, r.user_id
        """
    )
    return [
        RsvpRow(
            event_id=r["event_id"],
            user_id=r["user_id"],
            status=r["status"],
            headcount=r["headcount"],
            association=r["association"],
            municipality_code=r["municipality_code"],
            chat_type=r["chat_type"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            name=r["name"],
            username=r["username"],
        )
        for r in rows
    ]


async def feedback_rows(db: Database) -> list[FeedbackRow]:
    """Every answer, without user id or time, grouped by event and sorted by content."""
    rows = await db.fetchall(
        """
        SELECT f.event_id, f.rating, f.attended, f.comment, f.association, f.municipality_code
        FROM feedback f JOIN events e ON e.id = f.event_id
        ORDER BY e.starts_at, f.event_id, f.rating, f.attended, f.comment
        """
    )
    return [
        FeedbackRow(
            event_id=r["event_id"],
            rating=r["rating"],
            attended=None if r["attended"] is None else bool(r["attended"]),
            comment=r["comment"],
            association=r["association"],
            municipality_code=r["municipality_code"],
        )
        for r in rows
    ]


_PARTICIPATION = {
    # Events are counted where they were held / what they were about; answers and feedback are
    # the people of those events. An event in two municipalities counts in both.
    "municipality": "SELECT event_id, code AS key FROM event_municipalities",
    "theme": "SELECT event_id, theme_id AS key FROM event_themes",
}


_YEAR_EVENTS = (
    "SELECT id FROM events WHERE state = 'published' AND starts_at >= ? AND starts_at < ?"
)
# One pass over both sources grouped together (joining two per-association aggregates would
# compare every association with every other).
_BY_ASSOCIATION_SQL = """
    WITH y AS (%s)
    SELECT key,
           count(DISTINCT CASE WHEN src = 'r' AND status IN ('yes', 'maybe')
                          THEN event_id END) AS events,
           sum(src = 'r') AS answers,
           sum(CASE WHEN status = 'yes' THEN headcount ELSE 0 END) AS coming,
           sum(CASE WHEN status = 'maybe' THEN headcount ELSE 0 END) AS maybe,
           sum(src = 'f') AS feedback_answers,
           coalesce(sum(rating), 0) AS rating_sum
    FROM (SELECT 'r' AS src, coalesce(association, '') AS key, event_id, status,
                 headcount, NULL AS rating
          FROM rsvps WHERE event_id IN (SELECT id FROM y)
          UNION ALL
          SELECT 'f', coalesce(association, ''), event_id, NULL, 0, rating
          FROM feedback WHERE event_id IN (SELECT id FROM y) AND rating IS NOT NULL) AS answers
    GROUP BY key
"""

_BY_TARGET_SQL = """
    WITH y AS (%s),
    e AS (SELECT t.event_id, t.key FROM (%s) t
          WHERE t.event_id IN (SELECT id FROM y)),
    ev AS (SELECT key, count(*) AS events FROM e GROUP BY key),
    ra AS (SELECT e.key, count(*) AS answers,
                  sum(CASE WHEN r.status = 'yes' THEN r.headcount ELSE 0 END) AS coming,
                  sum(CASE WHEN r.status = 'maybe' THEN r.headcount ELSE 0 END) AS maybe
           FROM e JOIN rsvps r ON r.event_id = e.event_id GROUP BY e.key),
    fa AS (SELECT e.key, count(*) AS n, sum(f.rating) AS total
           FROM e JOIN feedback f ON f.event_id = e.event_id AND f.rating IS NOT NULL
           GROUP BY e.key)
    SELECT ev.key, ev.events, coalesce(ra.answers, 0) AS answers,
           coalesce(ra.coming, 0) AS coming, coalesce(ra.maybe, 0) AS maybe,
           coalesce(fa.n, 0) AS feedback_answers, coalesce(fa.total, 0) AS rating_sum
    FROM ev LEFT JOIN ra ON ra.key = ev.key LEFT JOIN fa ON fa.key = ev.key
"""


async def participation(
    db: Database, dimension: str, since: int, until: int
) -> list[ParticipationRow]:
    """Per municipality or theme of the events, or per association of the people who answered,
    for published events starting in [since, until)."""
    if dimension == "association":
        sql = _BY_ASSOCIATION_SQL % _YEAR_EVENTS
    elif dimension in _PARTICIPATION:
        sql = _BY_TARGET_SQL % (_YEAR_EVENTS, _PARTICIPATION[dimension])
    else:
        raise ValueError(f"unknown dimension {dimension!r}")
    rows = await db.fetchall(sql, (since, until))
    return [
        ParticipationRow(
            key=r["key"],
            events=int(r["events"]),
            answers=int(r["answers"]),
            coming=int(r["coming"]),
            maybe=int(r["maybe"]),
            feedback_answers=int(r["feedback_answers"]),
            rating_sum=int(r["rating_sum"]),
        )
        for r in rows
    ]
