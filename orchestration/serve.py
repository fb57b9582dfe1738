"""``jxc serve``: Streamlit and Dagster (webserver + daemon) as child processes, stopped together.

Each child runs in its own session so that Ctrl-C reaches only this supervisor, which then asks
every child to stop (SIGINT, like a Ctrl-C of their own), waits, and escalates to SIGTERM and
SIGKILL for a child that hangs. If one child dies, the others are stopped too: a half-running
product is worse than a clear exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from operational.settings import PROJECT_ROOT
from orchestration.errors import JxcError

STOP_GRACE_SECONDS = 20.0


@dataclass(frozen=True)
class Service:
    name: str
    argv: tuple[str, ...]
    port: int | None = None


def streamlit_service(port: int = 8501) -> Service:
    return Service("streamlit", (
        "streamlit", "run", str(PROJECT_ROOT / "dashboards" / "app.py"), "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ), port)


def dagster_service(port: int = 3000, host: str = "0.0.0.0") -> Service:
    # `dagster dev` runs the webserver AND the daemon, so schedules and sensors tick.
    return Service("dagster", ("dagster", "dev", "-m", "orchestration.definitions", "-p", str(port), "-h", host,
                                "--log-level", "warning"), port)


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
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
        busy = [s for s in self.services if s.port is not None and port_in_use(s.port)]
        if busy:
            raise JxcError("port already in use: " + ", ".join(f"{s.port} ({s.name})" for s in busy))
        for service in self.services:
            self.children[service.name] = subprocess.Popen(
                list(service.argv), cwd=self.cwd, env=self.env, start_new_session=True,
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
