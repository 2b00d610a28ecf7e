"""Webhook mode: python-telegram-bot's own webhook server behind the operator's reverse proxy.

`[webhook] url` is the public URL Telegram calls; its path is also the local path served on
`listen:port` (default 127.0.0.1:8443, for a proxy on the same host). `secret` is required: it is
given to setWebhook as `secret_token`, Telegram sends it back in X-Telegram-Bot-Api-Secret-Token,
and python-telegram-bot answers 403 to a request without it or with another one, before the body
is even parsed (nothing is processed or stored).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from telegram import Update
from telegram.ext import Updater

from bot.context import BotApplication
from bot.core.config import Config
from bot.runtime.runner import StartUpdates, lifecycle, serve_until_stopped
from bot.runtime.startup import StartUp

__all__ = [
    "MIN_DISTINCT_SECRET_CHARS",
    "WebhookConfigError",
    "WebhookOptions",
    "run_webhook",
    "serving",
    "start_webhook",
    "webhook_options",
    "webhook_path",
]

log = logging.getLogger("jarjestobotti.webhook")

# config.py checks length (32-256) and alphabet; this catches "aaaa…" and "1234…" placeholders.
MIN_DISTINCT_SECRET_CHARS = 12


class WebhookConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class WebhookOptions:
    listen: str
    port: int
    url_path: str
    webhook_url: str
    secret_token: str


def webhook_path(config: Config) -> str:
    """The local path to serve: the path of the public URL (the proxy forwards it unchanged)."""
    return webhook_options(config).url_path


def webhook_options(config: Config) -> WebhookOptions:
    """Checked webhook settings; refuses to run without a URL and a random-looking secret."""
    hook = config.webhook
    if not hook.url:
        raise WebhookConfigError(f"{config.source}: webhook.url: required for --webhook")
    if not hook.secret:
        raise WebhookConfigError(
            f"{config.source}: webhook.secret: required for --webhook "
            "(at least 32 random characters; Telegram sends it back in every request)"
        )
    if len(set(hook.secret)) < MIN_DISTINCT_SECRET_CHARS:
        raise WebhookConfigError(
            f"{config.source}: webhook.secret: does not look random; generate one with "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return WebhookOptions(
        listen=hook.listen,
        port=hook.port,
        url_path=urlparse(hook.url).path.lstrip("/"),
        webhook_url=hook.url,
        secret_token=hook.secret,
    )


def run_webhook(application: BotApplication, config: Config) -> None:
    """Blocking, like run_polling: SIGINT/SIGTERM stop the server (no new updates), let the
    updates in hand finish, then post_shutdown stops the workers and closes the database.
    getMe and setWebhook are retried until Telegram answers (bot/runtime/startup.py)."""
    asyncio.run(serve_until_stopped(application, start_webhook(webhook_options(config))))


def start_webhook(options: WebhookOptions) -> StartUpdates:
    """Start python-telegram-bot's webhook server once Telegram has taken the webhook."""

    async def start(updater: Updater, startup: StartUp) -> None:
        arguments = _server_arguments(options)
        # setWebhook first on start-up's terms (retried, one line per failure, a signal ends
        # the waiting); python-telegram-bot's own call in start_webhook then repeats what
        # Telegram has just taken (retried without end, should Telegram fail in between).
        await startup.call(
            lambda: updater.bot.set_webhook(
                url=options.webhook_url,
                secret_token=options.secret_token,
                allowed_updates=Update.ALL_TYPES,
            ),
            "start-up: setWebhook",
        )
        await startup.unless_stopped(updater.start_webhook(**arguments, bootstrap_retries=-1))
        log.info("receiving updates by webhook on %s:%d", options.listen, options.port)

    return start


def _server_arguments(options: WebhookOptions) -> dict[str, Any]:
    """What both `run_webhook` and `serving` hand to python-telegram-bot's webhook server, so the
    tests serve exactly as the bot does."""
    return {
        "listen": options.listen,
        "port": options.port,
        "url_path": options.url_path,
        "webhook_url": options.webhook_url,
        "secret_token": options.secret_token,
        "allowed_updates": Update.ALL_TYPES,
    }


@asynccontextmanager
async def serving(
    application: BotApplication, config: Config, startup: StartUp | None = None
) -> AsyncIterator[WebhookOptions]:
    """The same inside a running event loop (tests): the hooks of `run_webhook`, in order."""
    options = webhook_options(config)
    async with lifecycle(application, start_webhook(options), startup):
        yield options
