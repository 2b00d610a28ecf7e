"""Run an Application inside an existing event loop (demo, tests), with the same hooks as
`run_polling` / `run_webhook`: initialize → post_init → updates → start, and the reverse on the
way out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from telegram import Update
from telegram.ext import TypeHandler, Updater

from bot.context import AppContext, BotApplication

__all__ = ["ProcessedUpdates", "lifecycle", "running"]


@asynccontextmanager
async def running(application: BotApplication, *, poll_timeout: int = 10) -> AsyncIterator[None]:
    """Long polling."""

    async def poll(updater: Updater) -> None:
        await updater.start_polling(
            poll_interval=0.0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
        )

    async with lifecycle(application, poll):
        yield


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
