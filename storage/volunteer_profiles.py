"""Volunteer profiles (/volunteer): who wants to hear of volunteer calls, where, on which themes
and with which skills. This first version holds only what delivery reads (`matching_users`);
the /volunteer feature owns the rest of this module."""

from __future__ import annotations

import re
from collections.abc import Sequence

from storage import privacy
from storage.db import Database, Writer

__all__ = ["matching_users", "skill_words"]

_WORD = re.compile(r"\w{3,}")


def skill_words(text: str) -> frozenset[str]:
    """The words of a free skills text, case-folded: "Ensiapu, kokkaus" → {ensiapu, kokkaus}.
    Words shorter than three letters ("ja", "of") say nothing about a skill."""
    return frozenset(w.casefold() for w in _WORD.findall(text))


async def matching_users(
    db: Database | Writer,
    municipalities: Sequence[str],
    themes: Sequence[str],
    skills: str | Sequence[str],
) -> list[int]:
    """Users who want calls whose areas meet the call's municipalities (a profile area of the
    whole country, a region or wellbeing county containing one, or one of them) and who either
    share a theme with the call (a call or a profile without themes meets every theme) or share
    a skill word with the call's skills (so a first-aider hears of a call asking for first aid
    even when their themes differ). Ascending, each once."""
    codes = tuple(sorted(set(municipalities)))
    if not codes:
        return []
    marks = ",".join("?" * len(codes))
    rows = await db.fetchall(
        f"""
        SELECT DISTINCT p.user_id, p.skills FROM volunteer_profiles p
        JOIN volunteer_profile_areas a ON a.user_id = p.user_id
        WHERE p.wants_calls = 1 AND (
            a.kind = 'all'
            OR (a.kind = 'municipality' AND a.code IN ({marks}))
            OR (a.kind = 'region' AND a.code IN
                (SELECT region_code FROM municipalities WHERE code IN ({marks})))
            OR (a.kind = 'county' AND a.code IN
                (SELECT county_id FROM municipalities WHERE code IN ({marks}))))
        ORDER BY p.user_id
        """,
        (*codes, *codes, *codes),
    )
    if not rows:
        return []
    wanted = set(themes)
    theirs: dict[int, set[str]] = {}
    for row in await db.fetchall(
        "SELECT user_id, theme FROM volunteer_profile_themes WHERE user_id IN "
        "(SELECT user_id FROM volunteer_profiles WHERE wants_calls = 1)"
    ):
        theirs.setdefault(row[0], set()).add(row[1])
    asked = skill_words(skills if isinstance(skills, str) else " ".join(skills))
    out = []
    for row in rows:
        mine = theirs.get(row[0], set())
        if not wanted or not mine or wanted & mine or asked & skill_words(row[1]):
            out.append(int(row[0]))
    return out


async def _export(db: Database, user_id: int) -> object:
    return {
        "profile": await privacy.rows(
            db,
            "SELECT wants_calls, skills, updated_at FROM volunteer_profiles WHERE user_id = ?",
            (user_id,),
        ),
        "areas": await privacy.rows(
            db, "SELECT kind, code FROM volunteer_profile_areas WHERE user_id = ?", (user_id,)
        ),
        "themes": await privacy.rows(
            db, "SELECT theme FROM volunteer_profile_themes WHERE user_id = ?", (user_id,)
        ),
    }


async def _forget(tx: Writer, person: privacy.Person) -> None:
    for table in ("volunteer_profile_areas", "volunteer_profile_themes", "volunteer_profiles"):
        await tx.execute(f"DELETE FROM {table} WHERE user_id = ?", (person.user_id,))


privacy.register(
    privacy.Section(
        "volunteer_profiles",
        ("volunteer_profiles", "volunteer_profile_areas", "volunteer_profile_themes"),
        export=_export,
        forget=_forget,
    )
)
