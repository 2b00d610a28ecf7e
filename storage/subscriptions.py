"""Subscriptions: the areas and themes a chat follows, its pause, and the audience query."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from storage.db import Database, Writer

__all__ = [
    "ALL_THEMES",
    "Area",
    "AreaKind",
    "AudienceQuery",
    "MunicipalityRow",
    "Subscription",
    "add",
    "audience",
    "audience_count",
    "clear",
    "get",
    "only_municipality_sql",
    "remove_area",
    "remove_theme",
    "replace",
    "set_paused",
    "sync_municipalities",
]

AreaKind = Literal["all", "region", "county", "municipality"]
ALL_THEMES = "*"


def only_municipality_sql(chat_id_column: str) -> str:
    """An SQL expression for the one municipality the chat in `chat_id_column` follows (NULL
    when it follows none or several): a volunteer subscribed to their home town is counted there
    in splits by municipality, where no association profile says otherwise."""
    return (
        "(SELECT CASE WHEN count(*) = 1 THEN max(sa.code) END FROM subscription_areas sa "
        f"WHERE sa.chat_id = {chat_id_column} AND sa.kind = 'municipality')"
    )


@dataclass(frozen=True, slots=True, order=True)
class Area:
    kind: AreaKind
    code: str = ""


@dataclass(frozen=True, slots=True)
class Subscription:
    chat_id: int
    areas: tuple[Area, ...]
    themes: tuple[str, ...]  # ALL_THEMES alone means every theme
    paused_until: int | None

    @property
    def all_themes(self) -> bool:
        return ALL_THEMES in self.themes

    @property
    def empty(self) -> bool:
        return not self.areas

    def paused_at(self, now: int) -> bool:
        return self.paused_until is not None and self.paused_until > now


@dataclass(frozen=True, slots=True)
class AudienceQuery:
    """Areas already expanded (bot.audience.recipients.expand) and the themes to meet."""

    municipalities: Sequence[str] = ()
    regions: Sequence[str] = ()
    counties: Sequence[str] = ()
    themes: Sequence[str] = ()
    everyone: bool = False


@dataclass(frozen=True, slots=True)
class MunicipalityRow:
    code: str
    name_fi: str
    name_sv: str
    region_code: str
    county_id: str
    successor: str | None = None


async def get(db: Database, chat_id: int) -> Subscription:
    areas = await db.fetchall(
        "SELECT kind, code FROM subscription_areas WHERE chat_id = ? ORDER BY kind, code",
        (chat_id,),
    )
    themes = await db.fetchall(
        "SELECT theme_id FROM subscription_themes WHERE chat_id = ? ORDER BY theme_id", (chat_id,)
    )
    paused = await db.fetchval("SELECT paused_until FROM chats WHERE id = ?", (chat_id,))
    return Subscription(
        chat_id=chat_id,
        areas=tuple(Area(r["kind"], r["code"]) for r in areas),
        themes=tuple(r["theme_id"] for r in themes),
        paused_until=paused,
    )


async def _write_areas(tx: Writer, chat_id: int, areas: Iterable[Area], now: int) -> None:
    await tx.executemany(
        "INSERT OR IGNORE INTO subscription_areas (chat_id, kind, code, created_at) "
        "VALUES (?, ?, ?, ?)",
        [(chat_id, a.kind, a.code, now) for a in areas],
    )


async def _write_themes(tx: Writer, chat_id: int, themes: Collection[str]) -> None:
    await tx.execute("DELETE FROM subscription_themes WHERE chat_id = ?", (chat_id,))
    chosen = [ALL_THEMES] if not themes or ALL_THEMES in themes else sorted(set(themes))
    await tx.executemany(
        "INSERT INTO subscription_themes (chat_id, theme_id) VALUES (?, ?)",
        [(chat_id, theme) for theme in chosen],
    )


async def replace(
    db: Database, chat_id: int, areas: Collection[Area], themes: Collection[str]
) -> Subscription:
    """Save a confirmed choice as a whole: nothing is half-saved if the flow was abandoned."""
    now = db.now()
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM subscription_areas WHERE chat_id = ?", (chat_id,))
        await _write_areas(tx, chat_id, areas, now)
        await _write_themes(tx, chat_id, themes)
    return await get(db, chat_id)


async def add(
    db: Database, chat_id: int, areas: Collection[Area], themes: Collection[str] | None
) -> Subscription:
    """Add areas; themes replace the chat's themes when given, else the chat keeps its own
    (a chat without any gets all themes)."""
    now = db.now()
    async with db.transaction() as tx:
        await _write_areas(tx, chat_id, areas, now)
        has_themes = await tx.fetchval(
            "SELECT 1 FROM subscription_themes WHERE chat_id = ? LIMIT 1", (chat_id,)
        )
        if themes is not None or not has_themes:
            await _write_themes(tx, chat_id, themes or ())
    return await get(db, chat_id)


async def remove_area(db: Database, chat_id: int, area: Area) -> bool:
    changed = await db.execute(
        "DELETE FROM subscription_areas WHERE chat_id = ? AND kind = ? AND code = ?",
        (chat_id, area.kind, area.code),
    )
    return changed > 0


async def remove_theme(db: Database, chat_id: int, theme_id: str) -> bool:
    """Drop one theme; dropping the last one leaves the chat with no theme filter (all themes)."""
    async with db.transaction() as tx:
        changed = await tx.execute(
            "DELETE FROM subscription_themes WHERE chat_id = ? AND theme_id = ?",
            (chat_id, theme_id),
        )
        left = await tx.fetchval(
            "SELECT count(*) FROM subscription_themes WHERE chat_id = ?", (chat_id,)
        )
        if changed and not left:
            await _write_themes(tx, chat_id, ())
    return changed > 0


async def clear(db: Database, chat_id: int) -> None:
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM subscription_areas WHERE chat_id = ?", (chat_id,))
        await tx.execute("DELETE FROM subscription_themes WHERE chat_id = ?", (chat_id,))


async def set_paused(db: Database, chat_id: int, until: int | None) -> None:
    await db.execute(
        "UPDATE chats SET paused_until = ?, updated_at = ? WHERE id = ?",
        (until, db.now(), chat_id),
    )


def _audience_sql(query: AudienceQuery, now: int) -> tuple[str, list[object]]:
    """One indexed lookup per area kind (UNION), then the theme and state filters per chat."""
    params: list[object] = []
    parts = ["SELECT chat_id FROM subscription_areas WHERE kind = 'all'"]
    if query.everyone:
        parts.append("SELECT DISTINCT chat_id FROM subscription_areas")
    kinds = (
        ("municipality", query.municipalities),
        ("region", query.regions),
        ("county", query.counties),
    )
    for kind, codes in kinds:
        if codes:
            marks = ",".join("?" * len(codes))
            parts.append(
                f"SELECT chat_id FROM subscription_areas WHERE kind = '{kind}' "
                f"AND code IN ({marks})"
            )
            params.extend(codes)
    params.append(now)
    theme_filter = ""
    if query.themes:
        marks = ",".join("?" * len(query.themes))
        theme_filter = (
            "AND EXISTS (SELECT 1 FROM subscription_themes t WHERE t.chat_id = c.id "
            f"AND t.theme_id IN ('{ALL_THEMES}', {marks}))"
        )
        params.extend(query.themes)
    sql = f"""
        SELECT c.id FROM chats c
        WHERE c.id IN ({" UNION ".join(parts)})
          AND c.active = 1 AND (c.paused_until IS NULL OR c.paused_until <= ?)
          {theme_filter}
    """
    return sql, params


async def audience(db: Database | Writer, query: AudienceQuery) -> list[int]:
    """Active, unpaused chats subscribed to any of the areas (or to everything) whose themes
    meet the query's themes (or who follow all themes); no themes means any theme."""
    sql, params = _audience_sql(query, db.now())
    return [row[0] for row in await db.fetchall(sql, params)]


