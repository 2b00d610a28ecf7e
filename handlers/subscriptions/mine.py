"""/mysubscriptions, /unsubscribe, /pause and /resume: looking after an existing subscription."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from telegram import Chat, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import Callback, button, claim, decode, keyboard, pattern
from bot.core.dates import DateError, parse_date
from bot.core.i18n import Texts
from bot.environment import Environment
from bot.subscriptions.rules import area_name, resolve_names, sort_areas
from handlers.common import (
    edit_in_place,
    may_change_chat,
    refuse_non_admin,
    subscription_summary,
    texts_for,
)
from handlers.subscriptions.menu_render import AREA
from storage import subscriptions
from storage.subscriptions import Area

__all__ = ["AREA_UNSUB", "FOREVER", "handlers"]

AREA_UNSUB = claim("uns", __name__)
# A pause "until further notice" is stored as a far-future moment so one column covers both.
FOREVER = 32503680000  # 3000-01-01
_LETTER_KIND = {"m": "municipality", "r": "region", "c": "county"}


async def _overview(
    update: Update, context: AppContext, t: Texts
) -> tuple[str, InlineKeyboardMarkup]:
    env = context.env
    chat = update.effective_chat
    assert chat is not None
    current = await subscriptions.get(env.db, chat.id)
    if current.empty:
        return (
            t._("This chat has no subscriptions yet. Send /subscribe to choose areas and themes."),
            keyboard([[button(t._("➕ Subscribe"), AREA, "edit", "areas")]]),
        )
    lines = [t._("<b>Subscriptions of this chat</b>")]
    now = env.db.now()
    lines += subscription_summary(context, t, current)
    paused = current.paused_at(now)
    if paused and current.paused_until is not None and current.paused_until < FOREVER:
        until = datetime.fromtimestamp(current.paused_until, env.config.bot.timezone)
        lines.append(t._("Paused until {day}.", day=t.day(until)))
    pause = (
        button(t._("▶ Resume deliveries"), AREA_UNSUB, "resume")
        if paused
        else button(t._("⏸ Pause deliveries"), AREA_UNSUB, "pause")
    )
    rows = [
        [
            button(t._("✏️ Edit"), AREA, "edit", "areas"),
            button(t._("➖ Remove…"), AREA_UNSUB, "menu"),
        ],
        [pause],
    ]
    return "\n".join(lines), keyboard(rows)


async def _changing(update: Update, context: AppContext) -> tuple[Message, Chat, Texts] | None:
    """Message, chat and texts of a command that changes the chat's subscription, or None
    after refusing a group member who is not an administrator."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None
    assert chat is not None
    t = await texts_for(context, update)
    if not await may_change_chat(update, context):
        await refuse_non_admin(update, t)
        return None
    return message, chat, t


async def mysubscriptions_command(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    t = await texts_for(context, update)
    text, markup = await _overview(update, context, t)
    await message.reply_text(text, reply_markup=markup)


def _unsubscribe_menu(
    current: subscriptions.Subscription, env: Environment, t: Texts
) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [
            button(
                "✖ " + area_name(a, env.catalog, t),
                AREA_UNSUB,
                {"all": "a", "region": "r", "county": "c", "municipality": "m"}[a.kind],
                a.code or "-",
            )
        ]
        for a in sort_areas(current.areas, env.catalog, t)
    ]
    if not current.all_themes:
        for theme_id in current.themes:
            theme = env.config.bot.theme(theme_id)
            if theme is not None:
                rows.append([button("✖ " + theme.name(t.language), AREA_UNSUB, "t", theme_id)])
    rows.append([button(t._("✖ Unsubscribe from everything"), AREA_UNSUB, "all")])
    return t._("Tap what to remove:"), keyboard(rows)


async def unsubscribe_command(update: Update, context: AppContext) -> None:
    allowed = await _changing(update, context)
    if allowed is None:
        return
    message, chat, t = allowed
    env = context.env
    current = await subscriptions.get(env.db, chat.id)
    if current.empty:
        await message.reply_text(t._("This chat has no subscriptions."))
        return
    if not context.args:
        text, markup = _unsubscribe_menu(current, env, t)
        await message.reply_text(text, reply_markup=markup)
        return
    typed = " ".join(context.args)
    if typed.casefold() in ("all", "kaikki", "allt", "alla"):
        await subscriptions.clear(env.db, chat.id)
        await message.reply_text(t._("Unsubscribed from everything. /subscribe starts again."))
        return
    resolution = resolve_names(env.place_index, typed)
    removed = [a for a in resolution.found if await subscriptions.remove_area(env.db, chat.id, a)]
    if removed:
        names = ", ".join(area_name(a, env.catalog, t) for a in removed)
        await message.reply_text(t._("Removed: {names}", names=names))
    else:
        text, markup = _unsubscribe_menu(current, env, t)
        await message.reply_text(
            t._("“{name}” is not among this chat's subscriptions.", name=typed) + "\n\n" + text,
            reply_markup=markup,
        )


