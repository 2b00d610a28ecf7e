"""Admins' figures in chat: /stats (the same figures as `python -m bot stats`) and
/report [YEAR] (the year-end participation report as a CSV and a PNG chart, the directory's
file and, when the year had volunteer calls, volunteering's file).

Both only for admins (bot.roles.access), only in a private chat: the figures are the whole
network's.
"""

from __future__ import annotations

import asyncio
import re

from telegram import InputFile, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CommandHandler

from bot.context import AppContext
from bot.core.i18n import Texts
from bot.ops import directory_figures, volunteer_figures, year_report
from bot.ops import figures as ops
from bot.roles.access import role_of
from handlers.common import texts_for

__all__ = ["handlers"]


async def _admin_message(update: Update, context: AppContext) -> tuple[Message, Texts] | None:
    """The message to answer, when an admin sent it in a private chat; otherwise refuses."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return None
    env = context.env
    t = await texts_for(context, update)
    if await role_of(env.config, env.db, user.id) != "admin":
        await message.reply_text(t._("Only administrators can see the network's figures."))
        return None
    if message.chat.type != ChatType.PRIVATE:
        await message.reply_text(t._("Ask me for the network's figures in a private chat."))
        return None
    return message, t


async def stats_command(update: Update, context: AppContext) -> None:
    found = await _admin_message(update, context)
    if found is None:
        return
    message, t = found
    env = context.env
    year = ops.current_year(env.db.now(), env.config.bot.timezone)
    result = await ops.collect(env.db, env.config, env.catalog, year=year, language=t.language)
    await message.reply_text(ops.render(result, t))


async def report_command(update: Update, context: AppContext) -> None:
    found = await _admin_message(update, context)
    if found is None:
        return
    message, t = found
    env = context.env
    args = context.args or []
    if not args:
        year = ops.current_year(env.db.now(), env.config.bot.timezone)
    elif len(args) == 1 and re.fullmatch(r"20\d\d", args[0]):
        year = int(args[0])
    else:
        await message.reply_text(t._("Give the year as four digits, e.g. /report 2026"))
        return
    result = await year_report.build(env.db, env.config, env.catalog, t, year)
    since, until = ops.year_bounds(year, env.config.bot.timezone)
    volunteering = await volunteer_figures.collect(
        env.db, env.config, env.catalog, since, until, t.language
    )
    if result.empty:
        await message.reply_text(t._("No published events in {year}.", year=year))
        if not volunteering.empty:
            png = await asyncio.to_thread(year_report.chart_png, result, t, volunteering)
            await context.bot.send_photo(
                message.chat.id,
                InputFile(png, filename=f"volunteering_{year}.png"),
                caption=t._("Volunteering in {year}", year=year),
            )
        await _send_volunteering(message, context, t, year, volunteering)
        return
    await context.bot.send_document(
        message.chat.id,
        InputFile(year_report.report_csv(result, t), filename=f"participation_{year}.csv"),
        caption=t._("Participation in {year}: by municipality, theme and association.", year=year),
    )
    png = await asyncio.to_thread(year_report.chart_png, result, t, volunteering)
    await context.bot.send_photo(
        message.chat.id,
        InputFile(png, filename=f"participation_{year}.png"),
        caption=t._("Participation in {year}", year=year),
    )
    listed = await directory_figures.collect(
        env.db, env.config, env.catalog, since, until, t.language
    )
    await context.bot.send_document(
        message.chat.id,
        InputFile(directory_figures.csv_report(listed, year, t), filename=f"directory_{year}.csv"),
        caption=t._(
            "The directory in {year}: listed associations, searches that found nothing.", year=year
        ),
    )
    await _send_volunteering(message, context, t, year, volunteering)


async def _send_volunteering(
    message: Message,
    context: AppContext,
    t: Texts,
    year: int,
    figures: volunteer_figures.VolunteerFigures,
) -> None:
    """The report's volunteering file, when the year had volunteer calls with shifts."""
    if figures.empty:
        return
    await context.bot.send_document(
        message.chat.id,
        InputFile(
            volunteer_figures.csv_report(figures, year, t), filename=f"volunteering_{year}.csv"
        ),
        caption=volunteer_figures.caption(figures, year, t),
    )


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("stats", stats_command),
        CommandHandler("report", report_command),
    ]
