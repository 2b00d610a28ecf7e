"""What deploy/ ships for several processes: the systemd template unit parses and says what it
should, and the nginx upstream block really spreads Telegram's webhook requests over real bot
processes, passing the secret header, also after one of them is killed.

nginx comes from PATH, /usr/sbin or Debian's `nginx` package (installed here when missing, as
root, as tools/postgres.py installs PostgreSQL); when it cannot be had the test fails with the
reason rather than skipping.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tools.cluster import ROOT, WEBHOOK_PATH, Cluster, free_port

UNIT = ROOT / "deploy" / "jarjestobotti@.service"
NGINX = ROOT / "deploy" / "nginx-upstream.conf"


def _unit_sections(text: str) -> dict[str, dict[str, list[str]]]:
    """systemd's INI dialect: sections, keys that may repeat, `#`/`;` comments, `\\` joins."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in text.replace("\\\n", " ").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"a key before any section: {line!r}"
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", key.strip()), line
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_the_systemd_unit_runs_one_webhook_process_per_port() -> None:
    unit = _unit_sections(UNIT.read_text(encoding="utf-8"))
    assert set(unit) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    (command,) = service["ExecStart"]
    assert " ".join(command.split()[1:]) == (
        "-m bot run --webhook --port %i --config /etc/jarjestobotti/config.toml"
    )
    assert service["Restart"] == ["on-failure"]
    assert service["User"] == ["jarjestobotti"]
    assert service["EnvironmentFile"] == ["/etc/jarjestobotti/env"]
    assert service["KillSignal"] == ["SIGTERM"]  # the bot's graceful stop
    for key, value in {
        "NoNewPrivileges": "true",
        "ProtectSystem": "strict",
        "ProtectHome": "true",
        "PrivateTmp": "true",
    }.items():
        assert service[key] == [value], key
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]
    # The secrets come from the environment file, never from the unit itself.
    assert "TELEGRAM_BOT_TOKEN=" not in "".join(service.get("Environment", []))


def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    """systemd's own check, where systemd is installed (the parser check above runs always)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        assert _unit_sections(UNIT.read_text(encoding="utf-8"))["Service"]["ExecStart"]
        return
    # An instance of the template, with a Python that exists here (verify checks ExecStart).
    text = UNIT.read_text(encoding="utf-8").replace(
        "/opt/jarjestobotti/.venv/bin/python", str(Path(sys.executable).resolve())
    )
    (tmp_path / UNIT.name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", str(tmp_path / "jarjestobotti@8443.service")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    problems = [
        line
        for line in done.stderr.splitlines()
        if "jarjestobotti@" in line and ("Unknown" in line or "bad" in line or "Refusing" in line)
    ]
    assert done.returncode == 0 and not problems, done.stderr


# --- nginx, for real ------------------------------------------------------------------------


def _nginx() -> str:
    """nginx's binary, installed with apt-get when missing (root); fails the test otherwise."""
    for found in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if found and Path(found).exists():
            return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.fail("nginx is not installed (and cannot be: not root or no apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "nginx"]
    done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:  # a fresh container has no package lists yet
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=900)
        done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
    for found in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if found and Path(found).exists():
            return found
    pytest.fail(f"apt-get install nginx failed:\n{done.stderr[-2000:]}")


def _blocks(text: str) -> dict[str, str]:
    """The shipped file's top-level blocks by their head (`upstream jarjestobotti`, ...)."""
    found: dict[str, str] = {}
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    for head in re.finditer(r"^([A-Za-z][^{;\n]*?)\s*\{", code, re.MULTILINE):
        depth, end = 0, head.end() - 1
        for end in range(head.end() - 1, len(code)):
            depth += {"{": 1, "}": -1}.get(code[end], 0)
            if depth == 0:
                break
        found[head.group(1)] = code[head.start() : end + 1]
    return found


def _config(prefix: Path, listen: int, ports: list[int]) -> str:
    blocks = _blocks(NGINX.read_text(encoding="utf-8"))
    assert set(blocks) == {"upstream jarjestobotti", f"location = /{WEBHOOK_PATH}"}, set(blocks)
    upstream = blocks["upstream jarjestobotti"]
    shipped = re.findall(r"server 127\.0\.0\.1:(\d+)", upstream)
    assert len(shipped) == len(ports) == 3
    for old, new in zip(shipped, ports, strict=True):
        upstream = upstream.replace(f"127.0.0.1:{old} ", f"127.0.0.1:{new} ")
    location = blocks[f"location = /{WEBHOOK_PATH}"]
    temp = " ".join(
        f"{kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    return (
        f"{'user root;' if os.geteuid() == 0 else ''}\n"
        f"worker_processes 1;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} info;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "  log_format upstreams '$status|$upstream_addr|$upstream_status';\n"
        f"  access_log {prefix / 'access.log'} upstreams;\n"
        f"  {temp} uwsgi_temp_path {prefix / 'uwsgi'}; scgi_temp_path {prefix / 'scgi'};\n"
        f"  {upstream}\n"
        f"  server {{\n    listen 127.0.0.1:{listen};\n    {location}\n  }}\n"
        "}\n"
    )


@contextmanager
def _running_nginx(prefix: Path, ports: list[int]) -> Iterator[int]:
    binary = _nginx()
    listen = free_port()
    (prefix / "nginx.conf").write_text(_config(prefix, listen, ports), encoding="utf-8")
    command = [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    server = subprocess.Popen(
        [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        Cluster.wait_for(lambda: (prefix / "nginx.pid").exists(), "nginx to start", 30)
        yield listen
    finally:
        server.send_signal(signal.SIGQUIT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()


def _upstreams(prefix: Path) -> list[str]:
    """Each request's `$upstream_addr` (several, comma-separated, when nginx tried on)."""
    lines = (prefix / "access.log").read_text(encoding="utf-8").splitlines()
    return [line.split("|")[1] for line in lines]


def _replied(cluster: Cluster, people: list[int]) -> None:
    for person in people:
        cluster.send(person, "/start")
    for person in people:
        cluster.wait_for(functools.partial(cluster.messages, person), "a reply", 60)


def test_nginx_spreads_updates_and_skips_a_dead_process(tmp_path: Path) -> None:
    prefix = tmp_path / "nginx"
    for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / folder).mkdir(parents=True)
    ports = [free_port() for _ in range(3)]
    with (
        _running_nginx(prefix, ports) as listen,
        Cluster.start(
            tmp_path,
            database=str(tmp_path / "bot.sqlite3"),
            ports=ports,
            webhook_base=f"http://127.0.0.1:{listen}",
        ) as cluster,
    ):
        assert cluster.forwarder.counts.total() == 0  # nginx, not the forwarder, is in front
        _replied(cluster, [cluster.add_user(f"Ennen{n}") for n in range(6)])
        before = _upstreams(prefix)
        assert {f"127.0.0.1:{port}" for port in ports} <= set(before), before

        victim = cluster.processes[0]
        victim.kill()
        _replied(cluster, [cluster.add_user(f"Jälkeen{n}") for n in range(6)])
        after = _upstreams(prefix)[len(before) :]
        # Every update after the kill was answered by a living process; the one that met the
        # dead process first went on to the next (its line names both).
        answered_by = [addresses.split(", ")[-1] for addresses in after]
        assert f"127.0.0.1:{victim.port}" not in answered_by, after
        assert any(f"127.0.0.1:{victim.port}," in line for line in after), after
