"""The sales_forecast asset materialized by Dagster on a small demo company's warehouse: tables
written with their blocking checks passing, a second run refitting nothing, a changed history
refitting only its series, and the checks failing on bad rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingestion.extract import extract_to_raw
from operational.demo import generate
from orchestration.assets.forecast import FORECAST_KEY, sales_forecast
from orchestration.checks.forecast import forecast_checks
from orchestration.resources import WarehouseResource
from tests.transforms.conftest import dbt, migrated_store

pytestmark = pytest.mark.slow
END = date(2026, 11, 29)  # a Sunday: the last complete week starts on 2026-11-23
DAYS = 300  # 43 weeks: long enough for the backtest (37 weeks) for the products sold from the start


@dataclass
class Demo:
    warehouse: Path
    resources: dict[str, object]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    work = tmp_path_factory.mktemp("forecast_demo")
    engine, url = migrated_store(work)
    generate(engine, scale=0.02, seed=42, end_date=END, days=DAYS, bulk=True)
    engine.dispose()
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(url, warehouse, full=True)
    dbt(warehouse, work, "build", "--select", "+mart_demand_weekly", "--indirect-selection", "cautious")
    return Demo(warehouse, {"warehouse": WarehouseResource(warehouse, work / "serving.duckdb")})


def _materialize(demo: Demo) -> dg.ExecuteInProcessResult:
    return dg.materialize([sales_forecast, *forecast_checks()], resources=demo.resources,
                          instance=dg.DagsterInstance.ephemeral())


def _rows(demo: Demo, sql: str) -> list[tuple]:
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_forecast_asset_on_the_demo_company(demo: Demo) -> None:
    first = _materialize(demo)
    assert first.success
    checks = {e.check_name: e.passed for e in first.get_asset_check_evaluations()}
    assert checks == {"forecast_values_valid": True, "intervals_contain_point": True, "totals_add_up": True,
                      "accuracy_beside_every_forecast": True}
    [meta] = [m.metadata for m in first.asset_materializations_for_node("marts__sales_forecast")]
    series = meta["series"].value
    assert series > 10 and meta["refitted"].value == series and meta["kept"].value == 0
    assert meta["as_of_week"].value == "2026-11-23"

    [(n_series, n_rows, weeks, as_of)] = _rows(demo, "SELECT count(DISTINCT (product_id, warehouse_id)), count(*), "
                                                     "count(DISTINCT week_start), max(as_of_week) "
                                                     "FROM marts.mart_sales_forecast")
    assert (n_series, n_rows, weeks, as_of) == (series, 12 * series, 12, date(2026, 11, 23))
    # every series of the demand history with demand in a complete week has a forecast
    [(expected,)] = _rows(demo, "SELECT count(DISTINCT (product_id, warehouse_id)) FROM marts.mart_demand_weekly "
                                "WHERE is_complete_week AND demand_qty > 0")
    assert n_series == expected
    kinds = dict(_rows(demo, "SELECT series_kind, count(*) FROM marts.mart_forecast_accuracy GROUP BY 1"))
    assert kinds.get("regular", 0) + kinds.get("intermittent", 0) > 0  # some series were modelled
    [(fallback_ok,)] = _rows(demo, "SELECT bool_and(is_fallback = (model IN ('fallback_mean', 'fallback_category'))) "
                                   "FROM marts.mart_forecast_accuracy")
    assert fallback_ok
    [(company, by_series)] = _rows(demo, "SELECT (SELECT sum(forecast_qty) FROM marts.mart_sales_forecast_company), "
                                         "(SELECT sum(CAST(forecast_qty AS DECIMAL(18,4))) "
                                         "FROM marts.mart_sales_forecast)")
    assert company == by_series and company > 0

    # nothing changed: the second run keeps every series
    second = _materialize(demo)
    [meta] = [m.metadata for m in second.asset_materializations_for_node("marts__sales_forecast")]
    assert (meta["refitted"].value, meta["kept"].value) == (0, series)

    # one week of one series changes (a back-dated shipment, say): only that series is refitted
    with duckdb.connect(str(demo.warehouse)) as con:
        con.execute("UPDATE marts.mart_demand_weekly SET demand_qty = demand_qty + 5 WHERE (product_id, warehouse_id, "
                    "week_start) = (SELECT (product_id, warehouse_id, week_start) FROM marts.mart_demand_weekly "
                    "WHERE is_complete_week ORDER BY demand_qty DESC, product_id LIMIT 1)")
    third = _materialize(demo)
    [meta] = [m.metadata for m in third.asset_materializations_for_node("marts__sales_forecast")]
    assert (meta["refitted"].value, meta["kept"].value) == (1, series - 1)
    assert third.success


def test_blocking_checks_fail_on_bad_rows(demo: Demo) -> None:
    assert all(spec.blocking for check in forecast_checks() for spec in check.check_specs)
    with duckdb.connect(str(demo.warehouse)) as con:
        if not con.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_name = 'mart_sales_forecast'").fetchone()[0]:
            pytest.fail("run test_forecast_asset_on_the_demo_company first (module order)")
        con.execute("UPDATE marts.mart_sales_forecast SET forecast_qty = 'NaN'::DOUBLE "
                    "WHERE horizon_week = 3 AND product_id = (SELECT min(product_id) FROM marts.mart_sales_forecast)")
    result = dg.materialize([sales_forecast, *forecast_checks()], resources=demo.resources,
                            instance=dg.DagsterInstance.ephemeral(),
                            selection=dg.AssetSelection.checks_for_assets(FORECAST_KEY), raise_on_error=False)
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["forecast_values_valid"] is False and checks["intervals_contain_point"] is False
    assert checks["totals_add_up"] is False  # the totals no longer match the (NaN) rows
    assert checks["accuracy_beside_every_forecast"] is True
