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
from datetime import date, datetime, timedelta
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
    categories: dict[int, str] = field(default_factory=dict)  # id -> name, by name


def filter_options() -> FilterOptions:
    """Warehouses and the published calendar's first and last day."""
    warehouses, bounds, categories = fetch(
        query("SELECT warehouse_id, warehouse_name FROM dim_warehouse ORDER BY warehouse_code", as_rows=True),
        query("SELECT min(date_day), max(date_day) FROM dim_date", as_rows=True),
        query("SELECT DISTINCT category_id, category_name FROM dim_product WHERE category_id IS NOT NULL "
              "ORDER BY category_name", as_rows=True),
    )
    first, last = bounds[0] if bounds else (None, None)
    return FilterOptions(dict(warehouses), first, last, dict(categories))


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


def stock_by_bin(warehouse_id: int | None = None, search: str = "", limit: int = 1000) -> pd.DataFrame:
    """Stock per product × storage bin in the warehouses that use bins (mart_stock_by_bin), with
    names; ``search`` as in ``inventory``. A query of its own, so a file published before the
    mart existed still shows the rest of the inventory page (this part is then empty)."""
    wh, params = warehouse_clause(warehouse_id, "b.")
    match = "TRUE"
    if search.strip():
        match = ("(contains(lower(p.sku), $text) OR contains(lower(p.product_name), $text) "
                 "OR contains(lower(coalesce(p.barcode, '')), $text))")
        params["text"] = search.strip().lower()
    (rows,) = fetch(query(f"""
        SELECT w.warehouse_name, b.bin_code, b.bin_name, b.is_default_bin, p.sku, p.product_name,
               b.on_hand_quantity::DOUBLE AS on_hand_quantity, p.unit, b.stock_value::DOUBLE AS stock_value
        FROM mart_stock_by_bin b
        JOIN dim_product p ON p.product_id = b.product_id
        JOIN dim_warehouse w ON w.warehouse_id = b.warehouse_id
        WHERE {wh} AND {match}
        ORDER BY w.warehouse_name, b.bin_code, p.sku LIMIT $limit
        """, **params, limit=limit))
    return rows


# ---------------------------------------------------------------- analysis filters

@dataclass(frozen=True)
class AnalysisFilters:
    """Period, warehouse and category of the analysis pages (None = all)."""

    start: date
    end: date
    warehouse_id: int | None = None
    category_id: int | None = None

    def clause(self, date_column: str, alias: str = "", *, warehouse: bool = True) -> tuple[str, dict[str, Any]]:
        clauses = [f"{alias}{date_column} BETWEEN $start AND $end"]
        params: dict[str, Any] = {"start": self.start, "end": self.end}
        if warehouse and self.warehouse_id is not None:
            clauses.append(f"{alias}warehouse_id = $warehouse_id")
            params["warehouse_id"] = self.warehouse_id
        if self.category_id is not None:
            clauses.append(f"{alias}category_id = $category_id")
            params["category_id"] = self.category_id
        return " AND ".join(clauses), params


_PRODUCT_NAMES = "SELECT product_id, sku, product_name, category_name, unit FROM dim_product"
_CATEGORY_NAMES = "SELECT DISTINCT category_id, category_name FROM dim_product"


# ---------------------------------------------------------------- inventory analysis

AGE_BUCKETS = ("0-30", "31-60", "61-90", "91-180", "181-365", "365+")
TURNOVER_LEVELS = ("category", "product")


@dataclass(frozen=True)
class StockAnalysis:
    valuation: pd.DataFrame  # date_day, closing_quantity, closing_value, received_value, cogs, adjustment_value
    turnover: pd.DataFrame  # group_key, group_label, cogs, average_inventory, turnover, days_of_inventory
    turnover_total: pd.DataFrame  # the same measures over everything filtered (one row, or none)
    ageing: pd.DataFrame  # age_bucket, quantity, value (bucket order)
    variance: pd.DataFrame  # per counted line with a difference (quantity or value), with names
    variance_by_doc: pd.DataFrame  # doc_no, count_date, warehouse_name, status, difference_qty, difference_value
    # The days the turnover covers: turnover is monthly, so whole months from the first of the start
    # month to the end month's last published day. The value tab's COGS covers exactly the picked days;
    # the two agree on this period and the page says so (issue 10).
    turnover_period: tuple[date, date] | None = None