async def unsubscribe_tap(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    assert isinstance(query.message, Message)
    t = await texts_for(context, update)
    data = decode(query.data)
    if not await may_change_chat(update, context):
        await refuse_non_admin(update, t)
        return
    action = data.part(0) if data else None
    if action in ("menu", "all"):
        await query.answer()
        text, markup = await _whole_chat_step(context, query.message.chat.id, data, t)
    else:
        await query.answer(await _remove_one(context, query.message.chat.id, data, t))
        text, markup = await _overview(update, context, t)
    await edit_in_place(query.message, text, markup)


async def _whole_chat_step(
    context: AppContext, chat_id: int, data: Callback | None, t: Texts
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The menu of what can be removed, or removing everything (asked first)."""
    env = context.env
    action = data.part(0) if data else None
    if action == "menu":
        current = await subscriptions.get(env.db, chat_id)
        if current.empty:
            return t._("This chat has no subscriptions."), None
        return _unsubscribe_menu(current, env, t)
    if data is not None and data.part(1) == "yes":
        await subscriptions.clear(env.db, chat_id)
        return t._("Unsubscribed from everything. /subscribe starts again."), None
    confirm = [
        button(t._("Yes, remove all"), AREA_UNSUB, "all", "yes"),
        button(t._("No"), AREA_UNSUB, "menu"),
    ]
    return t._("Remove all of this chat's subscriptions?"), keyboard([confirm])


async def _remove_one(context: AppContext, chat_id: int, data: Callback | None, t: Texts) -> str:
    """Pause, resume, or remove one theme or area; what the tap's toast says."""
    env = context.env
    action = data.part(0) if data else None
    if action in ("pause", "resume"):
        await subscriptions.set_paused(env.db, chat_id, FOREVER if action == "pause" else None)
        return t._("Deliveries paused.") if action == "pause" else t._("Deliveries resumed.")
    if action == "t" and data is not None and env.config.bot.theme(data.part(1) or ""):
        await subscriptions.remove_theme(env.db, chat_id, data.part(1) or "")
        return t._("Removed.")
    if action in ("m", "r", "c", "a") and data is not None:
        kind = _LETTER_KIND.get(action, "all")
        code = "" if action == "a" else data.part(1) or ""
        area = Area(kind, code)  # type: ignore[arg-type]
        if await subscriptions.remove_area(env.db, chat_id, area):
            return t._("Removed.")
    return t._("This menu has expired; here is a fresh one.")


async def pause_command(update: Update, context: AppContext) -> None:
    allowed = await _changing(update, context)
    if allowed is None:
        return
    message, chat, t = allowed
    env = context.env
    if not context.args:
        await subscriptions.set_paused(env.db, chat.id, FOREVER)
        await message.reply_text(
            t._("⏸ Deliveries paused. Your subscriptions are kept; /resume turns them back on.")
        )
        return
    tz = env.config.bot.timezone
    today = env.clock.now().astimezone(tz).date()
    try:
        if len(context.args) != 1:
            raise DateError("format")
        day = parse_date(context.args[0], today)
    except DateError as exc:
        hint = {
            "past": t._("That date is already past."),
            "invalid": t._("That date does not exist."),
        }.get(exc.reason, "")
        usage = t._("Usage: /pause, or /pause 31.12.2026 to resume automatically on that day.")
        await message.reply_text(f"{hint}\n{usage}".strip())
        return
    # Deliveries come back at the start of the given day, in local time.
    resume = datetime.combine(day, time(0, 0), tz)
    if resume <= env.clock.now():
        resume = resume + timedelta(days=1)
    await subscriptions.set_paused(env.db, chat.id, int(resume.timestamp()))
    await message.reply_text(
        t._("⏸ Deliveries paused until {day}. /resume turns them back on earlier.", day=t.day(day))
    )


async def resume_command(update: Update, context: AppContext) -> None:
    allowed = await _changing(update, context)
    if allowed is None:
        return
    message, chat, t = allowed
    await subscriptions.set_paused(context.env.db, chat.id, None)
    await message.reply_text(t._("▶ Deliveries resumed."))


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("mysubscriptions", mysubscriptions_command),
        CommandHandler("unsubscribe", unsubscribe_command),
        CommandHandler("pause", pause_command),
        CommandHandler("resume", resume_command),
        CallbackQueryHandler(unsubscribe_tap, pattern=pattern(AREA_UNSUB)),
    ]
