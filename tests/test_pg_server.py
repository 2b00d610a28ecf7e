"""tools/postgres.py: the throwaway server starts, answers, and leaves nothing behind; where it
cannot start, the reason is an error, never a skip."""

from __future__ import annotations

import os
import socket

import psycopg
import pytest

from tools import postgres


def test_a_server_starts_on_loopback_and_is_gone_afterwards():
    with postgres.running_server() as server:
        with psycopg.connect(server.url()) as conn:
            row = conn.execute("SELECT current_database(), current_user").fetchone()
        assert row == (postgres.DATABASE, postgres.USER)
        assert server.url().startswith("postgresql://bot@127.0.0.1:")
        folder, port = server.folder, server.port
        assert set(server.timings) >= {"install", "initdb", "start", "createdb"}
    assert not folder.exists()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # nobody listens there any more


def test_missing_binaries_without_root_is_an_error_with_the_reason(monkeypatch):
    monkeypatch.setattr(postgres, "find_binaries", lambda: None)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(postgres.PostgresUnavailable, match="install Debian's `postgresql`"):
        postgres.install()


def test_run_gives_the_command_the_url_and_its_exit_status(capfd):
    status = postgres.main(
        ["run", "--", "sh", "-c", 'echo "$JARJESTOBOTTI_TEST_DATABASE_URL"; exit 3']
    )
    assert status == 3
    assert capfd.readouterr().out.startswith("postgresql://bot@127.0.0.1:")
