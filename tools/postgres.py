"""A throwaway PostgreSQL server for tests: Debian's package, a temporary cluster, loopback only.

    python tools/postgres.py                # start one, print its URL and timings, stop it
    python tools/postgres.py run -- CMD...  # run CMD with JARJESTOBOTTI_TEST_DATABASE_URL set

The server binaries come from PATH or Debian's /usr/lib/postgresql/<version>/bin; when neither has
them and we run as root, `apt-get install postgresql` puts them there (`apt-get update` first if
the package is unknown). The cluster lives in a temporary folder (initdb, trust authentication
for one user, durability off: it is thrown away), listens on a free port of 127.0.0.1 with its
unix socket in the same folder, so it neither needs nor disturbs a system cluster. It is stopped
and removed at the end, also when the tests fail, and when the process is told to stop (SIGTERM,
SIGINT): the handler stops the cluster, then lets the signal do what it would have done.

A process killed outright (SIGKILL, a crashed host) cannot clean up: each cluster's folder
records its owner (`owner.pid`: the process id and its start time), and every start first
removes the clusters under /tmp/jb-pg-* whose owner is gone, stopping their server if it still
runs. A folder without that file (an older run, or being set up) is left alone.

PostgreSQL refuses to run as root; as root the cluster belongs to the `postgres` user the package
creates and every server command runs through `runuser`.

Anything that keeps the server from starting raises PostgresUnavailable with the reason: the tests
that asked for PostgreSQL fail rather than skip.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

__all__ = [
    "PostgresServer",
    "PostgresUnavailable",
    "clear_stale",
    "find_binaries",
    "running_server",
]

URL_ENV = "JARJESTOBOTTI_TEST_DATABASE_URL"
DEBIAN_ROOT = Path("/usr/lib/postgresql")
USER = "bot"
DATABASE = "jarjestobotti"
SERVICE_ACCOUNT = "postgres"
PREFIX = "jb-pg-"
OWNER_FILE = "owner.pid"
_TOOLS = ("initdb", "pg_ctl", "postgres")
# Durability off and a small footprint: the cluster is discarded, and 6 suites share 2 cores.
_SERVER_OPTIONS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    " -c max_connections=200 -c shared_buffers=32MB"
)


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be started here; the message says why."""


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)


def find_binaries() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres: PATH first, then Debian's newest version."""
    found = shutil.which("pg_ctl")
    if found:
        folder = Path(found).resolve().parent
        if all((folder / tool).exists() for tool in _TOOLS):
            return folder
    candidates = sorted(DEBIAN_ROOT.glob("*/bin"), key=_version_key, reverse=True)
    for folder in candidates:
        if all((folder / tool).exists() for tool in _TOOLS):
            return folder
    return None


def _apt_get(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        ["apt-get", *args], env=env, capture_output=True, text=True, check=False, timeout=900
    )


