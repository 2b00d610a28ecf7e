"""A person's volunteer profile (/volunteer): whether they want volunteer calls, where (their
municipalities, regions or wellbeing counties), their themes and their skills in their own
words. Private: it decides which calls reach the person, and is shown to nobody but them (and,
later, to the organisers of a call they answer)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from storage import privacy
from storage.db import Database, Writer

__all__ = [
    "ProfileArea",
    "VolunteerProfile",
    "get",
    "matching_users",
    "remove",
    "save",
    "skill_words",
]

AreaKind = Literal["all", "municipality", "region", "county"]
_WORD = re.compile(r"[^\W_]{3,}")
_CHUNK = 400  # bound parameters per query, well under SQLite's limit


@dataclass(frozen=True, slots=True, order=True)
class ProfileArea:
    kind: AreaKind
    code: str


@dataclass(frozen=True, slots=True)
class VolunteerProfile:
    user_id: int
    wants_calls: bool
    skills: str
    areas: tuple[ProfileArea, ...]
    themes: tuple[str, ...]  # empty: every theme
    updated_at: int


def skill_words(text: str) -> frozenset[str]:
    """The words of a skills text that count when matching ("ensiapu, kokki" → both), folded
    to lower case; words under three letters ("ja", "och") do not."""
    return frozenset(word.lower() for word in _WORD.findall(text))


async def get(db: Database | Writer, user_id: int) -> VolunteerProfile | None:
    row = await db.fetchone(
        "SELECT user_id, wants_calls, skills, updated_at FROM volunteer_profiles WHERE user_id = ?",
        (user_id,),
    )
    if row is None:
        return None
    areas = await db.fetchall(
        "SELECT kind, code FROM volunteer_profile_areas WHERE user_id = ? ORDER BY kind, code",
        (user_id,),
    )
    themes = await db.fetchall(
        "SELECT theme FROM volunteer_profile_themes WHERE user_id = ? ORDER BY theme", (user_id,)
    )
    return VolunteerProfile(
        user_id=int(row["user_id"]),
        wants_calls=bool(row["wants_calls"]),
        skills=str(row["skills"] or ""),
        areas=tuple(ProfileArea(r["kind"], r["code"]) for r in areas),
        themes=tuple(str(r["theme"]) for r in themes),
        updated_at=int(row["updated_at"]),
    )


async def save(
    db: Database,
    user_id: int,
    *,
    wants_calls: bool,
    skills: str,
    areas: Collection[ProfileArea],
    themes: Collection[str],
) -> VolunteerProfile:
    """The whole profile at once (what /volunteer shows is what is stored)."""
    now = db.now()
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO volunteer_profiles (user_id, wants_calls, skills, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
            "wants_calls = excluded.wants_calls, skills = excluded.skills, "
            "updated_at = excluded.updated_at",
            (user_id, int(wants_calls), skills, now),
        )
        await tx.execute("DELETE FROM volunteer_profile_areas WHERE user_id = ?", (user_id,))
        await tx.executemany(
            "INSERT INTO volunteer_profile_areas (user_id, kind, code) VALUES (?, ?, ?)",
            [(user_id, a.kind, a.code) for a in sorted(set(areas))],
        )
        await tx.execute("DELETE FROM volunteer_profile_themes WHERE user_id = ?", (user_id,))
        await tx.executemany(
            "INSERT INTO volunteer_profile_themes (user_id, theme) VALUES (?, ?)",
            [(user_id, theme) for theme in sorted(set(themes))],
        )
    found = await get(db, user_id)
    assert found is not None
    return found


async def remove(db: Database, user_id: int) -> bool:
    async with db.transaction() as tx:
        return await _delete(tx, user_id) > 0


async def _delete(tx: Writer, user_id: int) -> int:
    await tx.execute("DELETE FROM volunteer_profile_areas WHERE user_id = ?", (user_id,))
    await tx.execute("DELETE FROM volunteer_profile_themes WHERE user_id = ?", (user_id,))
    return await tx.execute("DELETE FROM volunteer_profiles WHERE user_id = ?", (user_id,))


async def matching_users(
    db: Database | Writer,
    municipalities: Sequence[str],
    themes: Sequence[str],
    skills: str | Sequence[str] = "",
) -> list[int]:
    """The people who want calls, in an active private chat, whose areas cover one of the
    call's municipalities (the whole country, directly, by region or by wellbeing county), and
    whose themes meet the call's (a profile without themes takes every theme; a call without
    themes reaches every profile) — or, when the themes do not meet, whose skills share a word
    with the call's wanted skills. Ascending ids, each once."""
    if not municipalities:
        return []
    marks = ",".join("?" * len(municipalities))
    rows = await db.fetchall(
        f"""
        SELECT DISTINCT p.user_id, p.skills FROM volunteer_profiles p
        JOIN chats c ON c.id = p.user_id AND c.active = 1
        JOIN volunteer_profile_areas a ON a.user_id = p.user_id
        JOIN municipalities m ON m.code IN ({marks}) AND (
            a.kind = 'all'
            OR (a.kind = 'municipality' AND a.code = m.code)
            OR (a.kind = 'region' AND a.code = m.region_code)
            OR (a.kind = 'county' AND a.code = m.county_id))
        WHERE p.wants_calls = 1
        ORDER BY p.user_id
        """,
        list(municipalities),
    )
    if not rows:
        return []
    wanted = skill_words(skills if isinstance(skills, str) else " ".join(skills))
    by_theme = await _theme_matches([int(r["user_id"]) for r in rows], db, themes)
    return [
        int(r["user_id"])
        for r in rows
        if int(r["user_id"]) in by_theme or (wanted & skill_words(str(r["skills"] or "")))
    ]


async def _theme_matches(
    users: list[int], db: Database | Writer, themes: Sequence[str]
) -> set[int]:
    """Of `users`, those whose themes meet `themes` (or who have none)."""
    if not themes:
        return set(users)
    found: set[int] = set()
    for start in range(0, len(users), _CHUNK):
        chunk = users[start : start + _CHUNK]
        user_marks, theme_marks = ",".join("?" * len(chunk)), ",".join("?" * len(themes))
        rows = await db.fetchall(
            f"""
            SELECT p.user_id FROM volunteer_profiles p WHERE p.user_id IN ({user_marks}) AND (
                NOT EXISTS (SELECT 1 FROM volunteer_profile_themes t WHERE t.user_id = p.user_id)
                OR EXISTS (SELECT 1 FROM volunteer_profile_themes t
                           WHERE t.user_id = p.user_id AND t.theme IN ({theme_marks})))
            """,
            [*chunk, *themes],
        )
        found.update(int(r["user_id"]) for r in rows)
    return found


# Personal data (see storage/privacy.py): /mydata shows the whole profile; /forget removes it.
# Nothing in it ages out by itself: it is the person's standing wish, kept until they change it.


async def _export(db: Database, user_id: int) -> object:
    profile = await get(db, user_id)
    if profile is None:
        return None
    return {
        "wants_calls": profile.wants_calls,
        "areas": [{"kind": a.kind, "code": a.code} for a in profile.areas],
        "themes": list(profile.themes),
        "skills": profile.skills,
        "updated_at": privacy.iso(profile.updated_at),
    }


async def _forget(tx: Writer, person: privacy.Person) -> None:
    await _delete(tx, person.user_id)


privacy.register(
    privacy.Section(
        "volunteer_profile",
        ("volunteer_profiles", "volunteer_profile_areas", "volunteer_profile_themes"),
        export=_export,
        forget=_forget,
    )
)
