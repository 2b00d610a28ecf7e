"""Publishing a repeating event: one series row and one published event per date, in one
transaction. The first date is invited at once; the later ones by the scheduler
`SERIES_INVITE_AHEAD` before their start (bot/events.publish_in plans that)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, tzinfo

from bot.environment import Environment
from bot.events import service as events
from bot.events.fields import EventFields
from bot.events.series import SeriesRule, occurrences
from storage import series as stored_series

__all__ = ["occurrence_fields", "publish_series"]


def _moved(moment: datetime, days: int, tz: tzinfo) -> datetime:
    """`moment` moved by whole local days, keeping its local wall-clock time."""
    local = moment.astimezone(tz)
    day = date.fromordinal(local.date().toordinal() + days)
    naive = datetime.combine(day, local.time().replace(fold=0))
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def occurrence_fields(fields: EventFields, rule: SeriesRule, tz: tzinfo) -> list[EventFields]:
    """The event's fields for every date of the rule: start, end and answer deadline moved to
    each date at the same local times (an end or deadline on another day keeps its distance in
    days). SeriesError when the rule cannot be used."""
    first = fields.starts_at.astimezone(tz)
    result = []
    for start in occurrences(rule, first):
        days = start.date().toordinal() - first.date().toordinal()
        result.append(
            replace(
                fields,
                starts_at=start,
                ends_at=_moved(fields.ends_at, days, tz) if fields.ends_at else None,
                rsvp_deadline=(
                    _moved(fields.rsvp_deadline, days, tz) if fields.rsvp_deadline else None
                ),
            )
        )
    return result


async def publish_series(
    env: Environment, fields: EventFields, rule: SeriesRule, created_by: int | None
) -> tuple[list[int], int]:
    """Create the series and publish every date; (event ids in date order, invitations queued
    now). SeriesError (before anything is written) when the rule cannot be used."""
    planned = occurrence_fields(fields, rule, env.config.bot.timezone)
    ids: list[int] = []
    invited = 0
    async with env.db.transaction() as tx:
        now = tx.now()
        series_id = await stored_series.create(tx, rule.to_text(), created_by=created_by, now=now)
        for index, occurrence in enumerate(planned):
            event_id, queued = await events.publish_in(
                env,
                tx,
                occurrence,
                created_by,
                now=now,
                series_id=series_id,
                invite_now=index == 0,
            )
            ids.append(event_id)
            invited += queued
    env.changed()
    return ids, invited
