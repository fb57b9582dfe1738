"""`jxc serve` listens on 127.0.0.1 unless opened on purpose, and logs at the level it says.

The Dagster UI has no login and launches runs; it and Streamlit used to listen on every address.
The real test starts `jxc serve` and reads the kernel's socket table: the ports are bound to
127.0.0.1 only, and only `--host` / JXC_SERVE_HOST opens them (with a warning). The same run
also counts the log: no DEBUG lines (a 54-minute `jxc serve` had logged 33,676 lines).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from operational.settings import PROJECT_ROOT
from orchestration.cli import app
from orchestration.serve import (
    LOOPBACK,
    Service,
    dagster_service,
    is_loopback,
    port_in_use,
    serve_host,
    streamlit_service,
)

JXC = str(Path(sys.executable).parent / "jxc")


def _option(argv: tuple[str, ...], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_both_services_bind_loopback_by_default_and_log_warnings_only() -> None:
    streamlit, dagster = streamlit_service(8501), dagster_service(3000)
    assert _option(streamlit.argv, "--server.address") == "127.0.0.1" and streamlit.host == LOOPBACK
    assert _option(dagster.argv, "-h") == "127.0.0.1" and dagster.host == LOOPBACK
    assert _option(streamlit.argv, "--logger.level") == "warning"
    assert _option(dagster.argv, "--log-level") == "warning"
    assert _option(dagster.argv, "--code-server-log-level") == "warning"


def test_the_host_opens_both_services() -> None:
    assert _option(streamlit_service(8501, "0.0.0.0").argv, "--server.address") == "0.0.0.0"
    assert _option(dagster_service(3000, "0.0.0.0").argv, "-h") == "0.0.0.0"


def test_the_host_comes_from_the_option_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JXC_SERVE_HOST", raising=False)
    assert serve_host() == "127.0.0.1"
    monkeypatch.setenv("JXC_SERVE_HOST", "0.0.0.0")
    assert serve_host() == "0.0.0.0"
    assert serve_host("192.168.1.5") == "192.168.1.5"


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("jxc.example.com", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_port_in_use_checks_the_address_the_service_binds() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert port_in_use(port, "127.0.0.1")
        assert port_in_use(port, "0.0.0.0")  # every address includes the busy one
        assert not port_in_use(port, "127.0.0.2")  # another loopback address is free
    assert Service("x", ("true",), port=port).host == LOOPBACK


@pytest.fixture(autouse=True)
def _restore_environment(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `serve` exports DAGSTER_HOME and puts the venv first on PATH; monkeypatch puts them back.
    monkeypatch.setenv("DAGSTER_HOME", str(data_dir / "dagster_home"))
    monkeypatch.setenv("PATH", os.environ.get("PATH", ""))


def test_opening_to_the_network_prints_a_warning(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A port that is taken stops `serve` right after the banner, before any child starts.
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        sock.listen()
        port = sock.getsockname()[1]
        monkeypatch.setenv("JXC_SERVE_HOST", "0.0.0.0")
        result = CliRunner().invoke(app, ["serve", "--no-dagster", "--no-api", "--port", str(port)],
                                    terminal_width=300)
    assert result.exit_code == 1
    assert "warning: listening on 0.0.0.0" in result.output
    assert "reverse proxy" in result.output and "docs/security.md" in result.output
    assert f"port already in use: {port} (streamlit)" in result.output


def test_loopback_prints_no_warning(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JXC_SERVE_HOST", raising=False)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--no-dagster", "--no-api", "--port", str(port)],
                                    terminal_width=300)
    assert result.exit_code == 1
    assert f"http://127.0.0.1:{port}" in result.output
    assert "warning" not in result.output


# --- real processes ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _hex_address(hexed: str) -> str:
    raw = bytes.fromhex(hexed)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    # /proc/net/tcp6 stores each 32-bit word in host (little-endian) order.
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


def listeners(port: int) -> set[str]:
    """The addresses on which something LISTENs on ``port``, from the kernel's socket tables."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port_hex, 16) == port:
                found.add(_hex_address(address))
    return found


