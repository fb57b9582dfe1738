"""Storage bins end to end: posted through the services, extracted, built by dbt, checked number
by number (mart_stock_by_bin, value-neutral bin moves), and the bin tie-out test fails when a bin
balance disagrees with the stock.

Timeline (2026-03): WH1 uses bins A-01 (default) and A-02; WH2 has no bins. P moving average.
- 03-01 opening P@WH1 100 @ 10.00, then bins are turned on: the 100 go into A-01 (no ledger row)
- 03-02 receipt P 40 @ 12.00 into A-02 → A-01 100, A-02 40; value 1 480.00, average 10.571428…
- 03-03 bin move 30 A-01 → A-02 → 70 / 70 (value-neutral)
- 03-04 shipment P 80, no bin: largest first, tie broken by code → A-01 −70, A-02 −10 → A-02 60;
        cost 80 × 10.571428… = 845.71, WH1 left 60 worth 634.29 (unit cost 10.5715)
- 03-05 opening Q@WH2 5 @ 2.00 (a warehouse without bins: no bin rows)
- 03-06 opening R@WH1 (tracked by batch) batch R1 6 @ 3.00 into the default bin A-01 and batch R2
        4 @ 3.00 into A-02 → two bin × batch rows worth 18.00 and 12.00
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import duckdb
import pytest

from ingestion.extract import extract_to_raw
from operational.db import make_engine, unit_of_work
from operational.migrate import upgrade
from operational.services import bins, monitoring, purchasing, sales
from operational.services import masterdata as md
from operational.services.inventory import post_opening_balance
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L
from tests.transforms.conftest import Warehouse, dbt

pytestmark = pytest.mark.slow

SELECT = ("--select", "+mart_stock_by_bin", "+fct_stock_movements", "+mart_inventory_valuation",
          "stg_jxc__stock_batch_balances",
          "--indirect-selection", "cautious")


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("bins")
    url = f"sqlite:///{work / 'jxc.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    ids = {}
    with unit_of_work(engine) as s:
        ids["wh1"] = md.create_warehouse(s, "WH1", "上海主仓").id
        ids["wh2"] = md.create_warehouse(s, "WH2", "广州仓").id
        ids["s1"] = md.create_supplier(s, "S1", "供应商一").id
        ids["c1"] = md.create_customer(s, "C1", "客户一").id
        ids["p"] = md.create_product(s, "P", "矿泉水", standard_cost="10").id
        ids["q"] = md.create_product(s, "Q", "绿茶", standard_cost="2").id
        ids["r"] = md.create_product(s, "R", "酸奶", standard_cost="3", tracks_batches=True).id
        post_opening_balance(s, ids["p"], ids["wh1"], D(100), D("10.00"), date(2026, 3, 1))
    with unit_of_work(engine) as s:
        ids["a1"] = bins.create_bin(s, ids["wh1"], "A-01", "饮料区1").id
        ids["a2"] = bins.create_bin(s, ids["wh1"], "A-02", "饮料区2").id
        bins.configure_bins(s, ids["wh1"], uses_bins=True, default_bin_id=ids["a1"])
    with unit_of_work(engine) as s:
        po = purchasing.create_purchase_order(s, ids["s1"], ids["wh1"], "2026-03-02", [L(ids["p"], 40, "12.00")])
        purchasing.confirm_purchase_order(s, po.id)
        purchasing.receive_goods(s, po.id, "2026-03-02", [F(po.lines[0].id, 40, bin_id=ids["a2"])])
        bins.move_between_bins(s, ids["wh1"], ids["p"], ids["a1"], ids["a2"], 30, "2026-03-03")
        so = sales.create_sales_order(s, ids["c1"], ids["wh1"], "2026-03-04", [L(ids["p"], 80, "20.00")])
        sales.confirm_sales_order(s, so.id)
        sales.ship_all(s, so.id, "2026-03-04")
        post_opening_balance(s, ids["q"], ids["wh2"], D(5), D("2.00"), date(2026, 3, 5))
        post_opening_balance(s, ids["r"], ids["wh1"], D(6), D("3.00"), date(2026, 3, 6), batch_no="R1",
                             expiry_date="2026-04-30")
        post_opening_balance(s, ids["r"], ids["wh1"], D(4), D("3.00"), date(2026, 3, 6), "OPENING-2",
                             batch_no="R2", expiry_date="2026-05-31", bin_id=ids["a2"])
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(url, warehouse)
    dbt(warehouse, work, "build", *SELECT)
    yield engine, Warehouse(warehouse), ids, work
    engine.dispose()


def test_stock_by_bin(company):
    _, wh, ids, _ = company
    assert wh.rows("select product_id, warehouse_id, bin_code, batch_no, expiry_date, is_default_bin, "
                   "on_hand_quantity, stock_value from marts.mart_stock_by_bin order by product_id, bin_code") == [
        (ids["p"], ids["wh1"], "A-02", None, None, False, D(60), D("634.29")),
        (ids["r"], ids["wh1"], "A-01", "R1", date(2026, 4, 30), True, D(6), D("18.00")),
        (ids["r"], ids["wh1"], "A-02", "R2", date(2026, 5, 31), False, D(4), D("12.00"))]
    assert wh.rows("select on_hand_quantity, unit_cost, stock_value from marts.mart_stock_current "
                   f"where warehouse_id = {ids['wh1']} order by product_id") == [
        (D(60), D("10.5715"), D("634.29")), (D(10), D("3.0000"), D("30.00"))]


def test_ledger_rows_carry_their_bins_and_bin_moves_are_value_neutral(company):
    engine, wh, ids, _ = company
    codes = {ids["a1"]: "A-01", ids["a2"]: "A-02", None: None}
    rows = wh.rows("select movement_type, quantity, bin_id from staging.stg_jxc__stock_ledger order by stock_ledger_id")
    assert [(t, q, codes[b]) for t, q, b in rows] == [
        ("opening", D(100), None),  # posted before WH1 used bins
        ("receipt", D(40), "A-02"),
        ("bin_move_out", D(-30), "A-01"), ("bin_move_in", D(30), "A-02"),
        ("shipment", D(-70), "A-01"), ("shipment", D(-10), "A-02"),
        ("opening", D(5), None),  # WH2 has no bins
        ("opening", D(6), "A-01"), ("opening", D(4), "A-02"),  # R's two batches
    ]
    # the pair reports the value that moved (30 × 10.571428… = 317.14) and cancels out
    assert wh.rows("select movement_type, movement_value from intermediate.int_movement_valuation "
                   "where movement_type like 'bin_move%' order by stock_ledger_id") == [
        ("bin_move_out", D("-317.14")), ("bin_move_in", D("317.14"))]
    assert wh.rows("select closing_value, adjustment_value from marts.mart_inventory_valuation "
                   f"where product_id = {ids['p']} and date_day = '2026-03-03'") == [(D("1480.00"), D("0.00"))]
    # and the warehouse's value equals the store's own valuation
    with unit_of_work(engine) as s:
        assert monitoring.stock_values(s)[(ids["p"], ids["wh1"])] == D("634.29")


def test_the_tie_out_test_fails_when_a_bin_disagrees(company):
    _, wh, ids, work = company
    with duckdb.connect(str(wh.path)) as con:
        con.execute(f"update raw.stock_bin_balance set quantity = 59 where bin_id = {ids['a2']} "
                    f"and product_id = {ids['p']}")
    with pytest.raises(pytest.fail.Exception) as failed:
        dbt(wh.path, work, "test", "--select", "assert_bin_balances_tie_out")
    assert "assert_bin_balances_tie_out" in str(failed.value)
    with duckdb.connect(str(wh.path)) as con:
        con.execute(f"update raw.stock_bin_balance set quantity = 60 where bin_id = {ids['a2']} "
                    f"and product_id = {ids['p']}")
    dbt(wh.path, work, "test", "--select", "assert_bin_balances_tie_out")
    # R's bins still hold 10 in all, but batch R1 shows 4 (its batch balance is 6) and R2 6: fails
    with duckdb.connect(str(wh.path)) as con:
        con.execute(f"update raw.stock_bin_balance set quantity = 10 - quantity where product_id = {ids['r']}")
    with pytest.raises(pytest.fail.Exception) as failed:
        dbt(wh.path, work, "test", "--select", "assert_bin_balances_tie_out")
    assert "assert_bin_balances_tie_out" in str(failed.value)
