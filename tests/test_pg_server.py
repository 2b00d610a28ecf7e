"""tools/postgres.py: the throwaway server starts, answers, and leaves nothing behind; where it
cannot start, the reason is an error, never a skip."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

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


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _owned_by(pid: int) -> list[Path]:
    found = []
    for folder in Path(tempfile.gettempdir()).glob(f"{postgres.PREFIX}*"):
        owner = folder / postgres.OWNER_FILE
        if owner.exists() and owner.read_text().split()[0] == str(pid):
            found.append(folder)
    return found


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_run_told_to_stop_takes_its_cluster_with_it(number):
    # The command prints the URL, then waits for its stdin to close (so it ends with the test).
    waiter = "import os, sys; print(os.environ['JARJESTOBOTTI_TEST_DATABASE_URL'], flush=True); "
    waiter += "sys.stdin.read()"
    with subprocess.Popen(
        [sys.executable, "tools/postgres.py", "run", "--", sys.executable, "-c", waiter],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    ) as run:  # fmt: skip
        assert run.stdout is not None and run.stdin is not None
        try:
            url = run.stdout.readline().strip()
            port = int(url.rsplit(":", 1)[1].split("/")[0])
            folders = _owned_by(run.pid)
            assert len(folders) == 1 and (folders[0] / "data" / "postmaster.pid").exists()
            assert _listening(port)
            run.send_signal(number)
            assert run.wait(timeout=60) != 0
        finally:
            run.stdin.close()  # the waiting command ends
            run.kill()
    assert not folders[0].exists()
    assert not _listening(port)


def test_a_start_clears_the_clusters_whose_owner_is_gone(tmp_path):
    binaries = postgres.install()
    gone = subprocess.Popen(["true"])
    gone.wait()  # its pid now names no process
    orphan = postgres.PostgresServer(binaries, Path(tempfile.mkdtemp(prefix="jb-pg-")))
    kept = postgres.PostgresServer(binaries, Path(tempfile.mkdtemp(prefix="jb-pg-")))
    unowned = Path(tempfile.mkdtemp(prefix="jb-pg-"))  # an older run's, or one being set up
    try:
        orphan.start()
        (orphan.folder / postgres.OWNER_FILE).write_text(f"{gone.pid} 1")
        kept.start()  # owned by this process, alive
        assert _listening(orphan.port) and _listening(kept.port)
        with postgres.running_server() as server:
            assert not orphan.folder.exists()
            assert not _listening(orphan.port)
            assert kept.folder.exists() and _listening(kept.port)
            assert unowned.exists()
            assert server.folder in _owned_by(os.getpid())
    finally:
        for server in (orphan, kept):
            server.stop()
        unowned.rmdir()


def test_a_reused_pid_is_not_the_owner():
    # Our own pid with another start time: the process that started the cluster is gone.
    assert postgres._alive(postgres._identity(os.getpid()))
    assert not postgres._alive(f"{os.getpid()} 1")


def test_a_cluster_stopped_and_started_again_keeps_its_port_and_data():
    with postgres.running_server() as server:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (n int)")
            conn.execute("INSERT INTO kept VALUES (7)")
        port = server.port
        server.stop(keep=True)
        assert not _listening(port)
        server.start()
        assert server.port == port
        with psycopg.connect(server.url()) as conn:
            assert conn.execute("SELECT n FROM kept").fetchone() == (7,)
