"""How a run ended, read from the Dagster instance and stored as ``last_run`` in pipeline_state.json."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.check_outcomes import outcomes_for_run
from orchestration.state import read_state, update_state

# The failure reason of a run whose process died (set by orchestration.dead_runs).
KILLED = "UNEXPECTED_TERMINATION"


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat() if timestamp else None


def _failure(instance: dg.DagsterInstance, run_id: str) -> tuple[str | None, str | None]:
    """(failure reason, message) of the run's RUN_FAILURE event, if it failed."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_FAILURE,
                                           ascending=False, limit=1).records
    if not records:
        return None, None
    entry = records[0].event_log_entry
    data = entry.dagster_event.event_specific_data if entry.dagster_event else None
    reason = getattr(data, "failure_reason", None)
    return (reason.value if reason is not None else None), entry.message


def run_summary(instance: dg.DagsterInstance, run_id: str) -> dict[str, Any]:
    """Status, times, failure reason and check results of one run."""
    record = instance.get_run_record_by_id(run_id)
    if record is None:
        raise ValueError(f"unknown run {run_id}")
    run = record.dagster_run
    outcomes = outcomes_for_run(instance, run_id)
    reason, message = _failure(instance, run_id) if run.status == dg.DagsterRunStatus.FAILURE else (None, None)
    return {
        "run_id": run_id,
        "job": run.job_name,
        "status": run.status.value,
        "started_at": _iso(record.start_time) or record.create_timestamp.astimezone(UTC).isoformat(),
        "finished_at": _iso(record.end_time),
        "failure_reason": reason,
        "killed": reason == KILLED,
        "message": message,
        "failed_checks": [o.label for o in outcomes if not o.passed],
        "checks": [o.as_json() for o in outcomes],
    }


def record_run(path: Path, instance: dg.DagsterInstance, run_id: str) -> dict[str, Any]:
    """Store how ``run_id`` ended (failed and killed runs included) as ``last_run``, unless a run
    that started later is recorded already (a dead run found late must not hide a newer run)."""
    summary = run_summary(instance, run_id)
    recorded = read_state(path).get("last_run") or {}
    newer = (recorded.get("run_id") != run_id and recorded.get("started_at") and summary["started_at"]
             and recorded["started_at"] > summary["started_at"])
    if not newer:
        update_state(path, last_run=summary)
    return summary
