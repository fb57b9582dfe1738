"""The bench report: the floor's ratio and verdict, and every pipeline command broken into its parts."""

from __future__ import annotations

import json
from pathlib import Path

from bench.report import _step_table, floor_table
from bench.steps import dbt_breakdown

SUMMARY = ("floor_seconds=20.00 compute_seconds=15.50 sales_daily_rows=10 inventory_daily_rows=2000 "
           "last_day=2026-10-31 mismatched_rows=0 equal=yes")


def _run(scale: float, full_s: float, summary: str = SUMMARY, ok: bool = True) -> dict:
    return {"scale": scale, "full_pipeline": {"seconds": full_s},
            "floor": {"seconds": 22.0, "ok": ok, "summary": summary}}


def test_floor_ratio_against_the_target_of_its_scale() -> None:
    met = "\n".join(floor_table(_run(2.0, 290.0)))
    assert "| 20.0 s | 15.50 s | 290.0 s | 14.5× | target ≤ 15×: met | yes |" in met
    assert "sales_daily 10, inventory_daily 2,000" in met
    assert "target ≤ 5×: **not met**" in "\n".join(floor_table(_run(20.0, 290.0)))
    assert "no target at this scale" in "\n".join(floor_table(_run(1.0, 290.0)))
    # Figures that differ from the marts fail the verdict whatever the ratio.
    differ = "\n".join(floor_table(_run(2.0, 30.0, SUMMARY.replace("equal=yes", "equal=no"), ok=False)))
    assert "target ≤ 15×: **not met** | **no** |" in differ
    assert floor_table({"scale": 2.0, "full_pipeline": {"seconds": 1.0}}) == []


def test_dbt_breakdown_sums_models_and_tests_of_the_runs_folders(tmp_path: Path) -> None:
    run_id = "abcdef1234-5678"
    folder = tmp_path / "jxc_dbt-abcdef1-0a1b2c3"
    folder.mkdir()
    (folder / "run_results.json").write_text(json.dumps({"elapsed_time": 50.04, "results": [
        {"unique_id": "model.jxc.a", "execution_time": 10.0},
        {"unique_id": "model.jxc.b", "execution_time": 5.5},
        {"unique_id": "test.jxc.t1", "execution_time": 1.25},
        {"unique_id": "test.jxc.t2", "execution_time": 2.0},
    ]}))
    (tmp_path / "jxc_dbt-fffffff-0a1b2c3").mkdir()  # another run's folder: not counted
    assert dbt_breakdown(run_id, tmp_path) == {"jxc_dbt": {"elapsed": 50.0, "models": 15.5, "tests": 3.2,
                                                           "other": 0.0}}


def test_step_table_shows_every_part_of_a_command_in_order() -> None:
    jobs = {"full_pipeline": {
        "run_seconds": 100.0,
        "steps": {"raw_extract": 5.0, "raw__check": 1.0, "jxc_dbt": 80.0, "serving": 2.0},
        "dbt": {"jxc_dbt": {"elapsed": 60.0, "models": 40.0, "tests": 30.0, "other": 0.0}},
        "phases": {"startup": 20.0, "run_creation": 10.0, "between_steps": 2.0, "after_run": 3.0},
    }}
    lines = _step_table(jobs, {"full_pipeline": {"seconds": 135.0}})
    labels = [line.split(" | ")[0].removeprefix("| ") for line in lines if line.startswith("| ") and "---" not in line]
    assert labels == [
        "part", "**whole command**", "**Dagster run**",
        "process start-up, imports, definitions (before the run exists)", "run creation (before the first step)",
        "raw_extract", "raw__check", "jxc_dbt",
        "· dbt start-up and event handling (step − dbt elapsed)", "· dbt elapsed (wall, 2 threads)",
        "· · models (Σ node seconds)", "· · tests (Σ node seconds)",
        "serving", "between the steps (Dagster)", "after the run (record, prune, exit)",
    ]
    assert "| · dbt start-up and event handling (step − dbt elapsed) | 20.0 |" in lines
    assert "| **whole command** | 135.0 |" in lines


def test_issue_12_targets_judge_the_incremental_and_the_idle_run() -> None:
    from bench.report import targets

    def step(seconds: float) -> dict:
        return {"seconds": seconds, "ok": True, "peak_rss_mb": 900}

    run = {"full_pipeline": step(110.0), "incremental_pipeline": step(16.0), "nothing_new": step(2.4)}
    verdicts = {label: verdict for label, _, verdict in targets(run)}
    assert verdicts == {"full pipeline ≤ 120 s": "met", "peak memory ≤ 2 GB (full pipeline)": "met",
                        "incremental run after one day ≤ 30 s and ≤ 15 % of the full run": "met",
                        "a run with nothing new ≤ 5 s (no dbt, no publish)": "met"}
    # 15 % of a slow full run is still more than 30 s: not met.
    slow = {**run, "full_pipeline": step(300.0), "incremental_pipeline": step(40.0), "nothing_new": step(9.0)}
    assert [v for _, _, v in targets(slow)] == ["**not met**", "met", "**not met**", "**not met**"]


def test_issue_13_and_14_targets_judge_the_forecast_the_plan_and_the_weekly_report() -> None:
    from bench.report import targets

    summary = ("series=4200 fallback_series=310 forecast_cold_seconds=150.5 forecast_warm_seconds=2.1 "
               "plan_seconds=24.0 suggestions=900 import_seconds=8.0")
    run = {"full_pipeline": {"seconds": 100.0, "ok": True, "peak_rss_mb": 900},
           "forecast": {"seconds": 190.0, "ok": True, "peak_rss_mb": 800, "summary": summary},
           "render_weekly_report": {"seconds": 12.0, "ok": True, "peak_rss_mb": 500}}
    rows = {label: (value, verdict) for label, value, verdict in targets(run)}
    assert rows["forecast asset, every series refitted ≤ 180 s"] == ("150 s (4,200 series)", "met")
    assert rows["daily plan recompute ≤ 20 s"] == ("24.0 s", "**not met**")
    assert rows["weekly report (HTML + PDF) ≤ 30 s"] == ("12.0 s", "met")
    failed = {**run, "forecast": {"seconds": 3.0, "ok": False, "peak_rss_mb": 100, "summary": ""}}
    verdicts = {label: (value, verdict) for label, value, verdict in targets(failed)}
    assert verdicts["forecast asset, every series refitted ≤ 180 s"] == ("failed", "**not met**")
    assert verdicts["daily plan recompute ≤ 20 s"] == ("failed", "**not met**")
