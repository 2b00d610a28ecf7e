"""/settings: this chat's quiet hours and weekly digest (group admins only, in groups)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.events.digest import WEEKDAY_NAMES
from bot.settings.chat_preferences import (
    DigestChoice,
    QuietChoice,
    change_digest,
    change_quiet_hours,
    parse_digest,
    parse_quiet,
    preferences,
    setting_named,
)
from handlers.common import edit_in_place, may_change_chat, refuse_non_admin, texts_for

__all__ = ["AREA", "handlers"]

AREA = claim("set", __name__)


async def _view(update: Update, context: AppContext, t: Texts) -> tuple[str, InlineKeyboardMarkup]:
    chat = update.effective_chat
    assert chat is not None
    services = context.services
    prefs = await preferences(services.env.db, services.env.config, services.quiet_hours, chat.id)
    lines = [t._("<b>Settings of this chat</b>"), ""]
    start = prefs.quiet.start.strftime("%H:%M") if prefs.quiet else ""
    end = prefs.quiet.end.strftime("%H:%M") if prefs.quiet else ""
    if prefs.quiet is None:
        lines.append(t._("🌙 Quiet hours: none, messages come at any time."))
    elif prefs.quiet_is_default:
        lines.append(
            t._(
                "🌙 Quiet hours: {start}–{end} (the default). Messages wait until they end; "
                "cancellations come at once.",
                start=start,
                end=end,
            )
        )
    else:
        lines.append(
            t._(
                "🌙 Quiet hours: {start}–{end}. Messages wait until they end; cancellations "
                "come at once.",
                start=start,
                end=end,
            )
        )
    if prefs.digest_weekday is None:
        lines.append(t._("📰 Weekly digest: off."))
    else:
        lines.append(
            t._(
                "📰 Weekly digest: every {weekday} at {hour}:00.",
                weekday=t._(WEEKDAY_NAMES[prefs.digest_weekday]),
                hour=prefs.digest_hour,
            )
        )
        if prefs.next_digest is not None:
            lines.append(t._("Next digest: {when}.", when=t.when(prefs.next_digest)))
    lines += [
        "",
        t._(
            "To choose other times, send for example:\n"
            "/settings quiet 22:00-07:00 · /settings quiet off · /settings quiet default\n"
            "/settings digest tue 18 · /settings digest off"
        ),
    ]
    rows = [
        [
            button(t._("🌙 Default quiet hours"), AREA, "q", "d"),
            button(t._("🔔 No quiet hours"), AREA, "q", "o"),
        ],
        [
            button(t._("📰 Digest on Mondays at 9"), AREA, "d", 0, 9),
            button(t._("🚫 No digest"), AREA, "d", "o"),
        ],
    ]
    return "\n".join(lines), keyboard(rows)


async def settings_command(update: Update, context: AppContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    t = await texts_for(context, update)
    args = list(context.args or [])
    if args:
        if not await may_change_chat(update, context):
            await refuse_non_admin(update, t)
            return
        problem = await _apply(update, context, t, args)
        if problem is not None:
            await message.reply_text(problem)
            return
    text, markup = await _view(update, context, t)
    await message.reply_text(text, reply_markup=markup)


async def _apply(update: Update, context: AppContext, t: Texts, args: list[str]) -> str | None:
    """Apply `/settings quiet …` or `/settings digest …`; a localized problem, or None."""
    chat = update.effective_chat
    assert chat is not None
    services = context.services
    what, rest = setting_named(args)
    if what == "quiet":
        try:
            quiet = parse_quiet(" ".join(rest))
        except ValueError:
            return t._(
                "Quiet hours are a window like 21:00-08:00 (hours 00–23, minutes 00–59), "
                "or “off”, or “default”."
            )
        await change_quiet_hours(services.env.db, services.quiet_hours, chat.id, quiet)
        return None
    if what == "digest":
        try:
            digest = parse_digest(rest)
        except ValueError:
            return t._(
                "The digest needs a weekday and an hour, like “/settings digest mon 9” "
                "(hours 0–23), or “/settings digest off”."
            )
        await change_digest(
            services.env.db, services.env.config, chat.id, digest, services.scheduler.changed
        )
        return None
    return t._("I know the settings “quiet” and “digest”. Send /settings to see them.")


async def settings_tap(update: Update, context: AppContext) -> None:
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None or query.message is None:
        return
    t = await texts_for(context, update)
    callback = decode(query.data)
    if callback is None or callback.part(0) not in ("q", "d"):
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    if not await may_change_chat(update, context):
        await refuse_non_admin(update, t)
        return
    services = context.services
    if callback.part(0) == "q":
        choice = QuietChoice(None if callback.part(1) == "d" else "")
        await change_quiet_hours(services.env.db, services.quiet_hours, chat.id, choice)
    else:
        weekday, hour = callback.int_part(1), callback.int_part(2)
        digest = (
            DigestChoice(weekday, hour)
            if weekday is not None and hour is not None and 0 <= weekday <= 6 and 0 <= hour <= 23
            else DigestChoice(None)
        )
        await change_digest(
            services.env.db, services.env.config, chat.id, digest, services.scheduler.changed
        )
    await query.answer(t._("Saved."))
    text, markup = await _view(update, context, t)
    await edit_in_place(query.message, text, markup)  # type: ignore[arg-type]


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("settings", settings_command),
        CallbackQueryHandler(settings_tap, pattern=pattern(AREA)),
    ]
