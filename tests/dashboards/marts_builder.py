"""Test helper: build a small serving.duckdb from a store, with exactly the tables and columns of
the marts contract (docs/architecture.md), the way the pipeline publishes it (temp file + os.replace).

It implements the contract's semantics plainly in DuckDB SQL over a copy of the store's rows; the
real pipeline (ingestion → dbt → publish) replaces it once it is available to the tests.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Engine, select

from operational.db import unit_of_work
from operational.models import (
    Customer,
    Employee,
    Product,
    ProductCategory,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    StockBatch,
    StockBinBalance,
    StockLedger,
    StockLimit,
    StorageBin,
    Supplier,
    Warehouse,
)
from operational.types import ScaledDecimal

SOURCES = (Customer, Employee, Product, ProductCategory, PurchaseOrder, PurchaseOrderLine, SalesOrder,
           SalesOrderLine, StockLedger, StockLimit, Supplier, Warehouse, StorageBin, StockBinBalance, StockBatch)

# Contract: table -> (column, type) in order.
CONTRACT: dict[str, list[tuple[str, str]]] = {
    "dim_date": [("date_day", "DATE"), ("year", "INTEGER"), ("month", "INTEGER"), ("year_month", "VARCHAR"),
                 ("iso_week", "INTEGER"), ("day_of_week", "INTEGER"), ("is_weekend", "BOOLEAN")],
    "dim_product": [("product_id", "INTEGER"), ("sku", "VARCHAR"), ("product_name", "VARCHAR"),
                    ("category_id", "INTEGER"), ("category_name", "VARCHAR"), ("unit", "VARCHAR"),
                    ("barcode", "VARCHAR"), ("valuation_method", "VARCHAR"), ("allow_negative", "BOOLEAN"),
                    ("list_price", "DECIMAL(18,4)"), ("standard_cost", "DECIMAL(18,4)"), ("is_active", "BOOLEAN")],
    "dim_warehouse": [("warehouse_id", "INTEGER"), ("warehouse_code", "VARCHAR"), ("warehouse_name", "VARCHAR"),
                      ("is_active", "BOOLEAN")],
    "dim_supplier": [("supplier_id", "INTEGER"), ("supplier_code", "VARCHAR"), ("supplier_name", "VARCHAR"),
                     ("lead_time_days", "INTEGER"), ("payment_terms_days", "INTEGER"), ("status", "VARCHAR")],
    "dim_customer": [("customer_id", "INTEGER"), ("customer_code", "VARCHAR"), ("customer_name", "VARCHAR"),
                     ("region", "VARCHAR"), ("credit_limit", "DECIMAL(18,2)"), ("payment_terms_days", "INTEGER"),
                     ("salesperson_id", "INTEGER"), ("salesperson_name", "VARCHAR")],
    "fct_sales_lines": [("sales_order_line_id", "INTEGER"), ("sales_order_id", "INTEGER"), ("doc_no", "VARCHAR"),
                        ("order_date", "DATE"), ("required_date", "DATE"), ("status", "VARCHAR"),
                        ("customer_id", "INTEGER"), ("warehouse_id", "INTEGER"), ("salesperson_id", "INTEGER"),
                        ("product_id", "INTEGER"), ("quantity", "DECIMAL(18,4)"), ("unit_price", "DECIMAL(18,4)"),
                        ("discount_rate", "DECIMAL(18,4)"), ("amount", "DECIMAL(18,2)"),
                        ("shipped_qty", "DECIMAL(18,4)")],
    "fct_purchase_lines": [("purchase_order_line_id", "INTEGER"), ("purchase_order_id", "INTEGER"),
                           ("doc_no", "VARCHAR"), ("order_date", "DATE"), ("expected_date", "DATE"),
                           ("promised_date", "DATE"), ("status", "VARCHAR"), ("supplier_id", "INTEGER"),
                           ("warehouse_id", "INTEGER"), ("product_id", "INTEGER"), ("quantity", "DECIMAL(18,4)"),
                           ("unit_price", "DECIMAL(18,4)"), ("discount_rate", "DECIMAL(18,4)"),
                           ("amount", "DECIMAL(18,2)"), ("received_qty", "DECIMAL(18,4)")],
    "fct_stock_movements": [("stock_ledger_id", "INTEGER"), ("movement_date", "DATE"), ("product_id", "INTEGER"),
                            ("warehouse_id", "INTEGER"), ("movement_type", "VARCHAR"), ("quantity", "DECIMAL(18,4)"),
                            ("unit_cost", "DECIMAL(18,4)"), ("doc_type", "VARCHAR"), ("doc_id", "INTEGER"),
                            ("doc_line_id", "INTEGER"), ("doc_no", "VARCHAR")],
    "mart_inventory_daily": [("date_day", "DATE"), ("product_id", "INTEGER"), ("warehouse_id", "INTEGER"),
                             ("closing_quantity", "DECIMAL(18,4)"), ("unit_cost", "DECIMAL(18,4)"),
                             ("closing_value", "DECIMAL(18,2)")],
    "mart_stock_current": [("product_id", "INTEGER"), ("warehouse_id", "INTEGER"),
                           ("on_hand_quantity", "DECIMAL(18,4)"), ("unit_cost", "DECIMAL(18,4)"),
                           ("stock_value", "DECIMAL(18,2)"), ("last_movement_date", "DATE")],
    "mart_stock_alerts": [("product_id", "INTEGER"), ("warehouse_id", "INTEGER"), ("sku", "VARCHAR"),
                          ("product_name", "VARCHAR"), ("warehouse_name", "VARCHAR"),
                          ("on_hand_quantity", "DECIMAL(18,4)"), ("min_qty", "DECIMAL(18,4)"),
                          ("max_qty", "DECIMAL(18,4)"), ("alert_type", "VARCHAR"),
                          ("suggested_quantity", "DECIMAL(18,4)")],
    "mart_sales_daily": [("date_day", "DATE"), ("warehouse_id", "INTEGER"), ("category_id", "INTEGER"),
                         ("order_count", "BIGINT"), ("line_count", "BIGINT"), ("quantity", "DECIMAL(18,4)"),
                         ("amount", "DECIMAL(18,2)")],
    "mart_purchases_daily": [("date_day", "DATE"), ("warehouse_id", "INTEGER"), ("category_id", "INTEGER"),
                             ("order_count", "BIGINT"), ("line_count", "BIGINT"), ("quantity", "DECIMAL(18,4)"),
                             ("amount", "DECIMAL(18,2)")],
    "fct_shipment_lines": [("shipment_line_id", "INTEGER"), ("shipment_id", "INTEGER"), ("doc_no", "VARCHAR"),
                           ("ship_date", "DATE"), ("customer_id", "INTEGER"), ("region", "VARCHAR"),
                           ("salesperson_id", "INTEGER"), ("warehouse_id", "INTEGER"), ("product_id", "INTEGER"),
                           ("category_id", "INTEGER"), ("sales_order_id", "INTEGER"), ("order_doc_no", "VARCHAR"),
                           ("quantity", "DECIMAL(18,4)"), ("unit_price", "DECIMAL(18,4)"),
                           ("discount_rate", "DECIMAL(18,4)"), ("revenue", "DECIMAL(18,2)"), ("cogs", "DECIMAL(18,2)"),
                           ("gross_margin", "DECIMAL(18,2)"), ("cost_provisional", "BOOLEAN"),
                           ("returned_qty", "DECIMAL(18,4)")],
    "fct_sales_return_lines": [("sales_return_line_id", "INTEGER"), ("sales_return_id", "INTEGER"),
                               ("doc_no", "VARCHAR"), ("return_date", "DATE"), ("customer_id", "INTEGER"),
                               ("region", "VARCHAR"), ("salesperson_id", "INTEGER"), ("warehouse_id", "INTEGER"),
                               ("disposition", "VARCHAR"), ("return_reason", "VARCHAR"), ("product_id", "INTEGER"),
                               ("category_id", "INTEGER"), ("shipment_doc_no", "VARCHAR"), ("ship_date", "DATE"),
                               ("quantity", "DECIMAL(18,4)"), ("revenue_reversed", "DECIMAL(18,2)"),
                               ("cost_returned", "DECIMAL(18,2)")],
    "mart_inventory_valuation": [("date_day", "DATE"), ("product_id", "INTEGER"), ("category_id", "INTEGER"),
                                 ("valuation_method", "VARCHAR"), ("closing_quantity", "DECIMAL(18,4)"),
                                 ("closing_value", "DECIMAL(18,2)"), ("unit_cost", "DECIMAL(18,4)"),
                                 ("received_value", "DECIMAL(18,2)"), ("cogs", "DECIMAL(18,2)"),
                                 ("adjustment_value", "DECIMAL(18,2)")],
    "mart_inventory_valuation_by_category": [("date_day", "DATE"), ("category_id", "INTEGER"),
                                             ("closing_quantity", "DECIMAL(18,4)"), ("closing_value", "DECIMAL(18,2)"),
                                             ("received_value", "DECIMAL(18,2)"), ("cogs", "DECIMAL(18,2)"),
                                             ("adjustment_value", "DECIMAL(18,2)"), ("product_count", "BIGINT")],
    "mart_inventory_turnover": [("year_month", "VARCHAR"), ("month_start", "DATE"), ("product_id", "INTEGER"),
                                ("category_id", "INTEGER"), ("warehouse_id", "INTEGER"), ("days_in_period", "INTEGER"),
                                ("cogs", "DECIMAL(18,2)"), ("average_inventory", "DECIMAL(18,2)"),
                                ("turnover", "DECIMAL(18,4)"), ("days_of_inventory", "DECIMAL(18,1)")],
    "mart_stock_ageing": [("product_id", "INTEGER"), ("category_id", "INTEGER"), ("age_bucket", "VARCHAR"),
                          ("youngest_days", "INTEGER"), ("oldest_days", "INTEGER"), ("quantity", "DECIMAL(18,4)"),
                          ("value", "DECIMAL(18,2)")],
    "mart_stocktake_variance": [("stocktake_line_id", "INTEGER"), ("stocktake_id", "INTEGER"), ("doc_no", "VARCHAR"),
                                ("warehouse_id", "INTEGER"), ("count_date", "DATE"), ("status", "VARCHAR"),
                                ("product_id", "INTEGER"), ("category_id", "INTEGER"), ("book_qty", "DECIMAL(18,4)"),
                                ("counted_qty", "DECIMAL(18,4)"), ("difference_qty", "DECIMAL(18,4)"),
                                ("difference_value", "DECIMAL(18,2)")],
    "mart_batch_expiry": [("batch_id", "INTEGER"), ("product_id", "INTEGER"), ("category_id", "INTEGER"),
                          ("warehouse_id", "INTEGER"), ("batch_no", "VARCHAR"), ("expiry_date", "DATE"),
                          ("days_left", "INTEGER"), ("expiry_status", "VARCHAR"), ("on_hand_quantity", "DECIMAL(18,4)"),
                          ("value", "DECIMAL(18,2)")],
    "mart_supplier_scorecard": [("supplier_id", "INTEGER"), ("year_month", "VARCHAR"), ("month_start", "DATE"),
                                ("period", "VARCHAR"), ("qty_due", "DECIMAL(18,4)"), ("qty_on_time", "DECIMAL(18,4)"),
                                ("lines_due", "INTEGER"), ("lines_in_full", "INTEGER"),
                                ("qty_inspected", "DECIMAL(18,4)"), ("qty_rejected", "DECIMAL(18,4)"),
                                ("receipt_lines", "INTEGER"), ("on_time_rate", "DECIMAL(9,4)"),
                                ("in_full_rate", "DECIMAL(9,4)"), ("reject_rate", "DECIMAL(9,4)"),
                                ("lead_time_mean", "DECIMAL(9,2)"), ("lead_time_stddev", "DECIMAL(9,2)"),
                                ("price_change_mean", "DECIMAL(9,4)"), ("score", "DECIMAL(9,4)"), ("grade", "VARCHAR")],
}

# The latest receipt / opening cost on or before a day, company-wide, else the standard cost.
_REFERENCE_COST = """
coalesce((SELECT l.unit_cost FROM raw.stock_ledger l
          WHERE l.product_id = {p} AND l.movement_type IN ('receipt', 'opening') AND l.unit_cost IS NOT NULL
            AND l.movement_date <= {d}
          ORDER BY l.movement_date DESC, l.id DESC LIMIT 1),
         (SELECT standard_cost FROM raw.product WHERE id = {p}))"""

MARTS_SQL: dict[str, str] = {
    "dim_date": """
        SELECT d::DATE, year(d), month(d), strftime(d, '%Y-%m'), weekofyear(d), isodow(d), isodow(d) >= 6
        FROM generate_series((SELECT min(x) FROM bounds), (SELECT max(x) FROM bounds), INTERVAL 1 DAY) t(d)""",
    "dim_product": """
        SELECT p.id, p.sku, p.name, p.category_id, c.name, p.unit, p.barcode, p.valuation_method, p.allow_negative,
               p.list_price, p.standard_cost, p.is_active
        FROM raw.product p LEFT JOIN raw.product_category c ON c.id = p.category_id""",
    "dim_warehouse": "SELECT id, code, name, is_active FROM raw.warehouse",
    "dim_supplier": "SELECT id, code, name, lead_time_days, payment_terms_days, status FROM raw.supplier",
    "dim_customer": """
        SELECT c.id, c.code, c.name, c.region, c.credit_limit, c.payment_terms_days, c.salesperson_id, e.name
        FROM raw.customer c LEFT JOIN raw.employee e ON e.id = c.salesperson_id""",
    "fct_sales_lines": """
        SELECT l.id, o.id, o.doc_no, o.order_date, o.required_date, o.status, o.customer_id, o.warehouse_id,
               o.salesperson_id, l.product_id, l.quantity, l.unit_price, l.discount_rate, l.amount, l.shipped_qty
        FROM raw.sales_order_line l JOIN raw.sales_order o ON o.id = l.order_id""",
    "fct_purchase_lines": """
        SELECT l.id, o.id, o.doc_no, o.order_date, o.expected_date, l.promised_date, o.status, o.supplier_id,
               o.warehouse_id, l.product_id, l.quantity, l.unit_price, l.discount_rate, l.amount, l.received_qty
        FROM raw.purchase_order_line l JOIN raw.purchase_order o ON o.id = l.order_id""",
    "fct_stock_movements": """
        SELECT id, movement_date, product_id, warehouse_id, movement_type, quantity, unit_cost, doc_type, doc_id,
               doc_line_id, doc_no FROM raw.stock_ledger""",
    "mart_inventory_daily": f"""
        WITH spans AS (SELECT product_id, warehouse_id, min(movement_date) AS first_day
                       FROM raw.stock_ledger GROUP BY ALL),
        days AS (SELECT s.product_id, s.warehouse_id, d.date_day FROM spans s
                 JOIN out.dim_date d ON d.date_day >= s.first_day),
        closing AS (SELECT days.*, (SELECT sum(quantity) FROM raw.stock_ledger l
                                    WHERE l.product_id = days.product_id AND l.warehouse_id = days.warehouse_id
                                      AND l.movement_date <= days.date_day) AS qty,
                           {_REFERENCE_COST.format(p='days.product_id', d='days.date_day')} AS cost
                    FROM days)
        SELECT date_day, product_id, warehouse_id, qty, cost, round(qty * cost, 2) FROM closing""",
    "mart_stock_current": f"""
        WITH cur AS (SELECT product_id, warehouse_id, sum(quantity) AS qty, max(movement_date) AS last_day
                     FROM raw.stock_ledger GROUP BY ALL),
        costed AS (SELECT cur.*, {_REFERENCE_COST.format(p='cur.product_id', d="DATE '9999-12-31'")} AS cost
                   FROM cur)
        SELECT product_id, warehouse_id, qty, cost, round(qty * cost, 2), last_day FROM costed""",
    "mart_stock_alerts": """
        WITH x AS (
            SELECT lim.product_id, lim.warehouse_id, p.sku, p.name AS product_name, w.name AS warehouse_name,
                   coalesce(s.on_hand_quantity, 0) AS on_hand, lim.min_qty, lim.max_qty
            FROM raw.stock_limit lim
            JOIN raw.product p ON p.id = lim.product_id JOIN raw.warehouse w ON w.id = lim.warehouse_id
            LEFT JOIN out.mart_stock_current s
              ON s.product_id = lim.product_id AND s.warehouse_id = lim.warehouse_id)
        SELECT product_id, warehouse_id, sku, product_name, warehouse_name, on_hand, min_qty, max_qty,
               CASE WHEN on_hand < min_qty THEN 'below_min' ELSE 'above_max' END,
               CASE WHEN on_hand < min_qty THEN coalesce(max_qty, min_qty) - on_hand ELSE 0 END
        FROM x WHERE on_hand < min_qty OR (max_qty IS NOT NULL AND on_hand > max_qty)""",
    "mart_sales_daily": """
        SELECT o.order_date, o.warehouse_id, p.category_id, count(DISTINCT o.id), count(*), sum(l.quantity),
               sum(l.amount)
        FROM raw.sales_order_line l JOIN raw.sales_order o ON o.id = l.order_id
        JOIN raw.product p ON p.id = l.product_id
        WHERE o.status IN ('confirmed', 'partial', 'completed', 'closed') GROUP BY ALL""",
    "mart_purchases_daily": """
        SELECT o.order_date, o.warehouse_id, p.category_id, count(DISTINCT o.id), count(*), sum(l.quantity),
               sum(l.amount)
        FROM raw.purchase_order_line l JOIN raw.purchase_order o ON o.id = l.order_id
        JOIN raw.product p ON p.id = l.product_id
        WHERE o.status IN ('confirmed', 'partial', 'completed', 'closed') GROUP BY ALL""",
}

# The newer marts are hand-made rows over the test company's master data (looked up by code), so
# the analysis pages' numbers are fixed; see tests/dashboards/test_analysis_marts.py.
_ID = {
    "water": "(SELECT id FROM raw.product WHERE sku = 'P001')",
    "chips": "(SELECT id FROM raw.product WHERE sku = 'P002')",
    "drink": "(SELECT category_id FROM raw.product WHERE sku = 'P001')",
    "snack": "(SELECT category_id FROM raw.product WHERE sku = 'P002')",
    "wh1": "(SELECT id FROM raw.warehouse WHERE code = 'WH1')",
    "wh2": "(SELECT id FROM raw.warehouse WHERE code = 'WH2')",
    "cus": "(SELECT id FROM raw.customer WHERE code = 'C001')",
    "sup": "(SELECT id FROM raw.supplier WHERE code = 'S001')",
}


def _values(rows: str) -> str:
    return "SELECT * FROM (VALUES " + rows.format(**_ID) + ")"


HAND_MADE_SQL: dict[str, str] = {
    # Revenue 112.00, COGS 66.00, margin 46.00 (41.1 %); water 100 / 60 / 40, chips 12 / 6 / 6.
    "fct_shipment_lines": _values("""
        (1, 1, 'SH-T-001', DATE '2026-03-06', {cus}, '华东', NULL, {wh1}, {water}, {drink}, 1, 'SO-T-001',
         30, 2.50, 0, 75.00, 45.00, 30.00, false, 5),
        (2, 1, 'SH-T-001', DATE '2026-03-06', {cus}, '华东', NULL, {wh1}, {chips}, {snack}, 1, 'SO-T-001',
         2, 6.00, 0, 12.00, 6.00, 6.00, false, 0),
        (3, 2, 'SH-T-002', DATE '2026-03-05', {cus}, '华东', NULL, {wh2}, {water}, {drink}, 2, 'SO-T-002',
         10, 2.50, 0, 25.00, 15.00, 10.00, false, 0)"""),
    "fct_sales_return_lines": _values("""
        (1, 1, 'SR-T-001', DATE '2026-03-06', {cus}, '华东', NULL, {wh1}, 'restock', '包装破损', {water}, {drink},
         'SH-T-001', DATE '2026-03-06', 3, 7.50, 4.50),
        (2, 2, 'SR-T-002', DATE '2026-03-06', {cus}, '华东', NULL, {wh1}, 'quarantine', '临期', {water}, {drink},
         'SH-T-001', DATE '2026-03-06', 2, 5.00, 3.00)"""),
    # Company-wide value: chips 5 × 3.00 from 03-01; water 100 × 1.50 from 03-03, 70 on 03-06 → 120.00.
    "mart_inventory_valuation": """
        SELECT d.date_day, {chips}, {snack}, 'moving_average', 5, 15.00, 3.00,
               CASE WHEN d.date_day = DATE '2026-03-01' THEN 15.00 ELSE 0 END, 0, 0
        FROM out.dim_date d
        UNION ALL
        SELECT d.date_day, {water}, {drink}, 'moving_average',
               CASE WHEN d.date_day >= DATE '2026-03-06' THEN 70 ELSE 100 END,
               CASE WHEN d.date_day >= DATE '2026-03-06' THEN 105.00 ELSE 150.00 END, 1.50,
               CASE WHEN d.date_day = DATE '2026-03-03' THEN 150.00 ELSE 0 END,
               CASE WHEN d.date_day = DATE '2026-03-06' THEN 45.00 ELSE 0 END, 0
        FROM out.dim_date d WHERE d.date_day >= DATE '2026-03-03'""".format(**_ID),
    # The dbt model's sums over the product × day mart just built.
    "mart_inventory_valuation_by_category": """
        SELECT date_day, category_id, sum(closing_quantity), sum(closing_value), sum(received_value), sum(cogs),
               sum(adjustment_value), count(*)
        FROM out.mart_inventory_valuation GROUP BY date_day, category_id""",
    # Water: 45 / 100 (WH1) and 15 / 20 (WH2) → 60 / 120 = 0.5 turns, not the mean 0.6; 12 days.
    "mart_inventory_turnover": _values("""
        ('2026-03', DATE '2026-03-01', {water}, {drink}, {wh1}, 6, 45.00, 100.00, 0.45, 13.3),
        ('2026-03', DATE '2026-03-01', {water}, {drink}, {wh2}, 6, 15.00, 20.00, 0.75, 8.0),
        ('2026-03', DATE '2026-03-01', {chips}, {snack}, {wh1}, 6, 3.00, 12.00, 0.25, 24.0)"""),
    "mart_stock_ageing": _values("""
        ({water}, {drink}, '0-30', 3, 3, 70, 105.00),
        ({chips}, {snack}, '0-30', 5, 5, 3, 9.00),
        ({chips}, {snack}, '91-180', 120, 150, 2, 6.00)"""),
    "mart_stocktake_variance": _values("""
        (1, 1, 'ST-T-001', {wh1}, DATE '2026-03-06', 'posted', {water}, {drink}, 70, 68, -2, -3.00),
        (2, 1, 'ST-T-001', {wh1}, DATE '2026-03-06', 'posted', {chips}, {snack}, 5, 7, 2, 6.00),
        (3, 2, 'ST-T-002', {wh2}, DATE '2026-03-04', 'counting', {water}, {drink}, 10, 9, -1, 0)"""),
    # Expiry on the last day of dim_date (2026-03-06): expired 10 water (¥15.00) in WH1; expiring
    # 20 water (¥30.00) in WH2 and 3 chips (¥9.00) in WH1; chips in B-OK (far off) and B-NONE (no
    # expiry date) are fine and not listed.
    "mart_batch_expiry": _values("""
        (1, {water}, {drink}, {wh1}, 'B-2025-11', DATE '2026-03-01', -5, 'expired', 10, 15.00),
        (2, {water}, {drink}, {wh2}, 'B-2026-01', DATE '2026-03-20', 14, 'expiring', 20, 30.00),
        (3, {chips}, {snack}, {wh1}, 'C-2026-01', DATE '2026-04-05', 30, 'expiring', 3, 9.00),
        (4, {chips}, {snack}, {wh1}, 'B-OK', DATE '2026-09-01', 179, 'ok', 2, 6.00),
        (5, {chips}, {snack}, {wh2}, 'B-NONE', NULL, NULL, 'ok', 1, 3.00)"""),
    # Scores with the default weights 0.4 / 0.3 / 0.3 over the rates with data.
    "mart_supplier_scorecard": _values("""
        ({sup}, '2026-02', DATE '2026-02-01', 'month', 10, 5, 2, 2, 0, 0, 0, 0.5, 1.0, NULL, 4.00, NULL, NULL,
         0.7143, 'C'),
        ({sup}, '2026-02', DATE '2026-02-01', 'rolling_12m', 10, 5, 2, 2, 0, 0, 0, 0.5, 1.0, NULL, 4.00, NULL, NULL,
         0.7143, 'C'),
        ({sup}, '2026-03', DATE '2026-03-01', 'month', 100, 100, 1, 1, 100, 10, 1, 1.0, 1.0, 0.1, 1.00, NULL, 0.25,
         0.97, 'A'),
        ({sup}, '2026-03', DATE '2026-03-01', 'rolling_12m', 110, 82.5, 3, 3, 100, 10, 1, 0.75, 1.0, 0.1, 2.00, 1.73,
         0.25, 0.87, 'B')"""),
}
MARTS_SQL.update(HAND_MADE_SQL)

# Storage bins: the store's bin balances in warehouses that use bins, valued at mart_stock_current's cost.
CONTRACT["mart_stock_by_bin"] = [
    ("product_id", "INTEGER"), ("warehouse_id", "INTEGER"), ("bin_id", "INTEGER"), ("batch_id", "INTEGER"),
    ("batch_no", "VARCHAR"), ("expiry_date", "DATE"), ("bin_code", "VARCHAR"),
    ("bin_name", "VARCHAR"), ("bin_is_active", "BOOLEAN"), ("is_default_bin", "BOOLEAN"),
    ("on_hand_quantity", "DECIMAL(18,4)"), ("stock_value", "DECIMAL(18,2)")]
MARTS_SQL["mart_stock_by_bin"] = """
    SELECT b.product_id, b.warehouse_id, b.bin_id, b.batch_id, t.batch_no, t.expiry_date, s.code, s.name,
           s.is_active, s.id = w.default_bin_id, b.quantity, round(b.quantity * c.unit_cost, 2)
    FROM raw.stock_bin_balance b
    JOIN raw.warehouse w ON w.id = b.warehouse_id AND w.uses_bins
    JOIN raw.storage_bin s ON s.id = b.bin_id
    LEFT JOIN raw.stock_batch t ON t.id = b.batch_id
    LEFT JOIN out.mart_stock_current c ON c.product_id = b.product_id AND c.warehouse_id = b.warehouse_id
    WHERE b.quantity <> 0"""

# Built last: it sums the shipment and return facts above (shipments by ship date, returns by return date).
CONTRACT["mart_sales_summary"] = [
    ("date_day", "DATE"), ("customer_id", "INTEGER"), ("salesperson_id", "INTEGER"), ("region", "VARCHAR"),
    ("product_id", "INTEGER"), ("category_id", "INTEGER"), ("warehouse_id", "INTEGER"),
    ("shipped_qty", "DECIMAL(18,4)"), ("revenue", "DECIMAL(18,2)"), ("cogs", "DECIMAL(18,2)"),
    ("gross_margin", "DECIMAL(18,2)"), ("returned_qty", "DECIMAL(18,4)"), ("returns_revenue", "DECIMAL(18,2)"),
    ("returns_cost", "DECIMAL(18,2)"), ("net_revenue", "DECIMAL(18,2)"), ("net_cogs", "DECIMAL(18,2)"),
    ("net_margin", "DECIMAL(18,2)")]
MARTS_SQL["mart_sales_summary"] = """
    SELECT d, c, sp, any_value(r), p, k, w, sum(q), sum(rev), sum(cg), sum(rev) - sum(cg), sum(rq), sum(rr), sum(rc),
           sum(rev) - sum(rr), sum(cg) - sum(rc), sum(rev) - sum(rr) - sum(cg) + sum(rc)
    FROM (SELECT ship_date d, customer_id c, salesperson_id sp, region r, product_id p, category_id k,
                 warehouse_id w, quantity q, revenue rev, cogs cg, 0 rq, 0 rr, 0 rc FROM out.fct_shipment_lines
          UNION ALL
          SELECT return_date, customer_id, salesperson_id, region, product_id, category_id, warehouse_id,
                 0, 0, 0, quantity, revenue_reversed, cost_returned FROM out.fct_sales_return_lines)
    GROUP BY d, c, sp, p, k, w"""

META_DDL = (
    "CREATE TABLE out.meta_publish (published_at TIMESTAMP, run_id VARCHAR, job_name VARCHAR, "
    "store_watermark VARCHAR, table_row_counts VARCHAR)",
    "CREATE TABLE out.meta_checks (check_name VARCHAR, asset_key VARCHAR, passed BOOLEAN, severity VARCHAR, "
    "description VARCHAR, metadata_json VARCHAR, checked_at TIMESTAMP)",
)


def _duck_type(column: Any) -> str:
    if isinstance(column.type, ScaledDecimal):
        return f"DECIMAL(18,{column.type.scale})"
    return {int: "BIGINT", bool: "BOOLEAN", str: "VARCHAR"}.get(column.type.python_type, column.type.python_type.__name__.upper())


def _copy_store(con: duckdb.DuckDBPyConnection, engine: Engine) -> None:
    con.execute("CREATE SCHEMA raw")
    with unit_of_work(engine) as session:
        for model in SOURCES:
            columns = list(model.__table__.columns)
            ddl = ", ".join(f"{c.name} {_duck_type(c)}" for c in columns)
            con.execute(f"CREATE TABLE raw.{model.__tablename__} ({ddl})")
            rows = [tuple(getattr(obj, c.key) for c in columns) for obj in session.scalars(select(model))]
            if rows:
                marks = ", ".join("?" for _ in columns)
                con.executemany(f"INSERT INTO raw.{model.__tablename__} VALUES ({marks})", rows)


def build_serving(engine: Engine, target: Path, *, published_at: datetime | None = None,
                  checks: list[tuple[str, bool, str]] | None = None) -> Path:
    """Write the contract's tables computed from ``engine``'s store to ``target`` atomically."""
    temp = target.with_name(f"{target.name}.tmp-test")
    temp.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        _copy_store(con, engine)
        con.execute(f"ATTACH '{temp}' AS out")
        con.execute("""CREATE TEMP TABLE bounds AS
            SELECT order_date AS x FROM raw.sales_order UNION ALL SELECT order_date FROM raw.purchase_order
            UNION ALL SELECT movement_date FROM raw.stock_ledger""")
        counts = {}
        for table, columns in CONTRACT.items():
            ddl = ", ".join(f"{name} {kind}" for name, kind in columns)
            con.execute(f"CREATE TABLE out.{table} ({ddl})")
            con.execute(f"INSERT INTO out.{table} {MARTS_SQL[table]}")
            counts[table] = con.execute(f"SELECT count(*) FROM out.{table}").fetchone()[0]
        for ddl in META_DDL:
            con.execute(ddl)
        when = published_at or datetime.now(UTC).replace(tzinfo=None)
        con.execute("INSERT INTO out.meta_publish VALUES (?, 'test-run-1', 'jxc_pipeline', 'ledger:1', ?)",
                    [when, json.dumps(counts, sort_keys=True)])
        for name, passed, description in checks or [("reconcile_stock_quantity", True, "库存数量与业务库一致")]:
            con.execute("INSERT INTO out.meta_checks VALUES (?, 'mart_stock_current', ?, 'ERROR', ?, '{}', ?)",
                        [name, passed, description, when])
        con.execute("DETACH out")
    finally:
        con.close()
    os.replace(temp, target)
    return target
