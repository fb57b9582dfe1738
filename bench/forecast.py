"""Time the sales-forecast asset's work on a built warehouse: ``python -m bench.forecast [DATA_DIR]``.

Copies DATA_DIR/warehouse.duckdb (default: JXC_DATA_DIR's) to a temporary folder, so the bench's own
files are never written, then times ``refresh_forecasts`` twice: a cold run (no previous forecast:
every series is backtested and refitted, what the first run of a week does) and a warm run (nothing
changed: every series kept, what the runs during a week do). Prints one JSON object.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from forecasting.tables import ACCURACY_TABLE, STATE_SCHEMA, accuracy_by_volume
from operational.settings import get_settings


def main(argv: list[str]) -> None:
    source = (Path(argv[0]) if argv else get_settings().data_dir) / "warehouse.duckdb"
    if not source.exists():
        raise SystemExit(f"no warehouse at {source}: build one first (jxc demo, jxc pipeline run --full)")
    started = time.monotonic()
    from orchestration.assets.dbt import MANIFEST_PATH
    from orchestration.assets.forecast import forecast_jobs, refresh_forecasts
    from orchestration.dbt_project import load_manifest, marts_schema
    from orchestration.resources import WarehouseResource

    imports = time.monotonic() - started
    with tempfile.TemporaryDirectory(prefix="jxc-bench-forecast-") as folder:
        copy = Path(folder) / "warehouse.duckdb"
        shutil.copy(source, copy)
        with duckdb.connect(str(copy)) as con:  # no previous forecast: the cold run refits every series
            con.execute(f"DROP SCHEMA IF EXISTS {STATE_SCHEMA} CASCADE")
        warehouse = WarehouseResource(copy, Path(folder) / "serving.duckdb")
        schema = marts_schema(load_manifest(MANIFEST_PATH))
        cold = refresh_forecasts(warehouse, schema, forecast_jobs())
        warm = refresh_forecasts(warehouse, schema, forecast_jobs())
        with duckdb.connect(str(copy), read_only=True) as con:
            accuracy = accuracy_by_volume(con, schema)
            models = dict(con.execute(f"SELECT series_kind || '/' || model, count(*) FROM {schema}.{ACCURACY_TABLE} "
                                      "GROUP BY ALL ORDER BY 1").fetchall())
    print(json.dumps({"warehouse": str(source), "import_seconds": round(imports, 2), "cold": cold, "warm": warm,
                      "accuracy": accuracy, "models": models},
                     ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
