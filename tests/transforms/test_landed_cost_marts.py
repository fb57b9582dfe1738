"""A landed cost entered after its receipt re-values the products in the warehouse, incrementally
and in a full rebuild alike, to the cent of the store's own valuation; cancelling it takes it out
again. The company is the hand-made one of conftest.py (A and B moving average).

The landed cost: 31.00 freight on 03-08 over GR-2026-000001 (03-03: A 50 @ 1.30 = 65.00, B 40 @
2.25 = 90.00), by value: A 31 × 65/155 = 13.00, B 31 × 90/155 = 18.00.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal as D

import duckdb
import pytest
from sqlalchemy import select

from ingestion.extract import extract_to_raw
from operational.db import unit_of_work
from operational.models import GoodsReceipt, Supplier
from operational.services import auth, landed_costs, monitoring

pytestmark = pytest.mark.slow

MODELS = ["intermediate.int_movement_valuation", "intermediate.int_valuation_closings", "marts.mart_inventory_daily",
          "marts.mart_stock_current", "marts.fct_shipment_lines", "marts.fct_landed_cost_allocations"]
BOOKKEEPING = {"valued_at", "revalued_from"}


def _rows(path, table: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        cols = [r[0] for r in con.execute(f"describe {table}").fetchall() if r[0] not in BOOKKEEPING]
        return sorted(con.execute(f"select {', '.join(cols)} from {table}").fetchall(), key=repr)


def _store_values(built) -> dict[tuple[int, int], D]:
    with unit_of_work(built.company.engine) as s:
        return monitoring.stock_values(s)


def _warehouse_values(built) -> dict[tuple[int, int], D]:
    return {(p, w): v for p, w, v in built.warehouse.rows(
        "select product_id, warehouse_id, stock_value from marts.mart_stock_current")}


def _cogs(built) -> list[D]:
    ids = built.company.ids
    return [r[0] for r in built.warehouse.rows(
        f"select cogs from marts.fct_shipment_lines where product_id = {ids['a']} order by ship_date, shipment_line_id")]


def test_late_landed_cost_revalues_the_warehouse_like_the_store(built, run_dbt):
    ids, wh, path = built.company.ids, built.warehouse, built.warehouse.path
    a, b, wh1, wh2 = ids["a"], ids["b"], ids["wh1"], ids["wh2"]
    # Before: A's receipt 50 @ 1.30 = 65.00 → 170 worth 198.00; ships 60 (69.88), 30 (34.94), 20 (23.30)
    assert _cogs(built) == [D("69.88"), D("34.94"), D("23.30")]
    assert _warehouse_values(built)[(b, wh1)] == D("130.00")  # 40.00 + 90.00

    with unit_of_work(built.company.engine) as s:
        user = auth.create_user(s, "buyer", "secret-pass-1", "purchasing", iterations=1000)
        supplier = s.execute(select(Supplier.id)).scalar_one()
        receipt = s.execute(select(GoodsReceipt.id).where(GoodsReceipt.doc_no == "GR-2026-000001")).scalar_one()
        doc = landed_costs.post_landed_cost(s, supplier_id=supplier, cost_type="freight", amount="31.00",
                                            cost_date="2026-03-08", basis="value", receipt_ids=[receipt], user=user)
        doc_id, user_id = doc.id, user.id
        assert sorted(a.amount for a in doc.allocations) == [D("13.00"), D("18.00")]
    written = extract_to_raw(built.company.url, path)
    assert written["landed_cost"] == 1 and written["landed_cost_allocation"] == 2 and written["stock_ledger"] == 0
    run_dbt(path, built.work, "build")  # incremental: only the products whose landed cost changed

    # A (moving average): 110.00 + 23.00 openings; the receipt is now 65.00 + 13.00 = 78.00
    # → 170 units worth 211.00 on 03-03. Ship 60: 60 × 211/170 = 74.4706 → 74.47 (110 left, 136.53);
    # ship 30: 30 × 136.53/110 = 37.2355 → 37.24 (80 left, 99.29); ship 20: 20 × 99.29/80 = 24.8225 → 24.82
    # (60 left, 74.47: WH2 holds 20 → 74.47 × 20/60 = 24.82, WH1 the rest 49.65).
    assert _cogs(built) == [D("74.47"), D("37.24"), D("24.82")]
    values = _warehouse_values(built)
    assert (values[(a, wh1)], values[(a, wh2)]) == (D("49.65"), D("24.82"))
    # B: 40.00 + 90.00 + 18.00 = 148.00 (no shipments)
    assert values[(b, wh1)] == D("148.00")
    assert values == _store_values(built)  # store = warehouse, to the cent
    # Only A and B were revalued, from the receipt's date (not the landed cost's).
    assert wh.rows("select product_id, min(revalued_from) from intermediate.int_movement_valuation "
                   "where valued_at = (select max(valued_at) from intermediate.int_movement_valuation) "
                   "group by product_id order by product_id") == [(a, date(2026, 3, 3)), (b, date(2026, 3, 3))]
    assert wh.rows(f"select closing_value from marts.mart_inventory_daily where product_id = {b} "
                   f"and warehouse_id = {wh1} and date_day = '2026-03-03'") == [(D("148.00"),)]
    assert wh.rows("select sum(added_cost) from intermediate.int_movement_valuation") == [(D("31.00"),)]
    assert wh.rows("select status, sum(allocated_amount) from marts.fct_landed_cost_allocations group by 1") == [
        ("posted", D("31.00"))]

    full = built.work / "full.duckdb"
    shutil.copy(path, full)
    run_dbt(full, built.work, "build", "--full-refresh")
    for table in MODELS:
        assert _rows(path, table) == _rows(full, table), table

    # Cancelled: the incremental run takes the cost out again (A and B back to their own figures).
    with unit_of_work(built.company.engine) as s:
        landed_costs.cancel_landed_cost(s, doc_id, "发票重复", user=s.get(auth.AppUser, user_id))
    extract_to_raw(built.company.url, path)
    run_dbt(path, built.work, "build")
    assert _cogs(built) == [D("69.88"), D("34.94"), D("23.30")]
    values = _warehouse_values(built)
    assert values[(b, wh1)] == D("130.00")
    assert values == _store_values(built)
    assert wh.rows("select count(distinct product_id) from intermediate.int_movement_valuation "
                   "where valued_at = (select max(valued_at) from intermediate.int_movement_valuation)") == [(2,)]
    assert wh.rows("select sum(added_cost) from intermediate.int_movement_valuation") == [(D("0.00"),)]
