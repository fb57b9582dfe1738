"""data/pipeline_state.json: what ``jxc status`` shows without opening any database.

Two writers share it: the ``serving`` asset records a publish, and ``run_record.record_run`` (from
a run-status sensor in the daemon, or the CLI after an in-process run) records how the run ended
and its check results. Each rewrites the whole file through a temporary file + os.replace, and
keeps the other's part.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any


def read_state(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def write_state(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    temp.write_text(json.dumps(state, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(temp, path)


def update_state(path: Path, **parts: Any) -> dict[str, Any]:
    state = read_state(path)
    state.update(parts)
    write_state(path, state)
    return state


def record_publish(path: Path, *, run_id: str, job_name: str, published_at: datetime,
                   row_counts: dict[str, int], store_watermark: str,
                   store_markers: dict[str, str] | None = None, published_tables: list[str] | None = None) -> None:
    """``store_markers``: the store table markers the published data reflects, which the next run's
    plan compares with (orchestration.run_plan); ``published_tables``: the marts this publish replaced."""
    update_state(path, last_publish={
        "run_id": run_id, "job": job_name, "published_at": published_at.isoformat(),
        "store_watermark": store_watermark, "table_row_counts": row_counts,
        "store_markers": store_markers or {}, "published_tables": published_tables or [],
    })