@contextmanager
def jxc_serve(args: list[str], log: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen([JXC, "serve", *args], cwd=PROJECT_ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # the supervisor stops its children
                try:
                    process.wait(timeout=90)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def _wait_listening(process: subprocess.Popen[bytes], ports: list[int], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not all(listeners(p) for p in ports):
        assert process.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, f"not listening after {seconds:.0f} s:\n" + log.read_text(errors="replace")
        time.sleep(1)


def _dagster_state(instance: object) -> str:
    """What the daemon did so far (sensor ticks, runs): the message of a test that waited in vain."""
    import dagster as dg

    assert isinstance(instance, dg.DagsterInstance)
    lines = [f"run {run.run_id[:8]} {run.job_name} {run.status.value}" for run in instance.get_runs(limit=5)]
    for state in instance.all_instigator_state():
        for tick in instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=3):
            lines.append(f"tick {state.instigator_name} {tick.status.value} {tick.skip_reason or ''} "
                         f"{tick.error.message if tick.error else ''}".rstrip())
    return "\n".join(lines) or "no sensor tick and no run recorded"


def _wait_for_a_step(home: Path, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    import dagster as dg

    deadline = time.monotonic() + seconds
    with dg.DagsterInstance.from_config(str(home)) as instance:
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, ("no run step finished in time:\n" + _dagster_state(instance)
                                                 + "\n" + log.read_text(errors="replace"))
            runs = instance.get_runs(limit=1)
            if runs and instance.get_records_for_run(
                    runs[0].run_id, of_type=dg.DagsterEventType.STEP_SUCCESS, limit=1).records:
                return
            time.sleep(2)


@pytest.fixture
def serve_env(data_dir: Path, store_engine: object) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("JXC_SERVE_HOST", "DAGSTER_HOME")}
    return env


@pytest.mark.slow
def test_jxc_serve_listens_on_loopback_only_and_logs_no_debug(serve_env: dict[str, str], data_dir: Path) -> None:
    web, ui, api = _free_port(), _free_port(), _free_port()
    log = data_dir / "serve.log"
    with jxc_serve(["--port", str(web), "--dagster-port", str(ui), "--api-port", str(api)], log, serve_env) as process:
        _wait_listening(process, [web, ui, api], log, seconds=480)
        assert listeners(web) == {"127.0.0.1"} and listeners(ui) == {"127.0.0.1"} and listeners(api) == {"127.0.0.1"}
        # The change sensor starts a run for the new store: wait until its first step has finished
        # (before, the run's console printed every event at DEBUG into this log). 78 s on a quiet
        # machine; a CI machine running the other tests beside it took over 420 s.
        _wait_for_a_step(data_dir / "dagster_home", process, log, seconds=900)
        assert process.poll() is None, log.read_text(errors="replace")
    output = log.read_text(errors="replace")
    assert f"Streamlit  http://127.0.0.1:{web}" in output and "warning" not in output.lower()
    assert not [line for line in output.splitlines() if re.search(r"\bDEBUG\b", line)]
    assert not [line for line in output.splitlines() if re.search(r" - INFO - |^INFO:", line)]
    assert "SupersessionWarning" not in output


@pytest.mark.slow
def test_jxc_serve_host_option_opens_streamlit(serve_env: dict[str, str], data_dir: Path) -> None:
    web, api = _free_port(), _free_port()
    log = data_dir / "serve.log"
    with jxc_serve(["--no-dagster", "--port", str(web), "--api-port", str(api), "--host", "0.0.0.0"], log,
                   serve_env) as process:
        _wait_listening(process, [web, api], log, seconds=240)
        assert listeners(web) == {"0.0.0.0"} and listeners(api) == {"0.0.0.0"}
    assert "warning: listening on 0.0.0.0" in log.read_text(errors="replace")
