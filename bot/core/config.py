"""Typed, validated configuration loaded once from TOML (plus a few environment overrides).

Nothing here runs at import time: `load_config` is called by `main` and the result is injected.
Every problem is reported as a `ConfigError` naming the file and the key, so the CLI can print
one readable line and exit 2.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.config_values import (
    DEFAULT_QUIET_HOURS,
    DEFAULT_THEMES,
    QuietHours,
    Theme,
    parse_duration,
    parse_quiet_hours,
)
from storage.database_url import problem as url_problem
from storage.database_url import redact

__all__ = [
    "DATABASE_URL_ENV",
    "DEFAULT_THEMES",
    "SUPPORTED_LANGUAGES",
    "BotSettings",
    "Config",
    "ConfigError",
    "DeliverySettings",
    "FeedbackSettings",
    "GrantSettings",
    "PrivacySettings",
    "QuietHours",
    "ReminderSettings",
    "StorageSettings",
    "TelegramSettings",
    "Theme",
    "WebhookSettings",
    "load_config",
    "parse_config",
    "parse_duration",
    "parse_quiet_hours",
]

SUPPORTED_LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
_THEME_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DATABASE_URL_ENV = "JARJESTOBOTTI_DATABASE_URL"


class ConfigError(ValueError):
    """A configuration problem, phrased for the operator: which file, which key, what is wrong."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        super().__init__(f"{source}: {key}: {problem}")


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    token: str = ""
    base_url: str = DEFAULT_BASE_URL
    base_file_url: str = ""


@dataclass(frozen=True, slots=True)
class StorageSettings:
    path: Path = Path("jarjestobotti.sqlite3")
    # A PostgreSQL URL: when set, the database is there and `path` is not used.
    url: str = ""

    @property
    def where(self) -> str:
        """The database as messages name it: the file, or the URL without its password."""
        return redact(self.url) if self.url else str(self.path)


@dataclass(frozen=True, slots=True)
class BotSettings:
    admins: frozenset[int] = frozenset()
    default_language: str = "fi"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Helsinki"))
    themes: tuple[Theme, ...] = DEFAULT_THEMES
    log_level: str = "INFO"
    log_json: bool = False
    # A half-made /newevent draft is dropped after this long without an answer.
    wizard_timeout: timedelta = timedelta(minutes=30)

    def theme(self, theme_id: str) -> Theme | None:
        return next((t for t in self.themes if t.id == theme_id), None)


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    offsets: tuple[timedelta, ...] = (timedelta(days=7), timedelta(days=1), timedelta(hours=2))
    quiet_hours: QuietHours | None = DEFAULT_QUIET_HOURS
    # One "will you come?" to the invited chats with no answer yet, this long before the
    # start; None: no nudge.
    nudge: timedelta | None = None


@dataclass(frozen=True, slots=True)
class GrantSettings:
    # Deadline reminders to those who tapped "Remind me", this long before the deadline; whole
    # days, since the daily job sends them (on the day that many days before the deadline).
    reminders: tuple[timedelta, ...] = (timedelta(days=14), timedelta(days=2))


@dataclass(frozen=True, slots=True)
class FeedbackSettings:
    delay: timedelta = timedelta(hours=1)
    open_for: timedelta = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    # 30/s is Telegram's ceiling. Measured with bench/broadcast.py against the stand-in's strict
    # window (3000 chats): 29.7 reached 0.983 of 30/s with no 429 (29.4: 0.971); the limiter
    # counts each message until a second after its answer, so the margin absorbs jitter.
    global_rate: float = 29.7
    private_interval: float = 1.0
    group_per_minute: int = 20
    max_attempts: int = 8
    backoff_cap: float = 300.0  # accepted for old configuration files; no longer used
    # How long a bulk send waits for Telegram's answer. Long, so that a stall of a few seconds
    # is waited out: a send whose answer never came may have arrived, and is sent again only once.
    read_timeout: float = 30.0
    # Longest bot-wide pause after server errors (500, 502, 503, 504, refused connections).
    outage_backoff_cap: float = 30.0
    # Pause before a send whose answer was lost goes again (and only after Telegram answers).
    resend_pause: float = 5.0


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    url: str = ""
    secret: str = ""
    listen: str = "127.0.0.1"
    port: int = 8443


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    # Names and other personal data of events that ended this many months ago are removed
    # (answers stay counted under pseudonyms), by the daily retention job.
    retention_months: int = 24


