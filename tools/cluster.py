"""Several real bot processes behind one webhook, for tests and benchmarks (issue 18).

    with Cluster.start(tmp_path, database=pg_url, processes=3) as cluster:
        user = cluster.add_user("Liisa")
        cluster.send(user, "/start")
        cluster.wait_for(lambda: cluster.messages(user), "a reply")
        cluster.leader().kill()            # kill -9; another process takes over
        cluster.wait_for_leader()

What it runs, and stops at the end (also on failure; the children also die with this process,
PR_SET_PDEATHSIG):
- the Bot API stand-in, `python -m bot.sandbox --port 0 ...` in a process of its own (or one the
  caller already runs: `sandbox_url=`);
- N bot processes, `python -m bot run --webhook --port P_i --config FILE`, on one database
  (a `postgresql://` URL or an SQLite path), each logging to `<dir>/bot-<i>.log`;
- a round-robin forwarder (aiohttp, in a thread of this process) on one port: the webhook URL
  every process gives setWebhook. Each POST goes to the next process in turn, with Telegram's
  secret header passed through, and the stand-in gets that process's status back. A process that
  cannot be reached is skipped (the next one gets the update), as nginx's `proxy_next_upstream`
  does; when none can, the stand-in gets 502 and retries.

Which process leads delivery (bot/runtime/duties.py) is read from its log: a process that starts
and finds the leader's lock free leads without a word; one that finds it taken logs "another
process leads"; later "this process now leads" or "lost the leader's lock". `Cluster.leader()`
applies that, and on PostgreSQL `leader_lock_holders(url)` counts the holders in pg_locks.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import itertools
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "SANDBOX_TOKEN",
    "BotProcess",
    "Cluster",
    "Forwarder",
    "free_port",
    "leader_lock_holders",
    "start_sandbox",
]

ROOT = Path(__file__).resolve().parents[1]
SANDBOX_TOKEN = "123456:SANDBOX-TOKEN"
WEBHOOK_PATH = "tg/hook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_LEADS = "this process now leads"
_FOLLOWS = "another process leads"
_LOST = "lost the leader's lock"
_READY = ("ready", "receiving updates by webhook")
_PR_SET_PDEATHSIG = 1
_RUN = (sys.executable, "-m", "bot", "run", "--webhook")


def free_port() -> int:
    """A port free on 127.0.0.1 right now (the kernel's choice)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the process that started it dies (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def child_env() -> dict[str, str]:
    """This environment without the variables that would override the cluster's config."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BASE_URL", "JARJESTOBOTTI_DATABASE_URL"):
        env.pop(name, None)
    return env


def _stop(process: subprocess.Popen[Any], timeout: float = 10.0) -> int:
    """SIGTERM, then SIGKILL after `timeout`; the exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()


@contextlib.contextmanager
def start_sandbox(*arguments: str) -> Iterator[str]:
    """The stand-in in a process of its own (`--port 0 --no-chat-limits` unless `arguments`
    say otherwise); yields its base URL (`http://127.0.0.1:P/bot`)."""
    command = [sys.executable, "-m", "bot.sandbox", *(arguments or ("--no-chat-limits",))]
    if "--port" not in arguments:
        command += ["--port", "0"]
    sandbox = subprocess.Popen(
        command,
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_die_with_parent,
    )
    try:
        assert sandbox.stdout is not None
        first = sandbox.stdout.readline()
        found = re.search(r"at (http://\S+/bot)", first)
        if not found:
            raise RuntimeError(f"the stand-in did not start: {first!r}")
        yield found.group(1)
    finally:
        _stop(sandbox)
        if sandbox.stdout is not None:
            sandbox.stdout.close()


def leader_lock_holders(url: str) -> int:
    """How many sessions hold the delivery leader's advisory lock on this PostgreSQL database
    (1 while a process leads, 0 in a fail-over's gap; never 2)."""
    import psycopg

    from storage.leadership import LEADER_KEY

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database() "
            "AND l.classid = 0 AND l.objid = %s AND l.objsubid = 1",
            (LEADER_KEY,),
        ).fetchone()
    return int(row[0]) if row else 0


