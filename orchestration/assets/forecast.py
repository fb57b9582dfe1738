"""The ``sales_forecast`` asset: weekly demand forecasts per product × warehouse, written back into the
warehouse's marts schema (published with the marts) with their accuracy and bottom-up totals.

Incremental policy (docs/planning.md): a series is refitted when its history up to the last complete
week changed (a new week, or a back-dated / cancelled shipment or return inside one); every other
series keeps the rows of the previous run. In practice the first run of a week refits everything
and the runs during the week only the series whose past changed, usually none.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

import os
import time

import dagster as dg
import pandas as pd
from dagster import AssetExecutionContext

from forecasting.config import DEFAULT
from forecasting.profile import apply_category_profile
from forecasting.series import dense_history, fingerprints
from forecasting.tables import PUBLISHED_TABLES, read_categories, read_demand, read_previous, write_forecasts
from orchestration.assets.dbt import MANIFEST_PATH, model_key
from orchestration.dbt_project import load_manifest, marts_schema
from orchestration.resources import WarehouseResource

FORECAST_KEY = dg.AssetKey(["marts", "sales_forecast"])
DEMAND_MODEL = "mart_demand_weekly"


def forecast_jobs() -> int:
    """Worker processes for statsforecast (JXC_FORECAST_JOBS, default 1: each worker pays the import)."""
    try:
        return max(1, int(os.environ.get("JXC_FORECAST_JOBS", "1")))
    except ValueError:
        return 1


def refresh_forecasts(warehouse: WarehouseResource, schema: str, n_jobs: int = 1) -> dict[str, object]:
    """Refit the series whose history changed, keep the others, write every table; a summary."""
    from forecasting.engine import forecast_panel  # statsforecast takes seconds to import

    started = time.monotonic()
    with warehouse.connect(read_only=False) as con:
        demand, as_of_week = read_demand(con, schema)
        previous = read_previous(con, schema)
        if as_of_week is None:  # no shipments yet: empty tables
            dense, current = demand.head(0), {}
        else:
            dense = dense_history(demand, as_of_week)
            current = fingerprints(dense, as_of_week)
        kept_keys = {key for key, digest in current.items() if previous.fingerprints.get(key) == digest}
        kept_keys &= set(zip(previous.accuracy["product_id"].astype(int), previous.accuracy["warehouse_id"].astype(int),
                             strict=True))
        refit = dense[[(int(p), int(w)) not in kept_keys
                       for p, w in zip(dense["product_id"], dense["warehouse_id"], strict=True)]]
        result = forecast_panel(refit, as_of_week, DEFAULT, n_jobs) if not refit.empty else None

        def kept(frame: pd.DataFrame) -> pd.DataFrame:
            mask = [(int(p), int(w)) in kept_keys for p, w in zip(frame["product_id"], frame["warehouse_id"], strict=True)]
            return frame[mask]

        forecasts = [kept(previous.forecasts)] + ([result.forecasts] if result is not None else [])
        accuracy = [kept(previous.accuracy)] + ([result.accuracy] if result is not None else [])
        forecasts_frame = pd.concat([f for f in forecasts if not f.empty] or [previous.forecasts.head(0)],
                                    ignore_index=True)
        accuracy_frame = pd.concat([a for a in accuracy if not a.empty] or [previous.accuracy.head(0)],
                                   ignore_index=True)
        # New products: their flat fallback takes their category's shape (forecasting/profile.py).
        forecasts_frame, accuracy_frame = apply_category_profile(forecasts_frame, accuracy_frame,
                                                                 read_categories(con, schema))
        counts = write_forecasts(con, schema, forecasts_frame, accuracy_frame, current)
    return {"as_of_week": as_of_week.isoformat() if as_of_week else None, "series": len(current),
            "refitted": len(current) - len(kept_keys), "kept": len(kept_keys),
            "fallback_series": int(accuracy_frame["is_fallback"].astype(bool).sum()) if len(accuracy_frame) else 0,
            "seconds": round(time.monotonic() - started, 2), "row_counts": counts}


@dg.asset(key=FORECAST_KEY, deps=[model_key(DEMAND_MODEL), model_key("dim_product")], group_name="marts",
          kinds={"python", "duckdb"},
          description="Weekly sales forecasts (12 weeks, 80/95 % intervals) per product × warehouse, their "
                      "backtest accuracy and bottom-up totals: " + ", ".join(PUBLISHED_TABLES) + ".")
def sales_forecast(context: AssetExecutionContext,
                   warehouse: dg.ResourceParam[WarehouseResource]) -> dg.MaterializeResult:
    summary = refresh_forecasts(warehouse, marts_schema(load_manifest(MANIFEST_PATH)), forecast_jobs())
    context.log.info(f"forecast as of {summary['as_of_week']}: {summary['refitted']} series refitted, "
                     f"{summary['kept']} kept, in {summary['seconds']} s")
    return dg.MaterializeResult(metadata={
        "as_of_week": dg.MetadataValue.text(str(summary["as_of_week"])),
        "series": dg.MetadataValue.int(int(summary["series"])),
        "refitted": dg.MetadataValue.int(int(summary["refitted"])),
        "kept": dg.MetadataValue.int(int(summary["kept"])),
        "fallback_series": dg.MetadataValue.int(int(summary["fallback_series"])),
        "seconds": dg.MetadataValue.float(float(summary["seconds"])),
        "table_row_counts": dg.MetadataValue.json(summary["row_counts"]),
    })
