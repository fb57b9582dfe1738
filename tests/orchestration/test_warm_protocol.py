"""The warm run worker's socket: owner-only, reachable at any depth, one worker per DAGSTER_HOME."""

from __future__ import annotations

import socket
import stat
import threading
from pathlib import Path

import pytest

from orchestration.home import DAGSTER_YAML
from orchestration.serve import run_worker_service
from orchestration.warm_protocol import (
    WorkerUnavailable,
    bind_listener,
    peer_is_owner,
    read_message,
    request,
    valid_run_id,
    write_message,
)


def _answer_once(listener: socket.socket, answer: dict[str, object]) -> threading.Thread:
    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            assert peer_is_owner(conn)
            message = read_message(conn)
            write_message(conn, {**answer, "echo": message})

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


def test_a_deep_socket_path_is_bound_and_reached_with_mode_0600(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    path = deep / "run_worker.sock"
    assert len(str(path)) > 108  # longer than sun_path: only reachable through /proc/self/fd
    with bind_listener(path) as listener:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        thread = _answer_once(listener, {"ok": True, "pid": 1})
        answer = request(path, {"op": "ping"})
        thread.join(timeout=10)
    assert answer == {"ok": True, "pid": 1, "echo": {"op": "ping"}}


def test_a_second_worker_is_refused_and_a_stale_socket_replaced(tmp_path: Path) -> None:
    path = tmp_path / "run_worker.sock"
    listener = bind_listener(path)
    with pytest.raises(RuntimeError, match="already listens"):
        bind_listener(path)
    listener.close()  # the worker died without removing its socket file
    assert path.exists()
    with pytest.raises(WorkerUnavailable):
        request(path, {"op": "ping"})
    bind_listener(path).close()


def test_no_worker_and_a_refusal_are_both_unavailable(tmp_path: Path) -> None:
    with pytest.raises(WorkerUnavailable, match="FileNotFoundError"):
        request(tmp_path / "run_worker.sock", {"op": "ping"})
    with bind_listener(tmp_path / "run_worker.sock") as listener:
        thread = _answer_once(listener, {"ok": False, "error": "a run id is a UUID"})
        with pytest.raises(WorkerUnavailable, match="a run id is a UUID"):
            request(tmp_path / "run_worker.sock", {"op": "launch", "run_id": "x"})
        thread.join(timeout=10)


def test_run_ids_are_uuids_only() -> None:
    assert valid_run_id("1f0e6a8c-3a51-4d8e-9b4e-2d1c0b6a7f10")
    for bad in ("x", "../../etc", "1F0E6A8C-3A51-4D8E-9B4E-2D1C0B6A7F10", None, 3):
        assert not valid_run_id(bad)


def test_the_instance_uses_the_warm_launcher_without_config_and_serve_starts_the_worker() -> None:
    assert "module: orchestration.warm_launcher\n  class: WarmRunLauncher\n# " in DAGSTER_YAML
    service = run_worker_service()
    assert service.port is None and service.argv[1:3] == ("-m", "orchestration.warm_worker")


def test_a_worker_that_cannot_load_the_code_stays_up_without_a_socket(dagster_home: Path) -> None:
    """Broken code must not stop `jxc serve` (its supervisor stops everything when a child exits):
    the worker logs the error, removes its socket (runs start cold) and waits to be stopped."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from operational.settings import PROJECT_ROOT

    broken = ("import sys, orchestration.warm_worker as w\n"
              "def fail(): raise ImportError('broken definitions')\n"
              "w.warm_up = fail\nsys.exit(w.main())\n")
    sock, log = dagster_home / "run_worker.sock", dagster_home / "worker.err"
    with log.open("w") as err:
        process = subprocess.Popen([sys.executable, "-c", broken], cwd=PROJECT_ROOT, env=dict(os.environ),
                                   stderr=err)
    try:
        deadline = time.monotonic() + 300
        while "runs start cold" not in log.read_text() and process.poll() is None:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        time.sleep(0.5)  # it would have exited by now
        assert process.poll() is None and not sock.exists()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    assert process.returncode == 0
    assert "broken definitions" in log.read_text()
