"""An incremental pipeline run (extract + dbt build after one more day) equals a full rebuild."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal as D

import duckdb
import pytest
from sqlalchemy import select

from ingestion.extract import extract_to_raw
from operational.db import unit_of_work
from operational.models import Product, SalesOrder, StockBalance
from operational.services import purchasing, sales
from operational.services.inventory import post_opening_balance
from operational.services.orders import OrderLineInput as L

pytestmark = pytest.mark.slow

MODELS = ["marts.dim_date", "marts.fct_sales_lines", "marts.fct_purchase_lines", "marts.fct_stock_movements",
          "marts.mart_inventory_daily", "marts.mart_stock_current", "marts.mart_stock_alerts",
          "marts.mart_sales_daily", "marts.mart_purchases_daily", "intermediate.int_movement_valuation",
          "intermediate.int_valuation_closings"]
# Batch bookkeeping differs between an incremental and a full build by design.
BOOKKEEPING = {"valued_at", "revalued_from"}


def _next_day(built) -> None:
    """03-07: a new supplier delivery of C to WH2, draft SO4 confirmed and shipped, and a back-dated
    opening balance of B in WH2 on 03-02 (revalues B from 03-02 on), and a new standard cost for
    D (never received, so valued at it)."""
    c, ids = built.company, built.company.ids
    with unit_of_work(c.engine) as s:
        supplier = s.execute(select(purchasing.PurchaseOrder.supplier_id)).scalars().first()
        po = purchasing.create_purchase_order(s, supplier, ids["wh2"], date(2026, 3, 7), [L(ids["c"], 10, "3.10")])
        purchasing.confirm_purchase_order(s, po.id)
        purchasing.receive_all(s, po.id, date(2026, 3, 7))
        so4 = s.execute(select(SalesOrder.id).where(SalesOrder.status == "draft")).scalar_one()
        sales.confirm_sales_order(s, so4)
        sales.ship_all(s, so4, date(2026, 3, 7))
        post_opening_balance(s, ids["b"], ids["wh2"], D(5), D("2.2"), date(2026, 3, 2), doc_no="OPENING-2")
        s.get(Product, ids["d"]).standard_cost = D("3.5")  # D has no receipt: valued at standard cost


def _rows(path, table: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        cols = [r[0] for r in con.execute(f"describe {table}").fetchall() if r[0] not in BOOKKEEPING]
        return sorted(con.execute(f"select {', '.join(cols)} from {table}").fetchall(), key=repr)


def test_incremental_run_equals_full_refresh(built, run_dbt):
    _next_day(built)
    warehouse = built.warehouse.path
    written = extract_to_raw(built.company.url, warehouse)
    assert written["stock_ledger"] == 3 and written["sales_order"] == 1
    run_dbt(warehouse, built.work, "build")  # incremental models take only the new rows

    full = built.work / "full.duckdb"
    shutil.copy(warehouse, full)
    run_dbt(full, built.work, "build", "--full-refresh")
    for table in MODELS:
        assert _rows(warehouse, table) == _rows(full, table), table

    ids, wh = built.company.ids, built.warehouse
    assert wh.rows("select max(date_day) from marts.dim_date") == [(date(2026, 3, 7),)]
    # B: 03-01 20 @ 2.00 = 40.00; the back-dated 03-02 opening of 5 @ 2.20 in WH2 makes 25 worth
    # 51.00 (WH2 51 × 5/25 = 10.20, WH1 40.80); 03-03 + 40 @ 2.25 = 90.00 → 65 worth 141.00
    # (WH2 141 × 5/65 = 10.85, WH1 130.15).
    assert wh.rows(f"select date_day, closing_quantity, unit_cost, closing_value "
                   f"from marts.mart_inventory_daily where product_id = {ids['b']} and warehouse_id = {ids['wh1']} "
                   f"and date_day <= '2026-03-03' order by date_day") == [
        (date(2026, 3, 1), D(20), D(2), D("40.00")),
        (date(2026, 3, 2), D(20), D("2.04"), D("40.80")),
        (date(2026, 3, 3), D(60), D("2.1692"), D("130.15")),
    ]
    # D (never received) is now provisionally valued at its new standard cost: 2 × 3.50.
    assert wh.rows(f"select stock_value from marts.mart_stock_current where product_id = {ids['d']}") == [(D("-7.00"),)]
    # Only the products with new or back-dated rows (A, B, C) or a changed cost (D) were revalued.
    assert wh.rows("select count(distinct product_id) from intermediate.int_movement_valuation "
                   "where valued_at = (select max(valued_at) from intermediate.int_movement_valuation)") == [(4,)]
    assert wh.rows("select status, shipped_qty from marts.fct_sales_lines where sales_order_id = "
                   "(select id from raw.sales_order where doc_no = 'SO-2026-000004')") == [("completed", D(2))]
    last = wh.rows("select product_id, warehouse_id, closing_quantity from marts.mart_inventory_daily "
                   "where date_day = '2026-03-07'")
    with built.company.engine.connect() as conn:
        store = {(p, w): q for p, w, q in conn.execute(
            select(StockBalance.product_id, StockBalance.warehouse_id, StockBalance.quantity))}
    assert {(p, w): q for p, w, q in last} == store
    assert store[(ids["c"], ids["wh2"])] == D(10) and store[(ids["a"], ids["wh1"])] == D(38)
    assert wh.rows(f"select date_day, closing_value from marts.mart_inventory_daily where product_id = {ids['d']} "
                   f"order by date_day") == [(date(2026, 3, 6), D("-7.00")), (date(2026, 3, 7), D("-7.00"))]
    # C reached its minimum in WH2: no alert any more.
    assert wh.rows(f"select count(*) from marts.mart_stock_alerts where product_id = {ids['c']}") == [(0,)]
