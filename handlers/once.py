"""Each update is handled once, whichever bot process receives it.

Telegram sends a webhook update again when it got no 200 in time (a process that is starting,
or starved of CPU, answers late), and the reverse proxy may then give it to another process;
after a crash, long polling gets again the updates it had not confirmed. Handled twice, a tap
would undo itself (a shift's or an event's button toggles) and a wizard step would run twice.
The update's id is claimed in the database (storage/seen_updates.py) before any feature runs;
a second sighting ends the update there. The ids are forgotten after two days by the daily job.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import AppContext
from storage import seen_updates

__all__ = ["GROUP", "handlers"]

log = logging.getLogger(__name__)

# After the log context (-100), before the answer-draft guard (-10) and every feature.
GROUP = -90


async def claim(update: Update, context: AppContext) -> None:
    db = context.env.db
    if not await seen_updates.first_sighting(db, update.update_id, db.now()):
        log.info("update %d was handled already (sent again); skipped", update.update_id)
        raise ApplicationHandlerStop


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [TypeHandler(Update, claim)]
