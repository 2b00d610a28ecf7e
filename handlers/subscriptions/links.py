"""/sublink: coordinators get a subscription deep link for posters and newsletters."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import AppContext
from bot.core.place_search import split_names
from bot.roles.access import role_of
from bot.subscriptions.rules import area_for, area_name, build_payload, match_theme, theme_names
from handlers.common import texts_for
from storage.subscriptions import Area

__all__ = ["handlers"]


async def sublink_command(update: Update, context: AppContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None
    assert user is not None
    env = context.env
    t = await texts_for(context, update)
    if await role_of(env.config, env.db, user.id) == "participant":
        await message.reply_text(t._("Only coordinators can create subscription links."))
        return
    usage = t._(
        "Usage: /sublink Joensuu, Outokumpu, health — municipalities, regions or counties and "
        "theme names, separated by commas."
    )
    if not context.args:
        await message.reply_text(usage)
        return
    areas: list[Area] = []
    themes: list[str] = []
    for name in split_names(" ".join(context.args)):
        theme = match_theme(name, env.config.bot.themes)
        if theme is not None:
            themes.append(theme.id)
            continue
        result = env.place_index.search(name)
        if result.exact is None:
            await message.reply_text(t._("I could not find “{name}”.", name=name) + "\n" + usage)
            return
        areas.append(area_for(result.exact))
    try:
        payload = build_payload(areas, themes)
    except ValueError:
        await message.reply_text(t._("That is too much for one link; split it into two."))
        return
    link = f"https://t.me/{context.bot.username}?start={payload}"
    described = ", ".join(
        [area_name(a, env.catalog, t) for a in areas]
        + (theme_names(themes, env.config.bot.themes, t) if themes else [])
    )
    await message.reply_text(
        t._(
            "Link for {what}:\n{link}\nWhoever opens it sees the subscription ready to save.",
            what=described,
            link=link,
        )
    )


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [CommandHandler("sublink", sublink_command)]
