"""Run an Application: initialize → post_init → updates → start, and the reverse on the way out,
as python-telegram-bot's `run_polling` / `run_webhook` do, inside an event loop of ours.

`serve_until_stopped` is the production entry: it serves until SIGINT/SIGTERM. Start-up waits
for Telegram (bot/runtime/startup.py): getMe, and deleteWebhook before long polling (setWebhook in
bot/runtime/webhook.py), are retried until Telegram answers, and a signal meanwhile ends the
waiting at
once, exit 0. Long polling's failures are logged one line each (`PollingErrors`), not as
tracebacks through the error handler. `running` / `lifecycle` serve the demo and the tests inside
their own loops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from telegram import Update
from telegram.ext import TypeHandler, Updater

from bot.context import AppContext, BotApplication
from bot.runtime.startup import Backoff, PollingErrors, StartUp, Stopped, reporting_polling_to

__all__ = [
    "ProcessedUpdates",
    "StartUpdates",
    "lifecycle",
    "polling",
    "running",
    "serve_until_stopped",
]

log = logging.getLogger("jarjestobotti.runner")

POLL_TIMEOUT = 10

# Starts receiving updates (long polling or a webhook server), waiting for Telegram as `StartUp`
# says; raises `Stopped` when a signal came first.
StartUpdates = Callable[[Updater, StartUp], Awaitable[None]]


def polling(poll_timeout: int = POLL_TIMEOUT) -> StartUpdates:
    """Start long polling, its failures logged one line each."""

    async def poll(updater: Updater, startup: StartUp) -> None:
        # python-telegram-bot deletes any webhook before it polls and gives up at the first
        # failure: done here first, on start-up's terms. Its own call then repeats what Telegram
        # has just taken (retried without end, should Telegram fail in between).
        await startup.call(updater.bot.delete_webhook, "start-up: deleteWebhook")
        errors = PollingErrors()
        with reporting_polling_to(errors):
            await startup.unless_stopped(
                updater.start_polling(
                    poll_interval=0.0,
                    timeout=poll_timeout,
                    allowed_updates=Update.ALL_TYPES,
                    bootstrap_retries=-1,
                    error_callback=errors,
                )
            )
        log.info("receiving updates by long polling")

    return poll


@asynccontextmanager
async def running(
    application: BotApplication, *, poll_timeout: int = POLL_TIMEOUT, startup: StartUp | None = None
) -> AsyncIterator[None]:
    """Long polling."""
    async with lifecycle(application, polling(poll_timeout), startup):
        yield


async def serve_until_stopped(
    application: BotApplication,
    start_updates: StartUpdates,
    *,
    backoff: Callable[[], Backoff] = Backoff,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM (or `stop`, for tests). Start-up waits for Telegram (a
    refused token raises InvalidToken); a signal while it waits ends it cleanly."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not possible outside the main thread (a test) or on Windows: then no signal stops it.
        with contextlib.suppress(NotImplementedError, ValueError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with lifecycle(application, start_updates, StartUp(stop, backoff)):
            await stop.wait()
    except Stopped:
        log.info("stopped while waiting for Telegram at start-up")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, ValueError, RuntimeError):
                loop.remove_signal_handler(sig)


@asynccontextmanager
async def lifecycle(
    application: BotApplication, start_updates: StartUpdates, startup: StartUp | None = None
) -> AsyncIterator[None]:
    """The hooks in order around `start_updates` (polling or a webhook server). getMe is retried
    until Telegram answers (python-telegram-bot's `initialize` tries once)."""
    startup = startup or StartUp()
    try:
        await startup.call(application.initialize, "start-up: getMe")
    except BaseException:
        await application.bot.shutdown()  # its connections; the Application never started
        raise
    try:
        if application.post_init is not None:
            await application.post_init(application)
        updater = application.updater
        assert updater is not None
        try:
            await start_updates(updater, startup)
        except BaseException:
            if updater.running:  # stopped half-way through python-telegram-bot's start
                await _logging_failure(updater.stop(), "stopping the updater")
            raise
        await application.start()
        try:
            yield
        finally:
            # Each step even if the one before failed: the workers must still stop and the
            # database close, or a restart finds rows left in flight.
            if updater.running:
                await _logging_failure(updater.stop(), "stopping the updater")
            if application.running:
                await _logging_failure(application.stop(), "stopping the application")
            if application.post_stop is not None:  # as run_polling does
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


async def _logging_failure(step: Awaitable[object], what: str) -> None:
    try:
        await step
    except Exception:
        log.exception("%s failed", what)


class ProcessedUpdates:
    """Lets a driver (the demo, the tests) wait until the bot has handled a given update.

    A handler in the last group fires after every other group has run, including after errors.
    """

    GROUP = 10**6

    def __init__(self) -> None:
        self._done: dict[int, asyncio.Event] = {}

    def attach(self, application: BotApplication) -> None:
        application.add_handler(TypeHandler(Update, self._mark), group=self.GROUP)

    def _event(self, update_id: int) -> asyncio.Event:
        return self._done.setdefault(update_id, asyncio.Event())

    async def _mark(self, update: Update, context: AppContext) -> None:
        self._event(update.update_id).set()

    async def wait(self, update_id: int, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._event(update_id).wait(), timeout)
        del self._done[update_id]
