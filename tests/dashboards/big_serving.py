"""Test helper: a serving.duckdb shaped like a large company (about a million sales lines:
2,000 products, 3 warehouses, 730 days) made directly with DuckDB, to time the dashboard queries."""

from __future__ import annotations

from pathlib import Path

import duckdb
from marts_builder import CONTRACT, META_DDL

DAYS, PRODUCTS, WAREHOUSES, CATEGORIES, SALES_LINES = 730, 2000, 3, 40, 1_000_000

_FILL = {
    "dim_date": f"""SELECT d, year(d), month(d), strftime(d, '%Y-%m'), weekofyear(d), isodow(d), isodow(d) >= 6
        FROM (SELECT (DATE '2025-01-01' + INTERVAL (i) DAY)::DATE AS d FROM range({DAYS}) t(i))""",
    "dim_product": f"""SELECT i, 'P' || lpad(i::VARCHAR, 5, '0'), '商品' || i, i % {CATEGORIES}, '分类' || (i % {CATEGORIES}),
        '个', '69' || lpad(i::VARCHAR, 11, '0'), 'moving_average', false, 10, 6, true FROM range({PRODUCTS}) t(i)""",
    "dim_warehouse": f"SELECT i, 'WH' || i, '仓库' || i, true FROM range({WAREHOUSES}) t(i)",
    "dim_supplier": "SELECT 1, 'S001', '供应商', 7, 30, 'active'",
    "dim_customer": "SELECT 1, 'C001', '客户', '华东', 0, 30, NULL, NULL",
    "fct_sales_lines": f"""SELECT i, i // 5, 'SO-' || (i // 5), DATE '2025-01-01' + (i % {DAYS})::INTEGER, NULL, 'completed', 1,
        i % {WAREHOUSES}, NULL, i % {PRODUCTS}, 3, 10, 0, 30, 3 FROM range({SALES_LINES}) t(i)""",
    "fct_purchase_lines": f"""SELECT i, i // 5, 'PO-' || (i // 5), DATE '2025-01-01' + (i % {DAYS})::INTEGER, NULL, NULL,
        'completed', 1, i % {WAREHOUSES}, i % {PRODUCTS}, 30, 6, 0, 180, 30 FROM range({SALES_LINES // 10}) t(i)""",
    "fct_stock_movements": f"""SELECT i, DATE '2025-01-01' + (i % {DAYS})::INTEGER, i % {PRODUCTS}, i % {WAREHOUSES},
        'shipment', -3, NULL, 'shipment', i // 5, i, 'SH-' || (i // 5) FROM range({SALES_LINES}) t(i)""",
    "mart_inventory_daily": f"""SELECT DATE '2025-01-01' + d::INTEGER, p, w, 100, 6, 600
        FROM range({DAYS}) a(d), range({PRODUCTS}) b(p), range({WAREHOUSES}) c(w)""",
    "mart_stock_current": f"""SELECT p, w, 100, 6, 600, DATE '2026-12-30'
        FROM range({PRODUCTS}) b(p), range({WAREHOUSES}) c(w)""",
    "mart_stock_alerts": """SELECT p, 0, 'P' || p, '商品' || p, '仓库0', 100, 200, 400, 'below_min', 300
        FROM range(0, 2000, 7) b(p)""",
    "mart_sales_daily": f"""SELECT DATE '2025-01-01' + d::INTEGER, w, c, 200, 450, 1370, 13700
        FROM range({DAYS}) a(d), range({WAREHOUSES}) b(w), range({CATEGORIES}) c(c)""",
    "mart_purchases_daily": f"""SELECT DATE '2025-01-01' + d::INTEGER, w, c, 20, 45, 1370, 8220
        FROM range({DAYS}) a(d), range({WAREHOUSES}) b(w), range({CATEGORIES}) c(c)""",
}


def build_big_serving(target: Path) -> Path:
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{target}' AS out")
        for table, columns in CONTRACT.items():
            con.execute(f"CREATE TABLE out.{table} ({', '.join(f'{n} {k}' for n, k in columns)})")
            con.execute(f"INSERT INTO out.{table} {_FILL[table]}")
        for ddl in META_DDL:
            con.execute(ddl)
        con.execute("INSERT INTO out.meta_publish VALUES (now()::TIMESTAMP, 'big', 'jxc_pipeline', '1', '{}')")
        con.execute("DETACH out")
    finally:
        con.close()
    return target
