"""The only reader of ``serving.duckdb`` (the published marts; see docs/architecture.md, "Marts contract").

Each page asks for its data in one call; that call opens one short-lived read-only connection,
runs the page's few queries and closes it. Opening is the expensive part (tens of ms), so a page
pays it once, not per chart. Nothing keeps the file open: the pipeline publishes by
``os.replace``-ing it, and the next call simply opens the new file.

Results are cached with ``st.cache_data`` keyed on the file's path, modification time and size
(and the queries), so a new publish shows on the next rerun without restarting the app. The
overview reads the pre-aggregated daily marts, never the line facts, to stay fast at a million
sales lines.

When the file does not exist yet every function returns an empty result; pages check
``is_published()`` first and show a friendly message.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from operational.settings import get_settings

log = logging.getLogger(__name__)

Version = tuple[str, int, int]
# (sql, sorted named parameters, as_rows): as_rows keeps Python values (DECIMAL stays Decimal,
# KPI figures are shown to the cent); otherwise a DataFrame.
Query = tuple[str, tuple[tuple[str, Any], ...], bool]


def data_version() -> Version | None:
    """(path, mtime_ns, size) of the serving file, or None when nothing is published yet."""
    path = get_settings().serving_path
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (str(path), stat.st_mtime_ns, stat.st_size)


def is_published() -> bool:
    return data_version() is not None


def query(sql: str, *, as_rows: bool = False, **params: Any) -> Query:
    return (sql, tuple(sorted(params.items())), as_rows)


def _empty(q: Query) -> Any:
    return [] if q[2] else pd.DataFrame()


@st.cache_data(show_spinner=False, max_entries=256)
def _run(version: Version, queries: tuple[Query, ...]) -> list[Any]:
    try:
        con = duckdb.connect(version[0], read_only=True)
    except duckdb.Error as err:
        # Replaced between stat and open, or a writer holds it: "no data" this time, not a crash.
        log.warning("serving file not readable: %s", err)
        return [_empty(q) for q in queries]
    try:
        results = []
        for sql, params, as_rows in queries:
            cursor = con.execute(sql, dict(params))
            results.append(cursor.fetchall() if as_rows else cursor.fetchdf())
        return results
    except duckdb.CatalogException as err:
        log.error("serving file does not match the marts contract: %s", err)
        return [_empty(q) for q in queries]
    finally:
        con.close()


def fetch(*queries: Query) -> list[Any]:
    """Run ``queries`` on one read-only connection (cached per published file)."""
    version = data_version()
    if version is None:
        return [_empty(q) for q in queries]
    return _run(version, queries)


# ---------------------------------------------------------------- filters

@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    warehouse_id: int | None = None

    def where(self, alias: str = "") -> tuple[str, dict[str, Any]]:
        """SQL condition on ``date_day`` and ``warehouse_id`` (columns of every daily mart)."""
        clauses = [f"{alias}date_day BETWEEN $start AND $end"]
        params: dict[str, Any] = {"start": self.start, "end": self.end}
        clause, wh_params = warehouse_clause(self.warehouse_id, alias)
        return " AND ".join([*clauses, clause]), params | wh_params


def warehouse_clause(warehouse_id: int | None, alias: str = "") -> tuple[str, dict[str, Any]]:
    if warehouse_id is None:
        return "TRUE", {}
    return f"{alias}warehouse_id = $warehouse_id", {"warehouse_id": warehouse_id}


@dataclass(frozen=True)
class FilterOptions:
    warehouses: dict[int, str] = field(default_factory=dict)  # id -> name, by code
    first_day: date | None = None
    last_day: date | None = None


def filter_options() -> FilterOptions:
    """Warehouses and the published calendar's first and last day."""
    warehouses, bounds = fetch(
        query("SELECT warehouse_id, warehouse_name FROM dim_warehouse ORDER BY warehouse_code", as_rows=True),
        query("SELECT min(date_day), max(date_day) FROM dim_date", as_rows=True),
    )
    first, last = bounds[0] if bounds else (None, None)
    return FilterOptions(dict(warehouses), first, last)


# ---------------------------------------------------------------- overview

@dataclass(frozen=True)
class Kpis:
    sales_amount: Decimal
    purchase_amount: Decimal
    stock_value: Decimal
    stock_quantity: Decimal
    alert_count: int


@dataclass(frozen=True)
class Overview:
    kpis: Kpis
    sales: pd.DataFrame  # period, amount, quantity
    purchases: pd.DataFrame  # period, amount, quantity
    stock_value: pd.DataFrame  # date_day, closing_value, closing_quantity
    top_categories: pd.DataFrame  # category_id, category_name (NULL = uncategorised), amount


_GRAINS = {"day": "date_day", "month": "date_trunc('month', date_day)::DATE"}


def _kpi_query(filters: Filters) -> Query:
    where, params = filters.where()
    wh, _ = warehouse_clause(filters.warehouse_id)  # the same $warehouse_id parameter
    return query(
        f"""
        SELECT
          (SELECT coalesce(sum(amount), 0) FROM mart_sales_daily WHERE {where}),
          (SELECT coalesce(sum(amount), 0) FROM mart_purchases_daily WHERE {where}),
          (SELECT coalesce(sum(stock_value), 0) FROM mart_stock_current WHERE {wh}),
          (SELECT coalesce(sum(on_hand_quantity), 0) FROM mart_stock_current WHERE {wh}),
          (SELECT count(*) FROM mart_stock_alerts WHERE {wh})
        """,
        as_rows=True, **params,
    )


def _trend_query(mart: str, filters: Filters, grain: str) -> Query:
    where, params = filters.where()
    return query(
        f"SELECT {_GRAINS[grain]} AS period, sum(amount)::DOUBLE AS amount, sum(quantity)::DOUBLE AS quantity "
        f"FROM {mart} WHERE {where} GROUP BY 1 ORDER BY 1",
        **params,
    )


