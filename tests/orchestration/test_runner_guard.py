"""`jxc pipeline run` refuses while another run holds the warehouse, but not because of a dead one:
a run whose process died is marked failed (and recorded as killed) instead."""

from __future__ import annotations

import os
import signal
import socket
import subprocess

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun

from orchestration.dead_runs import HOST_TAG, PID_TAG, fail_dead_runs, process_alive, this_process_tags
from orchestration.errors import JxcError
from orchestration.runner import cli_run_config, ensure_no_active_run
from orchestration.state import read_state


def test_refuses_while_a_run_is_in_progress() -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        ensure_no_active_run(instance)  # nothing running: fine
        instance.add_run(DagsterRun(job_name="incremental_pipeline", run_id="abcdef12-0000",
                                    status=dg.DagsterRunStatus.SUCCESS))
        ensure_no_active_run(instance)  # finished runs do not count
        instance.add_run(DagsterRun(job_name="incremental_pipeline", run_id="12345678-0000",
                                    status=dg.DagsterRunStatus.STARTED))
        with pytest.raises(JxcError, match="12345678 \\(incremental_pipeline\\) is still running"):
            ensure_no_active_run(instance)


def test_cli_run_config_sets_the_extract_mode() -> None:
    assert cli_run_config(True)["ops"] == {"raw_extract": {"config": {"full": True}}}
    assert cli_run_config(False)["ops"] == {"raw_extract": {"config": {"full": False}}}


def _dead_pid() -> int:
    """The pid of a process that has just been SIGKILLed (and reaped)."""
    process = subprocess.Popen(["sleep", "60"])
    process.send_signal(signal.SIGKILL)
    process.wait()
    return process.pid


def test_a_run_whose_process_died_is_marked_failed_and_does_not_block(tmp_path) -> None:  # type: ignore[no-untyped-def]
    state_path = tmp_path / "pipeline_state.json"
    with dg.DagsterInstance.ephemeral() as instance:
        dead = DagsterRun(job_name="incremental_pipeline", run_id="deadbeef-0000", status=dg.DagsterRunStatus.STARTED,
                          tags={PID_TAG: str(_dead_pid()), HOST_TAG: socket.gethostname()})
        instance.add_run(dead)
        ensure_no_active_run(instance, state_path)  # the dead run no longer blocks
        run = instance.get_run_by_id("deadbeef-0000")
        assert run.status == dg.DagsterRunStatus.FAILURE
        last = read_state(state_path)["last_run"]
        assert last["run_id"] == "deadbeef-0000" and last["status"] == "FAILURE" and last["killed"] is True
        assert last["failure_reason"] == "UNEXPECTED_TERMINATION" and "killed or crashed" in last["message"]
        assert last["finished_at"]

        # A run of this very (live) process is running: refused, and left alone.
        instance.add_run(DagsterRun(job_name="incremental_pipeline", run_id="a1a1a1a1-0000",
                                    status=dg.DagsterRunStatus.STARTED, tags=this_process_tags()))
        with pytest.raises(JxcError, match="a1a1a1a1 \\(incremental_pipeline\\) is still running"):
            ensure_no_active_run(instance, state_path)
        assert instance.get_run_by_id("a1a1a1a1-0000").status == dg.DagsterRunStatus.STARTED
        assert fail_dead_runs(instance) == []


def test_a_reused_pid_does_not_keep_a_run_alive() -> None:
    # This process exists, but it started long before a run created "now" would have: another process.
    assert process_alive(os.getpid(), started_by=None)
    assert not process_alive(os.getpid(), started_by=0.0)
    assert not process_alive(_dead_pid())
