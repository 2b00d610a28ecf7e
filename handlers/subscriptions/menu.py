"""/subscribe: the menu flow, the text shortcut (`/subscribe Joensuu, Outokumpu`) and deep links."""

from __future__ import annotations

import contextlib
from dataclasses import replace

from telegram import Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import AppContext
from bot.core.callbacks import Callback, button, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.environment import Environment
from bot.subscriptions.rules import (
    area_name,
    is_valid_area,
    parse_payload,
    resolve_names,
)
from handlers.common import (
    echo,
    edit_in_place,
    may_change_chat,
    refuse_non_admin,
    subscription_summary,
    texts_for,
)
from handlers.subscriptions.menu_render import AREA, render, view_region_page
from handlers.wizard import one_at_a_time
from storage import subscription_drafts, subscriptions
from storage.drafts import DraftConflict
from storage.subscription_drafts import Draft
from storage.subscriptions import ALL_THEMES, Area

__all__ = ["handlers", "start_deep_link_handler"]

# A pause "until further notice" is stored as a far-future moment so one column covers both.
FOREVER = 32503680000  # 3000-01-01
# A menu's draft before its message is sent (Telegram's message ids start at 1).
PENDING = 0
_LETTER_KIND = {"m": "municipality", "r": "region", "c": "county"}


async def _open_menu(
    update: Update,
    context: AppContext,
    t: Texts,
    *,
    view: str = "regions",
    extra_areas: frozenset[Area] = frozenset(),
    extra_themes: frozenset[str] = frozenset(),
) -> None:
    """Send a fresh menu seeded with the chat's current subscription (plus any pre-selection)."""
    env = context.env
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    assert user is not None
    current = await subscriptions.get(env.db, chat.id)
    themes = set(current.themes) if current.themes else set()
    if extra_themes:
        themes = (themes - {ALL_THEMES}) | set(extra_themes)
    draft = Draft(
        chat.id, 0, user.id, frozenset(current.areas) | extra_areas, frozenset(themes), view, 0
    )
    text, markup = render(draft, env.catalog, env.config.bot.themes, t)
    # Saved before the menu is sent, with message id 0 (not known yet): a tap on the menu that
    # another bot process handles before this one records the id still finds the draft.
    pending = await subscription_drafts.save(env.db, draft)
    sent = await context.bot.send_message(chat.id, text, reply_markup=markup)
    with contextlib.suppress(DraftConflict):  # a tap got there first and recorded the id
        await subscription_drafts.save(
            env.db,
            replace(pending, message_id=sent.message_id),
            expected_revision=pending.revision,
        )


