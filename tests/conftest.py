"""Test-wide settings."""

from __future__ import annotations

import os

# python-telegram-bot 22 warns on every RetryAfter unless timedelta values are opted in; the bot
# opts in at start-up (bot.__main__), so the tests run the same way.
os.environ["PTB_TIMEDELTA"] = "1"
