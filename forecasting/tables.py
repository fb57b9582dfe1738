"""The forecast's tables in warehouse.duckdb: reading the demand history, writing the forecasts, the
accuracy and the bottom-up totals, and the per-series state that lets a run refit only what changed.

The published tables go to the marts schema (the publish copies that schema to serving.duckdb); the
state goes to its own schema ``forecast_state``, which is not published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from forecasting.engine import ACCURACY_COLUMNS, FORECAST_COLUMNS
from forecasting.series import SeriesKey
from orchestration.duck import table_exists

DEMAND_TABLE = "mart_demand_weekly"
FORECAST_TABLE = "mart_sales_forecast"
ACCURACY_TABLE = "mart_forecast_accuracy"
BY_PRODUCT_TABLE = "mart_sales_forecast_by_product"
BY_CATEGORY_TABLE = "mart_sales_forecast_by_category"
COMPANY_TABLE = "mart_sales_forecast_company"
PUBLISHED_TABLES = (FORECAST_TABLE, ACCURACY_TABLE, BY_PRODUCT_TABLE, BY_CATEGORY_TABLE, COMPANY_TABLE)
STATE_SCHEMA = "forecast_state"
STATE_TABLE = f"{STATE_SCHEMA}.series"

FORECAST_DDL = """(
    as_of_week DATE NOT NULL, product_id INTEGER NOT NULL, warehouse_id INTEGER NOT NULL, week_start DATE NOT NULL,
    horizon_week INTEGER NOT NULL, forecast_qty DOUBLE, lo80 DOUBLE, hi80 DOUBLE, lo95 DOUBLE, hi95 DOUBLE,
    model VARCHAR NOT NULL, is_fallback BOOLEAN NOT NULL)"""
ACCURACY_DDL = """(
    as_of_week DATE NOT NULL, product_id INTEGER NOT NULL, warehouse_id INTEGER NOT NULL, model VARCHAR NOT NULL,
    mase DOUBLE, wape DOUBLE, bias DOUBLE, baseline_mase DOUBLE, baseline_wape DOUBLE, baseline_bias DOUBLE,
    beats_baseline BOOLEAN NOT NULL, error_sd_weekly DOUBLE, n_weeks_history INTEGER NOT NULL,
    is_fallback BOOLEAN NOT NULL, baseline_model VARCHAR, series_kind VARCHAR)"""
# Quantities are rounded to this many places when written, so the totals (DECIMAL sums of the same
# rounded values) add up exactly.
PLACES = 4
QTY_COLUMNS = ("forecast_qty", "lo80", "hi80", "lo95", "hi95")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table(schema: str, name: str) -> str:
    return f"{_q(schema)}.{_q(name)}"


def read_demand(con: duckdb.DuckDBPyConnection, schema: str) -> tuple[pd.DataFrame, date | None]:
    """The complete weeks of the demand history and the as-of week (None without any history)."""
    demand = con.execute(
        f"SELECT product_id, warehouse_id, week_start, CAST(demand_qty AS DOUBLE) AS demand_qty, as_of_week "
        f"FROM {_table(schema, DEMAND_TABLE)} WHERE is_complete_week ORDER BY product_id, warehouse_id, week_start"
    ).df()
    as_of = con.execute(f"SELECT max(as_of_week) FROM {_table(schema, DEMAND_TABLE)}").fetchone()[0]
    return demand.drop(columns=["as_of_week"]), as_of


def read_categories(con: duckdb.DuckDBPyConnection, schema: str) -> dict[int, int | None]:
    """The category of every product in the demand history (the category-profile fallback's input)."""
    rows = con.execute(f"SELECT DISTINCT product_id, category_id FROM {_table(schema, DEMAND_TABLE)}").fetchall()
    return {int(p): (None if c is None else int(c)) for p, c in rows}


@dataclass(frozen=True)
class Previous:
    """What the last forecast run wrote: its rows and the fingerprint of every series it fitted."""

    forecasts: pd.DataFrame
    accuracy: pd.DataFrame
    fingerprints: dict[SeriesKey, str]


def read_previous(con: duckdb.DuckDBPyConnection, schema: str) -> Previous:
    if not all(table_exists(con, s, t) for s, t in [(schema, FORECAST_TABLE), (schema, ACCURACY_TABLE),
                                                     (STATE_SCHEMA, "series")]):
        return Previous(pd.DataFrame(columns=FORECAST_COLUMNS), pd.DataFrame(columns=ACCURACY_COLUMNS), {})
    forecasts = con.execute(f"SELECT {', '.join(FORECAST_COLUMNS)} FROM {_table(schema, FORECAST_TABLE)}").df()
    accuracy = con.execute(f"SELECT {', '.join(ACCURACY_COLUMNS)} FROM {_table(schema, ACCURACY_TABLE)}").df()
    state = {(int(p), int(w)): f for p, w, f in
             con.execute(f"SELECT product_id, warehouse_id, fingerprint FROM {STATE_TABLE}").fetchall()}
    return Previous(forecasts, accuracy, state)


def _rounded(forecasts: pd.DataFrame) -> pd.DataFrame:
    frame = forecasts.copy()
    for column in QTY_COLUMNS:
        frame[column] = frame[column].astype(float).round(PLACES)
    return frame


def write_forecasts(con: duckdb.DuckDBPyConnection, schema: str, forecasts: pd.DataFrame, accuracy: pd.DataFrame,
                    fingerprints: dict[SeriesKey, str]) -> dict[str, int]:
    """Replace the forecast tables, the totals and the state in one transaction; their row counts."""
    forecast_frame = _rounded(forecasts[FORECAST_COLUMNS])  # noqa: F841 (scanned by DuckDB below)
    accuracy_frame = accuracy[ACCURACY_COLUMNS]  # noqa: F841
    state_frame = pd.DataFrame([(p, w, f) for (p, w), f in sorted(fingerprints.items())],  # noqa: F841
                               columns=["product_id", "warehouse_id", "fingerprint"])
    con.execute("BEGIN")
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(schema)}")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {STATE_SCHEMA}")
        con.execute(f"CREATE OR REPLACE TABLE {_table(schema, FORECAST_TABLE)} {FORECAST_DDL}")
        con.execute(f"INSERT INTO {_table(schema, FORECAST_TABLE)} SELECT {', '.join(FORECAST_COLUMNS)} "
                    "FROM forecast_frame ORDER BY product_id, warehouse_id, horizon_week")
        con.execute(f"CREATE OR REPLACE TABLE {_table(schema, ACCURACY_TABLE)} {ACCURACY_DDL}")
        con.execute(f"INSERT INTO {_table(schema, ACCURACY_TABLE)} SELECT {', '.join(ACCURACY_COLUMNS)} "
                    "FROM accuracy_frame ORDER BY product_id, warehouse_id")
        con.execute(f"CREATE OR REPLACE TABLE {STATE_TABLE} (product_id INTEGER, warehouse_id INTEGER, "
                    "fingerprint VARCHAR)")
        con.execute(f"INSERT INTO {STATE_TABLE} SELECT * FROM state_frame")
        write_totals(con, schema)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {name: con.execute(f"SELECT count(*) FROM {_table(schema, name)}").fetchone()[0]
            for name in PUBLISHED_TABLES}


