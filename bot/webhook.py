"""Webhook mode: python-telegram-bot's own webhook server behind the operator's reverse proxy."""

from __future__ import annotations

from urllib.parse import urlparse

from telegram import Update

from bot.config import Config
from bot.context import BotApplication

__all__ = ["WebhookConfigError", "run_webhook", "webhook_path"]


class WebhookConfigError(ValueError):
    pass


def webhook_path(config: Config) -> str:
    """The local path to serve: the path of the public URL (the proxy forwards it unchanged)."""
    if not config.webhook.url:
        raise WebhookConfigError(f"{config.source}: webhook.url: required for --webhook")
    if not config.webhook.secret:
        raise WebhookConfigError(
            f"{config.source}: webhook.secret: required for --webhook "
            "(at least 32 random characters; Telegram sends it back in every request)"
        )
    return urlparse(config.webhook.url).path.lstrip("/")


def run_webhook(application: BotApplication, config: Config) -> None:
    path = webhook_path(config)
    # PTB's server answers 403 to requests without the matching X-Telegram-Bot-Api-Secret-Token.
    application.run_webhook(
        listen=config.webhook.listen,
        port=config.webhook.port,
        url_path=path,
        webhook_url=config.webhook.url,
        secret_token=config.webhook.secret,
        allowed_updates=Update.ALL_TYPES,
    )