MAX_RETENTION_MONTHS = 120


@dataclass(frozen=True, slots=True)
class Config:
    telegram: TelegramSettings = TelegramSettings()
    storage: StorageSettings = StorageSettings()
    bot: BotSettings = field(default_factory=BotSettings)
    reminders: ReminderSettings = ReminderSettings()
    feedback: FeedbackSettings = FeedbackSettings()
    delivery: DeliverySettings = DeliverySettings()
    webhook: WebhookSettings = WebhookSettings()
    privacy: PrivacySettings = PrivacySettings()
    grants: GrantSettings = GrantSettings()
    source: str = "<defaults>"


class _Section:
    """Reads one TOML table, remembering which keys were used so unknown keys can be reported."""

    def __init__(self, source: str, prefix: str, data: object) -> None:
        self.source = source
        self.prefix = prefix
        if not isinstance(data, Mapping):
            raise ConfigError(source, prefix, "must be a table")
        self.data: Mapping[str, Any] = data
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def error(self, name: str, problem: str) -> ConfigError:
        return ConfigError(self.source, self.key(name), problem)

    def get(self, name: str, kind: type | tuple[type, ...], default: Any) -> Any:
        self.used.add(name)
        if name not in self.data:
            return default
        value = self.data[name]
        # bool is an int in Python; a TOML `true` must not pass as a number.
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.error(name, f"expected {_kind_name(kind)}, got a boolean")
        if not isinstance(value, kind):
            raise self.error(name, f"expected {_kind_name(kind)}, got {type(value).__name__}")
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.error(unknown[0], "unknown key")


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    names.update({list: "a list", dict: "a table"})
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def load_config(path: Path | None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the TOML file (or defaults when `path` is None) and apply environment overrides."""
    source = str(path) if path is not None else "<defaults>"
    data: dict[str, Any] = {}
    if path is not None:
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(source, "(file)", "no such file") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(source, "(syntax)", f"not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(source, "(file)", exc.strerror or str(exc)) from None
    return parse_config(data, source=source, environ=os.environ if environ is None else environ)


def parse_config(
    data: Mapping[str, Any], *, source: str = "<config>", environ: Mapping[str, str] | None = None
) -> Config:
    env = environ or {}
    top = _Section(source, "", data)
    known = (
        "telegram",
        "storage",
        "bot",
        "reminders",
        "feedback",
        "delivery",
        "webhook",
        "privacy",
        "grants",
    )
    sections = {name: _Section(source, name, top.get(name, dict, {})) for name in known}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(source, unknown[0], "unknown section")
    config = Config(
        telegram=_telegram(sections["telegram"], env),
        storage=_storage(sections["storage"], env),
        bot=_bot(sections["bot"]),
        reminders=_reminders(sections["reminders"]),
        feedback=_feedback(sections["feedback"]),
        delivery=_delivery(sections["delivery"]),
        webhook=_webhook(sections["webhook"]),
        privacy=_privacy(sections["privacy"]),
        grants=_grants(sections["grants"]),
        source=source,
    )
    for section in sections.values():
        section.finish()
    return config


def _telegram(s: _Section, env: Mapping[str, str]) -> TelegramSettings:
    # Read the file's values first so they are validated (and known) even when env overrides them.
    token = s.get("token", str, "")
    token = env.get("TELEGRAM_BOT_TOKEN") or token
    if token and not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
        raise s.error("token", "does not look like a bot token (digits:letters from @BotFather)")
    base_url = s.get("base_url", str, DEFAULT_BASE_URL)
    base_url = env.get("TELEGRAM_BASE_URL") or base_url
    if not re.match(r"^https?://[^/\s]+", base_url):
        raise s.error("base_url", f"{base_url!r} is not an http(s) URL")
    base_file_url = s.get("base_file_url", str, "")
    if not base_file_url:
        # Bot API servers serve files beside the methods: .../bot -> .../file/bot
        head, _, tail = base_url.rstrip("/").rpartition("/")
        base_file_url = f"{head}/file/{tail}" if tail.startswith("bot") else base_url
    return TelegramSettings(token=token, base_url=base_url, base_file_url=base_file_url)


def _storage(s: _Section, env: Mapping[str, str]) -> StorageSettings:
    raw = s.get("path", str, "jarjestobotti.sqlite3")
    raw = env.get("JARJESTOBOTTI_DB") or raw
    if not raw.strip():
        raise s.error("path", "must not be empty")
    url = s.get("url", str, "")
    url = (env.get(DATABASE_URL_ENV) or url).strip()
    if url:
        wrong = url_problem(url)
        if wrong:
            key = DATABASE_URL_ENV if env.get(DATABASE_URL_ENV) else s.key("url")
            raise ConfigError(s.source, key, wrong)
    return StorageSettings(path=Path(raw).expanduser(), url=url)


def _bot(s: _Section) -> BotSettings:
    admins_raw = s.get("admins", list, [])
    admins: set[int] = set()
    for item in admins_raw:
        if isinstance(item, bool) or not isinstance(item, int) or item <= 0:
            raise s.error("admins", f"{item!r} is not a Telegram user id (a positive integer)")
        admins.add(item)
    language = s.get("default_language", str, "fi")
    if language not in SUPPORTED_LANGUAGES:
        raise s.error("default_language", f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
    tz_name = s.get("timezone", str, "Europe/Helsinki")
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise s.error("timezone", f"{tz_name!r} is not a known time zone") from None
    log_level = s.get("log_level", str, "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise s.error("log_level", "must be DEBUG, INFO, WARNING or ERROR")
    return BotSettings(
        admins=frozenset(admins),
        default_language=language,
        timezone=timezone,
        themes=_themes(s),
        log_level=log_level,
        log_json=s.get("log_json", bool, False),
        wizard_timeout=_duration(s, "wizard_timeout", timedelta(minutes=30)),
    )


def _themes(s: _Section) -> tuple[Theme, ...]:
    raw = s.get("themes", list, None)
    if raw is None:
        return DEFAULT_THEMES
    if not raw:
        raise s.error("themes", "needs at least one theme")
    themes: list[Theme] = []
    for index, item in enumerate(raw):
        entry = _Section(s.source, f"bot.themes[{index}]", item)
        theme_id = entry.get("id", str, "")
        if not _THEME_ID.match(theme_id):
            raise entry.error("id", "must be lowercase letters, digits or _ (max 32)")
        names = {lang: entry.get(lang, str, "").strip() for lang in SUPPORTED_LANGUAGES}
        for lang, name in names.items():
            if not name:
                raise entry.error(lang, "theme name is missing")
            if len(name) > 40:
                raise entry.error(lang, "theme name is longer than 40 characters")
        entry.finish()
        if any(t.id == theme_id for t in themes):
            raise entry.error("id", f"duplicate theme id {theme_id!r}")
        themes.append(Theme(theme_id, names["fi"], names["sv"], names["en"]))
    return tuple(themes)


def _durations(s: _Section, name: str, default: tuple[timedelta, ...]) -> tuple[timedelta, ...]:
    raw = s.get(name, list, None)
    if raw is None:
        return default
    values: list[timedelta] = []
    for item in raw:
        if not isinstance(item, str):
            raise s.error(name, f'{item!r} is not a duration string like "1d"')
        try:
            values.append(parse_duration(item))
        except ValueError as exc:
            raise s.error(name, str(exc)) from None
    if len(set(values)) != len(values):
        raise s.error(name, "contains the same offset twice")
    return tuple(sorted(values, reverse=True))


def _duration(s: _Section, name: str, default: timedelta) -> timedelta:
    raw = s.get(name, str, None)
    if raw is None:
        return default
    try:
        return parse_duration(raw)
    except ValueError as exc:
        raise s.error(name, str(exc)) from None


def _reminders(s: _Section) -> ReminderSettings:
    defaults = ReminderSettings()
    quiet = defaults.quiet_hours
    raw_quiet = s.get("quiet_hours", str, None)
    if raw_quiet is not None:
        try:
            quiet = parse_quiet_hours(raw_quiet)
        except ValueError as exc:
            raise s.error("quiet_hours", str(exc)) from None
    raw_nudge = s.get("nudge", str, "")
    nudge = _duration(s, "nudge", timedelta(0)) if raw_nudge else None
    return ReminderSettings(
        offsets=_durations(s, "offsets", defaults.offsets), quiet_hours=quiet, nudge=nudge
    )


def _grants(s: _Section) -> GrantSettings:
    offsets = _durations(s, "reminders", GrantSettings().reminders)
    if any(o.total_seconds() % 86400 or o <= timedelta(0) for o in offsets):
        raise s.error("reminders", 'give whole days, like "14d"')
    return GrantSettings(reminders=offsets)


def _feedback(s: _Section) -> FeedbackSettings:
    defaults = FeedbackSettings()
    return FeedbackSettings(
        delay=_duration(s, "delay", defaults.delay),
        open_for=_duration(s, "open_for", defaults.open_for),
    )


def _positive(s: _Section, name: str, kind: type | tuple[type, ...], default: Any) -> Any:
    value = s.get(name, kind, default)
    if value <= 0:
        raise s.error(name, "must be greater than zero")
    return value


def _delivery(s: _Section) -> DeliverySettings:
    d = DeliverySettings()
    rate = float(_positive(s, "global_rate", (int, float), d.global_rate))
    if rate > 1000:
        raise s.error("global_rate", "is above Telegram's paid broadcast ceiling (1000/s)")
    return DeliverySettings(
        global_rate=rate,
        private_interval=float(_positive(s, "private_interval", (int, float), d.private_interval)),
        group_per_minute=int(_positive(s, "group_per_minute", int, d.group_per_minute)),
        max_attempts=int(_positive(s, "max_attempts", int, d.max_attempts)),
        backoff_cap=float(_positive(s, "backoff_cap", (int, float), d.backoff_cap)),
        read_timeout=float(_positive(s, "read_timeout", (int, float), d.read_timeout)),
        outage_backoff_cap=float(
            _positive(s, "outage_backoff_cap", (int, float), d.outage_backoff_cap)
        ),
        resend_pause=float(_positive(s, "resend_pause", (int, float), d.resend_pause)),
    )


def _webhook(s: _Section) -> WebhookSettings:
    d = WebhookSettings()
    url = s.get("url", str, d.url)
    if url and not re.match(r"^https?://[^/\s]+", url):
        raise s.error("url", f"{url!r} is not an http(s) URL")
    secret = s.get("secret", str, d.secret)
    if secret and not re.fullmatch(r"[A-Za-z0-9_-]{32,256}", secret):
        raise s.error("secret", "must be 32-256 characters of A-Z, a-z, 0-9, _ and -")
    port = s.get("port", int, d.port)
    if not 0 < port < 65536:
        raise s.error("port", "must be between 1 and 65535")
    return WebhookSettings(url=url, secret=secret, listen=s.get("listen", str, d.listen), port=port)


def _privacy(s: _Section) -> PrivacySettings:
    months = s.get("retention_months", int, PrivacySettings().retention_months)
    if not 0 < months <= MAX_RETENTION_MONTHS:
        raise s.error(
            "retention_months", f"must be a whole number of months from 1 to {MAX_RETENTION_MONTHS}"
        )
    return PrivacySettings(retention_months=months)
