"""/vuosikello [municipality] [year]: the annual calendar as a list by month and an .ics file."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from telegram import InputFile, Message, Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import AppContext
from bot.core.i18n import Texts
from bot.events import vuosikello
from bot.events.cards import listing_line
from bot.events.vuosikello import MAX_MESSAGE, Place, YearCalendar
from handlers.common import echo, texts_for

__all__ = ["handlers"]

_YEAR = re.compile(r"^\d{4}$")


def _years(calendar: YearCalendar) -> str:
    if calendar.first_year == calendar.last_year:
        return str(calendar.first_year)
    return f"{calendar.first_year}–{calendar.last_year}"


def _lines(calendar: YearCalendar, t: Texts, heading: str) -> list[str]:
    lines = [heading]
    month = ""
    for event in calendar.events:
        start = datetime.fromtimestamp(event.starts_at, UTC)
        this_month = vuosikello.month_heading(t, start)
        if this_month != month:
            month = this_month
            lines.append("")
            lines.append(t._("<b>{month}</b>", month=month))
        lines.append(listing_line(event, t))
    return lines


def _chunks(lines: list[str]) -> list[str]:
    """Whole lines, at most MAX_MESSAGE characters a message."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and size + len(line) + 1 > MAX_MESSAGE:
            chunks.append("\n".join(current).strip())
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        chunks.append("\n".join(current).strip())
    return chunks


async def _unknown_place(message: Message, t: Texts, typed: str, names: list[str]) -> None:
    if names:
        text = t._(
            "I do not know the municipality “{name}”. Did you mean: {names}?",
            name=echo(typed),
            names=", ".join(names),
        )
    else:
        text = t._(
            "I do not know the municipality “{name}”. Write its name in Finnish or Swedish, or "
            "its code, like /vuosikello Joensuu or /vuosikello 167.",
            name=echo(typed),
        )
    await message.reply_text(text)


async def vuosikello_command(update: Update, context: AppContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    t = await texts_for(context, update)
    env = context.env
    tz = env.config.bot.timezone
    now = env.db.now()
    args = list(context.args or [])
    year: int | None = None
    if args and _YEAR.match(args[-1]):
        year = int(args.pop())
        this_year = datetime.fromtimestamp(now, tz).year
        if not this_year - 1 <= year <= this_year + 2:
            await message.reply_text(
                t._(
                    "I show the years {first}–{last}. For example: /vuosikello Joensuu {year}",
                    first=this_year - 1,
                    last=this_year + 2,
                    year=this_year,
                )
            )
            return
    typed = " ".join(args).strip()
    place: Place | None = None
    if typed:
        found = vuosikello.find_place(typed, env.place_index, env.catalog, t.language)
        if not isinstance(found, Place):
            await _unknown_place(message, t, typed, found)
            return
        place = found
        calendar = await vuosikello.for_place(env.db, place, year, now, tz)
    else:
        calendar = await vuosikello.for_chat(env.db, chat.id, year, now, tz)
    await _send_calendar(context, chat.id, message, t, calendar, place)


async def _send_calendar(
    context: AppContext,
    chat_id: int,
    message: Message,
    t: Texts,
    calendar: YearCalendar,
    place: Place | None,
) -> None:
    """The year as lines by month and as an .ics file, or why there is nothing to show."""
    years = _years(calendar)
    if not calendar.events:
        await message.reply_text(_nothing_text(t, years, place))
        return
    if place is not None:
        heading = t._("<b>Annual calendar {years}: {place}</b>", years=years, place=place.name)
        name = t._("Annual calendar {years}: {place}", years=years, place=place.name)
    else:
        heading = t._("<b>Annual calendar {years}</b> — this chat's subscriptions", years=years)
        name = t._("Annual calendar {years}", years=years)
    for chunk in _chunks(_lines(calendar, t, heading)):
        await message.reply_text(chunk)
    suffix = f"-{place.code}" if place is not None else ""
    filename = f"vuosikello-{calendar.first_year}{suffix}.ics"
    await context.bot.send_document(
        chat_id,
        InputFile(vuosikello.feed(calendar.events, name, t), filename=filename),
        caption=t.n_(
            "{n} event for your calendar app: open the file to add it.",
            "{n} events for your calendar app: open the file to add them.",
            len(calendar.events),
        ),
    )


def _nothing_text(t: Texts, years: str, place: Place | None) -> str:
    if place is not None:
        return t._(
            "No events in {years} for {place} yet. Coordinators publish them with /newevent.",
            years=years,
            place=place.name,
        )
    return t._(
        "No events in {years} in this chat's subscriptions yet. /vuosikello Joensuu "
        "shows one municipality's year; /subscribe chooses what this chat follows.",
        years=years,
    )


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [CommandHandler("vuosikello", vuosikello_command)]
