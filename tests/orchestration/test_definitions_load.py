"""The code location loads with the expected assets, checks, jobs, schedule and sensors."""

from __future__ import annotations

import dagster as dg

from ingestion.extract import raw_tables
from orchestration.definitions import defs

CONTRACT_TABLES = {
    "dim_date", "dim_product", "dim_warehouse", "dim_supplier", "dim_customer", "fct_sales_lines",
    "fct_purchase_lines", "fct_stock_movements", "mart_inventory_daily", "mart_stock_current",
    "mart_stock_alerts", "mart_sales_daily", "mart_purchases_daily",
}


def _keys() -> set[str]:
    return {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}


def test_one_raw_asset_per_store_table_and_serving() -> None:
    keys = _keys()
    assert {f"raw/{t}" for t in raw_tables()} <= keys
    assert "serving" in keys


def test_dbt_sources_map_onto_raw_assets() -> None:
    graph = defs.resolve_asset_graph()
    dbt_keys = {k for k in graph.get_all_asset_keys() if k.path[0] not in ("raw", "serving")}
    assert dbt_keys, "no dbt models loaded"
    upstream = {parent for key in dbt_keys for parent in graph.get(key).parent_keys}
    raw_parents = {k for k in upstream if k.path[0] == "raw"}
    assert raw_parents and raw_parents <= {dg.AssetKey(["raw", t]) for t in raw_tables()}
    assert all(graph.has(k) and not graph.get(k).is_external for k in raw_parents)


def test_serving_is_downstream_of_every_contract_table() -> None:
    graph = defs.resolve_asset_graph()
    parents = {k.path[-1] for k in graph.get(dg.AssetKey("serving")).parent_keys}
    assert CONTRACT_TABLES <= parents


def test_guarding_checks_exist_and_block() -> None:
    graph = defs.resolve_asset_graph()
    checks = {f"{k.asset_key.path[-1]}:{k.name}": graph.get(k) for k in graph.asset_check_keys}
    expected = {
        "stock_ledger:ledger_rows_valid", "sales_order_line:quantity_positive",
        "mart_inventory_daily:closing_quantity_present", "mart_stock_alerts:alert_type_known",
        "mart_stock_current:reconciles_with_store", "mart_inventory_daily:last_day_reconciles_with_store",
    }
    assert expected <= set(checks)
    assert all(checks[name].blocking for name in expected)


def test_jobs_schedule_and_sensors() -> None:
    assert {j.name for j in defs.resolve_all_job_defs()} >= {"full_pipeline", "incremental_pipeline"}
    schedule = defs.resolve_schedule_def("hourly_incremental")
    assert schedule.cron_schedule == "0 * * * *" and schedule.job_name == "incremental_pipeline"
    sensor = defs.resolve_sensor_def("store_change_sensor")
    assert sensor.minimum_interval_seconds == 30 and sensor.job_name == "incremental_pipeline"
    for name in ("record_successful_run", "record_failed_run"):
        assert defs.resolve_sensor_def(name)


def test_jobs_run_steps_one_at_a_time() -> None:
    # every step opens warehouse.duckdb, which admits one process at a time
    for name in ("full_pipeline", "incremental_pipeline"):
        assert defs.resolve_job_def(name).executor_def.name == "in_process"
