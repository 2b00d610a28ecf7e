"""/propose: an association's administrator proposes an event. In the association's group the
bot answers with a signed link into the private chat (`start=prp_<group id>_<signature>`: only
the administrator who asked can use it); in a private chat the person names their association
(free text) or picks one of their listings. Then the event wizard's steps, with the draft marked
as a proposal; and the proposer's "✏️ Edit proposal" on a sent one."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.context import AppContext
from bot.core.callbacks import button, keyboard
from bot.core.i18n import Texts
from bot.events.draft import Draft, Proposing
from bot.proposals.texts import AREA
from handlers.common import texts_for
from handlers.events.newevent_steps import KIND, ask, menu
from handlers.group_links import acting_for, offer_private, profile_ready
from storage import listings, proposals

__all__ = ["DEEP_LINK_PREFIX", "deep_link_handler", "edit_own", "handlers", "picked"]

DEEP_LINK_PREFIX = "prp_"
MAX_NAME = 100


async def _begin(
    message: Message, context: AppContext, t: Texts, user_id: int, target: Proposing
) -> None:
    draft = Draft(user_id, proposing=target)
    await KIND.begin(context, t, user_id, message.chat.id, "kind", draft.to_json())
    await message.reply_text(
        t._(
            "You are proposing an event for “{association}”: the same steps as a new event, "
            "then the coordinators decide. /cancel stops.",
            association=target.association,
        )
    )
    await ask(message, context, t, draft, "kind")


async def propose(update: Update, context: AppContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    t = await texts_for(context, update)
    if chat.type == ChatType.PRIVATE:
        await _in_private(message, context, t, user.id, " ".join(context.args or []).strip())
        return
    await offer_private(
        message,
        context,
        t,
        prefix=DEEP_LINK_PREFIX,
        refusal=t._("Only the group's administrators can propose events for it."),
        invitation=t._(
            "Let's write the proposal in our private chat, so the group is not flooded:"
        ),
    )


async def _in_private(
    message: Message, context: AppContext, t: Texts, user_id: int, name: str
) -> None:
    own = [x for x in await listings.for_user(context.env.db, user_id) if profile_ready(x)]
    if name:
        if len(name) > MAX_NAME:
            await message.reply_text(
                t._("The association's name can be at most {limit} characters.", limit=MAX_NAME)
            )
            return
        found = next((x for x in own if listings.fold(x.name) == listings.fold(name)), None)
        target = Proposing(found.id, None, found.name) if found else Proposing(None, None, name)
        await _begin(message, context, t, user_id, target)
        return
    if not own:
        await message.reply_text(
            t._(
                "Name your association: /propose Kylän yhdistys ry — or send /propose in your "
                "association's group."
            )
        )
        return
    rows = [[button(x.name[:60], AREA, "pk", x.id)] for x in own]
    await message.reply_text(t._("For which association?"), reply_markup=keyboard(rows))


async def picked(message: Message, context: AppContext, t: Texts, user_id: int, lid: int) -> str:
    """A listing picked from /propose's buttons: only the person's own; a refusal or ""."""
    listing = await listings.get(context.env.db, lid)
    if listing is None or listing.user_id != user_id or listing.chat_id is not None:
        return t._("This button is not valid.")
    await _begin(message, context, t, user_id, Proposing(listing.id, None, listing.name))
    return ""


async def deep_link(update: Update, context: AppContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await texts_for(context, update)
    refusal = t._("Only the group's administrators can propose events for it.")
    found = await acting_for(update, context, t, prefix=DEEP_LINK_PREFIX, refusal=refusal)
    if found is not None:
        chat_id, listing = found
        await _begin(message, context, t, user.id, Proposing(listing.id, chat_id, listing.name))


async def edit_own(message: Message, context: AppContext, t: Texts, user_id: int, pid: int) -> str:
    """The proposer's ✏️ Edit proposal: the wizard at its edit menu; a refusal or ""."""
    proposal = await proposals.get(context.env.db, pid)
    if proposal is None or proposal.user_id != user_id:
        return t._("This button is not valid.")
    if proposal.status == "approved":
        return t._("This proposal was already approved; it can no longer be changed.")
    target = Proposing(
        proposal.listing_id,
        proposal.chat_id,
        proposal.association,
        proposal_id=proposal.id,
        revision=proposal.revision,
    )
    draft = Draft.from_json(user_id, {**proposal.fields, "proposing": target.to_json()})
    await KIND.begin(context, t, user_id, message.chat.id, "preview", draft.to_json())
    await menu(message, context, t, draft)
    return ""


def deep_link_handler() -> BaseHandler[Update, AppContext, None]:
    return CommandHandler(
        "start", deep_link, filters=filters.Regex(rf"^/start(@\w+)? {DEEP_LINK_PREFIX}")
    )


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [CommandHandler("propose", propose)]
