"""The issue-3 documents end to end: a small company with inspection, a late delivery, a customer
return to quarantine, a transfer with transit loss, a stocktake and a batch-tracked product, posted
through the services, extracted and built by dbt, checked number by number, and the warehouse's
stock values equal the store's own valuation.

Timeline (2026-03): P moving average, F FIFO, M batch-tracked (moving average), supplier S1:
- 03-01 openings P@WH1 100 @ 10.00, F@WH1 10 @ 5.00
- 03-02 PO: P 50 @ 12.00 and F 20 @ 6.00 promised 03-05, M 40 @ 3.00 promised 03-04
- 03-04 receipt: P 45 accepted + 5 rejected (破损), F 20, M 40 batch M1 expiring 03-20
- 03-06 receipt: P 5 (late)
- 03-07 SO: P 60 @ 20.00 shipped; 03-08 the customer returns 6 into quarantine
- 03-09 transfer P 30 WH1 → WH2, 03-10 received 28 (2 lost in transit)
- 03-12 SO: M 15 shipped (from batch M1)
- 03-31 stocktake WH1: P counted 59 (book 60), F counted 31 (book 30)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from ingestion.extract import extract_to_raw
from operational.db import make_engine, unit_of_work
from operational.migrate import upgrade
from operational.services import masterdata as md
from operational.services import monitoring, purchasing, returns, sales, stocktakes, transfers
from operational.services.inventory import post_opening_balance
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L
from operational.services.returns import ReturnLineInput as R
from operational.services.transfers import TransferLineInput as T
from tests.transforms.conftest import Warehouse, dbt

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("stock_documents")
    url = f"sqlite:///{work / 'jxc.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    ids = {}
    with unit_of_work(engine) as s:
        ids["wh1"] = md.create_warehouse(s, "WH1", "上海主仓").id
        ids["wh2"] = md.create_warehouse(s, "WH2", "广州仓").id
        ids["qc"] = md.create_warehouse(s, "QC", "待检仓", kind="quarantine").id
        sup = md.create_supplier(s, "S1", "供应商一", over_receipt_tolerance=D("0.05"))
        ids["s1"] = sup.id
        cus = md.create_customer(s, "C1", "客户一").id
        ids["p"] = md.create_product(s, "P", "矿泉水", standard_cost="10").id
        ids["f"] = md.create_product(s, "F", "绿茶", valuation_method="fifo").id
        ids["m"] = md.create_product(s, "M", "鲜奶", tracks_batches=True, shelf_life_days=30).id
        post_opening_balance(s, ids["p"], ids["wh1"], D(100), D("10.00"), date(2026, 3, 1))
        post_opening_balance(s, ids["f"], ids["wh1"], D(10), D("5.00"), date(2026, 3, 1))
        po = purchasing.create_purchase_order(s, ids["s1"], ids["wh1"], "2026-03-02", [
            L(ids["p"], 50, "12.00", promised_date=date(2026, 3, 5)),
            L(ids["f"], 20, "6.00", promised_date=date(2026, 3, 5)),
            L(ids["m"], 40, "3.00", promised_date=date(2026, 3, 4))])
        purchasing.confirm_purchase_order(s, po.id)
        p_line, f_line, m_line = (line.id for line in po.lines)
        purchasing.receive_goods(s, po.id, "2026-03-04", [
            F(p_line, 45, rejected_qty=5, reject_reason="破损"), F(f_line, 20),
            F(m_line, 40, batch_no="M1", expiry_date="2026-03-20")])
        purchasing.receive_goods(s, po.id, "2026-03-06", [F(p_line, 5)])
        so = sales.create_sales_order(s, cus, ids["wh1"], "2026-03-07", [L(ids["p"], 60, "20.00")])
        sales.confirm_sales_order(s, so.id)
        sh = sales.ship_all(s, so.id, "2026-03-07")
        returns.return_from_customer(s, sh.id, "2026-03-08", [R(sh.lines[0].id, 6)], reason="包装破损",
                                     disposition="quarantine")
        tr = transfers.ship_transfer(s, ids["wh1"], ids["wh2"], "2026-03-09", [T(ids["p"], 30)])
        transfers.receive_transfer(s, tr.id, "2026-03-10", {tr.lines[0].id: 28})
        ids["transit"] = tr.transit_warehouse_id
        so2 = sales.create_sales_order(s, cus, ids["wh1"], "2026-03-12", [L(ids["m"], 15, "6.00")])
        sales.confirm_sales_order(s, so2.id)
        sales.ship_all(s, so2.id, "2026-03-12")
        sheet = stocktakes.open_stocktake(s, ids["wh1"], "2026-03-31")
        stocktakes.record_counts(s, sheet.id, {ids["p"]: 59, "F": 31, ids["m"]: 25})
        stocktakes.post_stocktake(s, sheet.id)
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(url, warehouse)
    dbt(warehouse, work, "build")
    yield engine, ids, Warehouse(warehouse)
    engine.dispose()


def test_cost_of_goods_and_the_customer_return(company):
    _, ids, wh = company
    # P before the sale: 100 @ 10.00 + 45 @ 12.00 + 5 @ 12.00 = 150 worth 1,600.00; 60 leave at 1600/150
    assert wh.rows(f"select quantity, revenue, cogs, gross_margin, returned_qty from marts.fct_shipment_lines "
                   f"where product_id = {ids['p']}") == [(D(60), D("1200.00"), D("640.00"), D("560.00"), D(6))]
    # 6 come back at the cost they left at: 6 × 640/60 = 64.00
    assert wh.rows("select quantity, revenue_reversed, cost_returned, disposition, return_reason, warehouse_id "
                   "from marts.fct_sales_return_lines") == [
        (D(6), D("120.00"), D("64.00"), "quarantine", "包装破损", ids["qc"])]


def test_sales_summary_nets_returns_on_their_own_date(company):
    _, ids, wh = company
    rows = wh.rows("select date_day, product_id, shipped_qty, revenue, cogs, returned_qty, returns_revenue, "
                   "returns_cost, net_revenue, net_margin from marts.mart_sales_summary order by date_day")
    # P: 60 shipped on the 7th (1,200.00 at cost 640.00); 6 returned on the 8th (120.00 at cost 64.00).
    # M: 15 × 6.00 on the 12th; its cost is 15 FIFO/average units of the 40 received at 3.00.
    assert rows == [
        (date(2026, 3, 7), ids["p"], D(60), D("1200.00"), D("640.00"), D(0), D("0.00"), D("0.00"),
         D("1200.00"), D("560.00")),
        (date(2026, 3, 8), ids["p"], D(0), D("0.00"), D("0.00"), D(6), D("120.00"), D("64.00"),
         D("-120.00"), D("-56.00")),
        (date(2026, 3, 12), ids["m"], D(15), D("90.00"), D("45.00"), D(0), D("0.00"), D("0.00"),
         D("90.00"), D("45.00")),
    ]
    # Summed over the month it ties out with the shipment and return facts.
    assert wh.rows("select sum(net_revenue) from marts.mart_sales_summary") == wh.rows(
        "select (select sum(revenue) from marts.fct_shipment_lines) - "
        "(select sum(revenue_reversed) from marts.fct_sales_return_lines)")


def test_stocktake_variance_valued_by_method(company):
    _, ids, wh = company
    rows = wh.rows("select product_id, book_qty, counted_qty, difference_qty, difference_value "
                   "from marts.mart_stocktake_variance order by product_id")
    # P: 96 worth 1,024.00 after the return; the transit loss of 2 leaves at 1024/96 = 21.33 → 94 worth
    # 1,002.67; the stocktake loss of 1 leaves at 1002.67/94 = 10.67. F (FIFO): the gain of 1 enters
    # at the latest receipt cost 6.00. M: counted as booked.
    assert rows == [(ids["p"], D(60), D(59), D(-1), D("-10.67")), (ids["f"], D(30), D(31), D(1), D("6.00")),
                    (ids["m"], D(25), D(25), D(0), D("0.00"))]


def test_stock_values_split_by_quantity_and_equal_the_store(company):
    engine, ids, wh = company
    p = {w: (q, v) for w, q, v in wh.rows(
        f"select warehouse_id, on_hand_quantity, stock_value from marts.mart_stock_current where product_id = {ids['p']}")}
    # P: 93 worth 1,002.67 − 10.67 = 992.00; WH2 992 × 28/93 = 298.67, QC 992 × 6/93 = 64.00, WH1 the rest
    assert p == {ids["wh1"]: (D(59), D("629.33")), ids["wh2"]: (D(28), D("298.67")), ids["qc"]: (D(6), D("64.00")),
                 ids["transit"]: (D(0), D("0.00"))}
    with unit_of_work(engine) as s:
        store = monitoring.stock_values(s)
    warehouse = {(pid, w): v for pid, w, v in wh.rows(
        "select product_id, warehouse_id, stock_value from marts.mart_stock_current")}
    assert {k: v for k, v in store.items() if v} == {k: v for k, v in warehouse.items() if v}


def test_supplier_scorecard_month(company):
    _, ids, wh = company
    [row] = wh.rows(f"select qty_due, qty_on_time, on_time_rate, lines_due, lines_in_full, in_full_rate, "
                    f"qty_inspected, qty_rejected, reject_rate, score, grade from marts.mart_supplier_scorecard "
                    f"where supplier_id = {ids['s1']} and period = 'month' and year_month = '2026-03'")
    # due 50 + 20 + 40 = 110; on time 45 + 20 + 40 = 105 (P's last 5 came a day late) → 0.9545;
    # all three lines full → 1; rejected 5 of 45 + 5 + 20 + 40 + 5 = 115 inspected → 0.0435;
    # score 0.4 × 0.9545 + 0.3 × 1 + 0.3 × 0.9565 = 0.9688 → A
    assert row == (D(110), D(105), D("0.9545"), 3, 3, D("1.0000"), D(115), D(5), D("0.0435"), D("0.9688"), "A")


def test_batch_expiry(company):
    _, ids, wh = company
    # M1: 40 received, 15 shipped; expires 03-20, eleven days before the last day (03-31)
    assert wh.rows("select batch_no, warehouse_id, on_hand_quantity, days_left, expiry_status "
                   "from marts.mart_batch_expiry") == [("M1", ids["wh1"], D(25), -11, "expired")]