def install() -> Path:
    """Debian's postgresql package, installed when the binaries are missing (root only)."""
    folder = find_binaries()
    if folder is not None:
        return folder
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise PostgresUnavailable(
            "PostgreSQL server binaries not found; install Debian's `postgresql` package"
        )
    done = _apt_get("install", "-y", "--no-install-recommends", "postgresql")
    if done.returncode != 0:
        # A fresh container has no package lists yet: fetch them once and try again.
        _apt_get("update")
        done = _apt_get("install", "-y", "--no-install-recommends", "postgresql")
    folder = find_binaries()
    if done.returncode != 0 or folder is None:
        raise PostgresUnavailable(f"apt-get install postgresql failed:\n{done.stderr[-2000:]}")
    return folder


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """One temporary cluster; `start()` then `stop()`, or `running_server()`."""

    binaries: Path
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix=PREFIX)))
    port: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    # With a password, connections over TCP must give it (scram-sha-256), so a wrong one is
    # refused as on a real server; the unix socket stays trusted. None: trust everywhere.
    password: str | None = None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = DATABASE, *, password: str | None = None) -> str:
        """The database's URL; with the cluster's password unless another one is given."""
        secret = self.password if password is None else password
        login = f"{USER}:{secret}" if secret else USER
        return f"postgresql://{login}@127.0.0.1:{self.port}/{database}"

    def _command(self, tool: str, *args: str) -> list[str]:
        command = [str(self.binaries / tool), *args]
        if os.geteuid() == 0:
            return ["runuser", "-u", SERVICE_ACCOUNT, "--", *command]
        return command

    def _run(self, step: str, tool: str, *args: str) -> None:
        started = time.monotonic()
        env = {**os.environ, "PGPASSWORD": self.password} if self.password else None
        done = subprocess.run(
            self._command(tool, *args),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env=env,
        )
        self.timings[step] = self.timings.get(step, 0.0) + time.monotonic() - started
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresUnavailable(
                f"{tool} {' '.join(args[:2])} failed: {done.stderr.strip()[-2000:]}\n{log}"
            )

    def start(self) -> None:
        """A new cluster in `folder`, or the same one again after `stop(keep=True)`."""
        if self.data.exists():
            self._start_server(self.port)
            return
        (self.folder / OWNER_FILE).write_text(_identity(os.getpid()))
        if os.geteuid() == 0:
            shutil.chown(self.folder, user=SERVICE_ACCOUNT)
        self._run(
            "initdb",
            "initdb",
            *("-D", str(self.data), "-U", USER, *self._auth(), "--no-sync"),
            *("-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"),
        )
        # A port free now may be taken before the server binds it: a few tries.
        for attempt in range(3):
            try:
                self._start_server(free_port())
                break
            except PostgresUnavailable:
                if attempt == 2:
                    raise
        self.create_database(DATABASE)

    def _auth(self) -> tuple[str, ...]:
        if not self.password:
            return ("--auth=trust",)
        secret = self.folder / "password"
        secret.write_text(self.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(secret, user=SERVICE_ACCOUNT)
        return ("--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={secret}")

    def _start_server(self, port: int) -> None:
        self.port = port
        options = f"-h 127.0.0.1 -p {port} -k {self.folder} {_SERVER_OPTIONS}"
        self._run("start", "pg_ctl", "-D", str(self.data), "-l", str(self.log),
                  "-w", "-t", "60", "-o", options, "start")  # fmt: skip

    def create_database(self, name: str, template: str = "template0") -> str:
        """A new empty database (or a copy of `template`); its URL."""
        self._run("createdb", "createdb", *self._client_args(), "-T", template, name)
        return self.url(name)

    def _client_args(self) -> tuple[str, ...]:
        return ("-h", "127.0.0.1", "-p", str(self.port), "-U", USER)

    def stop(self, *, keep: bool = False) -> None:
        """Stop the server and remove the cluster; with `keep`, only stop it (an outage: `start()`
        brings the same cluster back on the same port)."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("stop", "pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            if not keep:
                shutil.rmtree(self.folder, ignore_errors=True)


def _started_at(pid: int) -> str:
    """The process's start time in clock ticks since boot (/proc), or "" where there is no /proc:
    with the pid it names one process, even after the pid is reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


def _identity(pid: int) -> str:
    return f"{pid} {_started_at(pid)}".strip()


def _alive(identity: str) -> bool:
    pid_text, _, started = identity.partition(" ")
    try:
        pid = int(pid_text)
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        pass  # someone else's process: alive
    return not started or _started_at(pid) in ("", started)


def clear_stale(binaries: Path, root: Path | None = None) -> list[Path]:
    """Stop and remove the clusters under `root` (the temporary folder) whose owner is gone; the
    folders removed."""
    removed = []
    for folder in sorted(Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*")):
        try:
            owner = (folder / OWNER_FILE).read_text().strip()
        except OSError:
            continue  # not ours to judge: no owner recorded
        if _alive(owner):
            continue
        stale = PostgresServer(binaries, folder)
        if (stale.data / "postmaster.pid").exists():
            # Immediate: nobody will read this cluster again. A server already gone is fine.
            subprocess.run(
                stale._command("pg_ctl", "-D", str(stale.data), "-m", "immediate", "-w", "stop"),
                capture_output=True, check=False, timeout=60,
            )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


_Handler = Callable[[int, FrameType | None], Any] | int | None


@contextmanager
def _stopped_on_signals(server: PostgresServer) -> Iterator[None]:
    """While the body runs, SIGTERM and SIGINT first stop and remove the cluster, then do what
    they did before (the default: the process ends by that signal)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; clear_stale catches the rest
        return
    previous: dict[int, _Handler] = {}

    def on_signal(number: int, frame: FrameType | None) -> None:
        server.stop()
        before = previous[number]
        if callable(before):
            before(number, frame)
        elif before != signal.SIG_IGN:
            signal.signal(number, signal.SIG_DFL)
            os.kill(os.getpid(), number)

    for number in (signal.SIGTERM, signal.SIGINT):
        previous[number] = signal.getsignal(number)
        if previous[number] != signal.SIG_IGN:
            signal.signal(number, on_signal)
    try:
        yield
    finally:
        for caught, before in previous.items():
            signal.signal(caught, before if before is not None else signal.SIG_DFL)


@contextmanager
def running_server(password: str | None = None) -> Iterator[PostgresServer]:
    """A started server (trust authentication, or `password` required over TCP), stopped and
    removed at the end."""
    started = time.monotonic()
    binaries = install()
    clear_stale(binaries)
    server = PostgresServer(binaries, password=password)
    server.timings["install"] = time.monotonic() - started
    with _stopped_on_signals(server):
        try:
            server.start()
            yield server
        finally:
            server.stop()


def main(argv: Sequence[str]) -> int:
    if argv and argv[0] == "run":
        command = list(argv[1:])
        if command[:1] == ["--"]:
            command = command[1:]
        if not command:
            print("usage: python tools/postgres.py run -- COMMAND...", file=sys.stderr)
            return 2
        with running_server() as server:
            env = {**os.environ, URL_ENV: server.url()}
            return subprocess.run(command, env=env, check=False).returncode
    with running_server() as server:
        print(server.url())
        print(" ".join(f"{step} {seconds:.2f}s" for step, seconds in server.timings.items()))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except PostgresUnavailable as error:
        print(f"postgres: {error}", file=sys.stderr)
        sys.exit(2)
