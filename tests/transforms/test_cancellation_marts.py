"""Cancelled (作废) stock documents through the pipeline: after cancelling a receipt and a shipment
the marts read as if they had never been posted, an incremental run equals a full rebuild, and the
warehouse's stock values equal the store's.

Timeline (2026-03, WH1 unless said): P moving average, F FIFO.
- 03-02 receipt R1: P 100 @ 1.00, F 10 @ 2.00
- 03-03 receipt R2 (entered in error): P 100 @ 2.00;  receipt R3: F 10 @ 3.00
- 03-04 shipment S1: P 50, F 15
- 03-05 shipment S2 (entered in error): P 10
- 03-06 transfer P 20 WH1 → WH2, received the same day
Then R2 and S2 are cancelled.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal as D

import duckdb
import pytest

from ingestion.extract import extract_to_raw
from operational.db import make_engine, unit_of_work
from operational.migrate import upgrade
from operational.services import masterdata as md
from operational.services import monitoring, transfers
from operational.services.stock_cancellation import cancel_stock_document
from operational.services.transfers import TransferLineInput as T
from tests.transforms.conftest import Warehouse, dbt, receive, ship

pytestmark = pytest.mark.slow

MODELS = ["marts.fct_stock_movements", "marts.mart_inventory_daily", "marts.mart_stock_current",
          "marts.fct_shipment_lines", "marts.fct_sales_lines", "marts.fct_purchase_lines",
          "marts.mart_inventory_turnover", "intermediate.int_movement_valuation",
          "intermediate.int_valuation_closings"]
BOOKKEEPING = {"valued_at", "revalued_from", "updated_at"}


def _receipt(s, ids, lines, on):
    return receive(s, ids["s1"], ids["wh1"], lines, on)


def _shipment(s, ids, lines, on):
    return ship(s, ids["c1"], ids["wh1"], lines, on)


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("cancellation")
    url = f"sqlite:///{work / 'jxc.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    ids = {}
    with unit_of_work(engine) as s:
        ids["wh1"] = md.create_warehouse(s, "WH1", "上海主仓").id
        ids["wh2"] = md.create_warehouse(s, "WH2", "广州仓").id
        ids["s1"] = md.create_supplier(s, "S1", "供应商一").id
        ids["c1"] = md.create_customer(s, "C1", "客户一").id
        ids["p"] = md.create_product(s, "P", "矿泉水").id
        ids["f"] = md.create_product(s, "F", "绿茶", valuation_method="fifo").id
        _receipt(s, ids, [(ids["p"], 100, "1.00"), (ids["f"], 10, "2.00")], "2026-03-02")
        ids["r2"] = _receipt(s, ids, [(ids["p"], 100, "2.00")], "2026-03-03")
        _receipt(s, ids, [(ids["f"], 10, "3.00")], "2026-03-03")
        _shipment(s, ids, [(ids["p"], 50), (ids["f"], 15)], "2026-03-04")
        ids["s2"] = _shipment(s, ids, [(ids["p"], 10)], "2026-03-05")
        tr = transfers.ship_transfer(s, ids["wh1"], ids["wh2"], "2026-03-06", [T(ids["p"], 20)])
        transfers.receive_transfer(s, tr.id, "2026-03-06")
        ids["transit"] = tr.transit_warehouse_id
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(url, warehouse)
    dbt(warehouse, work, "build")
    wh = Warehouse(warehouse)
    # Before: P 200 worth 300.00 (average 1.50), S1 takes 50 × 1.50 = 75.00, S2 10 × 1.50 = 15.00.
    assert wh.rows(f"select cogs from marts.fct_shipment_lines where product_id = {ids['p']} "
                   f"order by shipment_line_id") == [(D("75.00"),), (D("15.00"),)]
    with unit_of_work(engine) as s:
        cancel_stock_document(s, "goods_receipt", ids["r2"], "重复录入")
        cancel_stock_document(s, "shipment", ids["s2"], "客户未下单")
    extract_to_raw(url, warehouse)
    dbt(warehouse, work, "build")  # incremental
    yield engine, ids, wh, work
    engine.dispose()


def _rows(path, table: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        cols = [r[0] for r in con.execute(f"describe {table}").fetchall() if r[0] not in BOOKKEEPING]
        return sorted(con.execute(f"select {', '.join(cols)} from {table}").fetchall(), key=repr)


def test_costs_and_stock_as_if_never_posted(company):
    _, ids, wh, _ = company
    # P without R2 and S2: 100 @ 1.00; S1 takes 50 × 1.00 = 50.00. F (FIFO, untouched): 10 @ 2 + 5 @ 3.
    assert wh.rows("select product_id, quantity, cogs from marts.fct_shipment_lines order by product_id") == [
        (ids["p"], D(50), D("50.00")), (ids["f"], D(15), D("35.00"))]
    # 50 left, 20 of them moved to WH2 on 03-06: WH1 30 worth 30.00, WH2 20 worth 20.00.
    assert {(w, q, v) for w, q, v in wh.rows(
        f"select warehouse_id, on_hand_quantity, stock_value from marts.mart_stock_current "
        f"where product_id = {ids['p']} and on_hand_quantity <> 0")} == {
        (ids["wh1"], D(30), D("30.00")), (ids["wh2"], D(20), D("20.00"))}
    assert wh.rows(f"select date_day, closing_quantity, closing_value from marts.mart_inventory_daily "
                   f"where product_id = {ids['p']} and warehouse_id = {ids['wh1']} order by date_day") == [
        (date(2026, 3, 2), D(100), D("100.00")), (date(2026, 3, 3), D(100), D("100.00")),
        (date(2026, 3, 4), D(50), D("50.00")), (date(2026, 3, 5), D(50), D("50.00")),
        (date(2026, 3, 6), D(30), D("30.00"))]
    # Turnover's COGS for March: 50.00 (not 75.00 + 15.00).
    assert wh.rows(f"select cogs from marts.mart_inventory_turnover where product_id = {ids['p']} "
                   f"and warehouse_id = {ids['wh1']}") == [(D("50.00"),)]
    # Quantities net: received 100 (R2's order line back to 0), shipped 50; the ledger facts sum to
    # the store's balances.
    assert wh.rows(f"select sum(received_qty) from marts.fct_purchase_lines where product_id = {ids['p']}") == [
        (D(100),)]
    assert wh.rows(f"select sum(shipped_qty) from marts.fct_sales_lines where product_id = {ids['p']}") == [(D(50),)]
    assert wh.rows(f"select sum(quantity) filter (where movement_type = 'receipt'), "
                   f"sum(quantity) filter (where movement_type = 'shipment') from marts.fct_stock_movements "
                   f"where product_id = {ids['p']}") == [(D(100), D(-50))]


def test_store_equals_warehouse_and_incremental_equals_full(company):
    engine, ids, wh, work = company
    with unit_of_work(engine) as s:
        store = monitoring.stock_values(s)
        balances = monitoring.stock_balances(s)
    warehouse = {(p, w): (q, v) for p, w, q, v in wh.rows(
        "select product_id, warehouse_id, on_hand_quantity, stock_value from marts.mart_stock_current")}
    assert {k: v for k, v in store.items() if v} == {k: v for k, (_, v) in warehouse.items() if v}
    assert {k: q for k, q in balances.items() if q} == {k: q for k, (q, _) in warehouse.items() if q}
    full = work / "full.duckdb"
    shutil.copy(wh.path, full)
    dbt(full, work, "build", "--full-refresh")
    for table in MODELS:
        assert _rows(wh.path, table) == _rows(full, table), table


def test_the_order_line_of_a_cancelled_receipt_may_be_received_again(company):
    """A cancelled receipt accepted nothing: its order line, received again in full, passes the
    blocking tolerance check. The check counted the cancelled receipt's lines too, and the scale-20
    bench failed on it. (Last in this module: it receives more goods into the shared store.)"""
    from operational.models import GoodsReceipt, PurchaseOrder
    from operational.services import purchasing
    from operational.services.orders import FulfilLineInput

    engine, ids, wh, work = company
    with unit_of_work(engine) as s:
        order = s.get(PurchaseOrder, s.get(GoodsReceipt, ids["r2"]).purchase_order_id)
        assert order.status == "confirmed"  # the cancellation gave the order its 100 back
        purchasing.receive_goods(s, order.id, "2026-03-07",
                                 [FulfilLineInput(line.id, line.quantity) for line in order.lines])
    extract_to_raw(engine.url.render_as_string(hide_password=False), wh.path)
    out = dbt(wh.path, work, "test", "--select", "assert_receipts_within_tolerance")
    assert "PASS assert_receipts_within_tolerance" in out or ("assert_receipts_within_tolerance" in out and "ERROR=0" in out)