def write_totals(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Bottom-up totals of the point forecast: product = Σ its warehouses, category = Σ its products,
    company = Σ the categories. DECIMAL sums of the rounded rows, so they add up exactly. Intervals
    do not add up (errors partly cancel), so the totals carry none."""
    dec = f"DECIMAL(18,{PLACES})"
    con.execute(f"""CREATE OR REPLACE TABLE {_table(schema, BY_PRODUCT_TABLE)} AS
        SELECT f.as_of_week, f.product_id, p.category_id, f.week_start, f.horizon_week,
               CAST(sum(CAST(f.forecast_qty AS {dec})) AS {dec}) AS forecast_qty,
               CAST(sum(CASE WHEN f.is_fallback THEN CAST(f.forecast_qty AS {dec}) ELSE 0 END) AS {dec})
                   AS fallback_qty,
               CAST(count(*) AS INTEGER) AS warehouses
        FROM {_table(schema, FORECAST_TABLE)} AS f
        LEFT JOIN {_table(schema, 'dim_product')} AS p ON p.product_id = f.product_id
        GROUP BY ALL ORDER BY f.product_id, f.horizon_week""")
    con.execute(f"""CREATE OR REPLACE TABLE {_table(schema, BY_CATEGORY_TABLE)} AS
        SELECT b.as_of_week, b.category_id, any_value(p.category_name) AS category_name, b.week_start,
               b.horizon_week, CAST(sum(b.forecast_qty) AS {dec}) AS forecast_qty,
               CAST(sum(b.fallback_qty) AS {dec}) AS fallback_qty, CAST(count(*) AS INTEGER) AS products
        FROM {_table(schema, BY_PRODUCT_TABLE)} AS b
        LEFT JOIN {_table(schema, 'dim_product')} AS p ON p.product_id = b.product_id
        GROUP BY b.as_of_week, b.category_id, b.week_start, b.horizon_week
        ORDER BY b.category_id, b.horizon_week""")
    con.execute(f"""CREATE OR REPLACE TABLE {_table(schema, COMPANY_TABLE)} AS
        SELECT as_of_week, week_start, horizon_week, CAST(sum(forecast_qty) AS {dec}) AS forecast_qty,
               CAST(sum(fallback_qty) AS {dec}) AS fallback_qty, CAST(sum(products) AS INTEGER) AS products
        FROM {_table(schema, BY_CATEGORY_TABLE)}
        GROUP BY ALL ORDER BY horizon_week""")


def accuracy_by_volume(con: duckdb.DuckDBPyConnection, schema: str, weeks: int = 52) -> dict[str, float | int]:
    """How much of the last ``weeks`` complete weeks' demand lies in series whose model beat the
    baseline (the figure docs/planning.md reports for the demo company), with the series counts."""
    row = con.execute(f"""
        WITH volume AS (
            SELECT product_id, warehouse_id, sum(demand_qty) AS qty FROM {_table(schema, DEMAND_TABLE)}
            WHERE is_complete_week AND week_start > as_of_week - to_weeks(CAST(? AS INTEGER)) GROUP BY ALL)
        SELECT count(*), count(*) FILTER (WHERE a.beats_baseline), count(*) FILTER (WHERE a.is_fallback),
               CAST(coalesce(sum(v.qty), 0) AS DOUBLE),
               CAST(coalesce(sum(v.qty) FILTER (WHERE a.beats_baseline), 0) AS DOUBLE),
               CAST(coalesce(sum(v.qty) FILTER (WHERE a.is_fallback), 0) AS DOUBLE)
        FROM {_table(schema, ACCURACY_TABLE)} AS a
        LEFT JOIN volume AS v ON v.product_id = a.product_id AND v.warehouse_id = a.warehouse_id""",
                      [weeks]).fetchone()
    series, beating, fallback, volume, volume_beating, volume_fallback = row
    return {"series": series, "series_beating": beating, "series_fallback": fallback, "volume": volume,
            "volume_share_beating": volume_beating / volume if volume else None,
            "volume_share_fallback": volume_fallback / volume if volume else None}
