"""Issue 11 end to end: every kind of correction posted through the services on the tiny company,
one full pipeline run (all blocking checks, the reconciliations included), and the published marts
read back with the figures worked out by hand.

The tiny company's pens (moving average): opening 100 @ 1.20 = 120.00 (03-02), received 50 @ 1.10 =
55.00 (03-05, order line 1; line 2, 10 notebooks, never received), shipped 30 (03-06).
Corrections:
- a freight bill of 15.00 entered on 03-09 for the 03-05 receipt: the receipt is worth 70.00, so the
  03-06 shipment leaves at 30 × 190.00 / 150 = 38.00 (35.00 before) and 120 pens are worth 152.00;
- a second shipment of 10 pens on 03-07, cancelled (作废): as if never posted, 120 pens, 152.00;
- the 10 notebooks still open on the order cancelled: not due, so the supplier's March in-full rate
  is 1 of 1 line (0 of 2 lines before) and 50 pens were due;
- 500.00 received from the customer with no invoice (an advance): the AR aging shows it as −500.00
  in its 未核销 (unapplied) bucket.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from sqlalchemy import Engine, select

from operational.db import unit_of_work
from operational.models import GoodsReceipt, PurchaseOrder, SalesOrder, Shipment
from operational.services import auth, cash, landed_costs, purchasing, receivables
from operational.services.stock_cancellation import cancel_stock_document
from operational.settings import get_settings
from orchestration.definitions import defs

pytestmark = pytest.mark.slow

D = Decimal


def _serving(sql: str, *params: object) -> list[tuple]:
    con = duckdb.connect(str(get_settings().serving_path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _post_corrections(engine: Engine, ids: dict[str, int]) -> dict[str, int]:
    from tiny_company import add_shipped_sale

    with unit_of_work(engine) as s:
        clerk = auth.create_user(s, "purchasing_e2e", "secret-pass-1", "purchasing", iterations=1000)
        receipt = s.execute(select(GoodsReceipt)).scalar_one()
        landed_costs.post_landed_cost(s, supplier_id=ids["supplier"], cost_type="freight", amount="15.00",
                                      cost_date=date(2026, 3, 9), basis="value", receipt_ids=[receipt.id],
                                      user=clerk)
        order = s.execute(select(PurchaseOrder)).scalar_one()
        purchasing.cancel_purchase_lines(s, order.id, reason="笔记本停产", on=date(2026, 3, 9))
        po_id = order.id
    add_shipped_sale(engine, ids, on=date(2026, 3, 7), quantity="10")
    with unit_of_work(engine) as s:
        first, second = s.execute(select(Shipment).order_by(Shipment.id)).scalars().all()
        cancel_stock_document(s, "shipment", second.id, "发错客户", user_id=None)
        first_id, shipment_id, so_id = first.id, second.id, second.sales_order_id
        account = cash.create_account(s, "B01", "工商银行基本户", opening_balance="1000", opened_on=date(2026, 3, 2))
        receivables.receive_payment(s, ids["customer"], "500.00", account.id, date(2026, 3, 10))
    with unit_of_work(engine) as s:  # what the services left in the store
        assert s.get(PurchaseOrder, po_id).status == "completed"
        assert s.get(SalesOrder, so_id).status == "confirmed"  # shipped 0 again: may be shipped anew
        assert s.get(Shipment, shipment_id).status == "cancelled"
    return {"first_shipment": first_id, "cancelled_shipment": shipment_id}


def test_each_correction_reaches_the_published_marts(store_engine: Engine, tiny_store: dict[str, int],
                                                     dagster_home: Path) -> None:
    ids = tiny_store
    extra = _post_corrections(store_engine, ids)
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("full_pipeline").execute_in_process(instance=instance, raise_on_error=False)
    checks = {f"{e.asset_key.path[-1]}:{e.check_name}": e.passed for e in result.get_asset_check_evaluations()}
    assert result.success, [name for name, passed in checks.items() if not passed]
    assert all(checks.values()) and "mart_stock_current:reconciles_with_store" in checks

    # stock: the cancelled shipment nets out, the landed cost stays in the 120 pens left
    assert _serving("SELECT on_hand_quantity, stock_value FROM mart_stock_current WHERE product_id = ? "
                    "AND warehouse_id = ?", ids["pen"], ids["main"]) == [(D("120.0000"), D("152.00"))]
    # COGS: the first shipment carries its share of the freight; the cancelled one is not there
    assert _serving("SELECT shipment_id, cogs FROM fct_shipment_lines WHERE product_id = ? ORDER BY 1",
                    ids["pen"]) == [(extra["first_shipment"], D("38.00"))]
    # the supplier: the cancelled notebooks are not due
    assert _serving("SELECT qty_due, lines_due, lines_in_full, in_full_rate FROM mart_supplier_scorecard "
                    "WHERE supplier_id = ? AND year_month = '2026-03' AND period = 'month'",
                    ids["supplier"]) == [(D("50.0000"), 1, 1, D("1.0000"))]
    # the advance: its own negative column, and the row's total is the net balance
    assert _serving("SELECT bucket_label, outstanding_amount FROM mart_ar_aging WHERE is_latest "
                    "AND customer_id = ? ORDER BY bucket_order", ids["customer"]) == [("unapplied", D("-500.00"))]
