"""/volunteer: a person's volunteer profile in their private chat — whether volunteer calls come
to them, where (typed names, typos forgiven), their themes (buttons) and skills (free words).

The typed answers (places, skills) are a small Wizard whose draft only says which one is awaited;
the profile itself is saved at once on every change (storage/volunteer_profiles.py)."""

from __future__ import annotations

from dataclasses import replace

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.volunteering.profiles import (
    MAX_AREAS,
    MAX_SKILLS,
    place_name,
    profile_text,
    read_places,
)
from handlers.common import echo, edit_in_place, texts_for
from handlers.wizard import DraftKind, Turn, Wizard, one_at_a_time
from storage import volunteer_profiles
from storage.volunteer_profiles import VolunteerProfile

__all__ = ["WIZARD", "handlers"]

AREA = claim("vol", __name__)
KIND = DraftKind(
    "volunteer",
    __name__,
    discarded=lambda t: t._("Your unfinished volunteer profile change was discarded."),
)


def _empty(user_id: int) -> VolunteerProfile:
    return VolunteerProfile(user_id, False, "", (), (), 0)


def _markup(t: Texts, profile: VolunteerProfile | None) -> InlineKeyboardMarkup:
    on = profile is not None and profile.wants_calls
    return keyboard(
        [
            [button(t._("🔕 Turn calls off") if on else t._("🔔 Turn calls on"), AREA, "w")],
            [
                button(t._("📍 Where"), AREA, "a"),
                button(t._("🏷 Themes"), AREA, "t"),
                button(t._("🛠 Skills"), AREA, "s"),
            ],
        ]
    )


async def _show(message: Message, context: AppContext, t: Texts, user_id: int) -> None:
    env = context.env
    profile = await volunteer_profiles.get(env.db, user_id)
    await message.reply_text(
        profile_text(t, profile, env.catalog, env.config.bot.themes),
        reply_markup=_markup(t, profile),
    )


async def volunteer_command(update: Update, context: AppContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    t = await texts_for(context, update)
    if chat.type != ChatType.PRIVATE:
        await message.reply_text(t._("Your volunteer profile is private: send /volunteer to me."))
        return
    await _show(message, context, t, user.id)


async def _save(context: AppContext, profile: VolunteerProfile) -> VolunteerProfile:
    return await volunteer_profiles.save(
        context.env.db,
        profile.user_id,
        wants_calls=profile.wants_calls,
        skills=profile.skills,
        areas=profile.areas,
        themes=profile.themes,
    )


def _themes_markup(
    t: Texts, context: AppContext, profile: VolunteerProfile
) -> InlineKeyboardMarkup:
    rows = [
        [
            button(
                ("✅ " if th.id in profile.themes else "") + th.name(t.language), AREA, "th", th.id
            )
        ]
        for th in context.env.config.bot.themes
    ]
    rows.append([button(t._("Done ▶"), AREA, "v")])
    return keyboard(rows)


async def on_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    message = query.message
    if data is None or not isinstance(message, Message) or message.chat.id != user.id:
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    env = context.env
    profile = await volunteer_profiles.get(env.db, user.id) or _empty(user.id)
    action = data.part(0)
    await query.answer()
    if action == "w":
        profile = await _save(context, replace(profile, wants_calls=not profile.wants_calls))
        if profile.wants_calls and not profile.areas:
            await message.reply_text(t._("Calls are on. Now tell me where: tap 📍 Where."))
    elif action in ("a", "s"):
        step = "areas" if action == "a" else "skills"
        await KIND.begin(context, t, user.id, user.id, step, {})
        await message.reply_text(
            t._(
                "Send the municipalities, regions or wellbeing counties where you could help, "
                "e.g. “Joensuu, Outokumpu”. /cancel stops."
            )
            if step == "areas"
            else t._(
                "Send your skills in your own words, e.g. “first aid, cooking, Arabic”; "
                "“-” removes them. /cancel stops."
            )
        )
        return
    elif action == "t":
        await message.reply_text(
            t._("Which themes? None chosen means every theme."),
            reply_markup=_themes_markup(t, context, profile),
        )
        return
    elif action == "th":
        theme = data.part(1) or ""
        if theme not in {th.id for th in env.config.bot.themes}:
            return
        chosen = set(profile.themes) ^ {theme}
        profile = await _save(context, replace(profile, themes=tuple(sorted(chosen))))
        await edit_in_place(
            message,
            t._("Which themes? None chosen means every theme."),
            _themes_markup(t, context, profile),
        )
        return
    await edit_in_place(
        message,
        profile_text(t, profile, env.catalog, env.config.bot.themes),
        _markup(t, profile),
    )


async def _on_areas(turn: Turn) -> None:
    env = turn.context.env
    t = turn.t
    found = read_places(env.place_index, turn.text or "")
    if found.unknown:
        names = ", ".join(echo(name) for name in found.unknown)
        await turn.message.reply_text(
            t._("I could not find {names}. Check the spelling and send again.", names=names)
        )
        return
    if not found.areas or len(found.areas) > MAX_AREAS:
        await turn.message.reply_text(
            t._("Send between 1 and {limit} places, separated by commas.", limit=MAX_AREAS)
        )
        return
    user_id = turn.draft.user_id
    profile = await volunteer_profiles.get(env.db, user_id) or _empty(user_id)
    await _save(turn.context, replace(profile, areas=found.areas))
    await KIND.end(turn.context, user_id, turn.draft.chat_id)
    for typed, area in found.guessed:
        await turn.message.reply_text(
            t._(
                "I took “{typed}” as {place}.",
                typed=echo(typed),
                place=place_name(area, env.catalog, t),
            )
        )
    await _show(turn.message, turn.context, t, user_id)


async def _on_skills(turn: Turn) -> None:
    text = " ".join((turn.text or "").split())
    if len(text) > MAX_SKILLS:
        await turn.message.reply_text(
            turn.t._("That is over {limit} characters; shorten it.", limit=MAX_SKILLS)
        )
        return
    user_id = turn.draft.user_id
    db = turn.context.env.db
    profile = await volunteer_profiles.get(db, user_id) or _empty(user_id)
    await _save(turn.context, replace(profile, skills="" if text == "-" else text))
    await KIND.end(turn.context, user_id, turn.draft.chat_id)
    await _show(turn.message, turn.context, turn.t, user_id)


async def _on_cancel(turn: Turn) -> None:
    await KIND.end(turn.context, turn.draft.user_id, turn.draft.chat_id)
    await turn.message.reply_text(turn.t._("Stopped; your volunteer profile is as it was."))


WIZARD = Wizard(
    KIND, steps={"areas": _on_areas, "skills": _on_skills}, cancel=_on_cancel, text_only=True
)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("volunteer", volunteer_command),
        CallbackQueryHandler(one_at_a_time(on_tap), pattern=pattern(AREA)),
    ]
