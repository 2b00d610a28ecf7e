"""Which function does which kind of scheduled job."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.directory.review import run_review
from bot.environment import Environment
from bot.events.digest import run_digest
from bot.events.reminders import run_feedback, run_invitation, run_nudge, run_reminder
from bot.grants.service import run_reminders as remind_grant_deadlines
from bot.polls.closing import run_close as run_poll_close
from bot.polls.closing import run_reminder as run_poll_reminder
from bot.privacy.service import run_retention
from bot.proposals.service import escalate as escalate_proposals
from bot.scheduler.engine import Runner
from bot.volunteering.checkin import run_checkin
from bot.volunteering.reminders import run_shift_reminder
from bot.volunteering.thanks import run_thanks
from storage import seen_updates
from storage.db import Writer
from storage.schedule import Job, JobKind

__all__ = ["runners"]

EnvRunner = Callable[[Environment, Writer, Job, int], Awaitable[str | None]]


def _bind(env: Environment, run: EnvRunner) -> Runner:
    async def runner(tx: Writer, job: Job, now: int) -> str | None:
        return await run(env, tx, job, now)

    return runner


async def run_daily(env: Environment, tx: Writer, job: Job, now: int) -> str | None:
    """The daily job at 03:30: the directory's yearly review, proposals waiting 7 days to the
    administrators, grant call deadline reminders, forgetting old update ids, then retention
    (one row of the schedule table, whose kinds are fixed by migration 0005)."""
    await run_review(env, tx, now)
    await escalate_proposals(env, tx, now)
    await remind_grant_deadlines(env, tx, now)
    await seen_updates.forget_old(tx, now)
    return await run_retention(env, tx, job, now)


def runners(env: Environment) -> dict[JobKind, Runner]:
    return {
        "reminder": _bind(env, run_reminder),
        "nudge": _bind(env, run_nudge),
        "invitation": _bind(env, run_invitation),
        "digest": _bind(env, run_digest),
        "feedback": _bind(env, run_feedback),
        "retention": _bind(env, run_daily),
        "poll_reminder": _bind(env, run_poll_reminder),
        "poll_close": _bind(env, run_poll_close),
        "shift_reminder": _bind(env, run_shift_reminder),
        "shift_checkin": _bind(env, run_checkin),
        "shift_thanks": _bind(env, run_thanks),
    }
