"""The yearly review: a public listing nobody confirmed for a year asks its administrators (or
its representative) "is this still right?"; without an answer in 30 more days it lapses, hidden
from the directory until it is published again.

Runs inside the daily job's transaction (bot/scheduler/jobs.py), which re-checks each row: a
listing confirmed, changed or unpublished meanwhile is simply not selected. Times come from the
job's `now` (the injected clock), never the wall clock.
"""

from __future__ import annotations

from functools import partial

from telegram import InlineKeyboardMarkup

from bot.core.i18n import Texts
from bot.directory.cards import card_text
from bot.directory.notices import RenderFn, owner_chat, queue, review_markup
from bot.environment import Environment
from storage import listings
from storage.db import Writer
from storage.listings import Listing

__all__ = ["ASK_AFTER", "BATCH", "LAPSE_AFTER", "run_review"]

ASK_AFTER = 365 * 24 * 3600  # confirmed more than a year ago: ask
LAPSE_AFTER = 30 * 24 * 3600  # asked this long ago without an answer: lapse
BATCH = 500  # per run and kind; the rest waits for tomorrow's run


async def run_review(env: Environment, tx: Writer, now: int) -> tuple[int, int]:
    """Ask the listings that are due, lapse the unanswered ones; (asked, lapsed)."""
    lapsed = await listings.lapse_unanswered(tx, now - LAPSE_AFTER, now, BATCH)
    for listing in lapsed:
        await _tell_owner(env, tx, listing, partial(_lapsed_notice, listing), now)
    asked = await listings.due_for_review(tx, now - ASK_AFTER, now, BATCH)
    for listing in asked:
        await _tell_owner(env, tx, listing, partial(_question, env, listing), now)
    return len(asked), len(lapsed)


async def _tell_owner(
    env: Environment, tx: Writer, listing: Listing, render: RenderFn, now: int
) -> None:
    """The group's chat, or the person who listed an association without a group."""
    chat_id = owner_chat(listing)
    if chat_id is not None:
        await queue(env, tx, [chat_id], render, now)


def _lapsed_notice(listing: Listing, t: Texts) -> tuple[str, InlineKeyboardMarkup | None]:
    return (
        t._(
            "“{name}” is no longer shown in /directory: nobody confirmed it in 30 days. "
            "To publish it again, use /profile publish in the group, or /profile in a "
            "private chat with me for an association without a group.",
            name=listing.name,
        ),
        None,
    )


def _question(
    env: Environment, listing: Listing, t: Texts
) -> tuple[str, InlineKeyboardMarkup | None]:
    question = t._(
        "🗓 <b>Is this still right?</b> This is how your association shows in the "
        "directory. Please confirm it within 30 days, or it is hidden until it is "
        "published again."
    )
    return question + "\n\n" + card_text(listing, t, env.catalog, env.themes), review_markup(
        listing, t
    )
