"""Writing the forecast tables: bottom-up totals that add up exactly, and the blocking checks'
queries failing on bad rows (no statsforecast here: hand-made forecasts in a DuckDB file)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from forecasting import checks
from forecasting.engine import ACCURACY_COLUMNS, FORECAST_COLUMNS
from forecasting.tables import accuracy_by_volume, read_previous, write_forecasts

AS_OF = date(2026, 11, 23)
SCHEMA = "marts"
# (product, warehouse) → point forecast of weeks 1 and 2
POINTS = {(1, 1): (1.23456, 2.0), (1, 2): (2.5, 2.5), (2, 1): (0.33333, 0.0), (3, 1): (10.0, 12.0)}


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, accuracy = [], []
    for (product_id, warehouse_id), points in POINTS.items():
        for h, point in enumerate(points, start=1):
            rows.append({"as_of_week": AS_OF, "product_id": product_id, "warehouse_id": warehouse_id,
                         "week_start": AS_OF + timedelta(days=7 * h), "horizon_week": h, "forecast_qty": point,
                         "lo80": point * 0.8, "hi80": point * 1.2, "lo95": point * 0.6, "hi95": point * 1.5,
                         "model": "ets", "is_fallback": product_id == 2})
        accuracy.append({"as_of_week": AS_OF, "product_id": product_id, "warehouse_id": warehouse_id,
                         "model": "ets", "mase": 0.8, "wape": 0.2, "bias": 0.01, "baseline_mase": 1.0,
                         "baseline_wape": 0.3, "baseline_bias": 0.0, "beats_baseline": product_id != 3, "error_sd_weekly": 1.5,
                         "n_weeks_history": 60, "is_fallback": False, "baseline_model": "seasonal_naive",
                         "series_kind": "regular"})
    return pd.DataFrame(rows, columns=FORECAST_COLUMNS), pd.DataFrame(accuracy, columns=ACCURACY_COLUMNS)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.dim_product AS SELECT * FROM (VALUES (1, 10, '饮料'), (2, 10, '饮料'), "
                "(3, 20, '零食')) AS t(product_id, category_id, category_name)")
    forecasts, accuracy = _frames()
    write_forecasts(con, SCHEMA, forecasts, accuracy, {key: f"fp{key}" for key in POINTS})
    yield con
    con.close()


def _all_pass(con: duckdb.DuckDBPyConnection) -> list[bool]:
    return [checks.invalid_values(con, SCHEMA, 12).passed, checks.intervals_not_nested(con, SCHEMA).passed,
            checks.totals_mismatch(con, SCHEMA).passed, checks.accuracy_missing(con, SCHEMA).passed]


def test_totals_add_up_exactly_from_the_rounded_rows(con: duckdb.DuckDBPyConnection) -> None:
    by_product = dict(((p, h), q) for p, h, q in con.execute(
        "SELECT product_id, horizon_week, forecast_qty FROM marts.mart_sales_forecast_by_product").fetchall())
    assert by_product[(1, 1)] == Decimal("3.7346")  # 1.2346 (rounded to 4 places) + 2.5
    assert by_product[(2, 1)] == Decimal("0.3333")
    by_category = {(c, h): (q, n, fb) for c, h, q, n, fb in con.execute(
        "SELECT category_id, horizon_week, forecast_qty, products, fallback_qty "
        "FROM marts.mart_sales_forecast_by_category").fetchall()}
    assert by_category[(10, 1)] == (Decimal("4.0679"), 2, Decimal("0.3333"))  # product 2 is a fallback
    assert by_category[(10, 2)][0] == Decimal("4.5000")  # 2 + 2.5 + 0
    assert by_category[(20, 1)][0] == Decimal("10.0000")
    company = con.execute("SELECT horizon_week, forecast_qty FROM marts.mart_sales_forecast_company "
                          "ORDER BY 1").fetchall()
    assert company == [(1, Decimal("14.0679")), (2, Decimal("16.5000"))]
    [(names,)] = con.execute("SELECT DISTINCT category_name FROM marts.mart_sales_forecast_by_category "
                             "WHERE category_id = 20").fetchall()
    assert names == "零食"
    assert _all_pass(con) == [True, True, True, True]


def test_previous_run_reads_back(con: duckdb.DuckDBPyConnection) -> None:
    previous = read_previous(con, SCHEMA)
    assert len(previous.forecasts) == 8 and len(previous.accuracy) == 4
    assert previous.fingerprints[(1, 2)] == "fp(1, 2)"
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'mart_sales_forecast'").fetchall())
    assert types["forecast_qty"] == "DOUBLE" and types["week_start"] == "DATE" and types["is_fallback"] == "BOOLEAN"
    assert types["product_id"] == "INTEGER" and types["horizon_week"] == "INTEGER"


@pytest.mark.parametrize(("tamper", "failing"), [
    ("UPDATE marts.mart_sales_forecast SET forecast_qty = -1, lo80 = -1, lo95 = -1 "
     "WHERE product_id = 3 AND horizon_week = 1", "invalid_values"),
    ("UPDATE marts.mart_sales_forecast SET hi95 = 'NaN'::DOUBLE WHERE product_id = 1", "invalid_values"),
    ("UPDATE marts.mart_sales_forecast SET horizon_week = 13 WHERE product_id = 2 AND horizon_week = 2",
     "invalid_values"),
    ("UPDATE marts.mart_sales_forecast SET lo80 = forecast_qty + 1 WHERE product_id = 3", "intervals_not_nested"),
    ("UPDATE marts.mart_sales_forecast SET hi95 = hi80 - 0.5 WHERE product_id = 1", "intervals_not_nested"),
    ("UPDATE marts.mart_sales_forecast_by_category SET forecast_qty = forecast_qty + 0.0001 "
     "WHERE category_id = 10 AND horizon_week = 2", "totals_mismatch"),
    ("DELETE FROM marts.mart_sales_forecast_by_product WHERE product_id = 3", "totals_mismatch"),
    ("UPDATE marts.mart_sales_forecast SET forecast_qty = forecast_qty + 1, hi80 = hi80 + 1, hi95 = hi95 + 1 "
     "WHERE product_id = 2", "totals_mismatch"),
    ("DELETE FROM marts.mart_forecast_accuracy WHERE product_id = 1 AND warehouse_id = 2", "accuracy_missing"),
])
def test_checks_fail_on_bad_rows(con: duckdb.DuckDBPyConnection, tamper: str, failing: str) -> None:
    con.execute(tamper)
    findings = {"invalid_values": checks.invalid_values(con, SCHEMA, 12),
                "intervals_not_nested": checks.intervals_not_nested(con, SCHEMA),
                "totals_mismatch": checks.totals_mismatch(con, SCHEMA),
                "accuracy_missing": checks.accuracy_missing(con, SCHEMA)}
    assert not findings[failing].passed and findings[failing].count >= 1 and findings[failing].rows
    if failing in ("intervals_not_nested", "accuracy_missing"):  # these leave the values and totals alone
        assert findings["invalid_values"].passed and findings["totals_mismatch"].passed


def test_volume_share_beating_the_baseline(con: duckdb.DuckDBPyConnection) -> None:
    # product 1 sold 10 + 6 in the last 52 weeks (and 100 a year and more ago), product 3 sold 48
    con.execute("""CREATE TABLE marts.mart_demand_weekly AS SELECT * FROM (VALUES
        (1, 1, DATE '2026-11-23', 10.0), (1, 2, DATE '2026-06-01', 6.0), (1, 1, DATE '2025-11-24', 100.0),
        (3, 1, DATE '2026-11-16', 48.0)) AS t(product_id, warehouse_id, week_start, demand_qty),
        (SELECT DATE '2026-11-23' AS as_of_week, TRUE AS is_complete_week)""")
    figures = accuracy_by_volume(con, SCHEMA)
    assert (figures["series"], figures["series_beating"], figures["volume"]) == (4, 3, 64.0)
    assert figures["volume_share_beating"] == pytest.approx(16 / 64)  # product 3 does not beat its baseline
