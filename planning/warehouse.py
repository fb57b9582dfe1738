"""Reading the plan's inputs from warehouse.duckdb and writing the plan marts back beside the dbt
marts (so the publish copies them to serving.duckdb like any mart).

Inputs: the forecast marts (``mart_sales_forecast``, ``mart_forecast_accuracy``, latest as-of week),
the supplier scorecard's lead-time actuals (``mart_supplier_scorecard``, rolling 12 months), and the
store's raw tables of this run's extract: stock balances, open purchase orders (draft, confirmed,
partly received), transfers in transit or drafted, price lists, the planner's demand adjustments and
service levels, and the plan-to-document links. Shipments net of customer returns in the stock
ledger (52 weeks) give the ABC × XYZ classes.

Outputs: ``mart_supply_plan`` (product × warehouse × week), ``mart_replenishment_suggestions`` and
``mart_abc_xyz`` (product).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd

from orchestration.duck import table_exists
from planning.classify import abc_classes, variation, xyz_class
from planning.plan import HORIZON_WEEKS, Adjustment, PlanInputs, SupplyTerms, build_plan, monday, week_of
from planning.policy import DEFAULT_LEAD_TIME_DAYS

HISTORY_WEEKS = 52

PLAN_COLUMNS = {
    "as_of_week": "DATE", "product_id": "INTEGER", "warehouse_id": "INTEGER", "sku": "VARCHAR",
    "product_name": "VARCHAR", "unit": "VARCHAR", "warehouse_name": "VARCHAR", "week_start": "DATE",
    "horizon_week": "INTEGER", "forecast_qty": "DOUBLE", "demand_qty": "DOUBLE", "receipt_qty": "DOUBLE",
    "projected_qty": "DOUBLE", "on_hand_qty": "DOUBLE", "inventory_position": "DOUBLE", "safety_stock": "DOUBLE",
    "reorder_point": "DOUBLE", "order_up_to": "DOUBLE", "lead_time_days": "DOUBLE", "service_level": "DOUBLE",
    "runout_week": "INTEGER", "is_short": "BOOLEAN", "abc_class": "VARCHAR", "xyz_class": "VARCHAR",
    "model": "VARCHAR", "is_fallback": "BOOLEAN",
}
SUGGESTION_COLUMNS = {
    "as_of_week": "DATE", "suggestion_key": "VARCHAR", "kind": "VARCHAR", "product_id": "INTEGER",
    "sku": "VARCHAR", "product_name": "VARCHAR", "unit": "VARCHAR", "warehouse_id": "INTEGER",
    "warehouse_name": "VARCHAR", "from_warehouse_id": "INTEGER", "from_warehouse_name": "VARCHAR",
    "supplier_id": "INTEGER", "supplier_name": "VARCHAR", "suggested_qty": "DECIMAL(18,4)",
    "raw_need_qty": "DOUBLE", "unit_price": "DECIMAL(18,4)", "runout_week": "INTEGER", "runout_week_start": "DATE",
    "on_hand_qty": "DOUBLE", "inventory_position": "DOUBLE", "safety_stock": "DOUBLE", "reorder_point": "DOUBLE",
    "order_up_to": "DOUBLE", "lead_time_days": "DOUBLE", "lead_time_source": "VARCHAR", "service_level": "DOUBLE",
    "abc_class": "VARCHAR", "xyz_class": "VARCHAR", "source_excess": "DOUBLE", "reason": "VARCHAR",
}
ABC_XYZ_COLUMNS = {
    "product_id": "INTEGER", "sku": "VARCHAR", "product_name": "VARCHAR", "consumption_qty": "DOUBLE",
    "consumption_value": "DOUBLE", "value_share": "DOUBLE", "weeks_with_demand": "INTEGER",
    "demand_cv": "DOUBLE", "abc_class": "VARCHAR", "xyz_class": "VARCHAR",
}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params or []).fetchall()


def load_inputs(con: duckdb.DuckDBPyConnection, marts: str, *, today: date, raw: str = "raw") -> PlanInputs:
    """Everything the plan needs, from the forecast marts and the raw store tables."""
    forecast_rows: list[tuple[Any, ...]] = []
    if table_exists(con, marts, "mart_sales_forecast"):
        forecast_rows = _rows(con, f"""
            SELECT as_of_week, product_id, warehouse_id, week_start, horizon_week, forecast_qty, model, is_fallback
            FROM {marts}.mart_sales_forecast
            WHERE as_of_week = (SELECT max(as_of_week) FROM {marts}.mart_sales_forecast)
              AND horizon_week BETWEEN 1 AND {HORIZON_WEEKS}""")
    if forecast_rows:
        as_of = forecast_rows[0][0]
        first = min(r[3] for r in forecast_rows if r[4] == 1) if any(r[4] == 1 for r in forecast_rows) \
            else min(r[3] for r in forecast_rows) - timedelta(weeks=min(r[4] for r in forecast_rows) - 1)
    else:
        as_of, first = monday(today), monday(today) + timedelta(weeks=1)
    weeks = [first + timedelta(weeks=w) for w in range(HORIZON_WEEKS)]
    inputs = PlanInputs(as_of_week=as_of, week_starts=weeks, forecast={})
    for _, product, warehouse, _, horizon, qty, model, fallback in forecast_rows:
        key = (product, warehouse)
        inputs.forecast.setdefault(key, [0.0] * HORIZON_WEEKS)[horizon - 1] = max(float(qty or 0.0), 0.0)
        inputs.forecast_model[key] = (model, bool(fallback))
    if table_exists(con, marts, "mart_forecast_accuracy"):
        for product, warehouse, sd in _rows(con, f"""
                SELECT product_id, warehouse_id, error_sd_weekly FROM {marts}.mart_forecast_accuracy
                WHERE as_of_week = (SELECT max(as_of_week) FROM {marts}.mart_forecast_accuracy)"""):
            inputs.error_sd[(product, warehouse)] = float(sd or 0.0)
    # Stock in the selling warehouses (not in transit: that is counted as arriving).
    for product, warehouse, qty in _rows(con, f"""
            SELECT b.product_id, b.warehouse_id, b.quantity FROM {raw}.stock_balance AS b
            JOIN {raw}.warehouse AS w ON w.id = b.warehouse_id
            WHERE w.kind = 'normal' AND w.is_active AND b.quantity <> 0"""):
        inputs.on_hand[(product, warehouse)] = float(qty)
    _load_arrivals(con, raw, inputs)
    inputs.terms = _load_terms(con, raw, marts, today)
    for product, warehouse, week, mode, qty in _rows(con, f"""
            SELECT product_id, warehouse_id, week_start, mode, quantity FROM {raw}.demand_adjustment
            QUALIFY row_number() OVER (PARTITION BY product_id, warehouse_id, week_start ORDER BY id DESC) = 1"""):
        inputs.adjustments[(product, warehouse, week)] = Adjustment(mode, float(qty))
    inputs.service_levels = {k: float(v) for k, v in _rows(
        con, f"SELECT abc_class, service_level FROM {raw}.planning_service_level")}
    inputs.open_links = {(k, p, w) for k, p, w in _rows(con, f"""
            SELECT l.kind, l.product_id, l.warehouse_id FROM {raw}.plan_document_link AS l
            LEFT JOIN {raw}.purchase_order AS o ON o.id = l.purchase_order_id
            LEFT JOIN {raw}.stock_transfer AS t ON t.id = l.stock_transfer_id
            WHERE o.status IN ('draft', 'confirmed', 'partial') OR t.status IN ('draft', 'in_transit')""")}
    return inputs


def _add_arrival(inputs: PlanInputs, key: tuple[int, int], day: date, qty: float) -> None:
    week = week_of(day, inputs.week_starts)
    if week > HORIZON_WEEKS:
        inputs.beyond_horizon[key] = inputs.beyond_horizon.get(key, 0.0) + qty
    else:
        inputs.receipts.setdefault(key, [0.0] * HORIZON_WEEKS)[week - 1] += qty


def _load_arrivals(con: duckdb.DuckDBPyConnection, raw: str, inputs: PlanInputs) -> None:
    """Open purchase-order quantity by promised date (drafts too: an order being prepared is supply
    the planner already intends), transfers in transit (arriving in week 1) and drafted transfers
    (leaving the source and arriving at the destination on their planned date)."""
    for product, warehouse, day, qty in _rows(con, f"""
            SELECT l.product_id, o.warehouse_id, coalesce(l.promised_date, o.expected_date, o.order_date),
                   l.quantity - l.received_qty - l.cancelled_qty
            FROM {raw}.purchase_order_line AS l JOIN {raw}.purchase_order AS o ON o.id = l.order_id
            WHERE o.status IN ('draft', 'confirmed', 'partial')
              AND l.quantity - l.received_qty - l.cancelled_qty > 0"""):
        _add_arrival(inputs, (product, warehouse), day, float(qty))
    for product, source, target, day, status, qty in _rows(con, f"""
            SELECT l.product_id, t.from_warehouse_id, t.to_warehouse_id, t.ship_date, t.status, l.quantity
            FROM {raw}.stock_transfer_line AS l JOIN {raw}.stock_transfer AS t ON t.id = l.transfer_id
            WHERE t.status IN ('draft', 'in_transit')"""):
        if status == "in_transit":
            _add_arrival(inputs, (product, target), inputs.week_starts[0], float(qty))
        else:
            _add_arrival(inputs, (product, target), day, float(qty))
            _add_arrival(inputs, (product, source), day, -float(qty))


def _load_terms(con: duckdb.DuckDBPyConnection, raw: str, marts: str, today: date) -> dict[int, SupplyTerms]:
    """Per product the preferred supplier's price in force (else the most recently priced supplier),
    with the lead time from the scorecard's rolling 12 months, else the price list, else the supplier."""
    actual: dict[int, tuple[float, float]] = {}
    if table_exists(con, marts, "mart_supplier_scorecard"):
        for supplier, mean, sd in _rows(con, f"""
                SELECT supplier_id, lead_time_mean, lead_time_stddev FROM {marts}.mart_supplier_scorecard
                WHERE period = 'rolling_12m' AND lead_time_mean IS NOT NULL
                QUALIFY row_number() OVER (PARTITION BY supplier_id ORDER BY year_month DESC) = 1"""):
            actual[supplier] = (float(mean), float(sd or 0.0))
    terms: dict[int, SupplyTerms] = {}
    for product, supplier, price, min_qty, multiple, lead, supplier_lead in _rows(con, f"""
            WITH in_force AS (
                SELECT p.*, row_number() OVER (PARTITION BY p.supplier_id, p.product_id ORDER BY p.valid_from DESC) AS rn
                FROM {raw}.supplier_price AS p WHERE p.valid_from <= ?
            )
            SELECT f.product_id, f.supplier_id, f.price, f.min_order_qty, f.order_multiple, f.lead_time_days,
                   s.lead_time_days
            FROM in_force AS f JOIN {raw}.supplier AS s ON s.id = f.supplier_id
            WHERE f.rn = 1 AND s.status = 'active'
            QUALIFY row_number() OVER (PARTITION BY f.product_id
                                       ORDER BY f.is_preferred DESC, f.valid_from DESC, f.price, f.supplier_id) = 1""",
            [today]):
        if supplier in actual:
            lead_days, lead_sd, source = actual[supplier][0], actual[supplier][1], "scorecard"
        elif lead is not None:
            lead_days, lead_sd, source = float(lead), 0.0, "price_list"
        elif supplier_lead is not None:
            lead_days, lead_sd, source = float(supplier_lead), 0.0, "supplier"
        else:
            lead_days, lead_sd, source = DEFAULT_LEAD_TIME_DAYS, 0.0, "default"
        terms[product] = SupplyTerms(supplier, Decimal(min_qty), Decimal(multiple) or Decimal(1), lead_days, lead_sd,
                                     source, Decimal(price))
    return terms


