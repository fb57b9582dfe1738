"""pipeline_state.json: each writer keeps the other's part; unreadable files read as empty."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from orchestration.state import read_state, record_publish, update_state


def test_publish_and_run_parts_coexist(tmp_path: Path) -> None:
    path = tmp_path / "pipeline_state.json"
    assert read_state(path) == {}
    record_publish(path, run_id="r1", job_name="full_pipeline", published_at=datetime(2026, 3, 6, 10),
                   row_counts={"dim_date": 3}, store_watermark="5|x")
    update_state(path, last_run={"run_id": "r2", "status": "FAILURE"})
    state = read_state(path)
    assert state["last_publish"]["run_id"] == "r1"
    assert state["last_publish"]["published_at"] == "2026-03-06T10:00:00"
    assert state["last_run"] == {"run_id": "r2", "status": "FAILURE"}
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_corrupt_state_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "pipeline_state.json"
    path.write_text("{not json", encoding="utf-8")
    assert read_state(path) == {}
