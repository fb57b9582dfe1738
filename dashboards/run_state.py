"""How the pipeline's last run ended, from ``pipeline_state.json`` (written by the orchestration).

A run whose checks fail does not publish, so ``serving.duckdb`` cannot say it failed; this file
can. It is read as plain JSON (importing the orchestration would load Dagster into the app).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from operational.settings import get_settings


@dataclass(frozen=True)
class LastRun:
    run_id: str
    job: str
    status: str  # Dagster run status: SUCCESS, FAILURE, CANCELED, STARTED, ...
    finished_at: datetime | None  # UTC; for a killed run: when its death was noticed
    failed_checks: list[str]
    started_at: datetime | None = None  # UTC
    killed: bool = False  # its process died mid-way (orchestration.dead_runs marked it failed)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCESS"


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def last_run() -> LastRun | None:
    try:
        state = json.loads(get_settings().state_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, OSError):
        return None
    run = state.get("last_run") if isinstance(state, dict) else None
    if not isinstance(run, dict):
        return None
    return LastRun(run_id=str(run.get("run_id", "")), job=str(run.get("job", "")),
                   status=str(run.get("status", "")), finished_at=_when(run.get("finished_at")),
                   failed_checks=[str(c) for c in run.get("failed_checks") or []],
                   started_at=_when(run.get("started_at")), killed=bool(run.get("killed")))
