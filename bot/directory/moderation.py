"""Who decides about a listing, and the decisions: publishing a group's profile, sending a
listing for a coordinator's approval, approving or declining it (the first tap wins), hiding a
public one with a reason.

The coordinators of a listing are those whose scope covers one of its municipalities (directly,
through its region or wellbeing county, or everywhere); when nobody does, the configured
administrators decide. Every decision and the message that tells its outcome are one
transaction.

A listing a coordinator hid cannot simply be published again by its administrators: publishing
it sends it to the coordinators for approval (status 'pending'), as a new listing of an
association without a group is; they see the card as it now is, so whatever the
administrators changed in the meantime is what they judge.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.callbacks import button
from bot.core.i18n import Texts
from bot.directory.cards import card_text
from bot.directory.notices import AREA, approval_markup, owner_chat, queue
from bot.environment import Environment
from bot.roles import coverage
from bot.roles.coverage import covers
from storage import listings
from storage.db import Writer
from storage.listings import Listing

__all__ = [
    "MAX_REASON",
    "Decision",
    "PublishOutcome",
    "covers",
    "decide",
    "hide",
    "may_moderate",
    "moderation_row",
    "publish",
    "reviewers",
    "submit",
    "unpublish",
]

MAX_REASON = 300
PublishOutcome = Literal["published", "incomplete", "pending"]
Decision = Literal["done", "handled", "gone"]


async def reviewers(env: Environment, listing: Listing) -> list[int]:
    """The coordinators covering the listing; else the administrators (configured, and those
    with the admin role)."""
    return await coverage.reviewers(env, listing.municipalities)


async def may_moderate(env: Environment, user_id: int, listing: Listing) -> bool:
    """An administrator, or a coordinator whose scope covers the listing."""
    return await coverage.may_decide(env, user_id, listing.municipalities)


def moderation_row(
    listing: Listing, t: Texts, viewer_may_moderate: bool
) -> list[InlineKeyboardButton]:
    """The extra button row under a public card that a coordinator of the listing sees (empty
    for everyone else): /directory and the like add it to `card_markup`'s rows."""
    if not viewer_may_moderate or listing.status != "public" or not listing.id:
        return []
    return [button(t._("🙈 Hide"), AREA, "hide", listing.id)]


def _card(env: Environment, listing: Listing, t: Texts) -> str:
    return card_text(listing, t, env.catalog, env.themes)


async def _ask_reviewers(env: Environment, tx: Writer, listing: Listing, now: int) -> int:
    def render(t: Texts) -> tuple[str, InlineKeyboardMarkup | None]:
        heading = t._(
            "📋 <b>Listing {id} waits for your approval</b> for the association directory:",
            id=listing.id,
        )
        return heading + "\n\n" + _card(env, listing, t), approval_markup(listing, t)

    return await queue(env, tx, await reviewers(env, listing), render, now)


async def submit(env: Environment, listing: Listing) -> Listing:
    """Store the listing as 'pending' and ask its coordinators, in one transaction."""
    async with env.db.transaction() as tx:
        now = tx.now()
        saved = await listings.save_in(
            tx, replace(listing, status="pending", status_reason=None, status_by=None), now
        )
        await _ask_reviewers(env, tx, saved, now)
    return saved


async def publish(env: Environment, listing: Listing, by: int) -> PublishOutcome:
    """A group administrator publishes the profile (they become its publisher: /mydata shows
    it). A name and a municipality are needed; a hidden one goes to the coordinators."""
    if not listing.name or not listing.municipalities:
        return "incomplete"
    if listing.status in ("hidden", "pending"):
        if listing.status == "hidden":
            await submit(env, replace(listing, user_id=by))
        return "pending"
    async with env.db.transaction() as tx:
        now = tx.now()
        saved = await listings.save_in(tx, replace(listing, user_id=by), now)
        await listings.set_status_in(tx, saved.id, "public", now, by=by)
    return "published"


async def unpublish(env: Environment, listing: Listing) -> bool:
    """Back to private (a hidden one stays hidden); False when it was not public."""
    return await listings.set_status(
        env.db, listing.id, "private", expected=("public", "lapsed", "pending")
    )


async def decide(
    env: Environment, listing_id: int, by: int, approve: bool, reason: str | None
) -> Decision:
    """A coordinator's ✅ or ❌ on a pending listing: the first decision wins."""
    async with env.db.transaction() as tx:
        now = tx.now()
        listing = await listings.get(tx, listing_id)
        if listing is None:
            return "gone"
        status: listings.Status = "public" if approve else "hidden"
        changed = await listings.set_status_in(
            tx, listing_id, status, now, by=by, reason=reason, expected=("pending",)
        )
        if not changed:
            return "handled"

        def render(t: Texts) -> tuple[str, None]:
            if approve:
                return t._(
                    "✅ A coordinator approved “{name}”: it is now public in /directory.",
                    name=listing.name,
                ), None
            text = t._("❌ A coordinator did not approve “{name}”.", name=listing.name)
            if reason:
                text += "\n" + t._("Reason: {reason}", reason=reason)
            return text + "\n" + t._("You can change it with /profile and send it again."), None

        chat_id = owner_chat(listing)
        if chat_id is not None:
            await queue(env, tx, [chat_id], render, now)
    return "done"


async def hide(env: Environment, listing_id: int, by: int, reason: str) -> Decision:
    """A coordinator hides a public listing; its group or representative is told why."""
    async with env.db.transaction() as tx:
        now = tx.now()
        listing = await listings.get(tx, listing_id)
        if listing is None:
            return "gone"
        changed = await listings.set_status_in(
            tx, listing_id, "hidden", now, by=by, reason=reason, expected=("public",)
        )
        if not changed:
            return "handled"

        def render(t: Texts) -> tuple[str, None]:
            return "\n".join(
                [
                    t._(
                        "🙈 A coordinator hid “{name}” from the association directory.",
                        name=listing.name,
                    ),
                    t._("Reason: {reason}", reason=reason),
                    t._(
                        "Change it with /profile and publish it again: a coordinator then "
                        "approves it."
                    ),
                ]
            ), None

        chat_id = owner_chat(listing)
        if chat_id is not None:
            await queue(env, tx, [chat_id], render, now)
    return "done"