class Forwarder:
    """One port, POSTs spread round-robin over `ports` (see the module's doc). `counts[port]`:
    updates each process answered; `routes`: (port, the update's sender's user id or None) for
    each, in order."""

    def __init__(self, ports: Sequence[int], *, port: int = 0) -> None:
        self.ports = list(ports)
        self.port = port
        self.counts: Counter[int] = Counter()
        self.routes: list[tuple[int, int | None]] = []
        self._turn = itertools.count()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: Any = None

    def start(self) -> Forwarder:
        from aiohttp import ClientSession, ClientTimeout, web

        async def up() -> None:
            self._session = ClientSession(timeout=ClientTimeout(total=30))
            app = web.Application()
            app.router.add_post("/{tail:.*}", self._forward)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

        self._thread.start()
        asyncio.run_coroutine_threadsafe(up(), self._loop).result(timeout=10)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _forward(self, request: Any) -> Any:
        from aiohttp import ClientError, web

        body = await request.read()
        headers = {"Content-Type": request.headers.get("Content-Type", "application/json")}
        if SECRET_HEADER in request.headers:
            headers[SECRET_HEADER] = request.headers[SECRET_HEADER]
        first = next(self._turn)
        for step in range(len(self.ports)):
            port = self.ports[(first + step) % len(self.ports)]
            target = f"http://127.0.0.1:{port}{request.path_qs}"
            try:
                async with self._session.post(target, data=body, headers=headers) as answer:
                    payload = await answer.read()
                    if answer.status < 500:
                        self.counts[port] += 1
                        self.routes.append((port, _sender(body)))
                    return web.Response(status=answer.status, body=payload)
            except (ClientError, OSError, TimeoutError):
                continue  # that process is down: the next one gets this update
        return web.Response(status=502, text="no bot process answered")

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        async def down() -> None:
            if self._runner is not None:
                await self._runner.cleanup()
            await self._session.close()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(down(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@dataclass
class BotProcess:
    """One `python -m bot run --webhook --port P` process."""

    index: int
    port: int
    log_path: Path
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def ready(self) -> bool:
        text = self.log()
        return all(mark in text for mark in _READY)

    def leads(self) -> bool:
        """Whether this (living, started) process leads, by its last leadership line."""
        if not self.alive() or not self.ready():
            return False
        last = None
        for line in self.log().splitlines():
            for mark in (_LEADS, _FOLLOWS, _LOST):
                if mark in line:
                    last = mark
        return last in (None, _LEADS)

    def kill(self) -> None:
        """kill -9: no clean-up at all; its connections (and locks) go with it."""
        if self.alive():
            self.process.kill()
        self.process.wait(timeout=10)

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM (a graceful stop); the exit code."""
        return _stop(self.process, timeout)


@dataclass
class Cluster:
    """The stand-in, N bot processes on one database and the forwarder between them."""

    directory: Path
    database: str
    base_url: str
    forwarder: Forwarder
    config_path: Path
    secret: str
    processes: list[BotProcess] = field(default_factory=list)

    @classmethod
    @contextlib.contextmanager
    def start(
        cls,
        directory: Path,
        *,
        database: str,
        processes: int = 3,
        extra_config: str = "",
        sandbox_url: str | None = None,
        sandbox_arguments: Sequence[str] = (),
        ready_timeout: float = 90.0,
        ports: Sequence[int] | None = None,
        webhook_base: str | None = None,
    ) -> Iterator[Cluster]:
        """`database`: a `postgresql://` URL or an SQLite file's path. `extra_config`: TOML
        appended to the generated config (say `[bot]\\nadmins = [1001]`). `ports` and
        `webhook_base` put another balancer in front (nginx, say): the processes listen on
        `ports` and give setWebhook `<webhook_base>/tg/hook` instead of the forwarder's URL."""
        with contextlib.ExitStack() as stack:
            base_url = sandbox_url or stack.enter_context(start_sandbox(*sandbox_arguments))
            ports = list(ports or [free_port() for _ in range(processes)])
            forwarder = Forwarder(ports).start()
            stack.callback(forwarder.stop)
            secret = secrets.token_urlsafe(32)
            config = directory / "cluster.toml"
            config.write_text(
                _config(
                    base_url, database, f"{webhook_base or forwarder.url}/{WEBHOOK_PATH}", secret
                )
                + extra_config,
                encoding="utf-8",
            )
            cluster = cls(directory, database, base_url, forwarder, config, secret)
            stack.callback(cluster.stop_all)
            for port in ports:
                cluster.spawn(port)
            cluster.wait_ready(timeout=ready_timeout)
            yield cluster

    # --- processes -----------------------------------------------------------------------------

    def spawn(self, port: int | None = None) -> BotProcess:
        """Start one more bot process (on `port`, or a new one the forwarder is told about)."""
        if port is None:
            port = free_port()
            self.forwarder.ports.append(port)
        index = len(self.processes)
        log_path = self.directory / f"bot-{index}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [*_RUN, "--port", str(port), "--config", str(self.config_path)],
                cwd=ROOT,
                env=child_env(),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        found = BotProcess(index, port, log_path, process)
        self.processes.append(found)
        return found

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Until every living process has logged that it is ready and serves its port."""

        def ready() -> bool:
            for bot in self.processes:
                if not bot.alive() and not bot.ready():
                    raise RuntimeError(f"bot process {bot.index} exited:\n{bot.log()[-3000:]}")
            return all(bot.ready() for bot in self.processes if bot.alive())

        self.wait_for(ready, "every bot process to be ready", timeout)

    def living(self) -> list[BotProcess]:
        return [bot for bot in self.processes if bot.alive()]

    def leader(self) -> BotProcess:
        """The one living process that leads (AssertionError when none or several do)."""
        leading = [bot for bot in self.living() if bot.leads()]
        assert len(leading) == 1, f"processes leading: {[b.index for b in leading]}"
        return leading[0]

    def wait_for_leader(self, timeout: float = 30.0) -> BotProcess:
        """The leader once exactly one living process leads (after a fail-over, say)."""
        self.wait_for(lambda: sum(bot.leads() for bot in self.living()) == 1, "a leader", timeout)
        return self.leader()

    def stop_all(self) -> None:
        for bot in self.processes:
            if bot.alive():
                bot.process.terminate()
        for bot in self.processes:
            _stop(bot.process, timeout=15)

    def diagnose(self, lines: int = 25) -> str:
        """The last lines each process logged, for a failing test's message."""
        return "\n".join(
            f"--- bot {bot.index} (port {bot.port}, {'alive' if bot.alive() else 'dead'}):\n"
            + "\n".join(bot.log().splitlines()[-lines:])
            for bot in self.processes
        )

    def handled(self) -> dict[int, int]:
        """Updates the forwarder handed to each process (by index)."""
        return {bot.index: self.forwarder.counts[bot.port] for bot in self.processes}

    # --- the stand-in's control API (bot/sandbox/control.py) ----------------------------------

    @property
    def control_url(self) -> str:
        return self.base_url.removesuffix("/bot") + "/_sandbox"

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """GET (no body) or POST (JSON body) to /_sandbox/<path>; the decoded answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.control_url}/{path.lstrip('/')}",
            data=data,
            method="GET" if body is None else "POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{path}: {error.code} {error.read()!r}") from None

    def add_user(self, first_name: str, language_code: str = "fi", **more: Any) -> int:
        """A new person; their id (also their private chat's id)."""
        found = self.control(
            "users", {"first_name": first_name, "language_code": language_code, **more}
        )
        return int(found["user"]["id"])

    def send(self, user_id: int, text: str, chat_id: int | None = None) -> None:
        chat = user_id if chat_id is None else chat_id
        self.control("message", {"chat_id": chat, "user_id": user_id, "text": text})

    def press(self, user_id: int, text: str, chat_id: int | None = None) -> None:
        """Tap the inline button labelled `text` on the chat's newest message that has it."""
        chat = user_id if chat_id is None else chat_id
        self.control("press", {"chat_id": chat, "user_id": user_id, "text": text})

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        return list(self.control(f"chats/{chat_id}/messages"))

    def fault(self, kind: str, body: dict[str, Any] | None = None) -> Any:
        return self.control(f"faults/{kind}", body or {})

    @staticmethod
    def wait_for(predicate: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = predicate()
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _sender(body: bytes) -> int | None:
    """The user id an update comes from (message, callback query, poll answer…), if any."""
    try:
        update = json.loads(body)
    except ValueError:
        return None
    for value in update.values() if isinstance(update, dict) else ():
        if isinstance(value, dict):
            who = value.get("from") or value.get("user")
            if isinstance(who, dict) and isinstance(who.get("id"), int):
                return int(who["id"])
    return None


def _config(base_url: str, database: str, webhook_url: str, secret: str) -> str:
    storage = (
        f'url = "{database}"'
        if database.startswith(("postgresql://", "postgres://"))
        else f'path = "{database}"'
    )
    return (
        f'[telegram]\ntoken = "{SANDBOX_TOKEN}"\nbase_url = "{base_url}"\n'
        f"[storage]\n{storage}\n"
        f'[webhook]\nurl = "{webhook_url}"\nsecret = "{secret}"\nlisten = "127.0.0.1"\n'
    )
