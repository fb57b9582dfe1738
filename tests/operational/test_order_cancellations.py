"""Cancelling open order quantity (issue 11, "Stock and valuation", third bullet): one line's rest,
part of it, or every open line, before or after partial fulfilment, on purchase and sales orders.
Numbers are stated by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from operational.db import unit_of_work
from operational.models import (
    OrderLineCancellation,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
)
from operational.services import credit, masterdata, orders, purchasing, sales
from operational.services.errors import StateError, ValidationError
from operational.services.inventory import post_opening_balance
from operational.services.orders import CancelLineInput as C
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L


def _po(t, lines, on="2026-03-02"):
    with unit_of_work(t.engine) as s:
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, on, lines, expected_date="2026-03-10")
        purchasing.confirm_purchase_order(s, po.id)
        return po.id, [line.id for line in po.lines]


def _line(s, model, line_id):
    return s.get(model, line_id)


def test_cancel_part_of_a_line_before_anything_is_received(tiny):
    po_id, (l1, l2) = _po(tiny, [L(tiny.water, 100, "1.20"), L(tiny.tea, 50, "2.00")])
    with unit_of_work(tiny.engine) as s:
        rows = purchasing.cancel_purchase_lines(s, po_id, reason="供应商缺货", on="2026-03-04", lines=[C(l1, 40)])
        assert [(r.line_no, r.quantity, r.reason, r.order_kind) for r in rows] == [
            (1, Decimal("40"), "供应商缺货", "purchase_order")]
        # 100 ordered, 40 cancelled, nothing received: 60 still open; nothing received → confirmed
        assert _line(s, PurchaseOrderLine, l1).cancelled_qty == Decimal("40")
        assert s.get(PurchaseOrder, po_id).status == "confirmed"
    with unit_of_work(tiny.engine) as s:
        # receiving more than the 60 still due is an over-receipt now (no tolerance)
        with pytest.raises(ValidationError) as err:
            purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 61)])
        assert err.value.params["remaining"] == Decimal("60")
    with unit_of_work(tiny.engine) as s:
        purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 60), F(l2, 50)])
        # 60 received + 40 cancelled = 100 and 50 of 50: everything settled, something received
        assert s.get(PurchaseOrder, po_id).status == "completed"


def test_cancel_the_rest_after_a_partial_receipt_completes_the_order(tiny):
    po_id, (l1, l2) = _po(tiny, [L(tiny.water, 100, "1.20"), L(tiny.tea, 50, "2.00")])
    with unit_of_work(tiny.engine) as s:
        purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 60), F(l2, 50)])
        assert s.get(PurchaseOrder, po_id).status == "partial"
        # blank quantity: all that is open on line 1 (100 − 60 = 40)
        [row] = purchasing.cancel_purchase_lines(s, po_id, reason="余量不再交货", on="2026-03-20",
                                                 lines=[C(l1, None)], user_id=None)
        assert row.quantity == Decimal("40")
        assert s.get(PurchaseOrder, po_id).status == "completed"
    with unit_of_work(tiny.engine) as s, pytest.raises(StateError) as err:
        purchasing.cancel_purchase_lines(s, po_id, reason="再取消", on="2026-03-21")
    assert "已完成" in err.value.message()


def test_cancel_every_open_line_with_nothing_fulfilled_cancels_the_order(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        post_opening_balance(s, t.water, t.wh1, 100, "1.00", "2026-03-01")
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-03-02", [L(t.water, 30, "2.50"), L(t.tea, 5, "4")])
        sales.confirm_sales_order(s, so.id)
        so_id, (l1, l2) = so.id, [line.id for line in so.lines]
    with unit_of_work(t.engine) as s:
        rows = sales.cancel_sales_lines(s, so_id, reason="客户取消", on="2026-03-03")
        assert [(r.line_no, r.quantity) for r in rows] == [(1, Decimal("30")), (2, Decimal("5"))]
        assert s.get(SalesOrder, so_id).status == "cancelled"
        assert (_line(s, SalesOrderLine, l1).cancelled_qty, _line(s, SalesOrderLine, l2).cancelled_qty) == (
            Decimal("30"), Decimal("5"))


def test_a_repeated_submission_finds_every_row_of_the_first_and_no_other(tiny):
    po_id, (l1, l2) = _po(tiny, [L(tiny.water, 100, "1.20"), L(tiny.tea, 50, "2.00")])
    with unit_of_work(tiny.engine) as s:
        first = purchasing.cancel_purchase_lines(s, po_id, reason="缺货", on="2026-03-03",
                                                 lines=[C(l1, "10"), C(l2, "5")])
        first_id = first[0].id
    with unit_of_work(tiny.engine) as s:  # a later cancel with the same reason and date is another call
        purchasing.cancel_purchase_lines(s, po_id, reason="缺货", on="2026-03-03", lines=[C(l1, "1")])
    with unit_of_work(tiny.engine) as s:
        together = orders.cancelled_together(s, s.get(OrderLineCancellation, first_id))
        assert [(r.line_no, r.quantity) for r in together] == [(1, Decimal("10")), (2, Decimal("5"))]


def test_sales_cancel_after_a_partial_shipment_and_the_credit_exposure_drops(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        post_opening_balance(s, t.water, t.wh1, 100, "1.00", "2026-03-01")
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-03-02", [L(t.water, 40, "2.50", discount_rate=0)])
        sales.confirm_sales_order(s, so.id)
        so_id, l1 = so.id, so.lines[0].id
        sales.ship_goods(s, so_id, "2026-03-03", [F(l1, 10)])
        # 30 unshipped × 2.50 = 75.00 open
        assert credit.open_order_value(s, t.customer) == Decimal("75.00")
    with unit_of_work(t.engine) as s:
        sales.cancel_sales_lines(s, so_id, reason="客户只要一部分", on="2026-03-04", lines=[C(l1, "12.5")])
        # 40 − 10 shipped − 12.5 cancelled = 17.5 open × 2.50 = 43.75
        assert credit.open_order_value(s, t.customer) == Decimal("43.75")
        assert s.get(SalesOrder, so_id).status == "partial"
        with pytest.raises(ValidationError) as err:
            sales.ship_goods(s, so_id, "2026-03-05", [F(l1, 18)])
        assert err.value.params["remaining"] == Decimal("17.5")
    with unit_of_work(t.engine) as s:
        sales.ship_all(s, so_id, "2026-03-05")  # ships exactly the 17.5 still open
        assert s.get(SalesOrderLine, l1).shipped_qty == Decimal("27.5")
        assert s.get(SalesOrder, so_id).status == "completed"


def test_refusals_name_the_order_and_line(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        draft = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02", [L(t.water, 10, "1")])
        draft_id, draft_no, draft_line = draft.id, draft.doc_no, draft.lines[0].id
    po_id, (l1, l2) = _po(t, [L(t.water, 100, "1.20"), L(t.tea, 50, "2.00")])
    with unit_of_work(t.engine) as s:
        doc_no = s.get(PurchaseOrder, po_id).doc_no
        purchasing.receive_goods(s, po_id, "2026-03-05", [F(l2, 20)])
    cases = [
        # more than remains on line 2: 50 − 20 received = 30
        (dict(order_id=po_id, lines=[C(l2, 31)]), ValidationError, "lines.2.cancel_qty",
         f"{doc_no}第2行：取消数量31超过未交数量30"),
        # the same line twice: the second may take only what the first left (30 − 25 = 5)
        (dict(order_id=po_id, lines=[C(l2, 25), C(l2, 6)]), ValidationError, "lines.2.cancel_qty", "未交数量5"),
        (dict(order_id=po_id, lines=[C(l1, 0)]), ValidationError, "lines.1.cancel_qty", "必须大于0"),
        (dict(order_id=po_id, lines=[C(l1, 10)], reason="  "), ValidationError, "cancel_reason", "取消原因"),
        (dict(order_id=po_id, lines=[C(l1, 10)], reason="长" * 201), ValidationError, "cancel_reason", "最多200个字符"),
        (dict(order_id=po_id, lines=[C(l1, 10)], on="2026-03-01"), ValidationError, "cancel_date", "不能早于"),
        (dict(order_id=po_id, lines=[C(draft_line, 1)]), ValidationError, "lines.1.order_line_id", "不属于订单"),
        (dict(order_id=draft_id, lines=[C(draft_line, 1)]), StateError, "status", f"{draft_no}：草稿订单"),
    ]
    for kwargs, error, field, text in cases:
        params = {"reason": "缺货", "on": "2026-03-06", **kwargs}
        with unit_of_work(t.engine) as s, pytest.raises(error) as err:
            purchasing.cancel_purchase_lines(s, params.pop("order_id"), **params)
        assert err.value.field == field, (kwargs, err.value.field)
        assert text in err.value.message(), (kwargs, err.value.message())
    with unit_of_work(t.engine) as s:  # nothing was written by any refusal
        assert s.execute(select(OrderLineCancellation)).first() is None
        assert (s.get(PurchaseOrderLine, l1).cancelled_qty, s.get(PurchaseOrderLine, l2).cancelled_qty) == (0, 0)
    with unit_of_work(t.engine) as s:  # cancelled orders too
        purchasing.cancel_purchase_order(s, draft_id)
    with unit_of_work(t.engine) as s, pytest.raises(StateError) as err:
        purchasing.cancel_purchase_lines(s, draft_id, reason="x", on="2026-03-06")
    assert "已取消" in err.value.message()


def test_close_records_the_cancelled_backorder_per_line(tiny):
    po_id, (l1, l2) = _po(tiny, [L(tiny.water, 100, "1.20"), L(tiny.tea, 50, "2.00")])
    with unit_of_work(tiny.engine) as s, pytest.raises(StateError):
        purchasing.close_purchase_order(s, po_id, reason="x", on="2026-03-05")  # nothing received: cancel instead
    with unit_of_work(tiny.engine) as s:
        purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 30), F(l2, 50)])
        purchasing.close_purchase_order(s, po_id, reason="欠货不再交付", on="2026-03-12")
        # line 1: 100 − 30 = 70 cancelled; line 2 was complete: nothing to cancel, no row
        assert s.get(PurchaseOrderLine, l1).cancelled_qty == Decimal("70")
        assert s.get(PurchaseOrderLine, l2).cancelled_qty == Decimal("0")
        assert s.get(PurchaseOrder, po_id).status == "completed"
        rows = s.execute(select(OrderLineCancellation.line_no, OrderLineCancellation.quantity,
                                OrderLineCancellation.cancel_date, OrderLineCancellation.reason)).all()
        assert [(n, q, str(d), r) for n, q, d, r in rows] == [(1, Decimal("70"), "2026-03-12", "欠货不再交付")]
    with unit_of_work(tiny.engine) as s, pytest.raises(StateError) as err:
        purchasing.receive_goods(s, po_id, "2026-03-13", [F(l1, 10)])
    assert "已完成" in err.value.message()


def test_over_receipt_tolerance_applies_to_the_quantity_still_due(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        masterdata.set_over_receipt_tolerance(s, t.supplier, "0.10")
    po_id, (l1,) = _po(t, [L(t.water, 100, "1.20")])
    with unit_of_work(t.engine) as s:
        purchasing.cancel_purchase_lines(s, po_id, reason="减量", on="2026-03-03", lines=[C(l1, 50)])
        # due 100 − 50 = 50; +10 % = 55 may be received, not 56
        with pytest.raises(ValidationError):
            purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 56)])
    with unit_of_work(t.engine) as s:
        purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 55)])
        assert s.get(PurchaseOrder, po_id).status == "completed"



RACE_ROUNDS = 6


def _race(engine, po_id: int) -> dict[str, str]:  # noqa: ANN001
    """Receive all and cancel all of one order from two threads released at the same instant."""
    import threading

    from operational.services.errors import DomainError

    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(name: str, work) -> None:  # noqa: ANN001
        barrier.wait()
        try:
            with unit_of_work(engine) as s:
                work(s)
            outcomes[name] = "done"
        except DomainError:
            outcomes[name] = "refused"

    threads = [
        threading.Thread(target=act, args=("receive", lambda s: purchasing.receive_all(s, po_id, "2026-03-05"))),
        threading.Thread(target=act, args=("cancel", lambda s: purchasing.cancel_purchase_lines(
            s, po_id, reason="不要了", on="2026-03-05"))),
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    return outcomes


def test_a_cancel_racing_a_receipt_never_settles_more_than_ordered(tiny):
    """A clerk receives everything open while another cancels everything open: whichever commits
    first wins and the other is refused, so received + cancelled = 100 (not 200)."""
    t = tiny
    for round_no in range(RACE_ROUNDS):
        po_id, (l1,) = _po(t, [L(t.water, 100, "1.20")])
        outcomes = _race(t.engine, po_id)
        with unit_of_work(t.engine) as s:
            line = s.get(PurchaseOrderLine, l1)
            assert sorted(outcomes.values()) == ["done", "refused"], f"round {round_no}: {outcomes}"
            assert line.received_qty + line.cancelled_qty == Decimal("100"), f"round {round_no}"
            assert s.get(PurchaseOrder, po_id).status == ("completed" if outcomes["receive"] == "done" else "cancelled")


def test_scorecard_line_rule_leaves_cancelled_quantity_out():
    from operational.services.scorecard import Delivery, line_delivery

    # ordered 100, received 60 on time, 40 cancelled → due 60, on time 60 (100 %), in full
    closed = line_delivery(Decimal(100), Decimal(40), Decimal(60), Decimal(60))
    assert (closed.qty_due, closed.qty_on_time, closed.counts, closed.in_full) == (60, 60, True, True)
    # ordered 50, 20 received late, 30 cancelled → due 20, on time 0, in full
    late = line_delivery(Decimal(50), Decimal(30), Decimal(20), Decimal(0))
    assert (late.qty_due, late.qty_on_time, late.in_full) == (20, 0, True)
    # cancelled entirely, nothing received: not a line due
    gone = line_delivery(Decimal(10), Decimal(10), Decimal(0), Decimal(0))
    assert gone.counts is False
    total = Delivery().add(closed).add(late).add(gone)
    # (60 + 0) ÷ (60 + 20) = 0.75 on time; 2 of 2 lines in full
    assert (total.on_time_rate, total.in_full_rate, total.lines_due) == (Decimal("0.75"), Decimal(1), 2)
    assert Delivery().add(gone).on_time_rate is None  # no data is no data, never 100 %
