"""A `jxc pipeline run` killed mid-way (SIGKILL of its process group, dbt included) is found dead:
`jxc status` says it was killed and keeps the last publish apart, and the next run is not blocked
and publishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine
from tiny_company import add_shipped_sale
from typer.testing import CliRunner

from operational.settings import PROJECT_ROOT
from orchestration.cli import app
from orchestration.dead_runs import PID_TAG
from orchestration.state import read_state

# Three pipeline runs (one killed): minutes each on a busy two-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]
runner = CliRunner()
DBT_STEP = "jxc_dbt"


def _run_of(instance: dg.DagsterInstance, pid: int) -> dg.DagsterRun | None:
    runs = instance.get_runs(filters=dg.RunsFilter(tags={PID_TAG: str(pid)}))
    return runs[0] if runs else None


def _in_dbt_step(instance: dg.DagsterInstance, run_id: str) -> bool:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_START).records
    return any(r.event_log_entry.dagster_event.step_key == DBT_STEP for r in records)


def _start_run_and_kill_it_in_dbt(data_dir: Path) -> str:
    """`jxc pipeline run` as a real process in its own process group, SIGKILLed while dbt builds."""
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "pipeline", "run"], cwd=PROJECT_ROOT,
        env=dict(os.environ), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=(data_dir / "killed_run.stderr").open("wb"),
    )
    deadline = time.monotonic() + 1800
    run_id = None
    try:
        with dg.DagsterInstance.get() as instance:
            while time.monotonic() < deadline:
                assert process.poll() is None, (data_dir / "killed_run.stderr").read_text()
                run = _run_of(instance, process.pid)
                if run is not None and _in_dbt_step(instance, run.run_id):
                    run_id = run.run_id
                    break
                time.sleep(0.3)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the CLI and its dbt child, like a kill of the group
        process.wait(timeout=30)
    assert run_id is not None, "the run never reached the dbt step"
    return run_id


def test_killed_run_is_marked_failed_and_the_next_run_publishes(store_engine: Engine, tiny_store: dict[str, int],
                                                                dagster_home: Path, data_dir: Path) -> None:
    first = runner.invoke(app, ["pipeline", "run", "--full"], terminal_width=200)
    assert first.exit_code == 0, first.output
    published = read_state(data_dir / "pipeline_state.json")["last_publish"]

    add_shipped_sale(store_engine, tiny_store, on=date(2026, 3, 9), quantity="4")
    killed_id = _start_run_and_kill_it_in_dbt(data_dir)
    with dg.DagsterInstance.get() as instance:  # nobody told Dagster: the run still says STARTED
        assert instance.get_run_by_id(killed_id).status == dg.DagsterRunStatus.STARTED

    status = runner.invoke(app, ["status"], terminal_width=250)
    assert status.exit_code == 0, status.output
    assert f"KILLED incremental_pipeline run {killed_id[:8]}" in status.output
    assert "found dead" in status.output and "killed or crashed" in status.output
    # The last publish is shown apart, still the first run's.
    assert f"(run {published['run_id'][:8]}, full_pipeline)" in status.output
    assert "changes not yet published" in status.output
    state = read_state(data_dir / "pipeline_state.json")
    assert state["last_run"]["run_id"] == killed_id and state["last_run"]["status"] == "FAILURE"
    assert state["last_run"]["killed"] is True and state["last_run"]["finished_at"]
    assert state["last_publish"] == published

    again = runner.invoke(app, ["pipeline", "run"], terminal_width=200)
    assert again.exit_code == 0, again.output
    assert "still running" not in again.output and "published" in again.output
    state = read_state(data_dir / "pipeline_state.json")
    assert state["last_run"]["status"] == "SUCCESS" and state["last_run"]["run_id"] != killed_id
    assert state["last_publish"]["run_id"] == state["last_run"]["run_id"]
    with dg.DagsterInstance.get() as instance:
        killed = instance.get_run_by_id(killed_id)
        assert killed.status == dg.DagsterRunStatus.FAILURE