async def audience_count(db: Database, query: AudienceQuery) -> int:
    sql, params = _audience_sql(query, db.now())
    return int(await db.fetchval(f"SELECT count(*) FROM ({sql}) AS audience", params) or 0)


async def sync_municipalities(db: Database, rows: Sequence[MunicipalityRow]) -> int:
    """Bring the municipality table in line with the packaged classification and move the
    subscriptions of merged-away municipalities to their successors. Returns rows changed."""
    current = {
        r["code"]: tuple(r)
        for r in await db.fetchall(
            "SELECT code, name_fi, name_sv, region_code, county_id, successor FROM municipalities"
        )
    }
    wanted = {
        r.code: (r.code, r.name_fi, r.name_sv, r.region_code, r.county_id, r.successor)
        for r in rows
    }
    if current == wanted:
        return 0
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT OR REPLACE INTO municipalities "
            "(code, name_fi, name_sv, region_code, county_id, successor) VALUES (?, ?, ?, ?, ?, ?)",
            [w for code, w in wanted.items() if current.get(code) != w],
        )
        for row in rows:
            if row.successor:
                await tx.execute(
                    "INSERT OR IGNORE INTO subscription_areas (chat_id, kind, code, created_at) "
                    "SELECT chat_id, 'municipality', ?, created_at FROM subscription_areas "
                    "WHERE kind = 'municipality' AND code = ?",
                    (row.successor, row.code),
                )
                await tx.execute(
                    "DELETE FROM subscription_areas WHERE kind = 'municipality' AND code = ?",
                    (row.code,),
                )
    return sum(1 for code, w in wanted.items() if current.get(code) != w)