def classify(con: duckdb.DuckDBPyConnection, raw: str, as_of_week: date) -> list[dict[str, Any]]:
    """ABC × XYZ rows per product from shipments net of customer returns over the 52 weeks up to
    ``as_of_week``'s end, valued at the product's standard cost (list price when it has none). A
    product's variability counts the weeks since its first stock movement only: a product that came
    in a month ago is not "variable" for the eleven months it did not exist."""
    start = as_of_week - timedelta(weeks=HISTORY_WEEKS - 1)
    end = as_of_week + timedelta(days=6)
    weekly: dict[int, dict[date, float]] = defaultdict(dict)
    for product, week, qty in _rows(con, f"""
            SELECT product_id, date_trunc('week', movement_date)::DATE, -sum(quantity)
            FROM {raw}.stock_ledger WHERE movement_type IN ('shipment', 'sales_return')
              AND movement_date BETWEEN ? AND ? GROUP BY 1, 2""", [start, end]):
        weekly[product][week] = float(qty)
    first_week = dict(_rows(con, f"SELECT product_id, date_trunc('week', min(movement_date))::DATE "
                                 f"FROM {raw}.stock_ledger GROUP BY 1"))
    products = {pid: (sku, name, float(cost or 0) or float(price or 0)) for pid, sku, name, cost, price in _rows(
        con, f"SELECT id, sku, name, standard_cost, list_price FROM {raw}.product")}
    values, out = {}, []
    for pid in products:
        since = max(start, first_week.get(pid) or end)
        weeks = [since + timedelta(weeks=w) for w in range(max(0, (as_of_week - since).days // 7 + 1))]
        series = [max(weekly.get(pid, {}).get(week, 0.0), 0.0) for week in weeks]
        values[pid] = (sum(series), series)
    classes = abc_classes({pid: qty * products[pid][2] for pid, (qty, _) in values.items()})
    total = sum(max(qty * products[pid][2], 0.0) for pid, (qty, _) in values.items())
    for pid, (qty, series) in sorted(values.items()):
        cv = variation(series)
        value = max(qty * products[pid][2], 0.0)
        out.append({"product_id": pid, "sku": products[pid][0], "product_name": products[pid][1],
                    "consumption_qty": qty, "consumption_value": value,
                    "value_share": value / total if total else 0.0,
                    "weeks_with_demand": sum(1 for x in series if x > 0), "demand_cv": cv,
                    "abc_class": classes[pid], "xyz_class": xyz_class(cv)})
    return out


def _write(con: duckdb.DuckDBPyConnection, schema: str, name: str, columns: dict[str, str],
           rows: list[dict[str, Any]]) -> int:
    ddl = ", ".join(f'"{c}" {t}' for c, t in columns.items())
    con.execute(f"CREATE OR REPLACE TABLE {schema}.{name} ({ddl})")
    if rows:
        frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=list(columns))
        for column, kind in columns.items():
            if kind.startswith("DECIMAL"):
                frame[column] = frame[column].map(lambda v: None if v is None else str(v))
        con.register("plan_rows", frame)
        try:
            con.execute(f"INSERT INTO {schema}.{name} SELECT " + ", ".join(
                f'CAST("{c}" AS {t})' for c, t in columns.items()) + " FROM plan_rows")
        finally:
            con.unregister("plan_rows")
    return len(rows)


def _names(con: duckdb.DuckDBPyConnection, raw: str) -> tuple[dict[int, tuple[str, str, str]], dict[int, str],
                                                                 dict[int, str]]:
    products = {pid: (sku, name, unit) for pid, sku, name, unit in _rows(
        con, f"SELECT id, sku, name, unit FROM {raw}.product")}
    warehouses = dict(_rows(con, f"SELECT id, name FROM {raw}.warehouse"))
    suppliers = dict(_rows(con, f"SELECT id, name FROM {raw}.supplier"))
    return products, warehouses, suppliers


def run_plan(con: duckdb.DuckDBPyConnection, marts: str, *, today: date, raw: str = "raw",
             language: str = "zh_CN") -> dict[str, int]:
    """Compute the plan and (re)write its three marts in ``marts``; row counts per table."""
    inputs = load_inputs(con, marts, today=today, raw=raw)
    abc_rows = classify(con, raw, inputs.as_of_week)
    inputs.abc = {r["product_id"]: r["abc_class"] for r in abc_rows}
    inputs.xyz = {r["product_id"]: r["xyz_class"] for r in abc_rows}
    plan_rows, suggestions = build_plan(inputs, language=language)
    products, warehouses, suppliers = _names(con, raw)
    for row in (*plan_rows, *suggestions):
        sku, name, unit = products.get(row["product_id"], (None, None, None))
        row.update(sku=sku, product_name=name, unit=unit, warehouse_name=warehouses.get(row["warehouse_id"]))
    for row in suggestions:
        row["from_warehouse_name"] = warehouses.get(row["from_warehouse_id"])
        row["supplier_name"] = suppliers.get(row["supplier_id"])
    return {
        "mart_supply_plan": _write(con, marts, "mart_supply_plan", PLAN_COLUMNS, plan_rows),
        "mart_replenishment_suggestions": _write(con, marts, "mart_replenishment_suggestions", SUGGESTION_COLUMNS,
                                                 suggestions),
        "mart_abc_xyz": _write(con, marts, "mart_abc_xyz", ABC_XYZ_COLUMNS, abc_rows),
    }
