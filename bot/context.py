"""The typed CallbackContext through which handlers reach the bot's services."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.core.clock import Clock
from bot.core.config import Config
from bot.delivery.quiet_hours import QuietHoursPolicy
from bot.delivery.reports import BroadcastReporter
from bot.delivery.worker import DeliveryWorker
from bot.environment import Environment
from bot.roles.permissions import GroupAdminCache
from bot.runtime.duties import LeaderDuties
from bot.scheduler.engine import Scheduler
from storage.pg_listen import PgListener

__all__ = ["AppContext", "AppState", "BotApplication", "RecordedLanguage", "Services"]


@dataclass(slots=True)
class Services:
    """The running bot: its environment and the workers around it, opened in post_init and
    closed in post_shutdown."""

    env: Environment
    group_admins: GroupAdminCache
    delivery: DeliveryWorker
    scheduler: Scheduler
    quiet_hours: QuietHoursPolicy
    # Set once start-up built them: who leads (bot/runtime/duties.py), and PostgreSQL's
    # notifications (None on SQLite).
    duties: LeaderDuties | None = None
    listener: PgListener | None = None


class AppState:
    """`bot_data`: set up by `build_application` (config, clock) and `post_init` (services)."""

    def __init__(self) -> None:
        self.config: Config | None = None
        self.clock: Clock | None = None
        self.services: Services | None = None
        self.reporter: BroadcastReporter | None = None
        # setMyCommands, retried in the background: start-up never waits for it.
        self.commands: asyncio.Task[bool] | None = None


@dataclass(frozen=True, slots=True)
class RecordedLanguage:
    """A chat's stored language choice (None: not chosen) as the update's tracking read it."""

    chat_id: int
    language: str | None


class AppContext(CallbackContext[ExtBot[int], dict[Any, Any], dict[Any, Any], AppState]):
    # The chat's language as stored when handlers/tracking.py recorded the chat (group -1), so
    # that `handlers.common.texts_for` does not read the chat's row again: python-telegram-bot
    # builds one context per update and hands that same object to the handler of every group
    # (Application.process_update), while error handlers and jobs get contexts of their own. It
    # must never outlive a change within the update: whatever writes the chat's language (or
    # deletes the row) sets this back to None, and texts_for then reads the row.
    recorded_language: RecordedLanguage | None = None

    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are used before post_init opened them")
        return services

    @property
    def env(self) -> Environment:
        return self.services.env


# The JobQueue (the wizards' draft timeouts) is typed by the builder with PTB's default context.
BotApplication = Application[ExtBot[int], AppContext, dict[Any, Any], dict[Any, Any], AppState, Any]
