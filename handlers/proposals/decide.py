"""The taps on a proposal's buttons (bot/proposals/texts.py AREA): a coordinator's ✅ Approve,
✏️ Edit (the event wizard on a copy, approved at its end) and ❌ Decline (a reason asked as
one message), the proposer's ✏️ Edit proposal and listing pick; and /proposals, the open ones
in a coordinator's scope."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import button, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.directory.fields import Refused, check_markup
from bot.environment import Environment
from bot.events.draft import Draft, Proposing
from bot.proposals import service
from bot.proposals.texts import AREA, decision_markup, proposal_text
from bot.roles.access import role_of
from handlers.common import edit_in_place, texts_for
from handlers.events.newevent_steps import KIND, menu
from handlers.proposals.propose import edit_own, picked
from handlers.proposals.texts import decision_refusal
from handlers.wizard import AnswerDraft
from storage import drafts, proposals
from storage.proposals import Proposal

__all__ = ["REASON", "handlers"]

_REASON_KIND = "proposal_reason"  # a drafts row: which proposal the next message declines
MAX_REASON = 300


async def on_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    action, pid = (data.part(0), data.int_part(1)) if data else (None, None)
    revision = data.int_part(2) if data else None
    message = query.message
    if pid is None or not isinstance(message, Message):
        await query.answer(t._("This button is not valid."), show_alert=True)
        return
    if action in ("pk", "pe"):
        run = picked if action == "pk" else edit_own
        refusal = await run(message, context, t, user.id, pid)
        await query.answer(refusal or None, show_alert=bool(refusal))
        return
    proposal = await proposals.get(context.env.db, pid)
    refusal = await _refusal(context.env, t, user.id, proposal, revision)
    if refusal or proposal is None or revision is None:
        await query.answer(refusal, show_alert=True)
        return
    await query.answer()
    if action == "ok":
        outcome, event_id = await service.approve(context.env, pid, user.id, revision)
        if outcome == "done":
            context.services.delivery.wake()
            await edit_in_place(message, message.text_html, None)
            await message.reply_text(
                t._(
                    "✅ Approved and published as event {id}. /event {id} shows who is coming.",
                    id=event_id,
                )
            )
        else:
            await message.reply_text(decision_refusal(t, outcome))
    elif action == "ed":
        await _edit_copy(message, context, t, user.id, proposal)
    elif action in ("no", "nr"):
        await _decline_tap(message, context, t, user.id, proposal, action)


async def _refusal(
    env: Environment, t: Texts, user_id: int, proposal: Proposal | None, revision: int | None
) -> str:
    if proposal is None or revision is None:
        return decision_refusal(t, "gone")
    if not proposal.is_open:
        return decision_refusal(t, "handled")
    if not await service.may_decide(env, user_id, proposal):
        return decision_refusal(t, "not_yours")
    if proposal.revision != revision:
        return decision_refusal(t, "changed")
    return ""


async def _edit_copy(
    message: Message, context: AppContext, t: Texts, user_id: int, proposal: Proposal
) -> None:
    target = Proposing(
        proposal.listing_id,
        proposal.chat_id,
        proposal.association,
        proposal_id=proposal.id,
        revision=proposal.revision,
        approving=True,
    )
    draft = Draft.from_json(user_id, {**proposal.fields, "proposing": target.to_json()})
    await KIND.begin(context, t, user_id, message.chat.id, "preview", draft.to_json())
    await menu(message, context, t, draft)


async def _decline_tap(
    message: Message,
    context: AppContext,
    t: Texts,
    user_id: int,
    proposal: Proposal,
    action: str,
) -> None:
    if action == "nr":
        await drafts.delete(context.env.db, user_id, user_id, _REASON_KIND)
        await message.reply_text(await _decline(context, t, user_id, proposal, None))
        return
    payload = {"id": proposal.id, "revision": proposal.revision}
    await drafts.save(context.env.db, user_id, user_id, _REASON_KIND, "no", payload)
    markup = keyboard(
        [[button(t._("❌ Decline without a reason"), AREA, "nr", proposal.id, proposal.revision)]]
    )
    await context.bot.send_message(
        user_id,
        t._(
            "Why is proposal {id} declined? Send the reason in one message (at most {limit} "
            "characters); it goes to the proposer. Or decline without a reason:",
            id=proposal.id,
            limit=MAX_REASON,
        ),
        reply_markup=markup,
    )


async def _decline(
    context: AppContext, t: Texts, user_id: int, proposal: Proposal, reason: str | None
) -> str:
    outcome = await service.decline(context.env, proposal.id, user_id, proposal.revision, reason)
    if outcome != "done":
        return decision_refusal(t, outcome)
    context.services.delivery.wake()
    return t._("❌ Declined. The proposer was told.")


async def take_reason(update: Update, context: AppContext) -> bool:
    """The private message after ❌ Decline; False: no reason was asked."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return False
    stored = await drafts.get(context.env.db, user.id, user.id, _REASON_KIND)
    if stored is None:
        return False
    t = await texts_for(context, update)
    reason = " ".join((message.text or "").split())
    try:
        check_markup(reason, t)
    except Refused as refused:
        await message.reply_text(refused.text + " " + t._("Send the reason again, or /cancel."))
        return True
    if not reason or len(reason) > MAX_REASON:
        await message.reply_text(
            t._(
                "Please send the reason as text of at most {limit} characters, or /cancel.",
                limit=MAX_REASON,
            )
        )
        return True
    await drafts.delete(context.env.db, user.id, user.id, _REASON_KIND)
    proposal = await proposals.get(context.env.db, int(stored.payload.get("id", 0)))
    revision = int(stored.payload.get("revision", 0))
    refusal = await _refusal(context.env, t, user.id, proposal, revision)
    if refusal or proposal is None:
        await message.reply_text(refusal)
        return True
    await message.reply_text(await _decline(context, t, user.id, proposal, reason))
    return True


async def _drop_reason(env: Environment, user_id: int) -> bool:
    return await drafts.delete(env.db, user_id, user_id, _REASON_KIND)


REASON = AnswerDraft(
    take=take_reason,
    drop=_drop_reason,
    stopped=lambda t: t._("Stopped; nothing was changed."),
)


async def proposals_command(update: Update, context: AppContext) -> None:
    """/proposals: the open proposals in the coordinator's scope, each with its buttons."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    t = await texts_for(context, update)
    env = context.env
    if await role_of(env.config, env.db, user.id) == "participant":
        await message.reply_text(t._("Only coordinators can decide about proposals."))
        return
    if chat.type != ChatType.PRIVATE:
        await message.reply_text(t._("Use /proposals in a private chat with me."))
        return
    mine = [
        p
        for p in await proposals.open_proposals(env.db)
        if await service.may_decide(env, user.id, p)
    ]
    if not mine:
        await message.reply_text(t._("No proposals wait for your decision."))
        return
    await message.reply_text(
        t.n_("{n} proposal waits for a decision:", "{n} proposals wait for a decision:", len(mine))
    )
    for proposal in mine[:10]:
        escalated = proposal.status == "escalated"
        await message.reply_text(
            proposal_text(env, proposal, t, escalated=escalated),
            reply_markup=decision_markup(proposal, t),
        )


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("proposals", proposals_command),
        CallbackQueryHandler(on_tap, pattern=pattern(AREA)),
    ]
