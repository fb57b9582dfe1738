"""Where a pipeline run's time goes: per-step durations of the benchmark's Dagster runs.

Read from the Dagster instance in a benchmark data directory after the runs; ``python -m bench.steps``
adds them to ``bench/results/latest.json`` and re-renders ``docs/benchmarks.md``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bench.report import render_markdown

ROOT = Path(__file__).resolve().parent.parent


def step_durations(dagster_home: Path) -> dict[str, dict[str, Any]]:
    """{job name: {"run_seconds": s, "steps": {step: s}}} for the newest run of each pipeline job."""
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    found: dict[str, dict[str, Any]] = {}
    with dg.DagsterInstance.get() as instance:
        for run in instance.get_runs(limit=20):
            if run.job_name in found:
                continue
            stats = instance.get_run_stats(run.run_id)
            steps = {s.step_key: round((s.end_time or 0) - (s.start_time or 0), 1)
                     for s in instance.get_run_step_stats(run.run_id)}
            found[run.job_name] = {"run_seconds": round((stats.end_time or 0) - (stats.start_time or 0), 1),
                                   "steps": steps}
    return found


def main() -> None:
    path = ROOT / "bench" / "results" / "latest.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    for run in results["runs"]:
        home = ROOT / "data" / "bench" / f"scale-{run['scale']:g}" / "dagster_home"
        run["dagster_steps"] = step_durations(home)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    (ROOT / "docs" / "benchmarks.md").write_text(render_markdown(results), encoding="utf-8")


if __name__ == "__main__":
    main()
