"""The bot's environment: what every feature works with, built once by one factory.

The running bot builds it in `post_init` (bot/app.py) and every `python -m bot …` command with
`environment()`, so a CLI command and a chat command see the same configuration, database,
translations, places, clock and callback key. Features take the parts they need; the running
bot's workers (delivery, scheduler, caches) are not part of it (bot/context.py `Services`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.core.callbacks import callback_key
from bot.core.clock import Clock, SystemClock
from bot.core.config import Config
from bot.core.config_values import Theme
from bot.core.i18n import Translator
from bot.core.place_search import PlaceIndex
from bot.core.places import PlaceCatalog, load_catalog
from bot.core.regions_sync import sync_places
from storage.backend import open_database
from storage.db import Database  # also PostgreSQL's PgDatabase, a subclass

__all__ = ["Environment", "ScheduleSignal", "environment", "open_environment"]


class ScheduleSignal:
    """Tells the running bot's scheduler that scheduled jobs changed (after the commit), so it
    looks at once. The CLI has no scheduler: the bot finds the rows on its next look."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def listen(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def notify(self) -> None:
        for listener in self._listeners:
            listener()


@dataclass(frozen=True, slots=True)
class Environment:
    """Configuration, database, translations, places, clock and the callback signing key."""

    config: Config
    db: Database
    translator: Translator
    catalog: PlaceCatalog
    key: bytes  # signs callback data (bot/events/cards.py)
    clock: Clock = field(default_factory=SystemClock)
    place_index: PlaceIndex = field(init=False)
    schedule: ScheduleSignal = field(default_factory=ScheduleSignal)

    def __post_init__(self) -> None:
        object.__setattr__(self, "place_index", PlaceIndex(self.catalog))

    def changed(self) -> None:
        """Scheduled jobs changed: called after the change is committed."""
        self.schedule.notify()

    @property
    def themes(self) -> tuple[Theme, ...]:
        return self.config.bot.themes


async def open_environment(
    config: Config,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    readonly: bool = False,
) -> Environment:
    """Open the database (migrating it unless told not to) and build the environment around it.
    The database is the SQLite file of `[storage] path`, or PostgreSQL when `[storage] url`
    names one (storage/backend.py).

    The packaged places are written into the database only along with a migration: a read-only
    environment (operators' figures and exports next to a running bot) and one that leaves the
    schema alone change nothing. The caller closes `env.db`."""
    clock = clock or SystemClock()
    db = await open_database(
        config.storage.path,
        config.storage.url,
        migrate=migrate and not readonly,
        readonly=readonly,
        clock=clock.timestamp,
    )
    try:
        catalog = load_catalog()
        if migrate and not readonly:
            await sync_places(db, catalog)
        translator = Translator(config.bot.default_language, config.bot.timezone)
    except BaseException:
        await db.close()
        raise
    return Environment(
        config=config,
        db=db,
        translator=translator,
        catalog=catalog,
        key=callback_key(config.telegram.token),
        clock=clock,
    )


@asynccontextmanager
async def environment(
    config: Config,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    readonly: bool = False,
) -> AsyncIterator[Environment]:
    """`open_environment` for one CLI command: the database is closed on the way out."""
    env = await open_environment(config, clock=clock, migrate=migrate, readonly=readonly)
    try:
        yield env
    finally:
        await env.db.close()
