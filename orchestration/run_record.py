"""How a run ended, read from the Dagster instance and stored as ``last_run`` in pipeline_state.json."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.check_outcomes import outcomes_for_run
from orchestration.state import update_state


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat() if timestamp else None


def run_summary(instance: dg.DagsterInstance, run_id: str) -> dict[str, Any]:
    """Status, times and check results of one run."""
    record = instance.get_run_record_by_id(run_id)
    if record is None:
        raise ValueError(f"unknown run {run_id}")
    run = record.dagster_run
    outcomes = outcomes_for_run(instance, run_id)
    return {
        "run_id": run_id,
        "job": run.job_name,
        "status": run.status.value,
        "started_at": _iso(record.start_time),
        "finished_at": _iso(record.end_time),
        "failed_checks": [o.label for o in outcomes if not o.passed],
        "checks": [o.as_json() for o in outcomes],
    }


def record_run(path: Path, instance: dg.DagsterInstance, run_id: str) -> dict[str, Any]:
    """Store how ``run_id`` ended (failed runs included) as ``last_run``."""
    summary = run_summary(instance, run_id)
    update_state(path, last_run=summary)
    return summary
