"""The ``supply_plan`` asset: the supply plan recomputed from the latest forecast after every dbt
build, written beside the marts (``mart_supply_plan``, ``mart_replenishment_suggestions``,
``mart_abc_xyz``) and published with them (docs/planning.md, "Supply planning").

Downstream of the forecast (asset key ``mart_sales_forecast``, built by the forecast asset), the
supplier scorecard (lead-time actuals) and the raw store tables it reads (stock, open orders,
transfers, price lists, the planner's adjustments, service levels and plan-to-document links).
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

import dagster as dg
from dagster import AssetExecutionContext

from operational.services.validation import current_day
from orchestration.assets.dbt import MANIFEST_PATH, model_key, model_names
from orchestration.assets.forecast import FORECAST_KEY
from orchestration.checks.expectations import greater_than, in_set, not_null
from orchestration.checks.frame_checks import FrameCheckSpec
from orchestration.dbt_project import load_manifest, marts_schema
from orchestration.resources import WarehouseResource
from planning.warehouse import run_plan

SUPPLY_PLAN_KEY = dg.AssetKey("supply_plan")
# What the asset writes into the marts schema: the publish copies them like the dbt marts.
PLAN_TABLES = ("mart_supply_plan", "mart_replenishment_suggestions", "mart_abc_xyz")
RAW_INPUTS = ("stock_balance", "warehouse", "product", "supplier", "supplier_price", "purchase_order",
              "purchase_order_line", "stock_transfer", "stock_transfer_line", "stock_ledger", "demand_adjustment",
              "planning_service_level", "plan_document_link")


def _deps() -> list[dg.AssetKey]:
    keys = [FORECAST_KEY, *(dg.AssetKey(["raw", t]) for t in RAW_INPUTS)]
    if "mart_supplier_scorecard" in model_names():
        keys.append(model_key("mart_supplier_scorecard"))
    return keys


@dg.asset(key=SUPPLY_PLAN_KEY, deps=_deps(), group_name="planning", kinds={"python", "duckdb"},
          description="Projected stock, reorder points and replenishment suggestions from the latest forecast.")
def supply_plan(context: AssetExecutionContext, warehouse: dg.ResourceParam[WarehouseResource]) -> dg.MaterializeResult:
    schema = marts_schema(load_manifest(MANIFEST_PATH))
    with warehouse.connect(read_only=False) as con:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        counts = run_plan(con, schema, today=current_day())
    context.log.info(f"supply plan: {counts}")
    return dg.MaterializeResult(metadata={
        "row_counts": dg.MetadataValue.json(counts),
        "suggestions": dg.MetadataValue.int(counts["mart_replenishment_suggestions"]),
    })


def plan_check_specs() -> list[FrameCheckSpec]:
    """Blocking: every suggestion has a known kind, a positive quantity and a reason; every plan row a
    projected stock and a non-negative demand plan (a NaN would hide a run-out)."""
    schema = marts_schema(load_manifest(MANIFEST_PATH))
    return [
        FrameCheckSpec(
            SUPPLY_PLAN_KEY, "suggestions_sane",
            "Every suggestion is a purchase or a transfer of a positive quantity, with its reason.",
            "SELECT kind, CAST(suggested_qty AS DOUBLE) AS suggested_qty, reason "
            f"FROM {schema}.mart_replenishment_suggestions",
            (in_set("kind", ("purchase", "transfer")), not_null("suggested_qty"), greater_than("suggested_qty", 0),
             not_null("reason")),
        ),
        FrameCheckSpec(
            SUPPLY_PLAN_KEY, "plan_rows_complete",
            "Every plan row has a demand plan of zero or more and a projected stock.",
            f"SELECT demand_qty, projected_qty FROM {schema}.mart_supply_plan",  # NaN reads as null in the frame
            (not_null("demand_qty"), not_null("projected_qty"), greater_than("demand_qty", -1e-9)),
        ),
    ]
