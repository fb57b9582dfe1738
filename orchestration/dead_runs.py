"""Runs whose process died: found by process id, marked failed, recorded in pipeline_state.json.

A run killed mid-way (SIGKILL, power cut, OOM killer) never reports its end, so Dagster keeps it
STARTED. Dagster's run monitoring (dagster.yaml) can only time such a run out after
``max_runtime_seconds``: the default run launcher cannot check a run worker's health, and a
``jxc pipeline run`` executes in its own process without any launcher. Until then the run would
block every later run (one run at a time) and pass for running.

Every run of this product executes on this machine, in one process (the in-process executor), so
that process's id tells whether the run is still alive: the CLI tags its runs with ``jxc/pid`` and
``jxc/host``, and a daemon-launched run worker reports its pid in an engine event. A pid that is
gone, a zombie, or now belongs to a process started after the run, means the run is dead.

Checked by ``jxc pipeline run`` before it starts, by ``jxc status``, and by the daemon's
``dead_run_sensor`` every 30 s while ``jxc serve`` runs.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import psutil
from dagster._core.events import JobFailureData, RunFailureReason

from orchestration.run_record import record_run

PID_TAG = "jxc/pid"
HOST_TAG = "jxc/host"
ACTIVE_STATUSES = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
# A process may be created a moment before the run record it executes (clock resolution, the CLI
# creating the run after it started): a process younger than the run by more than this is another one.
_PID_REUSE_SLACK_SECONDS = 5.0
KILLED_MESSAGE = "the run's process (pid {pid}) ended without reporting the end of the run (killed or crashed)"


@dataclass(frozen=True)
class DeadRun:
    run_id: str
    job_name: str
    pid: int


def this_process_tags() -> dict[str, str]:
    """Tags that let a later process tell whether the run executing here is still alive."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def process_alive(pid: int, *, started_by: float | None = None) -> bool:
    """Is ``pid`` a live process that existed at ``started_by`` (a Unix time; None: any)?"""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        created = process.create_time()
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # someone else's live process: we cannot tell more, so do not declare it dead
    return started_by is None or created <= started_by + _PID_REUSE_SLACK_SECONDS


def run_pid(instance: dg.DagsterInstance, run: dg.DagsterRun) -> int | None:
    """The id of the process executing ``run`` on this machine, or None if unknown."""
    if PID_TAG in run.tags:
        if run.tags.get(HOST_TAG, socket.gethostname()) != socket.gethostname():
            return None  # another machine's process: its pid means nothing here
        return int(run.tags[PID_TAG])
    # A run worker started by the daemon says "Started process for run (pid: N)"; the in-process
    # executor says "Executing steps in process (pid: N)". Step-level events carry a step key.
    records = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, limit=20)
    for record in records.records:
        event = record.event_log_entry.dagster_event
        if event is None or event.step_key:
            continue
        pid = event.engine_event_data.metadata.get("pid") if event.engine_event_data else None
        if pid is not None and str(pid.value).isdigit():
            return int(pid.value)
    return None


def find_dead_runs(instance: dg.DagsterInstance) -> list[DeadRun]:
    """Runs that say they are starting, running or cancelling but whose process is gone."""
    dead = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=ACTIVE_STATUSES)):
        run = record.dagster_run
        pid = run_pid(instance, run)
        started = record.start_time or record.create_timestamp.timestamp()
        if pid is not None and not process_alive(pid, started_by=started):
            dead.append(DeadRun(run.run_id, run.job_name, pid))
    return dead


def fail_dead_runs(instance: dg.DagsterInstance, state_path: Path | None = None) -> list[DeadRun]:
    """Mark every dead run failed (reason UNEXPECTED_TERMINATION) and record it as the last run."""
    dead = find_dead_runs(instance)
    for run in dead:
        current = instance.get_run_by_id(run.run_id)
        if current is None or current.status not in ACTIVE_STATUSES:
            continue  # it ended (or was marked) while we looked
        instance.report_run_failed(current, KILLED_MESSAGE.format(pid=run.pid),
                                   JobFailureData(error=None, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION))
        if state_path is not None:
            record_run(state_path, instance, run.run_id)
    return dead