async def subscribe_command(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    t = await texts_for(context, update)
    if not await may_change_chat(update, context):
        await refuse_non_admin(update, t)
        return
    if not context.args:
        await _open_menu(update, context, t)
        return
    await _subscribe_by_name(update, context, t, " ".join(context.args))


async def _subscribe_by_name(update: Update, context: AppContext, t: Texts, text: str) -> None:
    env = context.env
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None
    assert message is not None
    resolution = resolve_names(env.place_index, text)
    replies: list[str] = []
    if resolution.found:
        current = await subscriptions.add(env.db, chat.id, resolution.found, None)
        names = ", ".join(area_name(a, env.catalog, t) for a in resolution.found)
        replies.append(t._("✅ Subscribed: {names}", names=names))
        replies += subscription_summary(context, t, current)
        await message.reply_text(
            "\n".join(replies),
            reply_markup=keyboard([[button(t._("✏️ Edit themes"), AREA, "edit", "themes")]]),
        )
    for typed, candidates in resolution.unresolved:
        if not candidates:
            await message.reply_text(
                t._(
                    "I could not find “{name}”. Check the spelling, or send /subscribe without a "
                    "name to choose from a list.",
                    name=echo(typed),
                )
            )
            continue
        rows = [
            [
                button(
                    area_name(Area(c.kind, c.code), env.catalog, t),
                    AREA,
                    "add",
                    c.kind[0],
                    c.code,
                )
            ]
            for c in candidates
        ]
        await message.reply_text(
            t._("Did you mean one of these instead of “{name}”?", name=typed),
            reply_markup=keyboard(rows),
        )


async def deep_link(update: Update, context: AppContext) -> None:
    """`/start sub_…` from a poster or newsletter: the menu opens with the link's choices."""
    message = update.effective_message
    assert message is not None
    t = await texts_for(context, update)
    env = context.env
    parsed = parse_payload(
        context.args[0] if context.args else "",
        env.catalog,
        env.config.bot.themes,
    )
    if parsed is None:
        await message.reply_text(
            t._("This subscription link is not valid. Send /subscribe to choose yourself.")
        )
        return
    if not await may_change_chat(update, context):
        await refuse_non_admin(update, t)
        return
    areas, themes = parsed
    await message.reply_text(t._("This link suggests a subscription. Check it and save:"))
    await _open_menu(update, context, t, view="sum", extra_areas=areas, extra_themes=themes)


async def _stale(update: Update, context: AppContext, t: Texts) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(t._("This menu has expired; here is a fresh one."))
    await _open_menu(update, context, t)


def _toggle(items: frozenset[Area], item: Area) -> frozenset[Area]:
    return items - {item} if item in items else items | {item}


def _apply(draft: Draft, data: Callback, env: Environment) -> Draft | None:
    """The draft after one tap, or None when the tap does not fit the catalog or the menu."""
    action, arg, catalog = data.part(0), data.part(1), env.catalog
    areas, themes, view = draft.areas, draft.themes, draft.view
    if action == "v" and arg in ("regions", "themes", "sum"):
        view = arg
    elif action == "v" and arg == "r":
        view = f"r:{data.part(2)}:{data.part(3)}"
        page = view_region_page(view)
        if page is None or catalog.region(page[0]) is None:
            return None
    elif action == "F":
        areas = _toggle(areas, Area("all"))
    elif action in ("m", "R", "C") and arg is not None:
        kind = {"m": "municipality", "R": "region", "C": "county"}[action]
        area = Area(kind, arg)  # type: ignore[arg-type]
        if not is_valid_area(area, catalog):
            return None
        areas = _toggle(areas, area)
    elif action == "T":
        themes = frozenset() if not themes or ALL_THEMES in themes else frozenset({ALL_THEMES})
    elif action == "t" and arg is not None:
        if env.config.bot.theme(arg) is None:
            return None
        base = frozenset() if ALL_THEMES in themes else themes
        themes = base - {arg} if arg in base else base | {arg}
    else:
        return None
    return Draft(draft.chat_id, draft.message_id, draft.user_id, areas, themes, view, 0)


async def menu_tap(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    assert query.message is not None
    env = context.env
    t = await texts_for(context, update)
    data = decode(query.data)
    if data is None or data.area != AREA:
        await _stale(update, context, t)
        return
    if not await may_change_chat(update, context):
        await refuse_non_admin(update, t)
        return
    action = data.part(0)
    if action == "add":
        await _add_suggestion(update, context, t, data)
        return
    if action == "edit":
        await query.answer()
        await _open_menu(
            update, context, t, view="themes" if data.part(1) == "themes" else "regions"
        )
        return
    draft = await subscription_drafts.get(env.db, query.message.chat.id)
    if draft is None or draft.message_id not in (PENDING, query.message.message_id):
        await _stale(update, context, t)
        return
    if draft.message_id == PENDING:  # the tap overtook the opener's recording of the id
        draft = replace(draft, message_id=query.message.message_id)
    message = query.message
    assert isinstance(message, Message)
    if action == "x":
        await subscription_drafts.delete(env.db, draft.chat_id)
        await query.answer()
        await edit_in_place(message, t._("Nothing was changed."), None)
        return
    if action == "ok":
        await _confirm(update, context, t, draft, message)
        return
    updated = _apply(draft, data, context.env)
    if updated is None:
        await _stale(update, context, t)
        return
    # Two admins' (or one admin's quick) taps: the second save sees the first's revision.
    await subscription_drafts.save(env.db, updated, expected_revision=draft.revision)
    await query.answer()
    text, markup = render(updated, env.catalog, env.config.bot.themes, t)
    await edit_in_place(message, text, markup)


async def _confirm(
    update: Update, context: AppContext, t: Texts, draft: Draft, message: Message
) -> None:
    env = context.env
    query = update.callback_query
    assert query is not None
    if not draft.areas:
        await query.answer(t._("Choose at least one area before saving."), show_alert=True)
        return
    saved = await subscriptions.replace(env.db, draft.chat_id, draft.areas, draft.themes)
    await subscription_drafts.delete(env.db, draft.chat_id)
    await query.answer(t._("Saved."))
    lines = [t._("✅ <b>Subscription saved.</b> You will get invitations and news for:")]
    lines += subscription_summary(context, t, saved)
    await edit_in_place(message, "\n".join(lines), None)


async def _add_suggestion(update: Update, context: AppContext, t: Texts, data: Callback) -> None:
    """A "did you mean" button: add that one area (re-validated) to the chat's subscription."""
    query = update.callback_query
    assert query is not None
    assert query.message is not None
    env = context.env
    kind = _LETTER_KIND.get(data.part(1) or "")
    area = Area(kind, data.part(2) or "") if kind else None  # type: ignore[arg-type]
    if area is None or not is_valid_area(area, env.catalog):
        await _stale(update, context, t)
        return
    current = await subscriptions.add(env.db, query.message.chat.id, [area], None)
    await query.answer(t._("Saved."))
    lines = [t._("✅ Subscribed: {names}", names=area_name(area, env.catalog, t))]
    lines += subscription_summary(context, t, current)
    assert isinstance(query.message, Message)
    await edit_in_place(
        query.message,
        "\n".join(lines),
        keyboard([[button(t._("✏️ Edit themes"), AREA, "edit", "themes")]]),
    )


def start_deep_link_handler() -> BaseHandler[Update, AppContext, None]:
    """Registered before the generic /start so `start=sub_…` links open the menu."""
    return CommandHandler("start", deep_link, filters=filters.Regex(r"^/start(@\w+)? sub_"))


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("subscribe", subscribe_command),
        CallbackQueryHandler(one_at_a_time(menu_tap, per_chat=True), pattern=pattern(AREA)),
    ]
