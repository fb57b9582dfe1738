"""Read access to the published marts (``serving.duckdb``), for the API.

Only the marts listed in ``MARTS`` can be read, each by the roles of the dashboard page that shows
it. The mart name in the URL is looked up in that list, and filters are the ones declared for the
mart: no name the caller sends ever reaches SQL. Values go in as bound parameters. Rows come back
in the mart's grain order (its key columns), so ``limit``/``offset`` pages are stable.

Like the dashboards (``dashboards/serving.py``) each request opens a short read-only connection
and closes it: the pipeline publishes by ``os.replace``-ing the file, and the next request reads
the new one. This module does not import Streamlit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from api.errors import ApiError
from dashboards.navigation import ALL_ROLES, page_spec
from operational.settings import get_settings

log = logging.getLogger("jxc.api")

ID_FILTERS = ("warehouse_id", "product_id", "category_id", "customer_id", "supplier_id")


@dataclass(frozen=True)
class MartSpec:
    name: str
    roles: frozenset[str]  # besides admin
    order_by: tuple[str, ...]  # the grain: stable paging
    date_column: str | None = None  # filtered by date_from / date_to
    filters: tuple[str, ...] = ()  # of ID_FILTERS


def _roles(page: str) -> frozenset[str]:
    return page_spec(page).roles


_ANALYSIS = ALL_ROLES - {"staff"}  # the overview's readers: names of products, partners, warehouses

MARTS: dict[str, MartSpec] = {spec.name: spec for spec in (
    MartSpec("dim_product", _ANALYSIS, ("product_id",), None, ("product_id", "category_id")),
    MartSpec("dim_warehouse", _ANALYSIS, ("warehouse_id",), None, ("warehouse_id",)),
    MartSpec("dim_customer", _ANALYSIS, ("customer_id",), None, ("customer_id",)),
    MartSpec("dim_supplier", _ANALYSIS, ("supplier_id",), None, ("supplier_id",)),
    MartSpec("mart_sales_daily", _roles("sales_margin"), ("date_day", "warehouse_id", "category_id"), "date_day",
             ("warehouse_id", "category_id")),
    MartSpec("mart_sales_summary", _roles("sales_margin"),
             ("date_day", "customer_id", "salesperson_id", "product_id", "warehouse_id"), "date_day",
             ("warehouse_id", "product_id", "category_id", "customer_id")),
    MartSpec("mart_purchases_daily", _roles("supplier_scorecard"), ("date_day", "warehouse_id", "category_id"),
             "date_day", ("warehouse_id", "category_id")),
    MartSpec("mart_supplier_scorecard", _roles("supplier_scorecard"), ("supplier_id", "month_start", "period"),
             "month_start", ("supplier_id",)),
    MartSpec("mart_inventory_daily", _roles("stock_analysis"), ("date_day", "product_id", "warehouse_id"),
             "date_day", ("warehouse_id", "product_id")),
    MartSpec("mart_inventory_valuation", _roles("stock_analysis"), ("date_day", "product_id"), "date_day",
             ("product_id", "category_id")),
    MartSpec("mart_inventory_turnover", _roles("stock_analysis"), ("month_start", "product_id", "warehouse_id"),
             "month_start", ("warehouse_id", "product_id", "category_id")),
    MartSpec("mart_stock_ageing", _roles("stock_analysis"), ("product_id", "oldest_days"), None,
             ("product_id", "category_id")),
    MartSpec("mart_stock_current", _roles("inventory"), ("product_id", "warehouse_id"), None,
             ("warehouse_id", "product_id")),
    MartSpec("mart_stock_alerts", _roles("inventory"), ("product_id", "warehouse_id"), None,
             ("warehouse_id", "product_id")),
)}


def readable(role: str) -> list[MartSpec]:
    return [spec for spec in MARTS.values() if role == "admin" or role in spec.roles]


def spec_for(name: str, role: str) -> MartSpec:
    """The mart's spec; 404 for a name not in the list, 403 for a role that may not read it."""
    spec = MARTS.get(name)
    if spec is None:
        raise ApiError(404, "api_mart_unknown", field="mart", mart=name[:60])
    if role != "admin" and role not in spec.roles:
        raise ApiError(403, "forbidden")
    return spec


@dataclass(frozen=True)
class MartRows:
    columns: list[str]
    rows: list[dict[str, Any]]
    published_at: datetime | None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _json_value(value: Any) -> Any:
    # Decimals as strings (exact); dates as ISO text; everything else as DuckDB returns it.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN is no JSON
        return None
    return value


def read_mart(spec: MartSpec, *, filters: dict[str, int], date_from: date | None, date_to: date | None,
              limit: int, offset: int) -> MartRows:
    for name in filters:
        if name not in spec.filters:
            raise ApiError(422, "api_filter_unknown", field=name, mart=spec.name, filter=name)
    if (date_from or date_to) and spec.date_column is None:
        raise ApiError(422, "api_filter_unknown", field="date_from" if date_from else "date_to", mart=spec.name,
                       filter="date")
    path = get_settings().serving_path
    if not path.exists():
        raise ApiError(404, "api_mart_not_published", field="mart")
    clauses, params = [], {}
    for name, value in filters.items():  # names are from spec.filters, never the caller's text
        clauses.append(f"{_quote(name)} = ${name}")
        params[name] = value
    if date_from is not None:
        clauses.append(f"{_quote(spec.date_column)} >= $date_from")
        params["date_from"] = date_from
    if date_to is not None:
        clauses.append(f"{_quote(spec.date_column)} <= $date_to")
        params["date_to"] = date_to
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    order = ", ".join(_quote(c) for c in spec.order_by)
    sql = f"SELECT * FROM {_quote(spec.name)}{where} ORDER BY {order} LIMIT {int(limit)} OFFSET {int(offset)}"
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:  # replaced between the check and the open: as if not published yet
        log.warning("serving file not readable: %s", err)
        raise ApiError(404, "api_mart_not_published", field="mart") from None
    try:
        try:
            cursor = con.execute(sql, params)
        except duckdb.CatalogException:
            log.error("serving file has no %s (marts contract)", spec.name)
            raise ApiError(404, "api_mart_not_published", field="mart") from None
        columns = [d[0] for d in cursor.description]
        rows = [{c: _json_value(v) for c, v in zip(columns, row, strict=True)} for row in cursor.fetchall()]
        published = None
        try:
            found = con.execute("SELECT max(published_at) FROM meta_publish").fetchone()
            published = found[0] if found else None
        except duckdb.CatalogException:
            pass
        return MartRows(columns, rows, published)
    finally:
        con.close()
