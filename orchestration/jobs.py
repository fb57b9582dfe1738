"""The two pipeline jobs: raw extraction → dbt build → checks → publish.

Both run every step in one process, one after another: each step opens warehouse.duckdb and
DuckDB admits only one process per file, so parallel steps would fail on the lock.
"""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import jxc_dbt_assets
from orchestration.assets.forecast import sales_forecast
from orchestration.assets.planning import supply_plan
from orchestration.assets.publish import serving
from orchestration.assets.raw import RawExtractConfig, raw_extract

# Everything but the report assets (group "reports"), which their own schedules run after a publish.
PIPELINE = dg.AssetSelection.all() - dg.AssetSelection.groups("reports")
# Every asset of the pipeline: what a plan's downstream selection is resolved on (orchestration.run_plan).
PIPELINE_ASSETS = [raw_extract, jxc_dbt_assets, sales_forecast, supply_plan, serving]
# The console of a run (the terminal of `jxc serve`) shows warnings and errors only. Without a
# logger in the run configuration Dagster prints every event at DEBUG (a line per step start,
# materialization and check: thousands per run); the Dagster UI's event log keeps them all anyway.
QUIET_CONSOLE = {"console": {"config": {"log_level": "WARNING"}}}


def _pipeline_job(name: str, *, full: bool, description: str) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        name,
        selection=PIPELINE,
        config=dg.RunConfig(ops={"raw_extract": RawExtractConfig(full=full)}, loggers=QUIET_CONSOLE),
        executor_def=dg.in_process_executor,
        tags={"jxc/pipeline": "full" if full else "incremental"},
        description=description,
    )


full_pipeline = _pipeline_job(
    "full_pipeline", full=True,
    description="Reload every raw table from the store, rebuild dbt, run all checks, publish if they pass.",
)
incremental_pipeline = _pipeline_job(
    "incremental_pipeline", full=False,
    description="Extract what changed since the watermark, rebuild dbt, run all checks, publish if they pass.",
)
PIPELINE_JOBS = [full_pipeline, incremental_pipeline]
