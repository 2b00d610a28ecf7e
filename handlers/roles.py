"""Admins appoint coordinators with one-time links and revoke them; the link's opener becomes
a coordinator for the link's scope."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.roles.access import role_of
from bot.roles.appointments import LINK_PREFIX, LINK_TTL, hash_token, new_link_token, parse_scope
from bot.subscriptions.rules import area_name
from handlers.common import edit_in_place, texts_for
from storage import invites, roles, users
from storage.roles import ScopeArea
from storage.subscriptions import Area

__all__ = ["deep_link_handler", "handlers"]

AREA = claim("coord", __name__)


def _scope_text(context: AppContext, t: Texts, scope: tuple[ScopeArea, ...]) -> str:
    places = context.env.catalog
    return ", ".join(area_name(Area(a.kind, a.code), places, t) for a in scope) or "–"


async def _is_admin(update: Update, context: AppContext) -> bool:
    user = update.effective_user
    env = context.env
    return user is not None and await role_of(env.config, env.db, user.id) == "admin"


async def coordinators_command(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    t = await texts_for(context, update)
    if not await _is_admin(update, context):
        await message.reply_text(t._("Only administrators can manage coordinators."))
        return
    text, markup = await _listing(context, t)
    await message.reply_text(text, reply_markup=markup)


async def _listing(context: AppContext, t: Texts) -> tuple[str, InlineKeyboardMarkup | None]:
    env = context.env
    granted = [r for r in await roles.active_roles(env.db) if r.role == "coordinator"]
    lines = [t._("<b>Coordinators</b>")]
    rows = []
    for role in granted:
        user = await users.get(env.db, role.user_id)
        name = user.display_name if user else str(role.user_id)
        since = t.day(datetime.fromtimestamp(role.created_at, UTC))
        lines.append(
            t._(
                "• {name}: {scope} (since {since})",
                name=name,
                scope=_scope_text(context, t, role.scope),
                since=since,
            )
        )
        rows.append([button(t._("✖ Revoke {name}", name=name), AREA, "rv", role.id)])
    if not granted:
        lines.append(t._("No coordinators yet."))
    lines.append("")
    lines.append(
        t._(
            "A new coordinator: /coordinatorlink followed by municipalities or regions, "
            "or “all”, e.g. /coordinatorlink Joensuu, Outokumpu"
        )
    )
    return "\n".join(lines), keyboard(rows) if rows else None


async def link_command(update: Update, context: AppContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await texts_for(context, update)
    if not await _is_admin(update, context):
        await message.reply_text(t._("Only administrators can manage coordinators."))
        return
    env = context.env
    scope, unknown = parse_scope(" ".join(context.args or []), env.place_index)
    if unknown or not scope:
        problem = (
            t._("I did not recognise: {names}.", names=", ".join(unknown)) + "\n" if unknown else ""
        )
        await message.reply_text(
            problem
            + t._(
                "Usage: /coordinatorlink Joensuu, Outokumpu — municipalities, regions or "
                "wellbeing counties, or “all”."
            )
        )
        return
    now = env.db.now()
    token = await new_link_token(env.db, scope, user.id, now)
    link = f"https://t.me/{context.bot.username}?start={LINK_PREFIX}{token}"
    expires = datetime.fromtimestamp(now + LINK_TTL.total_seconds(), UTC)
    await message.reply_text(
        t._(
            "Coordinator link for {scope}:\n{link}\n\nIt works once, until {when}. Send it only "
            "to the person who will coordinate.",
            scope=_scope_text(context, t, scope),
            link=link,
            when=t.when(expires),
        )
    )


async def open_link(update: Update, context: AppContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and context.args
    t = await texts_for(context, update)
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(t._("Open the coordinator link in a private chat with me."))
        return
    token = context.args[0][len(LINK_PREFIX) :]
    redeemed = await invites.redeem(context.env.db, hash_token(token), user.id)
    if redeemed.outcome != "ok" or redeemed.role is None:
        await message.reply_text(
            {
                "unknown": t._("This coordinator link is not valid. Ask the administrator."),
                "used": t._("This coordinator link has already been used. Ask for a new one."),
                "expired": t._("This coordinator link has expired. Ask for a new one."),
            }.get(redeemed.outcome, t._("This coordinator link is not valid."))
        )
        return
    await message.reply_text(
        t._(
            "✅ You are now a coordinator for {scope}.\n\n/newevent publishes an event, "
            "/myevents shows yours, /announce sends an announcement.",
            scope=_scope_text(context, t, redeemed.role.scope),
        )
    )


async def on_tap(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    role_id = data.int_part(1) if data and data.part(0) == "rv" else None
    if role_id is None or not await _is_admin(update, context):
        await query.answer(t._("Only administrators can manage coordinators."), show_alert=True)
        return
    revoked = await roles.revoke(context.env.db, role_id)
    await query.answer(t._("Revoked.") if revoked else t._("That coordinator was already revoked."))
    if isinstance(query.message, Message):
        text, markup = await _listing(context, t)
        await edit_in_place(query.message, text, markup)


def deep_link_handler() -> BaseHandler[Update, AppContext, None]:
    return CommandHandler(
        "start", open_link, filters=filters.Regex(rf"^/start(@\w+)? {LINK_PREFIX}")
    )


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("coordinators", coordinators_command),
        CommandHandler("coordinatorlink", link_command),
        CallbackQueryHandler(on_tap, pattern=pattern(AREA)),
    ]
