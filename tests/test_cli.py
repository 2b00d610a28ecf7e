"""The command line: readable one-line errors with exit code 2, and nothing changed on failure."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from storage.schema import latest_version

ROOT = Path(__file__).resolve().parents[1]


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "bot.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_help_for_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("run", "demo", "migrate", "check"):
        with pytest.raises(SystemExit) as caught:
            main([command, "--help"])
        assert caught.value.code == 0
        assert f"python -m bot {command}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[bot]\nadmins = ["x"]\n', "bot.admins: 'x' is not a Telegram user id"),
        ('[bot]\ntimezone = "Europe/Atlantis"\n', "bot.timezone"),
        ("[bot\n", "(syntax): not valid TOML"),
        ("[telegram]\ncolour = 1\n", "telegram.colour: unknown key"),
    ],
)
def test_bad_config_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, expected: str
) -> None:
    path = _write(tmp_path, body)
    assert main(["check", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert str(path) in err
    assert expected in err
    assert "Traceback" not in err


def test_run_without_token_explains_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    path = _write(tmp_path, f'[storage]\npath = "{tmp_path / "db.sqlite3"}"\n')
    assert main(["run", "--config", str(path)]) == 2
    assert "telegram.token: no bot token" in capsys.readouterr().err


def test_migrate_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "db.sqlite3"
    path = _write(tmp_path, f'[storage]\npath = "{db}"\n')
    assert main(["migrate", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "applied 0001_initial" in out
    assert f"schema version {latest_version()} (up to date)" in out
    # No token: check reports it as the problem, but the database is fine.
    assert main(["check", "--config", str(path)]) == 2
    out = capsys.readouterr().out
    assert f"schema version {latest_version()}" in out
    assert "problem: " in out
    assert "telegram.token" in out


def test_check_refuses_foreign_and_newer_databases_without_changing_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "foreign.sqlite3"
    foreign.write_bytes(b"not a database at all")
    path = _write(tmp_path, f'[storage]\npath = "{foreign}"\n')
    assert main(["migrate", "--config", str(path)]) == 2
    assert "not an SQLite database" in capsys.readouterr().err
    assert foreign.read_bytes() == b"not a database at all"

    newer = tmp_path / "newer.sqlite3"
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.close()
    before = newer.read_bytes()
    path = _write(tmp_path, f'[storage]\npath = "{newer}"\n')
    assert main(["check", "--config", str(path)]) == 2
    assert "newer than this program" in capsys.readouterr().out
    assert main(["migrate", "--config", str(path)]) == 2
    assert newer.read_bytes() == before


def test_unreachable_base_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`check` reports it (`run` waits for Telegram instead: tests/test_startup_resilience.py)."""
    path = _write(
        tmp_path,
        '[telegram]\ntoken = "1:abc"\nbase_url = "http://127.0.0.1:9/bot"\n'
        f'[storage]\npath = "{tmp_path / "db.sqlite3"}"\n',
    )
    assert main(["check", "--config", str(path)]) == 2
    out = capsys.readouterr().out
    assert "telegram.base_url: cannot reach http://127.0.0.1:9/bot" in out


def test_module_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0
    assert "demo" in result.stdout


def test_webhook_mode_requires_url_and_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:abcdef")
    path = _write(
        tmp_path,
        f'[storage]\npath = "{tmp_path / "db.sqlite3"}"\n'
        '[webhook]\nurl = "https://bot.example.fi/tg/hook"\n',
    )
    assert main(["run", "--webhook", "--config", str(path)]) == 2
    assert "webhook.secret: required for --webhook" in capsys.readouterr().err
    from bot.core.config import load_config
    from bot.runtime.webhook import webhook_path

    body = path.read_text()
    path.write_text(body + f'secret = "{"s" * 40}"\n', encoding="utf-8")
    assert main(["run", "--webhook", "--config", str(path)]) == 2
    assert "webhook.secret: does not look random" in capsys.readouterr().err
    secret = "Qm3xT9_vK2pLw8-ZrB4nY7cHd1sFj6Ga0eU5"  # 36 characters, 34 different
    path.write_text(body + f'secret = "{secret}"\n', encoding="utf-8")
    assert webhook_path(load_config(path, environ={})) == "tg/hook"
