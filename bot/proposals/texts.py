"""What a proposal looks like to the coordinators who decide about it, and its buttons."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.core.callbacks import button, claim, keyboard
from bot.core.i18n import Texts
from bot.environment import Environment
from bot.events import clashes as event_clashes
from bot.events import service as events
from bot.events.cards import card_text
from bot.events.draft import Draft
from bot.events.fields import EventFields
from storage.proposals import Proposal

__all__ = ["AREA", "decision_markup", "fields_of", "proposal_text"]

# `prp:<action>:<proposal id>[:<revision>]`: ok (approve), ed (edit a copy), no (decline),
# nr (decline without a reason), pe (the proposer edits their own).
AREA = claim("prp", __name__)


def fields_of(proposal: Proposal) -> EventFields | None:
    return Draft.from_json(proposal.user_id, proposal.fields).complete()


def decision_markup(proposal: Proposal, t: Texts) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                button(t._("✅ Approve"), AREA, "ok", proposal.id, proposal.revision),
                button(t._("✏️ Edit"), AREA, "ed", proposal.id, proposal.revision),
            ],
            [button(t._("❌ Decline"), AREA, "no", proposal.id, proposal.revision)],
        ]
    )


def proposal_text(
    env: Environment,
    proposal: Proposal,
    t: Texts,
    *,
    escalated: bool = False,
    clashes: Sequence[event_clashes.Clash] = (),
) -> str:
    """The heading (who proposes), the event's card as it would be published and, when given,
    the published events it may clash with (a warning for the coordinator deciding)."""
    if escalated:
        heading = t._(
            "⏰ <b>Proposal {id} has waited 7 days</b> without a coordinator's decision. "
            "“{association}” proposes:",
            id=proposal.id,
            association=proposal.association,
        )
    else:
        heading = t._(
            "📨 <b>Proposal {id}</b>: “{association}” proposes an event. Approve it to publish "
            "it with the association as co-organiser.",
            id=proposal.id,
            association=proposal.association,
        )
    fields = fields_of(proposal)
    if fields is None:
        return heading
    event = events.preview(env, fields, proposal.user_id)
    text = heading + "\n\n" + card_text(event, t, env.catalog, env.themes)
    warning = event_clashes.lines(clashes, t, lambda event_id: f"/event {event_id}")
    return "\n\n".join([text, "\n".join(warning)]) if warning else text
