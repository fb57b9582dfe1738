"""Running a pipeline job in this process against the persistent instance (``jxc pipeline run``).

The run is recorded in DAGSTER_HOME like any daemon-launched run, so it shows in the Dagster UI.
Execution stays in the main thread (Ctrl-C interrupts it cleanly); a watcher thread reads the
run's events from the instance to report progress.

An incremental run is planned first (``orchestration.current_plan``) without importing Dagster:
with nothing new in the store there is no run at all; otherwise only the changed raw tables and
what is downstream of them run.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg

from operational.settings import get_settings
from orchestration.check_outcomes import CheckOutcome, outcomes_for_run
from orchestration.dead_runs import ACTIVE_STATUSES, fail_dead_runs, this_process_tags
from orchestration.errors import JxcError
from orchestration.home import ensure_dagster_home
from orchestration.retention import prune_quietly
from orchestration.run_plan import RunPlan, plan_tags, selected_keys
from orchestration.run_record import record_run

# Step events worth showing while a run is in progress.
_PROGRESS_EVENTS = {
    dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.STEP_SKIPPED,
}
# A run whose process is known is judged by it (orchestration.dead_runs); one whose process is
# unknown (started on another machine, or before its worker reported its pid) counts as running
# unless it started longer ago than any run takes.
_STALE_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class StepEvent:
    kind: str  # STEP_START / STEP_SUCCESS / STEP_FAILURE / STEP_SKIPPED
    step: str
    message: str


@dataclass
class PipelineOutcome:
    run_id: str
    job_name: str
    success: bool
    checks: list[CheckOutcome] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    log_path: Path | None = None
    selected: int | None = None  # assets the run materialized (None: the whole job)

    @property
    def failed_checks(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.passed]


def job_name_for(full: bool) -> str:
    return "full_pipeline" if full else "incremental_pipeline"


@contextlib.contextmanager
def _quiet_output(log_path: Path) -> Iterator[None]:
    """Send what the run prints (dbt's log lines) to a file and keep INFO logging off the terminal,
    so the only thing on screen is the progress display."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handlers = list(logging.getLogger().handlers)  # a copy: the run adds handlers of its own
    levels = [h.level for h in handlers]
    for handler in handlers:
        handler.setLevel(max(handler.level, logging.WARNING))
    try:
        with log_path.open("w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
            yield
    finally:
        for handler, level in zip(handlers, levels, strict=True):
            handler.setLevel(level)


def _watch(instance: dg.DagsterInstance, run_id: str, on_event: Callable[[StepEvent], None],
           done: threading.Event, interval: float = 0.5) -> None:
    cursor = None
    while True:
        finished = done.is_set()
        connection = instance.get_records_for_run(run_id, cursor=cursor, of_type=_PROGRESS_EVENTS)
        cursor = connection.cursor
        for record in connection.records:
            event = record.event_log_entry.dagster_event
            if event is not None and event.step_key:
                on_event(StepEvent(event.event_type_value, event.step_key, record.event_log_entry.message or ""))
        if finished:
            return
        done.wait(interval)


def ensure_no_active_run(instance: dg.DagsterInstance, state_path: Path | None = None) -> None:
    """Refuse while a live run holds the warehouse; runs whose process died are marked failed first."""
    fail_dead_runs(instance, state_path)
    recent = datetime.now(UTC) - _STALE_AFTER
    active = instance.get_runs(filters=dg.RunsFilter(statuses=ACTIVE_STATUSES, created_after=recent), limit=1)
    if active:
        run = active[0]
        raise JxcError(f"pipeline run {run.run_id[:8]} ({run.job_name}) is still running; "
                       "wait for it to finish (see the Dagster UI)")


def cli_run_config(full: bool) -> dict[str, object]:
    """The job's own config plus a silent console logger: progress and the failed checks and steps
    come from the watcher and the summary instead (a failed step's stack trace stays in the event
    log and the run's log file, which the summary names)."""
    return {
        "ops": {"raw_extract": {"config": {"full": full}}},
        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
    }


def step_count(job: dg.JobDefinition) -> int:
    return len(job.graph.nodes)


def run_pipeline(*, full: bool, on_event: Callable[[StepEvent], None] | None = None,
                 on_start: Callable[[str, int], None] | None = None,
                 plan: RunPlan | None = None) -> PipelineOutcome:
    """Execute ``full_pipeline``, or ``incremental_pipeline`` restricted to ``plan`` (None: the whole
    job), and record the outcome in pipeline_state.json."""
    ensure_dagster_home()
    from orchestration.definitions import defs  # slow import (dagster-dbt, the manifest): only here
    from orchestration.jobs import PIPELINE_ASSETS

    job = defs.resolve_job_def(job_name_for(full))
    keys = None if full or plan is None else selected_keys(plan, PIPELINE_ASSETS)
    if keys == []:
        raise JxcError("nothing to run: " + (plan.reason if plan else ""))
    shown_job = job.get_subset(asset_selection=set(keys)) if keys else job
    run_id = str(uuid.uuid4())
    settings = get_settings()
    log_path = settings.dagster_home / "logs" / f"{run_id}.log"
    with dg.DagsterInstance.get() as instance:
        ensure_no_active_run(instance, settings.state_path)
        if on_start:
            on_start(run_id, step_count(shown_job))
        done = threading.Event()
        watcher = None
        if on_event:
            # The watcher uses its own instance: instances are not shared across threads.
            watcher = threading.Thread(target=_watch_with_own_instance, args=(run_id, on_event, done), daemon=True)
            watcher.start()
        try:
            with _quiet_output(log_path):
                result = job.execute_in_process(
                    instance=instance, run_id=run_id, raise_on_error=False, asset_selection=keys,
                    run_config=cli_run_config(full),
                    # The pid lets a later run or `jxc status` see that this run died if it is killed.
                    tags={"jxc/launched_by": "cli", **this_process_tags(), **plan_tags(None if full else plan)},
                )
        finally:
            done.set()
            if watcher:
                watcher.join(timeout=10)
        record_run(settings.state_path, instance, run_id)
        outcome = PipelineOutcome(
            run_id=run_id, job_name=job.name, success=result.success,
            checks=outcomes_for_run(instance, run_id),
            failed_steps=[e.step_key for e in result.get_step_failure_events() if e.step_key],
            log_path=log_path, selected=len(keys) if keys else None,
        )
        # After the outcome is read: pruning deletes only older runs and their files.
        prune_quietly(instance, settings)
        return outcome


def _watch_with_own_instance(run_id: str, on_event: Callable[[StepEvent], None], done: threading.Event) -> None:
    with dg.DagsterInstance.get() as instance:
        _watch(instance, run_id, on_event, done)