def _stock_trend_query(filters: Filters) -> Query:
    where, params = filters.where()
    return query(
        f"SELECT date_day, sum(closing_value)::DOUBLE AS closing_value, "
        f"sum(closing_quantity)::DOUBLE AS closing_quantity "
        f"FROM mart_inventory_daily WHERE {where} GROUP BY 1 ORDER BY 1",
        **params,
    )


def _top_categories_query(filters: Filters, limit: int) -> Query:
    where, params = filters.where("s.")
    return query(
        f"""
        WITH categories AS (SELECT DISTINCT category_id, category_name FROM dim_product)
        SELECT s.category_id, c.category_name, sum(s.amount)::DOUBLE AS amount
        FROM mart_sales_daily s LEFT JOIN categories c ON c.category_id IS NOT DISTINCT FROM s.category_id
        WHERE {where}
        GROUP BY 1, 2 ORDER BY amount DESC LIMIT $limit
        """,
        **params, limit=limit,
    )


def overview(filters: Filters, grain: str = "day", top: int = 10) -> Overview:
    """KPIs and chart data for a period and (optionally) one warehouse; ``grain`` is day or month."""
    kpi_rows, sales, purchases, stock, categories = fetch(
        _kpi_query(filters),
        _trend_query("mart_sales_daily", filters, grain),
        _trend_query("mart_purchases_daily", filters, grain),
        _stock_trend_query(filters),
        _top_categories_query(filters, top),
    )
    values = kpi_rows[0] if kpi_rows else (0, 0, 0, 0, 0)
    kpis = Kpis(Decimal(values[0]), Decimal(values[1]), Decimal(values[2]), Decimal(values[3]), int(values[4]))
    return Overview(kpis, sales, purchases, stock, categories)


# ---------------------------------------------------------------- inventory

@dataclass(frozen=True)
class Inventory:
    stock: pd.DataFrame
    alerts: pd.DataFrame


def inventory(warehouse_id: int | None = None, search: str = "", limit: int = 1000) -> Inventory:
    """Stock per product × warehouse with names (``search`` matches SKU, name or barcode,
    case-insensitive substring) and the min/max alerts."""
    wh, params = warehouse_clause(warehouse_id, "s.")
    text = search.strip().lower()
    match = "TRUE"
    if text:
        match = ("(contains(lower(p.sku), $text) OR contains(lower(p.product_name), $text) "
                 "OR contains(lower(coalesce(p.barcode, '')), $text))")
        params["text"] = text
    alert_wh, alert_params = warehouse_clause(warehouse_id)
    stock, alerts = fetch(
        query(f"""
            SELECT p.sku, p.product_name, p.barcode, p.category_name, w.warehouse_name,
                   s.on_hand_quantity::DOUBLE AS on_hand_quantity, p.unit,
                   s.unit_cost::DOUBLE AS unit_cost, s.stock_value::DOUBLE AS stock_value,
                   s.last_movement_date
            FROM mart_stock_current s
            JOIN dim_product p ON p.product_id = s.product_id
            JOIN dim_warehouse w ON w.warehouse_id = s.warehouse_id
            WHERE {wh} AND {match}
            ORDER BY s.stock_value DESC, p.sku LIMIT $limit
            """, **params, limit=limit),
        query(f"""
            SELECT sku, product_name, warehouse_name, alert_type, on_hand_quantity::DOUBLE AS on_hand_quantity,
                   min_qty::DOUBLE AS min_qty, max_qty::DOUBLE AS max_qty,
                   suggested_quantity::DOUBLE AS suggested_quantity
            FROM mart_stock_alerts WHERE {alert_wh}
            ORDER BY alert_type DESC, suggested_quantity DESC, sku
            """, **alert_params),
    )
    return Inventory(stock, alerts)


# ---------------------------------------------------------------- pipeline

@dataclass(frozen=True)
class Publish:
    published_at: datetime  # naive UTC
    run_id: str
    job_name: str
    store_watermark: str
    table_row_counts: dict[str, int]


@dataclass(frozen=True)
class PipelineStatus:
    publish: Publish | None
    checks: pd.DataFrame
    last_dates: dict[str, date | None]  # newest sales / purchases order date and movement date published


def pipeline_status() -> PipelineStatus:
    publishes, checks, dates = fetch(
        query("SELECT published_at, run_id, job_name, store_watermark, table_row_counts "
              "FROM meta_publish ORDER BY published_at DESC LIMIT 1", as_rows=True),
        query("SELECT check_name, asset_key, passed, severity, description, metadata_json, checked_at "
              "FROM meta_checks ORDER BY passed, check_name"),
        query("SELECT (SELECT max(date_day) FROM mart_sales_daily), (SELECT max(date_day) FROM mart_purchases_daily), "
              "(SELECT max(movement_date) FROM fct_stock_movements)", as_rows=True),
    )
    publish = None
    if publishes:
        published_at, run_id, job_name, watermark, counts = publishes[0]
        publish = Publish(published_at=published_at, run_id=str(run_id or ""), job_name=str(job_name or ""),
                          store_watermark=str(watermark or ""), table_row_counts=_as_dict(counts))
    sales, purchases, movements = dates[0] if dates else (None, None, None)
    return PipelineStatus(publish, checks, {"sales": sales, "purchases": purchases, "movements": movements})


def _as_dict(value: Any) -> dict[str, int]:
    """meta_publish.table_row_counts is JSON text ({"table": rows})."""
    if isinstance(value, dict):
        parsed: Any = value
    else:
        try:
            parsed = json.loads(str(value)) if value else {}
        except json.JSONDecodeError:
            return {}
    return {str(k): int(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}
