"""Sending, deciding and escalating proposals. Every change and the messages it causes are one
transaction (outbox rows through bot/directory/notices.py `queue`), and every decision is a
status update guarded by the status and revision it expects: the first tap wins, and an
approval of a copy the proposer has changed since is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from bot.core.i18n import Texts
from bot.directory.notices import queue
from bot.environment import Environment
from bot.events import clashes
from bot.events import service as events
from bot.events.draft import Draft
from bot.proposals.texts import decision_markup, fields_of, proposal_text
from bot.roles import coverage
from storage import proposals
from storage.db import Writer
from storage.proposals import OPEN, NewProposal, Proposal

__all__ = [
    "ESCALATE_AFTER",
    "Decision",
    "Sent",
    "approve",
    "decline",
    "escalate",
    "may_decide",
    "send",
]

ESCALATE_AFTER = timedelta(days=7)
Decision = Literal["done", "handled", "changed", "gone", "not_yours", "incomplete"]


@dataclass(frozen=True, slots=True)
class Sent:
    outcome: Literal["sent", "unchanged", "changed", "handled"]
    proposal: Proposal | None = None
    covered: bool = True  # False: no coordinator covers it, the administrators got it


async def may_decide(env: Environment, user_id: int, proposal: Proposal) -> bool:
    """A coordinator whose scope covers the event's municipalities now, or an administrator."""
    codes = tuple(proposal.fields.get("municipalities", ()))
    return await coverage.may_decide(env, user_id, codes)


async def _ask(env: Environment, tx: Writer, proposal: Proposal, now: int) -> bool:
    """The proposal to its coordinators (each once); to the administrators when nobody covers
    it. Whether a coordinator covers it."""
    codes = tuple(proposal.fields.get("municipalities", ()))
    covering = await coverage.covering(env, codes)
    targets = covering or await coverage.network_admins(env)

    fields = fields_of(proposal)
    found = (
        []
        if fields is None
        else await clashes.find(
            tx, env.catalog, clashes.subject_of(fields), env.config.bot.timezone
        )
    )

    def render(t: Texts) -> tuple[str, Any]:
        return proposal_text(env, proposal, t, clashes=found), decision_markup(proposal, t)

    await queue(env, tx, targets, render, now)
    return bool(covering)


async def send(env: Environment, draft: Draft) -> Sent:
    """A new proposal, or the proposer's changed one (at the revision they edited)."""
    target = draft.proposing
    assert target is not None
    fields = draft.event_json()
    stored = proposals.canonical(fields)
    async with env.db.transaction() as tx:
        now = tx.now()
        if target.proposal_id is None:
            if await proposals.declined_like(
                tx, draft.user_id, target.listing_id, target.association, stored
            ):
                return Sent("unchanged")
            new = NewProposal(
                draft.user_id, target.chat_id, target.listing_id, target.association, fields
            )
            proposal = await proposals.create_in(tx, new, now)
        else:
            before = await proposals.get(tx, target.proposal_id)
            if before is None or before.status == "approved":
                return Sent("handled")
            if before.status == "declined" and proposals.canonical(before.fields) == stored:
                return Sent("unchanged")
            if not await proposals.resubmit_in(tx, before.id, fields, target.revision, now):
                return Sent("changed")
            found = await proposals.get(tx, before.id)
            assert found is not None
            proposal = found
        covered = await _ask(env, tx, proposal, now)
    return Sent("sent", proposal, covered)


def _tell_proposer(proposal: Proposal, approve: bool, event_id: int, reason: str | None) -> Any:
    def render(t: Texts) -> tuple[str, None]:
        title = str(proposal.fields.get("title", ""))
        if approve:
            return t._(
                "✅ Your proposal “{title}” was approved and published as event {id}, with "
                "“{association}” as co-organiser. /event {id} shows who is coming.",
                title=title,
                id=event_id,
                association=proposal.association,
            ), None
        text = t._("❌ Your proposal “{title}” was declined.", title=title)
        if reason:
            text += "\n" + t._("Reason: {reason}", reason=reason)
        return text + "\n" + t._("You can change it and send it again."), None

    return render


