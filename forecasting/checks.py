"""What the blocking forecast checks refuse, as queries over the written tables.

Each function returns the offending rows (at most ``limit``) and their total count; an empty result
passes. ``orchestration/checks/forecast.py`` turns them into Dagster asset checks that block the
publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from forecasting.tables import (
    ACCURACY_TABLE,
    BY_CATEGORY_TABLE,
    BY_PRODUCT_TABLE,
    COMPANY_TABLE,
    FORECAST_TABLE,
    PLACES,
)


@dataclass(frozen=True)
class Finding:
    count: int
    rows: list[dict[str, Any]]

    @property
    def passed(self) -> bool:
        return self.count == 0


def _q(schema: str, name: str) -> str:
    return f'"{schema}"."{name}"'


def _find(con: duckdb.DuckDBPyConnection, sql: str, limit: int) -> Finding:
    count = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
    frame = con.execute(f"SELECT * FROM ({sql}) LIMIT {int(limit)}").df()
    rows = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
            for row in frame.astype(object).where(frame.notna(), None).to_dict("records")]
    return Finding(int(count), rows)


def _bad_number(column: str) -> str:
    return f"({column} IS NULL OR isnan({column}) OR isinf({column}) OR {column} < 0)"


def invalid_values(con: duckdb.DuckDBPyConnection, schema: str, horizon: int, limit: int = 20) -> Finding:
    """Forecast rows with a missing, NaN, infinite or negative quantity, or a horizon outside 1..horizon."""
    bad = " OR ".join(_bad_number(c) for c in ("forecast_qty", "lo80", "hi80", "lo95", "hi95"))
    return _find(con, f"SELECT product_id, warehouse_id, horizon_week, forecast_qty, lo80, hi80, lo95, hi95 "
                      f"FROM {_q(schema, FORECAST_TABLE)} "
                      f"WHERE {bad} OR horizon_week NOT BETWEEN 1 AND {int(horizon)}", limit)


def intervals_not_nested(con: duckdb.DuckDBPyConnection, schema: str, limit: int = 20) -> Finding:
    """Rows whose intervals do not contain the point: lo95 <= lo80 <= forecast <= hi80 <= hi95 fails."""
    return _find(con, f"SELECT product_id, warehouse_id, horizon_week, lo95, lo80, forecast_qty, hi80, hi95 "
                      f"FROM {_q(schema, FORECAST_TABLE)} "
                      "WHERE NOT (lo95 <= lo80 AND lo80 <= forecast_qty AND forecast_qty <= hi80 AND hi80 <= hi95)",
                 limit)


def totals_mismatch(con: duckdb.DuckDBPyConnection, schema: str, limit: int = 20) -> Finding:
    """Totals that are not exactly the sum of the level below: product vs its warehouses, category vs
    its products, company vs the categories (a missing row on either side counts as 0)."""
    dec = f"DECIMAL(18,{PLACES})"
    levels = [
        ("product", f"SELECT product_id AS id, horizon_week, sum(TRY_CAST(forecast_qty AS {dec})) AS parts "
                    f"FROM {_q(schema, FORECAST_TABLE)} GROUP BY ALL",
         f"SELECT product_id AS id, horizon_week, forecast_qty AS total FROM {_q(schema, BY_PRODUCT_TABLE)}"),
        ("category", f"SELECT category_id AS id, horizon_week, sum(forecast_qty) AS parts "
                     f"FROM {_q(schema, BY_PRODUCT_TABLE)} GROUP BY ALL",
         f"SELECT category_id AS id, horizon_week, forecast_qty AS total FROM {_q(schema, BY_CATEGORY_TABLE)}"),
        ("company", f"SELECT 0 AS id, horizon_week, sum(forecast_qty) AS parts "
                    f"FROM {_q(schema, BY_CATEGORY_TABLE)} GROUP BY ALL",
         f"SELECT 0 AS id, horizon_week, forecast_qty AS total FROM {_q(schema, COMPANY_TABLE)}"),
    ]
    union = " UNION ALL ".join(
        f"SELECT '{level}' AS level, coalesce(a.id, b.id) AS id, coalesce(a.horizon_week, b.horizon_week) "
        f"AS horizon_week, coalesce(a.parts, 0) AS sum_of_parts, coalesce(b.total, 0) AS total "
        f"FROM ({parts}) AS a FULL OUTER JOIN ({totals}) AS b "
        f"ON a.id IS NOT DISTINCT FROM b.id AND a.horizon_week = b.horizon_week "
        f"WHERE coalesce(a.parts, 0) <> coalesce(b.total, 0)"
        for level, parts, totals in levels)
    return _find(con, union, limit)


def accuracy_missing(con: duckdb.DuckDBPyConnection, schema: str, limit: int = 20) -> Finding:
    """Series with a forecast but no accuracy row: a forecast is never shown without its accuracy."""
    return _find(con, f"SELECT DISTINCT f.product_id, f.warehouse_id FROM {_q(schema, FORECAST_TABLE)} AS f "
                      f"ANTI JOIN {_q(schema, ACCURACY_TABLE)} AS a "
                      "ON a.product_id = f.product_id AND a.warehouse_id = f.warehouse_id", limit)
