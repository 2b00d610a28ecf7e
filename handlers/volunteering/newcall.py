"""/newcall: a volunteer call with shifts — title, description, municipalities, themes, skills
wanted, shifts (bot/volunteering/shift_text.py), a preview with the audience size, publish.

For coordinators (municipalities within their scope, as /newevent) and for the administrators of
an association's group with a profile: in the group the bot answers with a signed link into the
private chat (`start=ncl_<group id>_<signature>`, valid for the administrator who asked only),
and the call then names the association and stays within its municipalities. The draft is a
`drafts` row (handlers/wizard.py), so it survives a restart; /cancel is the wizards' shared one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.events.service import may_create_in
from bot.roles.access import role_of
from bot.subscriptions.rules import resolve_names
from bot.volunteering import calls
from bot.volunteering.call_preview import preview_text
from bot.volunteering.calls import NewCall, NewShift
from bot.volunteering.reminder_offsets import MAX_OFFSETS, describe, read_offsets
from bot.volunteering.shift_text import read_shifts
from handlers.common import echo, edit_in_place, texts_for
from handlers.group_links import acting_for, offer_private
from handlers.volunteering import roster
from handlers.wizard import DraftKind, Turn, Wizard, one_at_a_time

__all__ = ["DEEP_LINK_PREFIX", "WIZARD", "deep_link_handler", "handlers"]

AREA = claim("ncl", __name__)
DEEP_LINK_PREFIX = "ncl_"
KIND = DraftKind(
    "newcall", __name__, discarded=lambda t: t._("Your unfinished volunteer call was discarded.")
)
MAX_TITLE, MAX_DESCRIPTION, MAX_SKILLS, MAX_PLACES_NAMED = 120, 2000, 300, 20


@dataclass(frozen=True, slots=True)
class Draft:
    user_id: int
    step: str  # title, description, places, themes, skills, shifts, confirm, reminders
    title: str = ""
    description: str = ""
    municipalities: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    skills: str = ""
    shifts: tuple[tuple[float, float, int], ...] = ()  # (start, end unix seconds, places)
    listing_id: int | None = None
    association: str | None = None
    allowed: tuple[str, ...] = field(default=())  # an association's municipalities
    group_id: int | None = None  # the association's group, whose administrator writes
    audience: int = 0
    reminders: tuple[int, ...] = calls.DEFAULT_REMINDERS

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k not in ("user_id", "step")}

    @classmethod
    def from_json(cls, user_id: int, step: str, value: dict[str, Any]) -> Draft:
        return cls(
            user_id,
            step,
            title=str(value.get("title", "")),
            description=str(value.get("description", "")),
            municipalities=tuple(value.get("municipalities", ())),
            themes=tuple(value.get("themes", ())),
            skills=str(value.get("skills", "")),
            shifts=tuple((float(a), float(b), int(c)) for a, b, c in value.get("shifts", ())),
            listing_id=value.get("listing_id"),
            association=value.get("association"),
            allowed=tuple(value.get("allowed", ())),
            group_id=value.get("group_id"),
            audience=int(value.get("audience", 0)),
            reminders=tuple(int(x) for x in value.get("reminders", calls.DEFAULT_REMINDERS)),
        )

    def call(self, tz: Any) -> NewCall:
        return NewCall(
            title=self.title,
            description=self.description,
            skills=self.skills,
            municipalities=self.municipalities,
            themes=self.themes,
            shifts=tuple(
                NewShift(datetime.fromtimestamp(a, tz), datetime.fromtimestamp(b, tz), n)
                for a, b, n in self.shifts
            ),
            listing_id=self.listing_id,
            reminders=self.reminders,
        )


async def _store(context: AppContext, t: Texts, draft: Draft) -> None:
    await KIND.keep(context, t, draft.user_id, draft.user_id, draft.step, draft.to_json())


async def _begin(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    await KIND.begin(context, t, draft.user_id, message.chat.id, "title", draft.to_json())
    intro = (
        t._(
            "A volunteer call for “{association}”. What is its title? /cancel stops.",
            association=draft.association,
        )
        if draft.association
        else t._("A new volunteer call. What is its title? /cancel stops.")
    )
    await message.reply_text(intro)


async def newcall_command(update: Update, context: AppContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    t = await texts_for(context, update)
    if chat.type != ChatType.PRIVATE:
        await offer_private(
            message,
            context,
            t,
            prefix=DEEP_LINK_PREFIX,
            refusal=t._("Only the group's administrators can post calls for it."),
            invitation=t._(
                "Let's write the call in our private chat, so the group is not flooded:"
            ),
        )
        return
    if await role_of(context.env.config, context.env.db, user.id) == "participant":
        await message.reply_text(
            t._(
                "Only coordinators can post volunteer calls here; an association's administrator "
                "sends /newcall in the association's group."
            )
        )
        return
    await _begin(message, context, t, Draft(user.id, "title"))


async def deep_link(update: Update, context: AppContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await texts_for(context, update)
    refusal = t._("Only the group's administrators can post calls for it.")
    found = await acting_for(update, context, t, prefix=DEEP_LINK_PREFIX, refusal=refusal)
    if found is None:
        return
    chat_id, listing = found
    draft = Draft(
        user.id,
        "title",
        listing_id=listing.id,
        association=listing.name,
        allowed=listing.municipalities,
        group_id=chat_id,
    )
    await _begin(message, context, t, draft)


def _draft(turn: Turn) -> Draft:
    return Draft.from_json(turn.draft.user_id, turn.draft.step, turn.draft.payload)


async def _too_long(turn: Turn, limit: int) -> bool:
    if len(turn.text or "") <= limit:
        return False
    await turn.message.reply_text(
        turn.t._("That is over {limit} characters; shorten it.", limit=limit)
    )
    return True


async def _on_title(turn: Turn) -> None:
    title = " ".join((turn.text or "").split())
    if not title or await _too_long(turn, MAX_TITLE):
        return
    await _store(turn.context, turn.t, replace(_draft(turn), step="description", title=title))
    await turn.message.reply_text(turn.t._("Describe the task: what, where, for whom."))


async def _on_description(turn: Turn) -> None:
    text = (turn.text or "").strip()
    if not text or await _too_long(turn, MAX_DESCRIPTION):
        return
    draft = replace(_draft(turn), step="places", description=text)
    await _store(turn.context, turn.t, draft)
    await turn.message.reply_text(
        turn.t._("In which municipalities? For example “Joensuu, Outokumpu”.")
    )


async def _on_places(turn: Turn) -> None:
    t, env, draft = turn.t, turn.context.env, _draft(turn)
    resolution = resolve_names(env.place_index, turn.text or "")
    codes = [a.code for a in resolution.found if a.kind == "municipality"]
    wrong = [name for name, _ in resolution.unresolved]
    wrong += [a.code for a in resolution.found if a.kind != "municipality"]
    if wrong or not codes or len(codes) > MAX_PLACES_NAMED:
        await turn.message.reply_text(
            t._(
                "Name municipalities (not regions), at most {limit}, separated by commas. "
                "Not recognised: {names}",
                limit=MAX_PLACES_NAMED,
                names=", ".join(echo(name) for name in wrong) or "–",
            )
        )
        return
    outside = draft.allowed and not set(codes) <= set(draft.allowed)
    if outside or not (draft.allowed or await may_create_in(env, draft.user_id, tuple(codes))):
        await turn.message.reply_text(
            t._("You can post calls only for municipalities you cover. Send other names.")
        )
        return
    draft = replace(draft, step="themes", municipalities=tuple(dict.fromkeys(codes)))
    await _store(turn.context, t, draft)
    await _ask_themes(turn.message, turn.context, t, draft, None)


def _themes_markup(context: AppContext, t: Texts, draft: Draft) -> InlineKeyboardMarkup:
    rows = [
        [button(("✅ " if th.id in draft.themes else "") + th.name(t.language), AREA, "th", th.id)]
        for th in context.env.config.bot.themes
    ]
    rows.append([button(t._("Done ▶"), AREA, "td")])
    return keyboard(rows)


async def _ask_themes(
    message: Message, context: AppContext, t: Texts, draft: Draft, edit: Message | None
) -> None:
    text = t._("Which themes? Tap to choose; none chosen means every theme.")
    if edit is None:
        await message.reply_text(text, reply_markup=_themes_markup(context, t, draft))
    else:
        await edit_in_place(edit, text, _themes_markup(context, t, draft))


async def _on_skills(turn: Turn) -> None:
    text = " ".join((turn.text or "").split())
    if await _too_long(turn, MAX_SKILLS):
        return
    draft = replace(_draft(turn), step="shifts", skills="" if text == "-" else text)
    await _store(turn.context, turn.t, draft)
    await _ask_shifts(turn.message, turn.t)


async def _ask_shifts(message: Message, t: Texts) -> None:
    await message.reply_text(
        t._(
            "The shifts: date, start–end and places, separated by “;” or one a line, e.g. "
            "“3.12. 10–12, 4 places; 12–14, 4 places” (a shift without a date is on the "
            "previous one's day). At most {limit} shifts.",
            limit=calls.MAX_SHIFTS,
        )
    )


async def _on_shifts(turn: Turn) -> None:
    t, env, draft = turn.t, turn.context.env, _draft(turn)
    tz = env.config.bot.timezone
    shifts, problems = read_shifts(t, turn.text or "", env.clock.now(), tz)
    if problems:
        await turn.message.reply_text(
            "\n".join([*problems[:10], t._("Nothing was saved; send the shifts again.")])
        )
        return
    stored = tuple((s.starts_at.timestamp(), s.ends_at.timestamp(), s.places) for s in shifts)
    size = await calls.audience_size(env, draft.municipalities, draft.themes, draft.skills)
    draft = replace(draft, step="confirm", shifts=stored, audience=size)
    await _store(turn.context, t, draft)
    await _preview(turn.message, turn.context, t, draft)


async def _preview(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    env = context.env
    call = draft.call(env.config.bot.timezone)
    text = preview_text(
        t, call, env.catalog, env.config.bot.themes, draft.association, draft.audience
    )
    reminders = t._("Reminders: {when}", when=describe(t, draft.reminders))
    markup = keyboard(
        [
            [button(t._("📣 Publish"), AREA, "pub"), button(t._("✖ Cancel"), AREA, "no")],
            [button(t._("⏰ Change reminders"), AREA, "rem")],
        ]
    )
    await message.reply_text(f"{text}\n{reminders}", reply_markup=markup)


async def _on_reminders(turn: Turn) -> None:
    t, draft = turn.t, _draft(turn)
    offsets = read_offsets(turn.text or "")
    if offsets is None:
        await turn.message.reply_text(_reminders_help(t))
        return
    draft = replace(draft, step="confirm", reminders=offsets)
    await _store(turn.context, t, draft)
    await _preview(turn.message, turn.context, t, draft)


def _reminders_help(t: Texts) -> str:
    return t._(
        "When should those signed up be reminded before their shift? For example “1 d, 2 h”, "
        "“3 h” or “45 min”; at most {n}, each from 15 minutes to 14 days; “-” for none. "
        "(The “📍 I'm here” check-in comes 30 minutes before the start in any case.)",
        n=MAX_OFFSETS,
    )


async def on_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    stored = await KIND.load(context, user.id, user.id)
    message = query.message
    if stored is None or data is None or not isinstance(message, Message):
        await query.answer(
            t._("This call is no longer being prepared. Start again with /newcall."),
            show_alert=True,
        )
        return
    await query.answer()
    draft = Draft.from_json(user.id, stored.step, stored.payload)
    action = data.part(0)
    themes = {th.id for th in context.env.config.bot.themes}
    if action == "th" and draft.step == "themes" and data.part(1) in themes:
        draft = replace(draft, themes=tuple(sorted(set(draft.themes) ^ {data.part(1) or ""})))
        await _store(context, t, draft)
        await _ask_themes(message, context, t, draft, message)
    elif action == "td" and draft.step == "themes":
        await _store(context, t, replace(draft, step="skills"))
        await message.reply_text(
            t._("Skills wanted, in free words (e.g. “first aid, Swedish”), or “-” for none.")
        )
    elif action == "rem" and draft.step == "confirm":
        await _store(context, t, replace(draft, step="reminders"))
        await message.reply_text(_reminders_help(t))
    elif action == "pub" and draft.step == "confirm":
        await _publish(message, context, t, draft)
    elif action == "no":
        await KIND.end(context, user.id, user.id)
        await edit_in_place(message, t._("The volunteer call was discarded."), None)


async def _publish(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    env = context.env
    call = draft.call(env.config.bot.timezone)
    problems = calls.shift_problems(t, call.shifts, env.clock.now())
    if draft.group_id is not None:  # still the group's administrator, as when the link was used
        admins = context.services.group_admins
        allowed = await admins.is_admin(context.bot, draft.group_id, draft.user_id)
    else:
        allowed = await may_create_in(env, draft.user_id, call.municipalities)
    if problems or not allowed:
        await message.reply_text(
            "\n".join(problems or [t._("You can no longer post calls for these municipalities.")])
        )
        return
    await KIND.end(context, draft.user_id, draft.user_id)
    call_id, chats = await calls.publish(env, call, draft.user_id)
    context.services.delivery.wake()
    await edit_in_place(
        message,
        t.n_(
            "Published as call {id}: it goes to {n} chat.",
            "Published as call {id}: it goes to {n} chats.",
            chats,
            id=call_id,
        ),
        keyboard([[roster.open_button(t, call_id)]]),
    )


async def _on_cancel(turn: Turn) -> None:
    await KIND.end(turn.context, turn.draft.user_id, turn.draft.chat_id)
    await turn.message.reply_text(turn.t._("Stopped; no call was published."))


WIZARD = Wizard(
    KIND,
    steps={
        "title": _on_title,
        "description": _on_description,
        "places": _on_places,
        "skills": _on_skills,
        "shifts": _on_shifts,
        "reminders": _on_reminders,
    },
    cancel=_on_cancel,
    text_only=True,
)


def deep_link_handler() -> BaseHandler[Update, AppContext, None]:
    return CommandHandler(
        "start", deep_link, filters=filters.Regex(rf"^/start(@\w+)? {DEEP_LINK_PREFIX}")
    )


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("newcall", newcall_command),
        CallbackQueryHandler(one_at_a_time(on_tap), pattern=pattern(AREA)),
    ]
