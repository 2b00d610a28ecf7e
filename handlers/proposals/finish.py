"""The end of the event wizard when its draft is a proposal (bot/events/draft.py `Proposing`):
the proposer's "📨 Send proposal", or a coordinator's "✅ Approve" of their edited copy."""

from __future__ import annotations

from telegram import Message

from bot.context import AppContext
from bot.core.i18n import Texts
from bot.events import service as events
from bot.events.draft import Draft
from bot.proposals import service as proposals
from handlers.events.newevent_steps import KIND
from handlers.proposals.texts import decision_refusal, proposer_markup

__all__ = ["finish_proposal"]


async def finish_proposal(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    target = draft.proposing
    assert target is not None
    if target.approving:
        await _approve_copy(message, context, t, draft)
        return
    sent = await proposals.send(context.env, draft)
    if sent.outcome == "unchanged":
        await message.reply_text(
            t._(
                "This proposal is unchanged since it was declined, so I did not send it again. "
                "Change it first (✏️ Edit)."
            )
        )
        return
    await KIND.end(context, draft.user_id, message.chat.id)
    if sent.outcome != "sent" or sent.proposal is None:
        await message.reply_text(
            t._("This proposal was already handled or changed meanwhile; nothing was sent.")
        )
        return
    context.services.delivery.wake()
    text = t._(
        "📨 Proposal {id} was sent to the coordinators of its municipality. I will tell you "
        "what they decide.",
        id=sent.proposal.id,
    )
    if not sent.covered:
        text = t._(
            "📨 Proposal {id} was sent. No coordinator covers its municipality, so it went to "
            "the network's administrators. I will tell you what they decide.",
            id=sent.proposal.id,
        )
    await message.reply_text(text, reply_markup=proposer_markup(sent.proposal, t))


async def _approve_copy(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    target = draft.proposing
    assert target is not None and target.proposal_id is not None
    env = context.env
    fields = draft.complete()
    assert fields is not None
    await KIND.end(context, draft.user_id, message.chat.id)
    if not await events.may_create_in(env, draft.user_id, fields.municipalities):
        await message.reply_text(t._("You can no longer publish events in these municipalities."))
        return
    outcome, event_id = await proposals.approve(
        env, target.proposal_id, draft.user_id, target.revision, draft.event_json()
    )
    if outcome != "done" or event_id is None:
        await message.reply_text(decision_refusal(t, outcome))
        return
    context.services.delivery.wake()
    await message.reply_text(
        t._(
            "✅ Approved and published as event {id}. /event {id} shows who is coming.", id=event_id
        )
    )