def turnover_period(start: date, end: date, last_published: date | None) -> tuple[date, date]:
    """The whole months ``_turnover_query`` covers for a picked period: from the first day of the start
    month to the last day of the end month, but not past the last published day."""
    following = date(end.year + end.month // 12, end.month % 12 + 1, 1)
    month_end = following - timedelta(days=1)
    return date(start.year, start.month, 1), min(month_end, last_published) if last_published else month_end


def _turnover_query(filters: AnalysisFilters, level: str) -> Query:
    """Turnover is not additive: sum(cogs) ÷ average inventory, where the average over several months
    is the day-weighted mean of the monthly averages (summed over products and warehouses)."""
    month_filters = AnalysisFilters(date(filters.start.year, filters.start.month, 1), filters.end,
                                    filters.warehouse_id, filters.category_id)
    where, params = month_filters.clause("month_start", "t.")
    # Sum first, then name the groups (g.group_key).
    if level == "all":
        key, label, join = "0", "''", ""
    elif level == "product":
        key, label, join = ("t.product_id", "p.sku || ' ' || p.product_name",
                            f"LEFT JOIN ({_PRODUCT_NAMES}) p ON p.product_id = g.group_key")
    else:
        key, label, join = ("t.category_id", "c.category_name",
                            f"LEFT JOIN ({_CATEGORY_NAMES}) c ON c.category_id IS NOT DISTINCT FROM g.group_key")
    return query(f"""
        WITH months AS (SELECT DISTINCT year_month, days_in_period FROM mart_inventory_turnover t
                        WHERE t.month_start BETWEEN $start AND $end),
        total AS (SELECT coalesce(sum(days_in_period), 0) AS days FROM months),
        sums AS (
            SELECT {key} AS group_key, sum(t.cogs)::DOUBLE AS cogs,
                   sum(t.average_inventory * t.days_in_period)::DOUBLE AS value_days
            FROM mart_inventory_turnover t
            WHERE {where} GROUP BY 1),
        grouped AS (SELECT g.*, {label} AS group_label FROM sums g {join})
        SELECT group_key, group_label, cogs,
               round(value_days / nullif(total.days, 0), 2) AS average_inventory,
               round(cogs / nullif(value_days / nullif(total.days, 0), 0), 4) AS turnover,
               CASE WHEN cogs > 0 AND value_days > 0 THEN round(value_days / cogs, 1) END AS days_of_inventory
        FROM grouped, total
        ORDER BY turnover ASC NULLS FIRST, group_label
        """, **params)


def stock_analysis(filters: AnalysisFilters, level: str = "category") -> StockAnalysis:
    """Stock value trend (company-wide; category filter applies; from the category × day pre-aggregate,
    not the product × day mart), turnover by category or product,
    ageing buckets (company-wide now) and stocktake variance lines in the period."""
    val_where, val_params = filters.clause("date_day", warehouse=False)
    age_cat = "TRUE" if filters.category_id is None else "category_id = $category_id"
    age_params = {} if filters.category_id is None else {"category_id": filters.category_id}
    var_where, var_params = filters.clause("count_date", "v.")
    valuation, turnover, turnover_total, ageing, variance, by_doc, bounds = fetch(
        query(f"""
            SELECT date_day, sum(closing_quantity)::DOUBLE AS closing_quantity,
                   sum(closing_value)::DOUBLE AS closing_value, sum(received_value)::DOUBLE AS received_value,
                   sum(cogs)::DOUBLE AS cogs, sum(adjustment_value)::DOUBLE AS adjustment_value
            FROM mart_inventory_valuation_by_category WHERE {val_where} GROUP BY 1 ORDER BY 1
            """, **val_params),
        _turnover_query(filters, level if level in TURNOVER_LEVELS else "category"),
        _turnover_query(filters, "all"),
        query(f"""
            SELECT age_bucket, sum(quantity)::DOUBLE AS quantity, sum(value)::DOUBLE AS value
            FROM mart_stock_ageing WHERE {age_cat} GROUP BY 1
            ORDER BY list_position({list(AGE_BUCKETS)}, age_bucket)
            """, **age_params),
        query(f"""
            SELECT v.doc_no, v.count_date, w.warehouse_name, v.status, p.sku, p.product_name,
                   v.book_qty::DOUBLE AS book_qty, v.counted_qty::DOUBLE AS counted_qty,
                   v.difference_qty::DOUBLE AS difference_qty, v.difference_value::DOUBLE AS difference_value
            FROM mart_stocktake_variance v
            LEFT JOIN dim_warehouse w ON w.warehouse_id = v.warehouse_id
            LEFT JOIN ({_PRODUCT_NAMES}) p ON p.product_id = v.product_id
            WHERE {var_where} AND (v.difference_qty <> 0 OR v.difference_value <> 0)
            ORDER BY v.count_date DESC, v.doc_no, p.sku
            """, **var_params),
        # Every stocktake of the period, also those without a difference; the lines above are only
        # the ones that differ (at scale 20, 1,089 of 36,244 counted lines).
        query(f"""
            SELECT v.doc_no, v.count_date, w.warehouse_name, v.status,
                   sum(v.difference_qty)::DOUBLE AS difference_qty, sum(v.difference_value)::DOUBLE AS difference_value
            FROM mart_stocktake_variance v LEFT JOIN dim_warehouse w ON w.warehouse_id = v.warehouse_id
            WHERE {var_where} GROUP BY 1, 2, 3, 4 ORDER BY v.count_date DESC, v.doc_no
            """, **var_params),
        query("SELECT max(date_day) FROM dim_date", as_rows=True),
    )
    last = bounds[0][0] if bounds else None
    return StockAnalysis(valuation, turnover, turnover_total, ageing, variance, by_doc,
                         turnover_period(filters.start, filters.end, last))


def stock_movements(filters: AnalysisFilters, *, product_id: int | None = None,
                    category_id: int | None = None) -> pd.DataFrame:
    """Drill-down: the stock movements (with document numbers) of one product or one category in the
    period (and warehouse)."""
    clauses = ["m.movement_date BETWEEN $start AND $end"]
    params: dict[str, Any] = {"start": filters.start, "end": filters.end}
    if filters.warehouse_id is not None:
        clauses.append("m.warehouse_id = $warehouse_id")
        params["warehouse_id"] = filters.warehouse_id
    if product_id is not None:
        clauses.append("m.product_id = $product_id")
        params["product_id"] = product_id
    if category_id is not None:
        clauses.append("p.category_id = $category_id")
        params["category_id"] = category_id
    (rows,) = fetch(query(f"""
        SELECT m.movement_date, m.doc_no, m.movement_type, w.warehouse_name, p.sku, p.product_name,
               m.quantity::DOUBLE AS quantity, m.unit_cost::DOUBLE AS unit_cost
        FROM fct_stock_movements m
        LEFT JOIN dim_warehouse w ON w.warehouse_id = m.warehouse_id
        LEFT JOIN dim_product p ON p.product_id = m.product_id
        WHERE {" AND ".join(clauses)}
        ORDER BY m.movement_date, m.stock_ledger_id
        """, **params))
    return rows


# ---------------------------------------------------------------- expiry alerts

EXPIRY_ALERTS = ("expired", "expiring")


@dataclass(frozen=True)
class BatchExpiry:
    as_of: date | None  # the last day of dim_date, which days_left counts from
    batches: pd.DataFrame  # expired and expiring batches with names, soonest expiry first


def batch_expiry(filters: AnalysisFilters) -> BatchExpiry:
    """Batches on hand that are expired or expiring (临期预警) as of the last published day, in the
    filtered warehouse and category (the period does not apply: it is the stock on hand now).
    A query of its own, so a file published before mart_batch_expiry existed still shows the rest
    of the stock analysis."""
    clauses = ["e.expiry_status IN ('expired', 'expiring')"]
    params: dict[str, Any] = {}
    if filters.warehouse_id is not None:
        clauses.append("e.warehouse_id = $warehouse_id")
        params["warehouse_id"] = filters.warehouse_id
    if filters.category_id is not None:
        clauses.append("e.category_id = $category_id")
        params["category_id"] = filters.category_id
    bounds, batches = fetch(
        query("SELECT max(date_day) FROM dim_date", as_rows=True),
        query(f"""
            SELECT e.expiry_status, e.batch_no, e.expiry_date, e.days_left, p.sku, p.product_name, p.category_name,
                   w.warehouse_name, e.on_hand_quantity::DOUBLE AS on_hand_quantity, p.unit,
                   e.value::DOUBLE AS value
            FROM mart_batch_expiry e
            LEFT JOIN dim_product p ON p.product_id = e.product_id
            LEFT JOIN dim_warehouse w ON w.warehouse_id = e.warehouse_id
            WHERE {" AND ".join(clauses)}
            ORDER BY e.days_left, e.expiry_date, p.sku, w.warehouse_name, e.batch_no
            """, **params),
    )
    return BatchExpiry(bounds[0][0] if bounds else None, batches)


# ---------------------------------------------------------------- sales margin

# The names joined to sales rows ``s`` (mart_sales_summary, or shipment lines with their ship date as
# date_day), by alias.
_NAME_JOINS: dict[str, str] = {
    "c": "LEFT JOIN dim_customer c ON c.customer_id = s.customer_id",
    "p": f"LEFT JOIN ({_PRODUCT_NAMES}) p ON p.product_id = s.product_id",
    "k": f"LEFT JOIN ({_CATEGORY_NAMES}) k ON k.category_id IS NOT DISTINCT FROM s.category_id",
    "sp": "LEFT JOIN (SELECT DISTINCT salesperson_id, salesperson_name FROM dim_customer "
          "WHERE salesperson_id IS NOT NULL) sp ON sp.salesperson_id = s.salesperson_id",
    "w": "LEFT JOIN dim_warehouse w ON w.warehouse_id = s.warehouse_id",
}
_SHIPMENT_JOINS = "\n".join(_NAME_JOINS.values())

# group -> (key column of s, label expression, the one name join the label needs or "")
MARGIN_GROUPS: dict[str, tuple[str, str, str]] = {
    "day": ("date_day", "strftime(s.date_day, '%Y-%m-%d')", ""),
    "customer": ("customer_id", "c.customer_name", _NAME_JOINS["c"]),
    "product": ("product_id", "p.sku || ' ' || p.product_name", _NAME_JOINS["p"]),
    "category": ("category_id", "k.category_name", _NAME_JOINS["k"]),
    "salesperson": ("salesperson_id", "sp.salesperson_name", _NAME_JOINS["sp"]),
    "region": ("region", "s.region", ""),
}


@dataclass(frozen=True)
class MarginTotals:
    quantity: float
    revenue: float
    cogs: float
    gross_margin: float
    returns_revenue: float

    @property
    def margin_pct(self) -> float | None:
        return self.gross_margin / self.revenue * 100 if self.revenue else None


@dataclass(frozen=True)
class SalesMargin:
    totals: MarginTotals
    # group_key, group_label, quantity, revenue, cogs, gross_margin, margin_pct, returns_revenue,
    # net_revenue, net_margin
    by_group: pd.DataFrame
    returns_by_reason: pd.DataFrame  # return_reason, quantity, revenue_reversed, cost_returned
    returns_by_disposition: pd.DataFrame  # disposition, quantity, revenue_reversed, cost_returned
    return_lines: pd.DataFrame  # the newest RETURN_LINE_LIMIT return lines of the period
    return_count: int = 0  # all return lines of the period
    returned_qty: float = 0.0  # their quantity


# The returns tab lists this many return lines (newest first); its sums cover all of them. At
# scale 20 a whole year has ~14,000 return lines: fetching, naming and caching them all cost more
# than the rest of the call.
RETURN_LINE_LIMIT = 1000
_RETURN_SUMS = ("sum(r.quantity)::DOUBLE AS quantity, sum(r.revenue_reversed)::DOUBLE AS revenue_reversed, "
                "sum(r.cost_returned)::DOUBLE AS cost_returned")


def _return_lines_query(filters: AnalysisFilters, reason: str | None, limit: int) -> Query:
    where, params = filters.clause("return_date", "r.")
    if reason is not None:
        where, params = f"{where} AND r.return_reason = $reason", params | {"reason": reason}
    return query(f"""
        SELECT r.doc_no, r.return_date, c.customer_name, r.shipment_doc_no, p.sku, p.product_name,
               w.warehouse_name, r.disposition, r.return_reason, r.quantity::DOUBLE AS quantity,
               r.revenue_reversed::DOUBLE AS revenue_reversed, r.cost_returned::DOUBLE AS cost_returned
        FROM (SELECT * FROM fct_sales_return_lines r WHERE {where}
              ORDER BY r.return_date DESC, r.doc_no, r.product_id LIMIT $limit) r
        LEFT JOIN dim_customer c ON c.customer_id = r.customer_id
        LEFT JOIN ({_PRODUCT_NAMES}) p ON p.product_id = r.product_id
        LEFT JOIN dim_warehouse w ON w.warehouse_id = r.warehouse_id
        ORDER BY r.return_date DESC, r.doc_no, p.sku
        """, **params, limit=limit)


def return_lines(filters: AnalysisFilters, reason: str | None = None,
                 limit: int = RETURN_LINE_LIMIT) -> pd.DataFrame:
    """Drill-down: the newest ``limit`` customer return lines of the period, of one reason or all."""
    (rows,) = fetch(_return_lines_query(filters, reason, limit))
    return rows


def sales_margin(filters: AnalysisFilters, group: str = "product") -> SalesMargin:
    """Revenue, COGS and gross margin of the shipments in the period (by ship date), grouped; and
    the customer returns in the period (by return date): summed by reason and by disposition over
    all of them, and the newest ``RETURN_LINE_LIMIT`` lines."""
    key, label, join = MARGIN_GROUPS.get(group, MARGIN_GROUPS["product"])
    where, params = filters.clause("date_day", "s.")
    ret_where, ret_params = filters.clause("return_date", "r.")
    totals, by_group, returns, by_reason, by_disposition, counts = fetch(
        query(f"""
            SELECT coalesce(sum(shipped_qty), 0)::DOUBLE, coalesce(sum(revenue), 0)::DOUBLE,
                   coalesce(sum(cogs), 0)::DOUBLE, coalesce(sum(gross_margin), 0)::DOUBLE,
                   coalesce(sum(returns_revenue), 0)::DOUBLE
            FROM mart_sales_summary s WHERE {where}
            """, as_rows=True, **params),
        # Sum first, then name the groups: joining names to every summary row first cost 5× more.
        query(f"""
            SELECT s.{key} AS group_key, {label} AS group_label, s.quantity, s.revenue, s.cogs, s.gross_margin,
                   round(s.gross_margin / nullif(s.revenue, 0) * 100, 1)::DOUBLE AS margin_pct,
                   s.returns_revenue, s.net_revenue, s.net_margin
            FROM (SELECT s.{key}, sum(s.shipped_qty)::DOUBLE AS quantity, sum(s.revenue)::DOUBLE AS revenue,
                         sum(s.cogs)::DOUBLE AS cogs, sum(s.gross_margin)::DOUBLE AS gross_margin,
                         sum(s.returns_revenue)::DOUBLE AS returns_revenue,
                         sum(s.net_revenue)::DOUBLE AS net_revenue, sum(s.net_margin)::DOUBLE AS net_margin
                  FROM mart_sales_summary s WHERE {where} GROUP BY 1) s {join}
            ORDER BY {"1" if group == "day" else "revenue DESC, 2"}
            """, **params),
        _return_lines_query(filters, None, RETURN_LINE_LIMIT),
        query(f"SELECT r.return_reason, {_RETURN_SUMS} FROM fct_sales_return_lines r WHERE {ret_where} "
              f"GROUP BY 1 ORDER BY revenue_reversed DESC, 1", **ret_params),
        query(f"SELECT r.disposition, {_RETURN_SUMS} FROM fct_sales_return_lines r WHERE {ret_where} "
              f"GROUP BY 1 ORDER BY revenue_reversed DESC, 1", **ret_params),
        query(f"SELECT count(*), coalesce(sum(r.quantity), 0)::DOUBLE FROM fct_sales_return_lines r "
              f"WHERE {ret_where}", as_rows=True, **ret_params),
    )
    values = totals[0] if totals else (0, 0, 0, 0, 0)
    count, returned = counts[0] if counts else (0, 0.0)
    return SalesMargin(MarginTotals(*(float(v or 0) for v in values)), by_group, by_reason, by_disposition,
                       returns, int(count), float(returned or 0))


def shipment_lines(filters: AnalysisFilters, group: str, group_key: Any) -> pd.DataFrame:
    """Drill-down: the shipment lines behind one row of ``sales_margin(...).by_group``."""
    key = MARGIN_GROUPS.get(group, MARGIN_GROUPS["product"])[0]
    where, params = filters.clause("date_day", "s.")
    (rows,) = fetch(query(f"""
        SELECT s.doc_no, s.order_doc_no, s.ship_date, c.customer_name, w.warehouse_name, p.sku, p.product_name,
               s.quantity::DOUBLE AS quantity, s.revenue::DOUBLE AS revenue, s.cogs::DOUBLE AS cogs,
               s.gross_margin::DOUBLE AS gross_margin, s.returned_qty::DOUBLE AS returned_qty
        FROM (SELECT *, ship_date AS date_day FROM fct_shipment_lines) s {_SHIPMENT_JOINS}
        WHERE {where} AND s.{key} IS NOT DISTINCT FROM $group_key
        ORDER BY s.ship_date, s.doc_no, p.sku
        """, **params, group_key=group_key))
    return rows


# ---------------------------------------------------------------- supplier scorecard

@dataclass(frozen=True)
class Scorecard:
    months: list[str]  # year_month values, newest first
    rows: pd.DataFrame  # every scorecard row with supplier_name
    last_posted: date | None = None  # the last day of dim_date: the last posted date

    @property
    def default_month(self) -> str | None:
        """The month the page opens on: the last complete month before the last posted date (the
        month of a last posted date that is a month end counts as complete), else the oldest month."""
        if not self.months:
            return None
        complete = last_complete_month(self.last_posted) if self.last_posted else None
        return next((m for m in self.months if complete is None or m <= complete), self.months[-1])


def last_complete_month(last_posted: date) -> str:
    """'YYYY-MM' of the last month that ended on or before ``last_posted``."""
    if (last_posted + timedelta(days=1)).month != last_posted.month:
        return f"{last_posted:%Y-%m}"
    previous = last_posted.replace(day=1) - timedelta(days=1)
    return f"{previous:%Y-%m}"


_SCORE_COLUMNS = ("on_time_rate", "in_full_rate", "reject_rate", "lead_time_mean", "lead_time_stddev",
                  "price_change_mean", "score")


def supplier_scorecard() -> Scorecard:
    """All published scorecard rows (supplier × month × period) with the supplier's name; rates stay
    NULL where the mart has no data."""
    casts = ", ".join(f"s.{c}::DOUBLE AS {c}" for c in _SCORE_COLUMNS)
    rows, bounds = fetch(query(f"""
        SELECT s.supplier_id, d.supplier_code, d.supplier_name, s.year_month, s.month_start, s.period, {casts},
               s.grade
        FROM mart_supplier_scorecard s LEFT JOIN dim_supplier d ON d.supplier_id = s.supplier_id
        ORDER BY s.year_month, d.supplier_code
        """), query("SELECT max(date_day) FROM dim_date", as_rows=True))
    months = sorted(set(rows["year_month"]), reverse=True) if not rows.empty else []
    return Scorecard(months, rows, bounds[0][0] if bounds else None)


def supplier_purchase_lines(supplier_id: int, limit: int = 500) -> pd.DataFrame:
    """Drill-down: the supplier's purchase-order lines, newest first."""
    (rows,) = fetch(query("""
        SELECT f.doc_no, f.order_date, f.promised_date, f.status, p.sku, p.product_name,
               f.quantity::DOUBLE AS quantity, f.received_qty::DOUBLE AS received_qty,
               f.unit_price::DOUBLE AS unit_price, f.amount::DOUBLE AS amount
        FROM fct_purchase_lines f LEFT JOIN dim_product p ON p.product_id = f.product_id
        WHERE f.supplier_id = $supplier_id
        ORDER BY f.order_date DESC, f.doc_no LIMIT $limit
        """, supplier_id=supplier_id, limit=limit))
    return rows


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
    # Newest dates published, from data that counts (DESIGN: never drafts or cancelled documents):
    # "sales" / "purchases" the newest confirmed (partial, completed, closed) order date, "posted" the
    # last posted date (the last day of dim_date: stock movements, posted invoices and bills, cash).
    last_dates: dict[str, date | None]


def pipeline_status() -> PipelineStatus:
    publishes, checks, dates = fetch(
        query("SELECT published_at, run_id, job_name, store_watermark, table_row_counts "
              "FROM meta_publish ORDER BY published_at DESC LIMIT 1", as_rows=True),
        query("SELECT check_name, asset_key, passed, severity, description, metadata_json, checked_at "
              "FROM meta_checks ORDER BY passed, check_name"),
        query("SELECT (SELECT max(date_day) FROM mart_sales_daily), (SELECT max(date_day) FROM mart_purchases_daily), "
              "(SELECT max(date_day) FROM dim_date)", as_rows=True),
    )
    publish = None
    if publishes:
        published_at, run_id, job_name, watermark, counts = publishes[0]
        publish = Publish(published_at=published_at, run_id=str(run_id or ""), job_name=str(job_name or ""),
                          store_watermark=str(watermark or ""), table_row_counts=_as_dict(counts))
    sales, purchases, posted = dates[0] if dates else (None, None, None)
    return PipelineStatus(publish, checks, {"sales": sales, "purchases": purchases, "posted": posted})


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