def _tell_group(proposal: Proposal, approve: bool, event_id: int, reason: str | None) -> Any:
    """The association's group a proposal was made from hears the decision too: the proposer
    acted for it, and its administrators now see the event's coordinator view."""

    def render(t: Texts) -> tuple[str, None]:
        title = str(proposal.fields.get("title", ""))
        if approve:
            return t._(
                "✅ This association's proposal “{title}” was approved and published as event "
                "{id}, with “{association}” as co-organiser. /event {id} shows the card.",
                title=title,
                id=event_id,
                association=proposal.association,
            ), None
        text = t._("❌ This association's proposal “{title}” was declined.", title=title)
        if reason:
            text += "\n" + t._("Reason: {reason}", reason=reason)
        return text, None

    return render


async def _tell(
    env: Environment, tx: Writer, proposal: Proposal, event_id: int, reason: str | None, now: int
) -> None:
    """The proposer's private chat, and the group the proposal came from, if any."""
    approve = event_id > 0
    told = _tell_proposer(proposal, approve, event_id, reason)
    await queue(env, tx, [proposal.user_id], told, now)
    if proposal.chat_id is not None and proposal.chat_id != proposal.user_id:
        group_told = _tell_group(proposal, approve, event_id, reason)
        await queue(env, tx, [proposal.chat_id], group_told, now)


async def approve(
    env: Environment,
    proposal_id: int,
    by: int,
    revision: int,
    fields: dict[str, Any] | None = None,
) -> tuple[Decision, int | None]:
    """Publish the proposal (or the coordinator's edited copy, `fields`) as an event with the
    association as co-organiser, if it is still open at `revision`; (decision, event id)."""
    proposal = await proposals.get(env.db, proposal_id)
    if proposal is None:
        return "gone", None
    if not await may_decide(env, by, proposal):
        return "not_yours", None
    chosen = fields if fields is not None else proposal.fields
    event_fields = Draft.from_json(proposal.user_id, chosen).complete()
    if event_fields is None:
        return "incomplete", None
    async with env.db.transaction() as tx:
        now = tx.now()
        current = await proposals.get(tx, proposal_id)
        if current is None or current.status not in OPEN:
            return "handled", None
        if current.revision != revision:
            return "changed", None
        event_id, _ = await events.publish_in(
            env,
            tx,
            event_fields,
            by,
            now=now,
            co_listings=() if current.listing_id is None else (current.listing_id,),
        )
        changed = await proposals.set_status_in(
            tx,
            proposal_id,
            "approved",
            now,
            expected=OPEN,
            revision=revision,
            by=by,
            event_id=event_id,
            fields=fields,
        )
        assert changed  # the write lock is ours: nothing changed it since the read above
        await _tell(env, tx, current, event_id, None, now)
    env.changed()
    return "done", event_id


async def decline(
    env: Environment, proposal_id: int, by: int, revision: int, reason: str | None
) -> Decision:
    proposal = await proposals.get(env.db, proposal_id)
    if proposal is None:
        return "gone"
    if not await may_decide(env, by, proposal):
        return "not_yours"
    async with env.db.transaction() as tx:
        now = tx.now()
        current = await proposals.get(tx, proposal_id)
        if current is None or current.status not in OPEN:
            return "handled"
        if current.revision != revision:
            return "changed"
        await proposals.set_status_in(
            tx, proposal_id, "declined", now, expected=OPEN, revision=revision, by=by, reason=reason
        )
        await _tell(env, tx, current, 0, reason, now)
    return "done"


async def escalate(env: Environment, tx: Writer, now: int) -> int:
    """Proposals pending for ESCALATE_AFTER go to the network's administrators (status
    'escalated', still approvable) and the proposer is told; how many. Called by the daily job."""
    before = now - int(ESCALATE_AFTER.total_seconds())
    admins = await coverage.network_admins(env)
    done = 0
    for proposal in await proposals.due_for_escalation(tx, before):
        if not await proposals.set_status_in(
            tx, proposal.id, "escalated", now, expected=("pending",), revision=proposal.revision
        ):
            continue
        found = proposal

        def render(t: Texts, found: Proposal = found) -> tuple[str, Any]:
            return proposal_text(env, found, t, escalated=True), decision_markup(found, t)

        def told(t: Texts, found: Proposal = found) -> tuple[str, None]:
            return t._(
                "⏰ No coordinator has handled your proposal “{title}” in 7 days; it now went "
                "to the network's administrators.",
                title=str(found.fields.get("title", "")),
            ), None

        await queue(env, tx, admins, render, now)
        await queue(env, tx, [proposal.user_id], told, now)
        done += 1
    return done
