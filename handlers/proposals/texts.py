"""What the proposal handlers say about a refused decision, and the proposer's buttons."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.core.callbacks import button, keyboard
from bot.core.i18n import Texts
from bot.proposals.service import Decision
from bot.proposals.texts import AREA
from storage.proposals import Proposal

__all__ = ["decision_refusal", "proposer_markup"]


def proposer_markup(proposal: Proposal, t: Texts) -> InlineKeyboardMarkup:
    return keyboard([[button(t._("✏️ Edit proposal"), AREA, "pe", proposal.id)]])


def decision_refusal(t: Texts, outcome: Decision) -> str:
    if outcome == "gone":
        return t._("This proposal no longer exists.")
    if outcome == "not_yours":
        return t._("Only the coordinators of its municipality can decide about this proposal.")
    if outcome == "changed":
        return t._(
            "The proposer changed this proposal after you opened it, so it was not published. "
            "/proposals shows the new version."
        )
    if outcome == "incomplete":
        return t._("This proposal is missing a required field and cannot be published.")
    return t._("This proposal was already handled by someone.")
