"""Configuration loading: defaults, environment overrides, and one clear error per bad input."""

from __future__ import annotations

import contextlib
from datetime import time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.config import (
    DEFAULT_THEMES,
    ConfigError,
    QuietHours,
    load_config,
    parse_config,
    parse_duration,
    parse_quiet_hours,
)

ROOT = Path(__file__).resolve().parents[1]


def test_example_config_loads_with_documented_defaults() -> None:
    config = load_config(ROOT / "config.example.toml", environ={})
    assert config.telegram.token == ""
    assert config.telegram.base_url == "https://api.telegram.org/bot"
    assert config.telegram.base_file_url == "https://api.telegram.org/file/bot"
    assert config.bot.timezone.key == "Europe/Helsinki"
    assert config.bot.default_language == "fi"
    assert config.bot.themes == DEFAULT_THEMES
    assert config.reminders.offsets == (timedelta(days=7), timedelta(days=1), timedelta(hours=2))
    assert config.reminders.quiet_hours == QuietHours(time(21), time(8))
    assert config.feedback.delay == timedelta(hours=1)
    assert config.webhook.listen == "127.0.0.1"


def test_environment_overrides_token_base_url_and_database() -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "42:abc_DEF-1",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
        "JARJESTOBOTTI_DB": "/tmp/x.sqlite3",
    }
    config = parse_config({"telegram": {"token": "1:zzz"}}, environ=env)
    assert config.telegram.token == "42:abc_DEF-1"
    assert config.telegram.base_url == "http://127.0.0.1:8081/bot"
    assert config.telegram.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert config.storage.path == Path("/tmp/x.sqlite3")


def test_custom_themes_replace_the_defaults() -> None:
    config = parse_config(
        {"bot": {"themes": [{"id": "sauna", "fi": "Sauna", "sv": "Bastu", "en": "Sauna"}]}}
    )
    assert [t.id for t in config.bot.themes] == ["sauna"]
    assert config.bot.theme("sauna") is not None
    assert config.bot.themes[0].name("sv") == "Bastu"


@pytest.mark.parametrize(
    ("data", "key", "problem"),
    [
        ({"bot": {"admins": ["abc"]}}, "bot.admins", "not a Telegram user id"),
        ({"bot": {"admins": [True]}}, "bot.admins", "not a Telegram user id"),
        ({"bot": {"timezone": "Mars/Olympus"}}, "bot.timezone", "not a known time zone"),
        ({"bot": {"default_language": "de"}}, "bot.default_language", "must be one of"),
        ({"bot": {"colour": "red"}}, "bot.colour", "unknown key"),
        ({"extra": {}}, "extra", "unknown section"),
        ({"telegram": {"base_url": "ftp://x"}}, "telegram.base_url", "not an http(s) URL"),
        ({"telegram": {"token": "nonsense"}}, "telegram.token", "does not look like"),
        ({"telegram": {"token": 5}}, "telegram.token", "expected a string"),
        ({"reminders": {"offsets": ["1w"]}}, "reminders.offsets", "not a duration"),
        ({"reminders": {"offsets": ["1d", "24h"]}}, "reminders.offsets", "same offset twice"),
        ({"reminders": {"quiet_hours": "25:00-08:00"}}, "reminders.quiet_hours", "time of day"),
        ({"feedback": {"delay": "soon"}}, "feedback.delay", "not a duration"),
        ({"delivery": {"global_rate": 0}}, "delivery.global_rate", "greater than zero"),
        ({"delivery": {"group_per_minute": True}}, "delivery.group_per_minute", "boolean"),
        ({"webhook": {"secret": "short"}}, "webhook.secret", "32-256"),
        ({"webhook": {"port": 70000}}, "webhook.port", "between 1 and 65535"),
        ({"bot": {"themes": [{"id": "x", "fi": "X", "sv": "X"}]}}, "bot.themes[0].en", "missing"),
        ({"bot": {"themes": [{"id": "Bad Id", "fi": "", "sv": "", "en": ""}]}}, "[0].id", "lower"),
        ({"storage": {"path": " "}}, "storage.path", "must not be empty"),
    ],
)
def test_bad_values_name_the_key(data: dict[str, object], key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, source="bot.toml")
    message = str(caught.value)
    assert message.startswith("bot.toml: ")
    assert key in message
    assert problem in message


def test_malformed_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[bot\nadmins = [", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml: \(syntax\): not valid TOML"):
        load_config(bad, environ={})
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml", environ={})


def test_quiet_hours_wrap_midnight() -> None:
    quiet = parse_quiet_hours("21:00-08:00")
    assert quiet is not None
    assert quiet.contains(time(23, 30))
    assert quiet.contains(time(7, 59))
    assert not quiet.contains(time(8, 0))
    assert not quiet.contains(time(12, 0))
    assert parse_quiet_hours("") is None
    daytime = parse_quiet_hours("12.00-13.00")
    assert daytime is not None
    assert daytime.contains(time(12, 30))
    assert not daytime.contains(time(13, 0))
    assert str(daytime) == "12:00-13:00"


def test_durations() -> None:
    assert parse_duration("7d") == timedelta(days=7)
    assert parse_duration(" 30m ") == timedelta(minutes=30)
    for bad in ("0h", "7", "d", "-1d", "1.5h"):
        with pytest.raises(ValueError, match="not a duration"):
            parse_duration(bad)


@given(st.text(max_size=30))
def test_quiet_hours_parser_never_crashes(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_quiet_hours(text)


@given(
    st.dictionaries(
        st.sampled_from(["bot", "telegram", "delivery", "zzz"]),
        st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8)),
    )
)
def test_config_loader_only_raises_config_errors(data: dict[str, object]) -> None:
    with contextlib.suppress(ConfigError):
        parse_config(data)


def test_storage_url_from_the_file_or_the_environment_which_wins() -> None:
    data = {"storage": {"url": "postgresql://bot:s3cret@db.example:5432/jb"}}
    config = parse_config(data, source="bot.toml", environ={})
    assert config.storage.url == "postgresql://bot:s3cret@db.example:5432/jb"
    assert config.storage.where == "postgresql://bot:***@db.example:5432/jb"
    other = "postgres://other@10.0.0.2/jb"
    config = parse_config(data, environ={"JARJESTOBOTTI_DATABASE_URL": other})
    assert config.storage.url == other
    assert config.storage.where == other
    # Without a URL the SQLite file stays the database.
    plain = parse_config({}, environ={})
    assert plain.storage.url == ""
    assert plain.storage.where == "jarjestobotti.sqlite3"


def test_a_storage_url_of_another_kind_names_the_key_not_the_password() -> None:
    data = {"storage": {"url": "mysql://bot:s3cret@db.example/jb"}}
    with pytest.raises(ConfigError) as caught:
        parse_config(data, source="bot.toml", environ={})
    assert str(caught.value).startswith("bot.toml: storage.url: mysql://: expected postgresql://")
    assert "s3cret" not in str(caught.value)
