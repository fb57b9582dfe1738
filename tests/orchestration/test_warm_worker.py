"""Runs launched through the instance (as the daemon does) go to the warm run worker.

Real processes throughout: a code server loads the code location (as under `dagster dev`), the
warm worker runs as `python -m orchestration.warm_worker`, and each run is created from the code
server's job and launched with ``instance.launch_run`` (what the daemon's run queue calls). With no
worker the run starts cold (the default launcher) and says so; with one, each run executes in a
child of the worker; a child killed mid-run is found dead (dead_runs, run monitoring's health check)
and the worker goes on to run the next one; terminate() cancels a warm run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import psutil
import pytest
from dagster._cli.job import _create_run
from dagster._core.launcher import WorkerStatus
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import ModuleTarget
from sqlalchemy import Engine
from tiny_company import add_shipped_sale

from operational.settings import PROJECT_ROOT
from orchestration.check_outcomes import outcomes_for_run
from orchestration.dead_runs import fail_dead_runs, run_pid
from orchestration.warm_launcher import WORKER_TAG, WarmRunLauncher
from orchestration.warm_protocol import WorkerUnavailable, request, socket_path

# Four pipeline runs (two cut short), a code server and the worker: minutes on a busy machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]
DBT_STEP = "jxc_dbt"
PATIENCE = 1800.0  # generous limits for a shared two-core machine; nothing here asserts a duration


def _wait_for(what: str, condition: Callable[[], object], seconds: float = PATIENCE) -> object:
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.5)


@pytest.fixture
def workspace(dagster_home: Path) -> Iterator[WorkspaceProcessContext]:
    with dg.DagsterInstance.get() as instance, WorkspaceProcessContext(
        instance, ModuleTarget(module_name="orchestration.definitions", attribute=None,
                               working_directory=str(PROJECT_ROOT), location_name="jxc"),
    ) as context:
        yield context


def start_worker(log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "orchestration.warm_worker", "--log-level", "info"],
                                cwd=PROJECT_ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGINT)
        try:
            worker.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)


def launch(context: WorkspaceProcessContext, job_name: str) -> str:
    """Create a run of ``job_name`` from the code server and launch it, as the daemon's queue does."""
    request_context = context.create_request_context()
    instance = request_context.instance
    location = request_context.get_code_location("jxc")
    repository = next(iter(location.get_repositories().values()))
    remote_job = repository.get_full_job(job_name)
    run = _create_run(instance=instance, code_location=location, remote_repo=repository, remote_job=remote_job,
                      run_config={}, tags={}, op_selection=None, run_id=None)
    instance.launch_run(run.run_id, request_context)
    return run.run_id


def _status(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRunStatus:
    return instance.get_run_by_id(run_id).status  # type: ignore[union-attr]


def _finished(instance: dg.DagsterInstance, run_id: str) -> bool:
    return instance.get_run_by_id(run_id).is_finished  # type: ignore[union-attr]


def _in_dbt_step(instance: dg.DagsterInstance, run_id: str) -> bool:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_START).records
    return any(r.event_log_entry.dagster_event.step_key == DBT_STEP for r in records)


def _engine_messages(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT).records
    return [r.event_log_entry.message or "" for r in records]


def _published_run(data_dir: Path) -> str:
    with duckdb.connect(str(data_dir / "serving.duckdb"), read_only=True) as conn:
        return conn.execute("select run_id from meta_publish order by published_at desc limit 1").fetchone()[0]


