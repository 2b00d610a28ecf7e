"""Builds the python-telegram-bot Application: handlers in one ordered list, resources in hooks."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Sequence
from functools import partial

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, BaseHandler, ContextTypes, Defaults

from bot.context import AppContext, AppState, BotApplication, Services
from bot.core.clock import Clock, SystemClock
from bot.core.config import Config
from bot.core.logs import CONTEXT_GROUP, context_handlers
from bot.delivery.http_client import AiohttpRequest
from bot.delivery.quiet_hours import QuietHoursPolicy
from bot.delivery.ratelimit import SharedRateLimiter
from bot.delivery.relay import ReplyRelay
from bot.delivery.reports import BroadcastReporter
from bot.delivery.worker import DeliveryWorker
from bot.environment import Environment, open_environment
from bot.polls.sending import record_sent as record_poll_message
from bot.privacy.service import ensure_retention_job
from bot.roles.permissions import GroupAdminCache
from bot.runtime.commands import CommandPublisher, command_lists
from bot.runtime.duties import LeaderDuties
from bot.runtime.startup import Backoff, PollingRequest, keep_trying
from bot.scheduler.engine import Scheduler
from bot.scheduler.jobs import runners
from handlers import announcements as announce
from handlers import directory as association_directory
from handlers import (
    directory_profile,
    errors,
    feedback,
    groups,
    listing_moderation,
    listing_wizard,
    ops,
    privacy,
    settings,
    start,
    tracking,
    wizard,
)
from handlers import roles as coordinators
from handlers.contacts import listing as contact_listing
from handlers.contacts import relay as contact_relay
from handlers.events import newevent, rsvp, session_pick, vuosikello
from handlers.events import organisers as event_organisers
from handlers.events import sessions as event_sessions
from handlers.events import view as events
from handlers.grants import listing as grant_listing
from handlers.grants import newgrant
from handlers.polls import answers as poll_answers
from handlers.polls import results as poll_results
from handlers.polls import wizard as polls
from handlers.proposals import decide as proposal_decisions
from handlers.proposals import propose
from handlers.subscriptions import links as sublinks
from handlers.subscriptions import menu as subscriptions
from handlers.subscriptions import mine as my_subscriptions
from handlers.topics import manage as topic_manage
from handlers.topics import suggest as topic_suggest
from handlers.volunteering import checkin, newcall, roster_hours, shifts, volunteer
from handlers.volunteering import record as volunteer_record
from handlers.volunteering import roster as call_roster
from storage.leadership import leader_lock_for
from storage.pg_listen import listener_for

__all__ = ["build_application", "handler_groups"]

log = logging.getLogger("jarjestobotti")

Handlers = Sequence[BaseHandler[Update, AppContext, None]]
# Updates are handled side by side (a burst of RSVP taps must not queue behind each other), also
# one person's: two quick taps may run at once. Each handler's writes are one transaction; the
# handlers that read and then save a draft are wrapped in handlers.wizard.one_at_a_time, which
# runs one person's updates in a chat one after another and saves with compare-and-set.
UPDATE_CONCURRENCY = 64
# Connections to the Bot API: every update handled side by side may be waiting on one, and the
# delivery worker sends beside them.
REQUEST_POOL_SIZE = 2 * UPDATE_CONCURRENCY


def handler_groups(config: Config) -> list[tuple[int, Handlers]]:
    """Every handler, in the order python-telegram-bot tries them.

    Group -1 records the sender for everything; group 0 holds the features, where the first
    matching handler wins, so deep links and specific patterns come before generic ones. The
    wizards' /cancel and free-text dispatch are shared (handlers/wizard.py).
    """
    drafts = wizard.handlers(
        [
            newevent.WIZARD,
            announce.WIZARD,
            polls.WIZARD,
            listing_wizard.WIZARD,
            newgrant.WIZARD,
            newcall.WIZARD,
            volunteer.WIZARD,
            roster_hours.WIZARD,  # ⏱ an organiser's hours correction
        ],
        [
            poll_answers.ANSWER,
            feedback.COMMENT,
            listing_moderation.REASON,
            contact_relay.MESSAGE,
            proposal_decisions.REASON,
            event_sessions.SESSIONS,
            topic_suggest.SUGGESTION,
            topic_manage.UNTIL,
            event_organisers.ORGANISERS,
        ],
    )
    return [
        (CONTEXT_GROUP, context_handlers()),  # update and chat id on every log line
        (wizard.GUARD_GROUP, drafts.guard),  # another command ends an answer draft
        (tracking.GROUP, tracking.handlers()),
        (
            0,
            [
                subscriptions.start_deep_link_handler(),
                coordinators.deep_link_handler(),
                events.deep_link_handler(),
                feedback.deep_link_handler(),
                poll_answers.deep_link_handler(),
                privacy.deep_link_handler(),
                contact_relay.deep_link_handler(),
                propose.deep_link_handler(),  # start=prp_: /propose from a group
                topic_suggest.deep_link_handler(),
                newcall.deep_link_handler(),  # start=ncl_: /newcall from a group
                *newevent.handlers(),
                *drafts.cancel,  # every wizard's and answer draft's /cancel
                *polls.handlers(),
                *poll_answers.handlers(),
                *poll_results.handlers(),
                *feedback.handlers(),
                *start.handlers(),
                *subscriptions.handlers(),
                *my_subscriptions.handlers(),
                *settings.handlers(),
                *groups.handlers(),
                *association_directory.handlers(),  # /directory and inline mode
                *directory_profile.handlers(),  # /profile (groups and private listings)
                *listing_wizard.handlers(),
                *listing_moderation.handlers(),  # approve, decline, hide, the yearly review
                *sublinks.handlers(),
                *announce.handlers(),
                *coordinators.handlers(),
                *events.handlers(),
                *vuosikello.handlers(),
                *privacy.handlers(),  # /privacy, /mydata, /forget
                *contact_listing.handlers(),  # /contactme
                *contact_relay.handlers(),  # /contact, ✉️ Write, ↩️ Reply
                *propose.handlers(),  # /propose
                *proposal_decisions.handlers(),  # /proposals, ✅ / ✏️ / ❌ on a proposal
                *newgrant.handlers(),  # /newgrant
                *grant_listing.handlers(),  # /grants, /editgrant, 🔔 Remind me, 📅 on a call
                *ops.handlers(),  # /stats, /report (admins)
                *topic_suggest.handlers(),  # 💡 Suggest a topic, and its name / anonymous
                *topic_manage.handlers(),  # the coordinator's 💡 Topics, until…, poll
                *newcall.handlers(),  # /newcall
                *volunteer.handlers(),  # /volunteer
                *call_roster.handlers(),  # /mycalls, /call: a call's coordinator view
                *volunteer_record.handlers(),  # /myvolunteering, 📄 Certificate
                *rsvp.handlers(),
                *session_pick.handlers(),  # the breakout-session picker after ✅ Coming
                *event_sessions.handlers(),  # 🧩 Sessions in the coordinator view
                *event_organisers.handlers(),  # ➕ Co-organiser in the coordinator view
                *shifts.handlers(),  # volunteer call shifts, my shifts, shift reminders
                *checkin.handlers(),  # "📍 I'm here" on a shift
                *start.fallback_handlers(),
                *drafts.text,  # the answer to the sender's draft, else a hint
            ],
        ),
    ]


async def _post_init(application: BotApplication, *, backoff: Callable[[], Backoff]) -> None:
    state = application.bot_data
    assert state.config is not None and state.clock is not None
    config, clock = state.config, state.clock
    env = await open_environment(config, clock=clock)
    try:
        await _start_services(application, env, backoff=backoff)
    except BaseException:
        # post_shutdown closes only what start-up finished; a database left open would keep
        # aiosqlite's (non-daemon) thread and the process alive.
        await _stop_workers(application)
        application.bot_data.services = None
        await env.db.close()
        raise


async def _start_services(
    application: BotApplication, env: Environment, *, backoff: Callable[[], Backoff]
) -> None:
    state = application.bot_data
    config, clock, db = env.config, env.clock, env.db
    if db.engine == "sqlite":  # PostgreSQL's server checkpoints its own log
        await db.checkpoint_in_background()
    limiter = application.bot.rate_limiter
    if not isinstance(limiter, SharedRateLimiter):
        # Only a builder customised with another limiter (the broadcast benchmark's baseline)
        # gets here; the worker then keeps its own budget.
        limiter = SharedRateLimiter(config.delivery)
    quiet_hours = QuietHoursPolicy(db, config.reminders.quiet_hours, config.bot.timezone)
    delivery = DeliveryWorker(
        db,
        application.bot,
        limiter,
        config.delivery,
        clock=clock.timestamp,
        quiet_hours=quiet_hours,
        on_sent=record_poll_message,
    )
    scheduler = Scheduler(db, clock, runners(env), on_queued=delivery.wake)
    env.schedule.listen(scheduler.changed)
    services = Services(
        env=env,
        group_admins=GroupAdminCache(clock.timestamp),
        delivery=delivery,
        scheduler=scheduler,
        quiet_hours=quiet_hours,
    )
    state.services = services
    reporter = BroadcastReporter(
        db, application.bot, env.translator, rate=config.delivery.global_rate
    )
    state.reporter = reporter

    async def lead() -> None:
        await delivery.start()
        await ensure_retention_job(db, db.now(), config.bot.timezone)
        jobs = await scheduler.start()
        log.info("scheduler started with %d pending jobs", jobs)
        await reporter.start()

    async def step_down() -> None:
        # Each part stops even if another fails: a worker left running would send as a second
        # leader.
        for part in (reporter, scheduler, delivery):
            try:
                await part.stop()
            except Exception:
                log.exception("stopping %s", type(part).__name__)

    relay = ReplyRelay(db, limiter.reply_deadline)
    services.listener = listener_for(
        db,
        {
            "jb_outbox": lambda _: delivery.wake(),
            "jb_reply": relay.finished,
            "jb_schedule": lambda _: scheduler.changed(),
            "jb_chat_settings": quiet_hours.forget,
        },
    )
    if services.listener is not None:
        services.listener.start()
    services.duties = LeaderDuties(
        leader_lock_for(db), start=lead, stop=step_down, limiter=limiter, relay=relay
    )
    await services.duties.start()
    # The command lists are cosmetic: Telegram having a bad minute must not keep the bot down,
    # so they are published in the background, retried until all are taken.
    publisher = CommandPublisher(application.bot, command_lists(env.translator, config.bot.admins))
    state.commands = asyncio.get_running_loop().create_task(
        keep_trying(
            publisher.publish,
            "publishing the command lists (setMyCommands)",
            backoff=backoff(),
        ),
        name="publish-commands",
    )
    # What start-up built (catalogs, translations, modules) lives as long as the bot: moved out
    # of the collector's reach, the full collections that come every few seconds under a burst
    # of taps no longer walk it (they paused the event loop for ~45 ms each, bench/rsvp.py).
    gc.collect()
    gc.freeze()
    log.info("bot @%s ready", application.bot.username)


async def _stop_workers(application: BotApplication) -> None:
    """Stop leading (the reporter, the scheduler and the delivery worker, letting sends in flight
    finish and record their result) and listening. Idempotent."""
    services = application.bot_data.services
    commands = application.bot_data.commands
    if commands is not None:
        commands.cancel()
        await asyncio.gather(commands, return_exceptions=True)  # it logs its own failures
        application.bot_data.commands = None
    if services is not None:
        if services.duties is not None:
            await services.duties.stop()  # a leader stops its workers and frees the lock
            services.duties = None
        if services.listener is not None:
            await services.listener.stop()
            services.listener = None
    application.bot_data.reporter = None


async def _post_stop(application: BotApplication) -> None:
    # Before Application.shutdown closes the HTTP client: a send in flight then still gets its
    # answer (and its row becomes 'sent') instead of a network error and a second send later.
    await _stop_workers(application)


async def _post_shutdown(application: BotApplication) -> None:
    await _stop_workers(application)  # post_stop does not run when start-up failed half-way
    services = application.bot_data.services
    if services is not None:
        await services.env.db.close()
        application.bot_data.services = None
    gc.unfreeze()  # what start-up froze may be garbage now (a test's bot, a restart)


def build_application(
    config: Config,
    *,
    clock: Clock | None = None,
    customize: Callable[[ApplicationBuilder], ApplicationBuilder] | None = None,  # type: ignore[type-arg]
    backoff: Callable[[], Backoff] = Backoff,
) -> BotApplication:
    """The one place the bot is assembled; `customize` lets tests tune the builder, `backoff`
    the waits between tries of the command lists' publishing."""
    if not config.telegram.token:
        raise ValueError("a bot token is required (telegram.token or TELEGRAM_BOT_TOKEN)")
    context_types = ContextTypes(context=AppContext, bot_data=AppState)
    builder = (
        ApplicationBuilder()
        .token(config.telegram.token)
        .base_url(config.telegram.base_url)
        .base_file_url(config.telegram.base_file_url)
        .context_types(context_types)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=config.bot.timezone))
        .rate_limiter(SharedRateLimiter(config.delivery))
        .request(AiohttpRequest(connection_pool_size=REQUEST_POOL_SIZE))
        # getUpdates waits up to its long-poll timeout; PTB adds that to this read timeout.
        .get_updates_request(PollingRequest(connection_pool_size=1))
        .concurrent_updates(UPDATE_CONCURRENCY)
        .post_init(partial(_post_init, backoff=backoff))
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if customize is not None:
        builder = customize(builder)
    application: BotApplication = builder.build()
    application.bot_data.config = config
    application.bot_data.clock = clock or SystemClock()
    for group, handlers in handler_groups(config):
        application.add_handlers(list(handlers), group=group)
    application.add_error_handler(errors.on_error)
    return application
