"""`make bench`: time the pipeline and the dashboard queries at scale 1 and scale 20.

For each scale, in a fresh data directory under ``data/bench/``: generate the demo company
(scale 1 through the services, larger scales through the bulk path), run the full pipeline, compute
the same key figures by hand from its raw tables (``bench/floor.py``, checked equal to the marts,
the floor the pipeline's time is read against), simulate
one more day through the services, run the incremental pipeline, then time each dashboard data call
on the published ``serving.duckdb`` (cache cleared, so every call opens the file and queries it),
then the forecast asset (cold and warm) with the daily plan recompute
(``bench/forecast.py``) and the weekly report's render (``bench/render_reports.py``), then the valuation: the whole ledger revalued, one more day, and a back-dated receipt on the busiest product
(``bench/valuation.py``), a late landed cost on the busiest product (``bench/corrections_landed.py``)
and the cancellation (作废) of such a receipt (``bench/corrections_cancel.py``). First of all,
``make run``'s own demo step: ``jxc demo --scale 1``
ending today, as a newcomer's first command runs it, with the demo's invariants (cash included)
checked afterwards; ``--demo-only`` measures just that and keeps the scales' figures, ``--skip-demo``
keeps its last figures and measures only the scales.
Each step runs as its own process; peak memory is the largest sum of RSS over its process tree.
Results go to ``bench/results/latest.json`` and ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench.measure import Measurement, run_measured
from bench.report import render_markdown
from bench.steps import step_durations

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
QUERY_REPEATS = 15


def _step(name: str, cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    print(f"  {name} ...", flush=True)
    started_at = time.time()
    m: Measurement = run_measured(cmd, env=env, cwd=str(ROOT))
    ended_at = time.time()
    summary = next((line for line in m.output_tail.splitlines() if line.startswith("SUMMARY")), "")
    print(f"  {name}: {m.seconds:.1f} s, peak {m.peak_rss_mb:.0f} MB, exit {m.returncode}", flush=True)
    if m.returncode != 0:
        print(m.output_tail, file=sys.stderr)
    # The wall-clock bounds let bench.steps tell start-up and wind-down from the Dagster run.
    return {"seconds": round(m.seconds, 2), "peak_rss_mb": round(m.peak_rss_mb), "ok": m.returncode == 0,
            "summary": summary.removeprefix("SUMMARY ").strip(), "started_at": round(started_at, 3),
            "ended_at": round(ended_at, 3)}


def _time_queries(data_dir: Path) -> dict[str, dict[str, float]]:
    """Median / p95 / max milliseconds of each dashboard data call, cache cleared before each call."""
    os.environ["JXC_DATA_DIR"] = str(data_dir)
    from dashboards import (
        serving,
        serving_crm,
        serving_finance,
        serving_hr,
        serving_open_items,
        serving_payables,
        serving_receivables,
    )

    opts = serving.filter_options()
    last = opts.last_day
    first = opts.first_day
    a_month_ago = max(first, last.replace(day=1)) if last and first else last
    some_wh = next(iter(opts.warehouses), None)
    mid_month = last.replace(day=15) if last else last
    last_month = f"{last:%Y-%m}" if last else ""
    whole = serving.AnalysisFilters(first, last)
    month = serving.AnalysisFilters(a_month_ago, last)

    def biggest_product(filters: serving.AnalysisFilters) -> object:
        by_product = serving.sales_margin(filters, group="product").by_group
        return None if by_product.empty else int(by_product.iloc[0]["group_key"])

    calls = {
        "filter_options": lambda: serving.filter_options(),
        "overview, whole period, all warehouses": lambda: serving.overview(serving.Filters(first, last, None)),
        "overview, one month, one warehouse": lambda: serving.overview(serving.Filters(a_month_ago, last, some_wh)),
        "overview by month": lambda: serving.overview(serving.Filters(first, last, None), grain="month"),
        "inventory, all": lambda: serving.inventory(),
        "inventory, search": lambda: serving.inventory(search="茶"),
        "pipeline status": lambda: serving.pipeline_status(),
        "stock analysis, one month, by category": lambda: serving.stock_analysis(month),
        "stock analysis, whole period, by product": lambda: serving.stock_analysis(whole, level="product"),
        "batch expiry": lambda: serving.batch_expiry(whole),
        "sales margin, whole period, by customer": lambda: serving.sales_margin(whole, group="customer"),
        "sales margin, one month, by day": lambda: serving.sales_margin(month, group="day"),
        "sales margin drill-down, one month, biggest product": lambda: serving.shipment_lines(
            month, "product", biggest_product(month)),
        "supplier scorecard": lambda: serving.supplier_scorecard(),
        # back office: aging on a day that is not a report date (served from the balance periods)
        "AR aging as of the 15th of the last month": lambda: serving_open_items.aging(
            serving_open_items.AR, mid_month),
        "AR aging as of the 15th, buckets 15/45/90": lambda: serving_open_items.aging(
            serving_open_items.AR, mid_month, (15, 45, 90)),
        "AP aging as of the 15th of the last month": lambda: serving_open_items.aging(
            serving_open_items.AP, mid_month),
        "DSO and collection effectiveness by month": lambda: (serving_receivables.dso_monthly(),
                                                              serving_receivables.collection_effectiveness()),
        "upcoming supplier payments": lambda: serving_payables.upcoming_payments(),
        "cash position, whole period": lambda: serving_finance.cash_position(first, last),
        "profit by month": lambda: serving_finance.profit_monthly(first, last),
        "customer analysis (RFM, churn, CLV)": lambda: serving_crm.customer_analysis(serving_crm.CustomerFilters()),
        "attendance by department, last month": lambda: serving_hr.attendance_by_department(last_month, last_month),
    }
    timings = {}
    for name, call in calls.items():
        samples = []
        for _ in range(QUERY_REPEATS):
            serving._run.clear()
            start = time.perf_counter()
            call()
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        timings[name] = {"median_ms": round(statistics.median(samples), 1),
                         "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1),
                         "max_ms": round(samples[-1], 1)}
        print(f"  query {name}: median {timings[name]['median_ms']} ms", flush=True)
    return timings


def bench_demo_today() -> dict[str, Any]:
    """`make run`'s demo at the default scale, ending today: does it succeed, and how long does it take."""
    data_dir = ROOT / "data" / "bench" / "demo-today"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = {"JXC_DATA_DIR": str(data_dir), "JXC_DATABASE_URL": f"sqlite:///{data_dir / 'jxc.sqlite'}"}
    jxc = str(VENV_BIN / "jxc")
    today = date.today().isoformat()
    print(f"make run's demo (jxc demo --scale 1, ending {today}) in {data_dir}", flush=True)
    result: dict[str, Any] = {"command": "jxc demo --scale 1", "end_date": today,
                              "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    result["init"] = _step("jxc init", [jxc, "init"], env)
    result["demo"] = _step("jxc demo --scale 1", [jxc, "demo", "--scale", "1"], env)
    if result["demo"]["ok"]:
        result["invariants"] = _step("invariants", [str(VENV_BIN / "python"), "-m", "bench.generate", "--check"], env)
    result["ok"] = all(result[k]["ok"] for k in ("init", "demo", "invariants") if k in result)
    return result


def bench_scale(scale: float, *, bulk: bool) -> dict[str, Any]:
    data_dir = ROOT / "data" / "bench" / f"scale-{scale:g}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = {"JXC_DATA_DIR": str(data_dir), "JXC_DATABASE_URL": f"sqlite:///{data_dir / 'jxc.sqlite'}"}
    py = str(VENV_BIN / "python")
    jxc = str(VENV_BIN / "jxc")
    print(f"scale {scale:g} ({'bulk path' if bulk else 'services'}) in {data_dir}", flush=True)
    result: dict[str, Any] = {"scale": scale, "generator": "bulk" if bulk else "services",
                              "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    gen = [py, "-m", "bench.generate", "--scale", str(scale)] + (["--bulk"] if bulk else [])
    result["generate"] = _step("generate", gen, env)
    result["store_mb"] = round((data_dir / "jxc.sqlite").stat().st_size / 2**20)
    result["full_pipeline"] = _step("full pipeline", [jxc, "pipeline", "run", "--full"], env)
    # The same key figures by hand in one process from the raw tables the run just extracted,
    # checked equal to the marts it built (bench/floor.py): the floor the pipeline is judged against.
    result["floor"] = _step("hand-written floor", [py, "-m", "bench.floor"], env)
    result["simulate_one_day"] = _step("simulate one more day", [py, "-m", "bench.generate", "--extend", "1"], env)
    result["incremental_pipeline"] = _step("incremental pipeline", [jxc, "pipeline", "run"], env)
    result["nothing_new"] = _step("pipeline run with nothing new", [jxc, "pipeline", "run"], env)
    result["warehouse_mb"] = round((data_dir / "warehouse.duckdb").stat().st_size / 2**20)
    result["serving_mb"] = round((data_dir / "serving.duckdb").stat().st_size / 2**20)
    result["queries"] = _time_queries(data_dir)
    # Issue 13: the forecast asset cold (every series refitted) and warm, and the daily plan recompute,
    # on a copy of the warehouse (bench/forecast.py); issue 14: the weekly report's render.
    result["forecast"] = _step("forecast (cold + warm) and plan recompute", [py, "-m", "bench.forecast"], env)
    result["render_weekly_report"] = _step("weekly report (HTML + PDF)", [py, "-m", "bench.render_reports"], env)
    result["dagster_steps"] = step_durations(data_dir / "dagster_home", {
        job: (result[job]["started_at"], result[job]["ended_at"]) for job in ("full_pipeline", "incremental_pipeline")})
    # Last: the back-dated receipt changes the store (the published data above is not affected).
    result["valuation_full"] = _step("valuation, whole ledger", [py, "-m", "bench.valuation", "full"], env)
    result["valuation_append"] = _step("valuation, one more day", [py, "-m", "bench.valuation", "append"], env)
    result["valuation_backdated"] = _step("valuation, back-dated receipt", [py, "-m", "bench.valuation", "backdated"],
                                          env)
    result["landed_cost_late"] = _step("valuation, late landed cost", [py, "-m", "bench.corrections_landed"], env)
    result["cancellation"] = _step("cancellation (作废) of a back-dated receipt", [py, "-m", "bench.corrections_cancel"],
                                   env)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,20", help="comma-separated scales (default 1,20)")
    parser.add_argument("--bulk-from", type=float, default=5.0, help="use the bulk generator from this scale up")
    parser.add_argument("--keep-other-scales", action="store_true",
                        help="re-measure only --scales and keep the other scales' runs of latest.json")
    parser.add_argument("--demo-only", action="store_true",
                        help="measure only `make run`'s demo (scale 1, ending today); keep the scales' runs")
    parser.add_argument("--skip-demo", action="store_true",
                        help="do not re-measure `make run`'s demo; keep its figures from latest.json")
    args = parser.parse_args()
    out = ROOT / "bench" / "results" / "latest.json"
    previous = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    demo_today = previous["demo_today"] if args.skip_demo and previous.get("demo_today") else bench_demo_today()
    if args.demo_only:
        results = {**previous, "machine": _machine(), "demo_today": demo_today}
        results.setdefault("measured_at", demo_today["measured_at"])
        results.setdefault("runs", [])
        _write(out, results)
        if not demo_today["ok"]:
            raise SystemExit("make run's demo failed: see above")
        return
    runs = [bench_scale(float(s), bulk=float(s) >= args.bulk_from) for s in args.scales.split(",")]
    if args.keep_other_scales and previous:
        measured = {r["scale"] for r in runs}
        kept = [r for r in previous["runs"] if r["scale"] not in measured]
        for r in kept:  # the header's date becomes today's: a kept run says when it was measured
            r.setdefault("measured_at", previous.get("measured_at"))
        runs = sorted(kept + runs, key=lambda r: r["scale"])
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "demo_today": demo_today,
        "runs": runs,
    }
    _write(out, results)
    if not demo_today["ok"]:
        raise SystemExit("make run's demo failed: see above")


def _machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def _write(out: Path, results: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    (ROOT / "docs" / "benchmarks.md").write_text(render_markdown(results), encoding="utf-8")
    print(f"wrote {out} and docs/benchmarks.md")


if __name__ == "__main__":
    main()