def test_runs_fork_from_the_warm_worker_survive_kills_and_fall_back_cold(
        store_engine: Engine, tiny_store: dict[str, int], dagster_home: Path, data_dir: Path,
        workspace: WorkspaceProcessContext) -> None:
    instance = workspace.instance
    launcher = instance.run_launcher
    assert isinstance(launcher, WarmRunLauncher)  # dagster.yaml names it
    sock = socket_path(dagster_home)
    log = data_dir / "worker.log"

    # 1. No worker: the run starts cold through the code server, with a warning, and publishes.
    cold = launch(workspace, "full_pipeline")
    assert instance.get_run_by_id(cold).tags[WORKER_TAG] == "cold"
    assert any("warm run worker is not running" in m and "cold start" in m for m in _engine_messages(instance, cold))
    worker = start_worker(log)  # warms up while the cold run goes on
    try:
        _wait_for("the cold run", lambda: _finished(instance, cold))
        assert _status(instance, cold) == dg.DagsterRunStatus.SUCCESS
        cold_pid = run_pid(instance, instance.get_run_by_id(cold))
        assert cold_pid is not None and cold_pid != worker.pid
        ping = request(sock, {"op": "ping"})  # waits for the warm-up if it is not done yet
        assert ping["pid"] == worker.pid and ping["warm_seconds"]["total"] > 0

        # 2. A warm run: a child of the worker. SIGKILL it (and its dbt) in the dbt step.
        add_shipped_sale(store_engine, tiny_store, on=date(2026, 3, 9), quantity="4")
        killed = launch(workspace, "incremental_pipeline")
        assert instance.get_run_by_id(killed).tags[WORKER_TAG] == "warm"
        _wait_for("the dbt step of the run to kill", lambda: _in_dbt_step(instance, killed))
        child = psutil.Process(run_pid(instance, instance.get_run_by_id(killed)))
        assert child.ppid() == worker.pid
        for process in [*child.children(recursive=True), child]:
            process.kill()
        _wait_for("the worker to reap its child",
                  lambda: request(sock, {"op": "status", "run_id": killed})["state"] == "exited")
        assert _status(instance, killed) == dg.DagsterRunStatus.STARTED  # nobody told Dagster
        health = launcher.check_run_worker_health(instance.get_run_by_id(killed))
        assert health.status == WorkerStatus.FAILED and f"signal {signal.SIGKILL.value}" in (health.msg or "")
        assert [d.run_id for d in fail_dead_runs(instance)] == [killed]
        assert _status(instance, killed) == dg.DagsterRunStatus.FAILURE
        assert worker.poll() is None

        # 3. The worker survived: the next run is again its child, and publishes.
        warm = launch(workspace, "incremental_pipeline")
        pid = _wait_for("the warm run's process", lambda: run_pid(instance, instance.get_run_by_id(warm)))
        parent = _wait_for("its parent", lambda: psutil.Process(pid).ppid() if psutil.pid_exists(pid) else -1)
        assert parent == worker.pid
        assert launcher.check_run_worker_health(instance.get_run_by_id(warm)).status in (
            WorkerStatus.RUNNING, WorkerStatus.SUCCESS)
        _wait_for("the warm run", lambda: _finished(instance, warm))
        assert _status(instance, warm) == dg.DagsterRunStatus.SUCCESS
        assert [c.check_name for c in outcomes_for_run(instance, warm) if not c.passed] == []
        assert _published_run(data_dir) == warm
        assert request(sock, {"op": "status", "run_id": warm}) == {"ok": True, "state": "exited", "pid": pid,
                                                                   "exit_code": 0}

        # 4. terminate() interrupts a warm run: it ends cancelled, the worker stays up.
        stopped = launch(workspace, "incremental_pipeline")
        _wait_for("the dbt step of the run to stop", lambda: _in_dbt_step(instance, stopped))
        assert launcher.terminate(stopped) is True
        _wait_for("the stopped run to end", lambda: _finished(instance, stopped))
        assert _status(instance, stopped) == dg.DagsterRunStatus.CANCELED
        assert worker.poll() is None and request(sock, {"op": "ping"})["pid"] == worker.pid
        assert _published_run(data_dir) == warm
    finally:
        stop_worker(worker)
    assert not sock.exists()
    with pytest.raises(WorkerUnavailable):
        request(sock, {"op": "ping"})
