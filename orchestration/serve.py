"""``jxc serve``: Streamlit, Dagster (webserver + daemon), the warm run worker and the REST API as
child processes, stopped together.

Each child runs in its own session so that Ctrl-C reaches only this supervisor, which then asks
every child to stop (SIGINT, like a Ctrl-C of their own), waits, and escalates to SIGTERM and
SIGKILL for a child that hangs. If one child dies, the others are stopped too: a half-running
product is worse than a clear exit.

Every service listens on 127.0.0.1 unless the operator opens them (``jxc serve --host`` or
JXC_SERVE_HOST). The Dagster UI has no login of its own and can launch runs, so it must never be
reachable from the network without an authenticating reverse proxy in front (docs/security.md).
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from operational.settings import PROJECT_ROOT
from orchestration.errors import JxcError
from orchestration.home import SERVICE_LOG_LEVEL

STOP_GRACE_SECONDS = 20.0
LOOPBACK = "127.0.0.1"
HOST_ENV = "JXC_SERVE_HOST"
# What the services print: warnings and errors, not every request or event (`jxc serve` ran for 54
# minutes into a 33,676-line log). One level for every child, passed on each one's own flag, and for
# the runs Dagster launches (python_logs in the dagster.yaml orchestration.home writes).
LOG_LEVEL = SERVICE_LOG_LEVEL
# `dagster dev` tells on itself on every start ("Function `dev_command` is superseded ... Use 'dg
# dev'"); `dg` is not part of this install, so the notice is only noise a newcomer reads as trouble.
_QUIET_WARNINGS = "ignore:Function `dev_command` is superseded"


@dataclass(frozen=True)
class Service:
    name: str
    argv: tuple[str, ...]
    port: int | None = None
    host: str = LOOPBACK
    env: tuple[tuple[str, str], ...] = ()  # added to the supervisor's environment for this child


def serve_host(option: str | None = None) -> str:
    """The address both services listen on: the option, else JXC_SERVE_HOST, else 127.0.0.1."""
    return (option or os.environ.get(HOST_ENV) or LOOPBACK).strip()


def is_loopback(host: str) -> bool:
    """True when only this machine can connect (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may well resolve to an address on the network


def streamlit_service(port: int = 8501, host: str = LOOPBACK) -> Service:
    return Service("streamlit", (
        "streamlit", "run", str(PROJECT_ROOT / "dashboards" / "app.py"),
        "--server.address", host, "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false", "--logger.level", LOG_LEVEL,
    ), port, host)


def dagster_service(port: int = 3000, host: str = LOOPBACK) -> Service:
    # `dagster dev` runs the webserver AND the daemon, so schedules and sensors tick.
    return Service("dagster", (
        "dagster", "dev", "-m", "orchestration.definitions", "-p", str(port), "-h", host,
        "--log-level", LOG_LEVEL, "--code-server-log-level", LOG_LEVEL,
    ), port, host, env=(("PYTHONWARNINGS", _QUIET_WARNINGS),))


def api_service(port: int = 8000, host: str = LOOPBACK) -> Service:
    # The REST API (api/, docs/api.md): its own token login, so it needs no proxy for auth, but
    # still TLS (a proxy) whenever it leaves the machine: tokens travel in a header.
    return Service("api", (
        sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", host, "--port", str(port),
        "--log-level", LOG_LEVEL, "--no-server-header",
    ), port, host)


def run_worker_service() -> Service:
    # The warm run worker (orchestration.warm_worker): the runs Dagster launches fork from it
    # instead of starting cold. It listens on a unix socket in DAGSTER_HOME, no network port.
    return Service("run-worker", (sys.executable, "-m", "orchestration.warm_worker", "--log-level", LOG_LEVEL))


def port_in_use(port: int, host: str = LOOPBACK) -> bool:
    """Whether ``port`` can be listened on at ``host``, the address the service will bind."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError:
            return True
    return False


class Supervisor:
    def __init__(self, services: Sequence[Service], *, env: dict[str, str] | None = None,
                 cwd: Path = PROJECT_ROOT) -> None:
        self.services = list(services)
        self.env = env
        self.cwd = cwd
        self.children: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        busy = [s for s in self.services if s.port is not None and port_in_use(s.port, s.host)]
        if busy:
            raise JxcError("port already in use: " + ", ".join(f"{s.port} ({s.name})" for s in busy))
        for service in self.services:
            self.children[service.name] = subprocess.Popen(
                list(service.argv), cwd=self.cwd, env=_child_env(self.env, service), start_new_session=True,
            )

    def wait(self, poll: float = 0.5) -> tuple[str, int]:
        """Block until a child exits; returns its name and exit code."""
        while True:
            for name, child in self.children.items():
                code = child.poll()
                if code is not None:
                    return name, code
            time.sleep(poll)

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        for sig, wait_for in ((signal.SIGINT, grace), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            alive = [c for c in self.children.values() if c.poll() is None]
            if not alive:
                return
            for child in alive:
                _signal_group(child, sig)
            deadline = time.monotonic() + wait_for
            for child in alive:
                try:
                    child.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass

    def run(self) -> int:
        """Start everything, wait for Ctrl-C / SIGTERM (exit 0) or a child's exit (an error), stop everything."""
        previous = _install_stop_handlers()
        try:
            self.start()
            try:
                name, code = self.wait()
            except _StopRequested:
                return 0
            finally:
                # A second Ctrl-C must not cut the shutdown short and orphan the children;
                # stop() escalates to SIGKILL on its own if a child hangs.
                for sig in previous:
                    signal.signal(sig, signal.SIG_IGN)
                self.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        raise JxcError(f"{name} exited with code {code}; the other services were stopped")


def _child_env(base: dict[str, str] | None, service: Service) -> dict[str, str] | None:
    if not service.env:
        return base
    env = dict(os.environ if base is None else base)
    for name, value in service.env:
        # Warning filters add up: keep any the operator set.
        env[name] = f"{env[name]},{value}" if name == "PYTHONWARNINGS" and env.get(name) else value
    return env


class _StopRequested(Exception):
    """Ctrl-C or SIGTERM reached the supervisor."""


def _raise_stop(signum: int, frame: object) -> None:
    raise _StopRequested(signal.Signals(signum).name)


def _install_stop_handlers() -> dict[signal.Signals, object]:
    """Handle SIGINT and SIGTERM ourselves, before any child starts.

    SIGTERM (from `kill`, a service manager, `make` being stopped) must stop the children too, or
    they would outlive us in their own sessions. And a process started in the background inherits
    SIGINT as *ignored*, which exec passes on to children; a handler of our own is reset to the
    default on exec, so the children can be stopped with SIGINT like in a terminal.
    """
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, _raise_stop)
    return previous


def _signal_group(child: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    # The child leads its own process group; signal the group so grandchildren
    # (dagster's webserver, daemon and code server) stop as well.
    try:
        os.killpg(child.pid, sig)
    except ProcessLookupError:
        pass
