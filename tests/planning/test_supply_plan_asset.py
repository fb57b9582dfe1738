"""The ``supply_plan`` Dagster asset on a real warehouse: it writes the plan marts into the marts
schema, and the publish copies them to serving.duckdb with the dbt marts."""

from __future__ import annotations

from datetime import datetime

import dagster as dg
import duckdb
from plan_support import MARTS, build_plan_company, write_forecast

from ingestion.extract import extract_to_raw
from orchestration.assets.planning import PLAN_TABLES, plan_check_specs, supply_plan
from orchestration.checks.frame_checks import build_frame_check
from orchestration.resources import WarehouseResource
from orchestration.serving_file import PublishInfo, build_serving_file


def test_the_asset_writes_the_plan_marts_and_they_are_published(store_engine, data_dir):
    c = build_plan_company(store_engine)
    warehouse, serving = data_dir / "warehouse.duckdb", data_dir / "serving.duckdb"
    write_forecast(warehouse, c)
    extract_to_raw(store_engine.url.render_as_string(hide_password=False), warehouse)

    checks = [build_frame_check(spec) for spec in plan_check_specs()]
    result = dg.materialize([supply_plan, *checks], resources={"warehouse": WarehouseResource(warehouse, serving)})
    assert result.success
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations == {"suggestions_sane": True, "plan_rows_complete": True}
    counts = result.asset_materializations_for_node("supply_plan")[0].metadata["row_counts"].value
    assert counts == {"mart_supply_plan": 36, "mart_replenishment_suggestions": 2, "mart_abc_xyz": 2}

    build_serving_file(warehouse, serving, MARTS, PublishInfo(datetime(2026, 12, 7), "run", "job", "w"), [])
    with duckdb.connect(str(serving), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert set(PLAN_TABLES) <= tables
        assert con.execute("SELECT count(*) FROM mart_replenishment_suggestions").fetchone()[0] == 2
