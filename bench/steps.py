"""Where a pipeline run's time goes: the benchmark's Dagster runs broken into their parts.

Read from the Dagster instance in a benchmark data directory after the runs, and from dbt's
``run_results.json`` of each run (dagster-dbt's target folder ``transforms/target/<op>-<run id[:7]>-*``).
For each pipeline job, in time order:

- process start-up and imports: from the command's start to the creation of the Dagster run (needs
  the command's start, which ``bench.run`` records);
- run creation: from the run's creation to the start of its first step;
- every step (extract, the GX checks on raw, dbt, the checks on the marts, publishing), and for a
  dbt step: dbt's own start-up plus Dagster's handling of its events (the step's time outside
  dbt's elapsed time), the time of its models and of its tests (each the sum of the nodes'
  execution times: dbt runs 2 threads, so the two can add up to more than the elapsed time);
- between the steps (Dagster's own work), and after the run (recording, pruning, process exit).

``python -m bench.steps`` adds them to ``bench/results/latest.json`` and re-renders ``docs/benchmarks.md``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bench.report import render_markdown

ROOT = Path(__file__).resolve().parent.parent
DBT_TARGET = ROOT / "transforms" / "target"
# The phases outside the steps, in the keys of "phases" (bench.report labels them).
STARTUP, CREATION, BETWEEN, AFTER = "startup", "run_creation", "between_steps", "after_run"


def dbt_breakdown(run_id: str, target: Path = DBT_TARGET) -> dict[str, dict[str, float]]:
    """{dbt op name: {"elapsed": s, "models": Σ s, "tests": Σ s, "other": Σ s}} from the run's run_results.json."""
    found: dict[str, dict[str, float]] = {}
    for folder in sorted(target.glob(f"*-{run_id[:7]}-*")):
        path = folder / "run_results.json"
        if not path.is_file():
            continue
        op = folder.name.rsplit("-", 2)[0]
        results = json.loads(path.read_text(encoding="utf-8"))
        part = found.setdefault(op, {"elapsed": 0.0, "models": 0.0, "tests": 0.0, "other": 0.0})
        part["elapsed"] += float(results.get("elapsed_time") or 0)
        for node in results.get("results", []):
            kind = node.get("unique_id", "").split(".", 1)[0]
            key = {"model": "models", "test": "tests"}.get(kind, "other")
            part[key] += float(node.get("execution_time") or 0)
    return {op: {k: round(v, 1) for k, v in part.items()} for op, part in found.items()}


def step_durations(dagster_home: Path, commands: dict[str, tuple[float, float]] | None = None,
                   target: Path = DBT_TARGET) -> dict[str, dict[str, Any]]:
    """{job name: {"run_seconds", "steps": {step: s} in time order, "dbt": {op: breakdown}, "phases": {...}}}
    for the newest run of each pipeline job. ``commands``: {job name: (start, end) epoch seconds of
    the command that ran it}, for the time before and after the Dagster run."""
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    found: dict[str, dict[str, Any]] = {}
    with dg.DagsterInstance.get() as instance:
        for record in instance.get_run_records(limit=20):
            run = record.dagster_run
            if run.job_name in found:
                continue
            stats = instance.get_run_stats(run.run_id)
            step_stats = sorted((s for s in instance.get_run_step_stats(run.run_id) if s.start_time),
                                key=lambda s: s.start_time)
            steps = {s.step_key: round((s.end_time or s.start_time) - s.start_time, 1) for s in step_stats}
            job: dict[str, Any] = {"run_seconds": round((stats.end_time or 0) - (stats.start_time or 0), 1),
                                   "steps": steps, "dbt": dbt_breakdown(run.run_id, target), "phases": {}}
            created = record.create_timestamp.timestamp()
            if step_stats:
                first = step_stats[0].start_time
                last = max(s.end_time or s.start_time for s in step_stats)
                job["phases"][CREATION] = round(first - created, 1)
                job["phases"][BETWEEN] = round(
                    (last - first) - sum((s.end_time or s.start_time) - s.start_time for s in step_stats), 1)
            if commands and run.job_name in commands:
                start, end = commands[run.job_name]
                job["phases"][STARTUP] = round(created - start, 1)
                if stats.end_time:
                    job["phases"][AFTER] = round(end - stats.end_time, 1)
            found[run.job_name] = job
    return found


def main() -> None:
    path = ROOT / "bench" / "results" / "latest.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    for run in results["runs"]:
        home = ROOT / "data" / "bench" / f"scale-{run['scale']:g}" / "dagster_home"
        commands = {job: (run[key]["started_at"], run[key]["ended_at"])
                    for job, key in (("full_pipeline", "full_pipeline"), ("incremental_pipeline", "incremental_pipeline"))
                    if "started_at" in run.get(key, {})}
        run["dagster_steps"] = step_durations(home, commands)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    (ROOT / "docs" / "benchmarks.md").write_text(render_markdown(results), encoding="utf-8")


if __name__ == "__main__":
    main()
