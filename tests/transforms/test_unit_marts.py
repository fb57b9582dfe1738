"""Units of measure (多单位) in the warehouse: a receipt of cases enters the valuation at its exact
value, incrementally and in a full rebuild alike, and the staging lines carry the unit they were
entered in beside the base-unit quantity. The company is the hand-made one of conftest.py.

Added here: product C gets 1 箱 = 24 个; on 03-07 PO 10 箱 at 100.00 a case is received in full at
WH1: 240 个 worth 1,000.00 (unit cost 4.1667; 240 × 4.1667 would be 1,000.01). C was never stocked
before, so C@WH1 is exactly that.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from sqlalchemy import select

from ingestion.extract import extract_to_raw
from operational.db import unit_of_work
from operational.models import Supplier
from operational.services import monitoring, purchasing, units
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L

pytestmark = pytest.mark.slow


def test_case_receipt_is_valued_exactly_and_staging_keeps_the_entered_unit(built, run_dbt):
    ids, wh, path = built.company.ids, built.warehouse, built.warehouse.path
    c, wh1 = ids["c"], ids["wh1"]
    with unit_of_work(built.company.engine) as s:
        units.set_unit(s, c, "箱", 24, barcode="16900000000011")
        supplier = s.execute(select(Supplier.id)).scalar_one()
        po = purchasing.create_purchase_order(s, supplier, wh1, "2026-03-07", [L(c, 10, "100.00", unit="箱")])
        purchasing.confirm_purchase_order(s, po.id)
        purchasing.receive_goods(s, po.id, "2026-03-07", [F(po.lines[0].id, 10, unit="箱")])
    with unit_of_work(built.company.engine) as s:
        assert monitoring.stock_values(s)[(c, wh1)] == D("1000.00")
    written = extract_to_raw(built.company.url, path)
    assert written["product_unit"] == 1 and written["stock_ledger"] == 1
    run_dbt(path, built.work, "build")  # incremental; the data tests (assert_entered_units_convert) pass

    assert wh.rows(f"select on_hand_quantity, stock_value from marts.mart_stock_current "
                   f"where product_id = {c} and warehouse_id = {wh1}") == [(D(240), D("1000.00"))]
    assert wh.rows(f"select quantity, unit_cost, cost_amount from staging.stg_jxc__stock_ledger "
                   f"where product_id = {c} and movement_type = 'receipt'") == [(D(240), D("4.1667"), D("1000.00"))]
    assert wh.rows(f"select entered_unit, qty_in_unit, unit_factor, price_in_unit, quantity, unit_price, amount "
                   f"from staging.stg_jxc__purchase_order_lines where product_id = {c}") == [
        ("箱", D(10), D(24), D(100), D(240), D("4.1667"), D("1000.00"))]
    assert wh.rows(f"select entered_unit, qty_in_unit, unit_factor, quantity from staging.stg_jxc__goods_receipt_lines "
                   f"where product_id = {c}") == [("箱", D(10), D(24), D(240))]
    # lines entered in the base unit keep NULL units (every line of the company before)
    assert wh.rows("select count(*) from staging.stg_jxc__sales_order_lines where entered_unit is not null") == [(0,)]

    run_dbt(path, built.work, "build", "--full-refresh", "--select", "int_movement_valuation+")
    assert wh.rows(f"select movement_value from intermediate.int_movement_valuation "
                   f"where product_id = {c} and movement_type = 'receipt'") == [(D("1000.00"),)]
    assert wh.rows(f"select stock_value from marts.mart_stock_current "
                   f"where product_id = {c} and warehouse_id = {wh1}") == [(D("1000.00"),)]
