"""Landed-cost documents entered after their receipts (operational.services.landed_costs): the
allocation rule with its rounding, validation (nothing written on a refusal), cancelling, and the
store's valuation (monitoring.stock_values) re-valuing the receipt. Figures are stated by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import AppUser, LandedCost, LandedCostAllocation
from operational.services import auth, landed_costs, monitoring, purchasing, sales
from operational.services.errors import AuthError, DomainError, StateError, ValidationError
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L
from operational.services.returns import ReturnLineInput, return_from_customer, return_to_supplier

D = Decimal


def _user(engine, role="purchasing"):
    with unit_of_work(engine) as s:
        return auth.create_user(s, f"{role}_lc", "secret-pass-1", role, iterations=1000).id


def _receive(t, lines, on="2026-03-05", order_on="2026-03-02"):
    """One PO with ``lines`` (OrderLineInput), received in full on ``on``: (receipt id, receipt line ids)."""
    with unit_of_work(t.engine) as s:
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, order_on, lines)
        purchasing.confirm_purchase_order(s, po.id)
        gr = purchasing.receive_goods(s, po.id, on, [F(ol.id, ol.quantity) for ol in po.lines])
        return gr.id, [gl.id for gl in gr.lines]


def _post(t, user_id, **kw):
    with unit_of_work(t.engine) as s:
        user = s.get(AppUser, user_id)
        args = {"supplier_id": t.supplier, "cost_type": "freight", "cost_date": "2026-03-10", "basis": "value"}
        args.update(kw)
        doc = landed_costs.post_landed_cost(s, user=user, **args)
        return doc.id, doc.doc_no, [(a.receipt_id, a.receipt_line_id, a.amount) for a in doc.allocations]


# --- the allocation rule -------------------------------------------------------------------------


def test_allocate_largest_remainder():
    # 100.00 over three equal weights: 33.33 each leaves 1 cent; equal remainders → the first line
    assert landed_costs.allocate(D("100.00"), [D(1), D(1), D(1)]) == [D("33.34"), D("33.33"), D("33.33")]
    # 10.00 over 1 : 2 → 3.333… and 6.666…: floors 3.33 + 6.66 = 9.99; the larger remainder (.666…) gets the cent
    assert landed_costs.allocate(D("10.00"), [D(1), D(2)]) == [D("3.33"), D("6.67")]
    # 0.05 over six equal lines: one cent each to the first five
    assert landed_costs.allocate(D("0.05"), [D(1)] * 6) == [D("0.01")] * 5 + [D("0.00")]
    # quantities with 4 places: 1.00 over 0.0001 and 0.0003 → 0.25 and 0.75
    assert landed_costs.allocate(D("1.00"), [D("0.0001"), D("0.0003")]) == [D("0.25"), D("0.75")]


def test_two_receipts_share_a_landed_cost_by_value_and_by_quantity(tiny_sqlite):
    t = tiny_sqlite
    user = _user(t.engine)
    a, (a1,) = _receive(t, [L(t.water, 10, "10.00")], on="2026-03-05")  # goods value 100.00
    b, (b1,) = _receive(t, [L(t.water, 30, "20.00")], on="2026-03-06")  # goods value 600.00
    _, doc_no, rows = _post(t, user, amount="70.00", basis="value", receipt_ids=[a, b])
    assert doc_no == "LC-2026-000001"
    # by value 100 : 600 → 70.00 × 1/7 = 10.00 and 70.00 × 6/7 = 60.00
    assert rows == [(a, a1, D("10.00")), (b, b1, D("60.00"))]
    _, _, rows = _post(t, user, amount="70.00", basis="quantity", receipt_ids=[b, a], cost_type="duty")
    # by quantity 10 : 30 → 17.50 and 52.50 (receipt order, whatever order they were picked in)
    assert rows == [(a, a1, D("17.50")), (b, b1, D("52.50"))]
    with unit_of_work(t.engine) as s:
        # water (moving average) holds 40: 100.00 + 600.00 + 70.00 + 70.00 = 840.00
        assert monitoring.stock_values(s)[(t.water, t.wh1)] == D("840.00")
        # per receipt ledger row: 10.00 + 17.50 and 60.00 + 52.50
        assert sorted(landed_costs.added_costs(s).values()) == [D("27.50"), D("112.50")]


def test_rounding_remainder_goes_to_the_largest_remainder_and_sums_exactly(tiny_sqlite):
    t = tiny_sqlite
    user = _user(t.engine)
    gr, lines = _receive(t, [L(t.water, 1, "5.00"), L(t.tea, 1, "5.00"), L(t.ice, 1, "5.00")])
    _, _, rows = _post(t, user, amount="100.00", receipt_ids=[gr])
    # three lines worth 5.00 each: 33.34 (line 1 takes the cent on the tie), 33.33, 33.33
    assert [r[2] for r in rows] == [D("33.34"), D("33.33"), D("33.33")]
    assert [r[1] for r in rows] == lines


def test_some_lines_of_a_receipt(tiny_sqlite):
    t = tiny_sqlite
    user = _user(t.engine)
    gr, (w, tea) = _receive(t, [L(t.water, 10, "1.00"), L(t.tea, 5, "2.00")])
    _, _, rows = _post(t, user, amount="9.99", receipt_line_ids=[tea])
    assert rows == [(gr, tea, D("9.99"))]
    with unit_of_work(t.engine) as s:
        values = monitoring.stock_values(s)
        assert values[(t.water, t.wh1)] == D("10.00")  # untouched
        assert values[(t.tea, t.wh1)] == D("19.99")  # 5 × 2.00 + 9.99


# --- re-valuation: what took cost from the receipt follows ---------------------------------------


def test_late_landed_cost_revalues_shipment_returns_and_stock(tiny_sqlite):
    t = tiny_sqlite
    user = _user(t.engine)
    gr, (gl,) = _receive(t, [L(t.water, 10, "10.00")], on="2026-03-05")
    with unit_of_work(t.engine) as s:
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-03-05", [L(t.water, 5, "30.00")])
        sales.confirm_sales_order(s, so.id)
        sh = sales.ship_goods(s, so.id, "2026-03-06", [F(so.lines[0].id, 5)])
        return_from_customer(s, sh.id, "2026-03-07", [ReturnLineInput(sh.lines[0].id, 1)], reason="破损")
        return_to_supplier(s, gr, "2026-03-08", [ReturnLineInput(gl, 2)], reason="质量问题")
    with unit_of_work(t.engine) as s:
        # before: 10 @ 10.00; ship 5 (50.00); 1 back (10.00); 2 to the supplier (20.00): 4 left, 40.00
        assert monitoring.stock_values(s)[(t.water, t.wh1)] == D("40.00")
    _post(t, user, amount="20.00", receipt_ids=[gr], cost_date="2026-03-20")
    with unit_of_work(t.engine) as s:
        # after: receipt 120.00 (12.00 each); ship 5 → 60.00; the customer's 1 back at 12.00; 2 to the
        # supplier at the average 12.00 = 24.00: 10 − 5 + 1 − 2 = 4 left, 120 − 60 + 12 − 24 = 48.00
        assert monitoring.stock_values(s)[(t.water, t.wh1)] == D("48.00")


def test_cancel_takes_the_cost_out_again_and_keeps_the_history(tiny_sqlite):
    t = tiny_sqlite
    user = _user(t.engine)
    gr, _ = _receive(t, [L(t.water, 10, "10.00")])
    doc_id, doc_no, _ = _post(t, user, amount="20.00", receipt_ids=[gr])
    with unit_of_work(t.engine) as s:
        assert monitoring.stock_values(s)[(t.water, t.wh1)] == D("120.00")
        with pytest.raises(ValidationError) as err:
            landed_costs.cancel_landed_cost(s, doc_id, "  ", user=s.get(AppUser, user))
        assert err.value.field == "cancel_reason"
    with unit_of_work(t.engine) as s:
        doc = landed_costs.cancel_landed_cost(s, doc_id, "运费单重复录入", user=s.get(AppUser, user))
        assert (doc.status, doc.cancel_reason, doc.cancelled_by) == ("cancelled", "运费单重复录入", user)
    with unit_of_work(t.engine) as s:
        assert monitoring.stock_values(s)[(t.water, t.wh1)] == D("100.00")
        history = landed_costs.receipt_history(s, gr)
        assert [(h.doc_no, h.status, h.allocated, h.cancel_reason) for h in history] == [
            (doc_no, "cancelled", D("20.00"), "运费单重复录入")]
        with pytest.raises(StateError):
            landed_costs.cancel_landed_cost(s, doc_id, "again", user=s.get(AppUser, user))


# --- refusals: nothing is written ----------------------------------------------------------------


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"cost_date": "2026-03-04"}, "cost_date", "landed_cost_before_receipt"),  # receipt is dated 03-05
    ({"cost_date": "2099-01-01"}, "cost_date", "date_in_future"),
    ({"amount": "12.345"}, "amount", "landed_cost_cents"),
    ({"amount": "0"}, "amount", "must_be_positive"),
    ({"amount": "1e13"}, "amount", "too_large"),
    ({"cost_type": "bribe"}, "cost_type", "invalid_choice"),
    ({"basis": "weight"}, "allocation_basis", "invalid_choice"),
    ({"receipt_ids": [999]}, "receipt_ids", "not_found"),
    ({"receipt_ids": []}, "receipt_ids", "required"),
    ({"supplier_id": 999}, "supplier_id", "not_found"),
])
def test_refusals_name_the_field_and_write_nothing(tiny_sqlite, changes, field, code):
    t = tiny_sqlite
    user = _user(t.engine)
    gr, _ = _receive(t, [L(t.water, 10, "10.00")])
    kw = {"amount": "20.00", "receipt_ids": [gr], **changes}
    with pytest.raises(DomainError) as err:
        _post(t, user, **kw)
    assert (err.value.field, err.value.code) == (field, code)
    with unit_of_work(t.engine) as s:
        assert s.execute(select(func.count()).select_from(LandedCost)).scalar() == 0
        assert s.execute(select(func.count()).select_from(LandedCostAllocation)).scalar() == 0


def test_a_receipt_with_nothing_accepted_is_refused(tiny_sqlite):
    t = tiny_sqlite
    user = _user(t.engine)
    with unit_of_work(t.engine) as s:
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02", [L(t.water, 10, "1.00")])
        purchasing.confirm_purchase_order(s, po.id)
        gr = purchasing.receive_goods(s, po.id, "2026-03-05",
                                      [F(po.lines[0].id, 0, rejected_qty=10, reject_reason="破损")]).id
    with pytest.raises(ValidationError) as err:
        _post(t, user, amount="5.00", receipt_ids=[gr])
    assert err.value.code == "landed_cost_nothing_accepted"
    assert "没有合格入库的数量" in err.value.message()


def test_only_purchasing_and_finance_may_post(tiny_sqlite):
    t = tiny_sqlite
    gr, _ = _receive(t, [L(t.water, 10, "10.00")])
    with pytest.raises(AuthError):
        _post(t, _user(t.engine, "warehouse"), amount="5.00", receipt_ids=[gr])
    _, doc_no, _ = _post(t, _user(t.engine, "finance"), amount="5.00", receipt_ids=[gr])
    assert doc_no == "LC-2026-000001"


def test_the_receipt_time_landed_cost_still_works(tiny):
    """The existing path (freight and duty given with the receipt) is unchanged, on both backends."""
    t = tiny
    with unit_of_work(t.engine) as s:
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02", [L(t.water, 10, "1.00")])
        purchasing.confirm_purchase_order(s, po.id)
        gr = purchasing.receive_goods(s, po.id, "2026-03-05", [F(po.lines[0].id, 10)],
                                      landed=purchasing.LandedCosts(freight="3.00", duty="2.00"))
        # 1.00 + 5.00 / 10 = 1.5000 per unit
        assert (gr.lines[0].unit_cost, gr.lines[0].landed_cost) == (D("1.5000"), D("5.00"))
        gr_id = gr.id
    user = _user(t.engine, "finance")
    _post(t, user, amount="2.50", receipt_ids=[gr_id])
    with unit_of_work(t.engine) as s:
        assert monitoring.stock_values(s)[(t.water, t.wh1)] == D("17.50")  # 10 × 1.50 + 2.50
