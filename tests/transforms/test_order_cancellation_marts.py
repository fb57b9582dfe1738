"""Cancelled order quantity is never due (DESIGN.md, issue 11): posted through the services,
extracted, built by dbt; the supplier scorecard, the order-line facts and the store's own
delivery figures (``operational.services.scorecard.delivery``) agree, with hand-computed rates.

Timeline (2026-03), supplier S1, every line promised 03-10:
- 03-01 opening A@WH1 100 @ 1.00
- PO1 A 100: 60 received 03-08 (on time); 03-20 the order is closed → 40 cancelled
- PO2 B 50: 20 received 03-12 (late); 03-13 the rest of the line (30) cancelled
- PO3 A 30 + C 10: A 30 received 03-09; C cancelled entirely 03-09, nothing received
- PO4 C 20: 5 cancelled 03-04, nothing received yet (15 still open)
- SO1 A 40 @ 2.50 (03-03): 10 shipped 03-04, 12.5 cancelled 03-05 → 17.5 open
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from ingestion.extract import extract_to_raw
from operational.db import make_engine, unit_of_work
from operational.migrate import upgrade
from operational.services import masterdata as md
from operational.services import purchasing, sales, scorecard
from operational.services.inventory import post_opening_balance
from operational.services.orders import CancelLineInput as C
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L
from tests.transforms.conftest import Warehouse, dbt

pytestmark = pytest.mark.slow
PROMISED = date(2026, 3, 10)


def _po(s, ids, lines):
    po = purchasing.create_purchase_order(s, ids["s1"], ids["wh1"], "2026-03-02",
                                          [L(ids[p], q, "1.00", promised_date=PROMISED) for p, q in lines])
    purchasing.confirm_purchase_order(s, po.id)
    return po.id, [line.id for line in po.lines]


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("order_cancellations")
    url = f"sqlite:///{work / 'jxc.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    ids = {}
    with unit_of_work(engine) as s:
        ids["wh1"] = md.create_warehouse(s, "WH1", "上海主仓").id
        ids["s1"] = md.create_supplier(s, "S1", "供应商一").id
        cus = md.create_customer(s, "C1", "客户一").id
        for code in ("A", "B", "C"):
            ids[code] = md.create_product(s, code, f"商品{code}").id
        post_opening_balance(s, ids["A"], ids["wh1"], D(100), D("1.00"), date(2026, 3, 1))
        po1, (a1,) = _po(s, ids, [("A", 100)])
        po2, (b2,) = _po(s, ids, [("B", 50)])
        po3, (a3, c3) = _po(s, ids, [("A", 30), ("C", 10)])
        po4, (c4,) = _po(s, ids, [("C", 20)])
        ids.update(po1=po1, po2=po2, po3=po3, po4=po4, c4=c4)
        purchasing.cancel_purchase_lines(s, po4, reason="减少订量", on="2026-03-04", lines=[C(c4, 5)])
        purchasing.receive_goods(s, po1, "2026-03-08", [F(a1, 60)])
        purchasing.receive_goods(s, po3, "2026-03-09", [F(a3, 30)])
        purchasing.cancel_purchase_lines(s, po3, reason="停产", on="2026-03-09", lines=[C(c3)])
        purchasing.receive_goods(s, po2, "2026-03-12", [F(b2, 20)])
        purchasing.cancel_purchase_lines(s, po2, reason="余量不再交货", on="2026-03-13", lines=[C(b2)])
        purchasing.close_purchase_order(s, po1, reason="欠货取消", on="2026-03-20")
        so = sales.create_sales_order(s, cus, ids["wh1"], "2026-03-03", [L(ids["A"], 40, "2.50")])
        sales.confirm_sales_order(s, so.id)
        ids["so1"] = so.id
        sales.ship_goods(s, so.id, "2026-03-04", [F(so.lines[0].id, 10)])
        sales.cancel_sales_lines(s, so.id, reason="客户减量", on="2026-03-05", lines=[C(so.lines[0].id, "12.5")])
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(url, warehouse)
    dbt(warehouse, work, "build", "--select", "+mart_supplier_scorecard", "+fct_sales_lines", "+fct_purchase_lines",
        "stg_jxc__order_line_cancellations", "--indirect-selection", "cautious")
    yield engine, ids, Warehouse(warehouse)
    engine.dispose()


def test_cancelled_quantity_is_not_due_on_the_scorecard(company):
    _, ids, wh = company
    [row] = wh.rows(f"select qty_due, qty_on_time, on_time_rate, lines_due, lines_in_full, in_full_rate, score, "
                    f"grade from marts.mart_supplier_scorecard "
                    f"where supplier_id = {ids['s1']} and period = 'month' and year_month = '2026-03'")
    # due: PO1 100 − 40 = 60, PO2 50 − 30 = 20, PO3 A 30 (C cancelled entirely: not a line due), PO4 20 − 5
    # = 15 → 125; on time: 60 + 0 (PO2 came 03-12) + 30 + 0 = 90 → 0.72; lines 4, in full PO1, PO2, PO3 A
    # → 3 / 4 = 0.75; nothing inspected with rejects → quality has data (0 rejected of 110 inspected):
    # score (0.4 × 0.72 + 0.3 × 0.75 + 0.3 × 1) ÷ 1 = 0.813 → C
    assert row == (D(125), D(90), D("0.7200"), 4, 3, D("0.7500"), D("0.8130"), "C")


def test_the_store_computes_the_same_delivery(company):
    engine, ids, wh = company
    with unit_of_work(engine) as s:
        store = scorecard.delivery(s, as_of=date(2026, 3, 31))[(ids["s1"], "2026-03")]
    assert (store.qty_due, store.qty_on_time, store.lines_due, store.lines_in_full) == (D(125), D(90), 4, 3)
    [(qty_due, qty_on_time, lines_due, lines_in_full)] = wh.rows(
        f"select qty_due, qty_on_time, lines_due, lines_in_full from marts.mart_supplier_scorecard "
        f"where supplier_id = {ids['s1']} and period = 'month' and year_month = '2026-03'")
    assert (store.qty_due, store.qty_on_time, store.lines_due, store.lines_in_full) == (
        qty_due, qty_on_time, lines_due, lines_in_full)


def test_order_lines_show_cancelled_due_and_open_quantity(company):
    _, ids, wh = company
    # PO4: 20 ordered, 5 cancelled, nothing received → due 15, open 15, still confirmed
    assert wh.rows(f"select status, quantity, received_qty, cancelled_qty, due_qty, open_qty "
                   f"from marts.fct_purchase_lines where purchase_order_id = {ids['po4']}") == [
        ("confirmed", D(20), D(0), D(5), D(15), D(15))]
    # PO1 closed: 60 received + 40 cancelled → completed, nothing open
    assert wh.rows(f"select status, cancelled_qty, open_qty from marts.fct_purchase_lines "
                   f"where purchase_order_id = {ids['po1']}") == [("completed", D(40), D(0))]
    # SO1: 40 − 10 shipped − 12.5 cancelled = 17.5 open
    assert wh.rows(f"select status, shipped_qty, cancelled_qty, due_qty, open_qty from marts.fct_sales_lines "
                   f"where sales_order_id = {ids['so1']}") == [("partial", D(10), D("12.5"), D("27.5"), D("17.5"))]


def test_cancellation_history_ties_to_the_lines(company):
    engine, _, wh = company
    from sqlalchemy import func, select

    from operational.models import PurchaseOrderLine, SalesOrderLine
    with unit_of_work(engine) as s:
        store = s.execute(select(func.sum(PurchaseOrderLine.cancelled_qty))).scalar_one() + \
            s.execute(select(func.sum(SalesOrderLine.cancelled_qty))).scalar_one()
    # 5 + 10 + 30 + 40 on purchase lines, 12.5 on the sales line = 97.5
    assert store == D("97.5")
    assert wh.rows("select sum(quantity), count(*) from staging.stg_jxc__order_line_cancellations") == [(D("97.5"), 5)]
