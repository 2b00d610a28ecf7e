"""Run an Application: initialize → post_init → updates → start, and the reverse on the way out,
as python-telegram-bot's `run_polling` / `run_webhook` do, inside an event loop of ours.

`serve_until_stopped` is the production entry: it waits for SIGINT/SIGTERM, and at start-up
retries getMe until Telegram answers (bot/startup.py) instead of dying of a bad minute; long
polling's failures are logged one line each (`PollingErrors`), not as tracebacks through the
error handler. `running` / `lifecycle` serve the demo and the tests inside their own loops."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from telegram import Update
from telegram.ext import TypeHandler, Updater

from bot.context import AppContext, BotApplication
from bot.startup import PollingErrors, until_answered

__all__ = ["ProcessedUpdates", "lifecycle", "polling", "running", "serve_until_stopped"]

POLL_TIMEOUT = 10


def polling(poll_timeout: int = POLL_TIMEOUT) -> Callable[[Updater], Awaitable[None]]:
    """Start long polling, its failures logged one line each."""

    async def poll(updater: Updater) -> None:
        await updater.start_polling(
            poll_interval=0.0,
            timeout=poll_timeout,
            allowed_updates=Update.ALL_TYPES,
            error_callback=PollingErrors(poll_timeout),
        )

    return poll


@asynccontextmanager
async def running(
    application: BotApplication, *, poll_timeout: int = POLL_TIMEOUT
) -> AsyncIterator[None]:
    """Long polling."""
    async with lifecycle(application, polling(poll_timeout)):
        yield


async def serve_until_stopped(
    application: BotApplication, start_updates: Callable[[Updater], Awaitable[None]]
) -> None:
    """Serve until SIGINT or SIGTERM. getMe is retried until Telegram answers (a refused token
    raises InvalidToken); a signal while waiting for it ends the start-up cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not possible outside the main thread (a test) or on Windows: then no signal stops it.
        with contextlib.suppress(NotImplementedError, ValueError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        try:
            answered = await until_answered(application.initialize, "start-up: getMe", stop=stop)
        except BaseException:
            await application.bot.shutdown()  # its connections; the Application never started
            raise
        if not answered:
            await application.bot.shutdown()
            return
        async with lifecycle(application, start_updates):
            await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, ValueError, RuntimeError):
                loop.remove_signal_handler(sig)


@asynccontextmanager
async def lifecycle(
    application: BotApplication, start_updates: Callable[[Updater], Awaitable[None]]
) -> AsyncIterator[None]:
    """The hooks in order around `start_updates(updater)` (polling or a webhook server)."""
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        updater = application.updater
        assert updater is not None
        await start_updates(updater)
        await application.start()
        try:
            yield
        finally:
            await updater.stop()
            await application.stop()
            if application.post_stop is not None:  # as run_polling does
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


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
