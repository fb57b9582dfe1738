"""Cancelling (作废) posted stock documents: reversing rows, order and return quantities back,
the valuation as if never posted (moving average and FIFO), refusals. Numbers stated by hand."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from operational.db import unit_of_work
from operational.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    SalesOrder,
    Shipment,
    StockLedger,
    Stocktake,
    StockTransfer,
)
from operational.services import monitoring, purchasing, receivables, returns, sales, stocktakes, transfers
from operational.services.errors import DomainError, InsufficientStockError, StateError, ValidationError
from operational.services.inventory import on_hand
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L
from operational.services.returns import ReturnLineInput as R
from operational.services.stock_cancellation import cancel_stock_document
from operational.services.transfers import TransferLineInput as T

D = Decimal


def _po(t, lines, on="2026-03-02"):
    with unit_of_work(t.engine) as s:
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, on, lines)
        purchasing.confirm_purchase_order(s, po.id)
        return po.id, [line.id for line in po.lines]


def _receive(t, product, qty, price, on):
    """A purchase order of one line, received whole; the receipt's id."""
    po_id, (line,) = _po(t, [L(product, qty, price)], on=on)
    with unit_of_work(t.engine) as s:
        return purchasing.receive_goods(s, po_id, on, [F(line, qty)]).id


def _ship(t, product, qty, on, price="9"):
    with unit_of_work(t.engine) as s:
        so = sales.create_sales_order(s, t.customer, t.wh1, on, [L(product, qty, price)])
        sales.confirm_sales_order(s, so.id)
        return sales.ship_all(s, so.id, on).id


def _cancel(t, entity, doc_id, reason="录入错误"):
    with unit_of_work(t.engine) as s:
        return cancel_stock_document(s, entity, doc_id, reason, user_id=None)


def _values(t, product):
    """(doc_no, movement_type, value, void) of every ledger row of the product, as valued."""
    with unit_of_work(t.engine) as s:
        nos = dict(s.execute(select(StockLedger.id, StockLedger.doc_no)).all())
        (_, valued), = monitoring.valuations(s, product_ids=[product])
        return [(nos[m.ledger_id], m.movement_type, m.value, m.void) for m in valued.movements], valued


def _value_of(rows, doc_no):
    return sum((v for no, _, v, _ in rows if no == doc_no), D(0))


def _doc_no(t, model, doc_id):
    with unit_of_work(t.engine) as s:
        return s.get(model, doc_id).doc_no


def test_cancelling_a_receipt_revalues_later_shipments_moving_average(tiny_sqlite):
    """100 @ 1.00, then 100 @ 2.00 (average 1.50), ship 50 (COGS 75.00). The second receipt was
    entered in error: cancelled, the shipment costs 50 × 1.00 = 50.00 and 50 @ 1.00 = 50.00 remain."""
    t = tiny_sqlite
    po_id, (line,) = _po(t, [L(t.water, 200, "1.00")])
    with unit_of_work(t.engine) as s:
        purchasing.receive_goods(s, po_id, "2026-03-02", [F(line, 100)])
        s.get(PurchaseOrder, po_id).lines[0].unit_price = D("2.00")  # the second receipt's price
    with unit_of_work(t.engine) as s:
        wrong = purchasing.receive_goods(s, po_id, "2026-03-03", [F(line, 100)])
        wrong_id, wrong_no = wrong.id, wrong.doc_no
        assert s.get(PurchaseOrder, po_id).status == "completed"
    ship_id = _ship(t, t.water, 50, "2026-03-04")
    ship_no = _doc_no(t, Shipment, ship_id)
    rows, _ = _values(t, t.water)
    assert _value_of(rows, ship_no) == D("-75.00")

    doc = _cancel(t, "goods_receipt", wrong_id, reason="重复录入")
    assert (doc.status, doc.cancel_reason) == ("cancelled", "重复录入") and doc.cancelled_at is not None
    with unit_of_work(t.engine) as s:
        assert on_hand(s, t.water, t.wh1) == D(50)
        po = s.get(PurchaseOrder, po_id)
        assert (po.status, po.lines[0].received_qty) == ("partial", D(100))
        reversal = s.execute(select(StockLedger).where(StockLedger.reverses_ledger_id.is_not(None))).scalar_one()
        original = s.get(StockLedger, reversal.reverses_ledger_id)
        assert (original.doc_no, reversal.doc_no, reversal.movement_type) == (wrong_no, wrong_no, "receipt")
        assert (reversal.quantity, reversal.movement_date, reversal.unit_cost) == (D(-100), original.movement_date,
                                                                                     D("2.0000"))
        assert monitoring.stock_balances(s) == monitoring.ledger_totals(s)
        assert monitoring.stock_values(s)[(t.water, t.wh1)] == D("50.00")
    rows, valued = _values(t, t.water)
    assert _value_of(rows, ship_no) == D("-50.00")
    assert [(v, void) for no, _, v, void in rows if no == wrong_no] == [(D("0.00"), True), (D("0.00"), True)]
    assert (valued.quantity, valued.value) == (D(50), D("50.00"))


def test_cancelling_a_receipt_revalues_later_shipments_fifo(tiny_sqlite):
    """FIFO: 10 @ 2.00, 10 @ 3.00, 10 @ 4.00, ship 15 (20.00 + 15.00 = 35.00). The first receipt is
    cancelled: the shipment takes 10 @ 3.00 + 5 @ 4.00 = 50.00; 5 @ 4.00 = 20.00 remain."""
    t = tiny_sqlite
    first = _receive(t, t.tea, 10, "2.00", "2026-03-02")
    _receive(t, t.tea, 10, "3.00", "2026-03-03")
    _receive(t, t.tea, 10, "4.00", "2026-03-04")
    ship_no = _doc_no(t, Shipment, _ship(t, t.tea, 15, "2026-03-05"))
    rows, _ = _values(t, t.tea)
    assert _value_of(rows, ship_no) == D("-35.00")
    _cancel(t, "goods_receipt", first)
    rows, valued = _values(t, t.tea)
    assert _value_of(rows, ship_no) == D("-50.00")
    assert (valued.quantity, valued.value) == (D(5), D("20.00"))
    assert [(layer.quantity, layer.unit_cost) for layer in valued.layers] == [(D(5), D("4.0000"))]


def test_cancelling_a_shipment_returns_its_cost_moving_average(tiny_sqlite):
    """100 @ 1.00, ship 30 (30.00), 100 @ 1.60. Cancelled shipment: 200 units worth 260.00 (average
    1.30), so a later shipment of 50 costs 65.00 (with the wrong shipment it would be 67.65)."""
    t = tiny_sqlite
    _receive(t, t.water, 100, "1.00", "2026-03-02")
    ship_id = _ship(t, t.water, 30, "2026-03-03")
    ship_no = _doc_no(t, Shipment, ship_id)
    _receive(t, t.water, 100, "1.60", "2026-03-04")
    doc = _cancel(t, "shipment", ship_id)
    assert doc.status == "cancelled"
    with unit_of_work(t.engine) as s:
        so = s.get(SalesOrder, doc.sales_order_id)
        assert (so.status, so.lines[0].shipped_qty) == ("confirmed", D(0))
        assert on_hand(s, t.water, t.wh1) == D(200)
        assert monitoring.stock_values(s)[(t.water, t.wh1)] == D("260.00")
    later_no = _doc_no(t, Shipment, _ship(t, t.water, 50, "2026-03-05"))
    rows, valued = _values(t, t.water)
    assert _value_of(rows, ship_no) == D("0.00")
    assert _value_of(rows, later_no) == D("-65.00")
    assert (valued.quantity, valued.value) == (D(150), D("195.00"))


def test_cancelling_a_shipment_fifo_gives_its_layers_back(tiny_sqlite):
    """FIFO: 10 @ 2.00, ship 4 (8.00), 10 @ 3.00, ship 10 (6 @ 2 + 4 @ 3 = 24.00). Cancelling the
    first shipment: the second takes 10 @ 2.00 = 20.00."""
    t = tiny_sqlite
    _receive(t, t.tea, 10, "2.00", "2026-03-02")
    first = _ship(t, t.tea, 4, "2026-03-03")
    _receive(t, t.tea, 10, "3.00", "2026-03-04")
    second_no = _doc_no(t, Shipment, _ship(t, t.tea, 10, "2026-03-05"))
    rows, _ = _values(t, t.tea)
    assert _value_of(rows, second_no) == D("-24.00")
    _cancel(t, "shipment", first)
    rows, valued = _values(t, t.tea)
    assert _value_of(rows, second_no) == D("-20.00")
    assert (valued.quantity, valued.value) == (D(10), D("30.00"))


def test_refused_when_the_stock_has_left_on_an_earlier_day(tiny_sqlite):
    """Today's balance would allow it (10 − 10 = 0), but on 03-03 the shipment took the 10 this
    receipt brought in: without it that day ends at −10. Refused, naming the document and line."""
    t = tiny_sqlite
    receipt = _receive(t, t.water, 10, "1.00", "2026-03-02")
    _ship(t, t.water, 10, "2026-03-03")
    _receive(t, t.water, 10, "1.00", "2026-03-06")
    no = _doc_no(t, GoodsReceipt, receipt)
    with pytest.raises(InsufficientStockError) as err:
        _cancel(t, "goods_receipt", receipt)
    assert err.value.code == "cancel_stock_gone" and err.value.record == no
    assert err.value.params["line_no"] == 1 and err.value.params["balance"] == D(-10)
    assert err.value.message() == (f"{no}第1行：不能作废：商品 P001 在 上海主仓 的入库已被后续单据发出，"
                                   "作废后 2026-03-03 的结存将为 -10，该商品不允许负库存")
    with unit_of_work(t.engine) as s:  # nothing written
        assert s.get(GoodsReceipt, receipt).status == "posted"
        assert on_hand(s, t.water, t.wh1) == D(10)
        assert s.execute(select(StockLedger).where(StockLedger.reverses_ledger_id.is_not(None))).first() is None


def test_negative_stock_allowed_product_may_be_cancelled_after_it_left(tiny_sqlite):
    """Ice allows negative stock: cancelling its receipt after it was shipped leaves −10 on hand;
    the shipment is then valued provisionally at the standard cost 3.00 (no receipt settles it)."""
    t = tiny_sqlite
    receipt = _receive(t, t.ice, 10, "2.00", "2026-03-02")
    ship_no = _doc_no(t, Shipment, _ship(t, t.ice, 10, "2026-03-03"))
    _cancel(t, "goods_receipt", receipt)
    with unit_of_work(t.engine) as s:
        assert on_hand(s, t.ice, t.wh1) == D(-10)
    rows, valued = _values(t, t.ice)
    assert _value_of(rows, ship_no) == D("-30.00") and valued.movements[-1].provisional


def test_dependent_documents_refuse_and_second_cancel_is_a_state_error(tiny_sqlite):
    t = tiny_sqlite
    receipt = _receive(t, t.water, 10, "1.00", "2026-03-02")
    no = _doc_no(t, GoodsReceipt, receipt)
    with unit_of_work(t.engine) as s:
        line_id = s.get(GoodsReceipt, receipt).lines[0].id
        back = returns.return_to_supplier(s, receipt, "2026-03-04", [R(line_id, 3)], reason="破损")
        back_id, back_no = back.id, back.doc_no
    with pytest.raises(StateError) as err:
        _cancel(t, "goods_receipt", receipt)
    assert err.value.code == "cancel_has_dependents"
    assert err.value.message() == (f"{no}第1行：不能作废：后续单据采购退货单 {back_no} 依据本单据，"
                                   "请先作废或冲销该单据")
    # Cancel the return first: the receipt line can be returned again, and then the receipt goes.
    _cancel(t, "purchase_return", back_id)
    with unit_of_work(t.engine) as s:
        assert s.get(GoodsReceiptLine, line_id).returned_qty == D(0)
        assert on_hand(s, t.water, t.wh1) == D(10)
    _cancel(t, "goods_receipt", receipt)
    with pytest.raises(StateError) as err:
        _cancel(t, "goods_receipt", receipt)
    assert err.value.code == "already_cancelled" and err.value.message() == f"{no}：单据已作废，不能再次作废"
    with unit_of_work(t.engine) as s, pytest.raises(StateError) as err:  # nothing can stand on it now
        returns.return_to_supplier(s, receipt, "2026-03-05", [R(line_id, 1)], reason="x")
    assert err.value.code == "source_cancelled"
    with pytest.raises(ValidationError) as err:
        _cancel(t, "purchase_return", back_id, reason="  ")
    assert err.value.field == "cancel_reason"


def test_an_invoice_on_the_shipment_refuses_until_it_is_cancelled(tiny_sqlite):
    t = tiny_sqlite
    _receive(t, t.water, 10, "1.00", "2026-03-02")
    ship_id = _ship(t, t.water, 4, "2026-03-03")
    with unit_of_work(t.engine) as s:
        line_id = s.get(Shipment, ship_id).lines[0].id
        (invoice,) = receivables.create_invoices(s, [receivables.InvoiceRequest(
            t.customer, "2026-03-04", [receivables.InvoiceLineInput(line_id)])])
        invoice_id, invoice_no = invoice.id, invoice.doc_no
    with pytest.raises(StateError) as err:
        _cancel(t, "shipment", ship_id)
    assert err.value.params["dependent"] == invoice_no
    with unit_of_work(t.engine) as s:
        receivables.cancel_invoice(s, invoice_id, "2026-03-05")
    _cancel(t, "shipment", ship_id)
    with unit_of_work(t.engine) as s, pytest.raises(StateError) as err:
        receivables.create_invoices(s, [receivables.InvoiceRequest(
            t.customer, "2026-03-06", [receivables.InvoiceLineInput(line_id)])])
    assert err.value.code == "source_cancelled"


def test_customer_return_transfer_and_stocktake_are_cancelled_the_same_way(tiny_sqlite):
    t = tiny_sqlite
    _receive(t, t.water, 20, "1.00", "2026-03-02")
    ship_id = _ship(t, t.water, 5, "2026-03-03")
    with unit_of_work(t.engine) as s:
        sl = s.get(Shipment, ship_id).lines[0].id
        back_id = returns.return_from_customer(s, ship_id, "2026-03-04", [R(sl, 2)], reason="多发").id
    _cancel(t, "sales_return", back_id)
    with unit_of_work(t.engine) as s:
        assert on_hand(s, t.water, t.wh1) == D(15)
        assert s.get(Shipment, ship_id).lines[0].returned_qty == D(0)
    # A transfer in transit: the shipping leg is reversed, the goods are back at the source.
    with unit_of_work(t.engine) as s:
        moving = transfers.ship_transfer(s, t.wh1, t.wh2, "2026-03-05", [T(t.water, 6)]).id
    doc = _cancel(t, "stock_transfer", moving)
    assert doc.status == "cancelled"
    with unit_of_work(t.engine) as s:
        assert on_hand(s, t.water, t.wh1) == D(15)
        assert on_hand(s, t.water, s.get(StockTransfer, moving).transit_warehouse_id) == D(0)
        with pytest.raises(StateError):
            transfers.receive_transfer(s, moving, "2026-03-06")
    # A received transfer whose goods have left the destination: refused; before that, allowed.
    with unit_of_work(t.engine) as s:
        done = transfers.ship_transfer(s, t.wh1, t.wh2, "2026-03-05", [T(t.water, 6)]).id
        transfers.receive_transfer(s, done, "2026-03-06", {s.get(StockTransfer, done).lines[0].id: 5})  # 1 lost
    _cancel(t, "stock_transfer", done)
    with unit_of_work(t.engine) as s:
        assert (on_hand(s, t.water, t.wh1), on_hand(s, t.water, t.wh2)) == (D(15), D(0))
        assert monitoring.stock_balances(s) == monitoring.ledger_totals(s)
    # A stocktake loss of 3, cancelled: the 3 are back.
    with unit_of_work(t.engine) as s:
        sheet = stocktakes.open_stocktake(s, t.wh1, "2026-03-07")
        stocktakes.record_counts(s, sheet.id, {t.water: 12})
        stocktakes.post_stocktake(s, sheet.id)
        sheet_id = sheet.id
        assert on_hand(s, t.water, t.wh1) == D(12)
    _cancel(t, "stocktake", sheet_id)
    with unit_of_work(t.engine) as s:
        assert s.get(Stocktake, sheet_id).status == "cancelled"
        assert on_hand(s, t.water, t.wh1) == D(15)
    rows, valued = _values(t, t.water)
    # 20 @ 1.00 in, 5 shipped: 15 worth 15.00, whatever was cancelled in between.
    assert (valued.quantity, valued.value) == (D(15), D("15.00"))


def test_received_transfer_refused_once_the_goods_left_the_destination(tiny_sqlite):
    t = tiny_sqlite
    _receive(t, t.water, 10, "1.00", "2026-03-02")
    with unit_of_work(t.engine) as s:
        done = transfers.ship_transfer(s, t.wh1, t.wh2, "2026-03-03", [T(t.water, 10)]).id
        transfers.receive_transfer(s, done, "2026-03-04")
        so = sales.create_sales_order(s, t.customer, t.wh2, "2026-03-05", [L(t.water, 4, "9")])
        sales.confirm_sales_order(s, so.id)
        sales.ship_all(s, so.id, "2026-03-05")
    with pytest.raises(InsufficientStockError) as err:
        _cancel(t, "stock_transfer", done)
    assert "广州仓" in err.value.message() and err.value.params["balance"] == D(-4)


def test_a_later_stocktake_of_the_product_depends_on_an_earlier_one(tiny_sqlite):
    t = tiny_sqlite
    _receive(t, t.water, 10, "1.00", "2026-03-02")
    ids = []
    for day, counted in (("2026-03-03", 8), ("2026-03-04", 8)):
        with unit_of_work(t.engine) as s:
            sheet = stocktakes.open_stocktake(s, t.wh1, day)
            stocktakes.record_counts(s, sheet.id, {t.water: counted})
            stocktakes.post_stocktake(s, sheet.id)
            ids.append((sheet.id, sheet.doc_no))
    with pytest.raises(StateError) as err:
        _cancel(t, "stocktake", ids[0][0])
    assert err.value.params["dependent"] == ids[1][1]


def test_concurrent_cancels_and_a_cancel_racing_a_shipment(tiny):
    """Two cancels of one receipt at once: one cancels, the other is told it is already cancelled.
    A cancel racing the shipment of the stock it brought in: exactly one of them goes through."""
    t = tiny
    for round_no in range(3):
        receipt = _receive(t, t.water, 5, "1.00", "2026-04-01")
        with unit_of_work(t.engine) as s:
            so = sales.create_sales_order(s, t.customer, t.wh1, "2026-04-02", [L(t.water, 5, "9")])
            sales.confirm_sales_order(s, so.id)
            order_id = so.id
        outcomes: list[str] = []
        lock = threading.Lock()
        barrier = threading.Barrier(3)

        def run(action, barrier=barrier, lock=lock, outcomes=outcomes) -> None:  # noqa: ANN001
            barrier.wait()
            try:
                with unit_of_work(t.engine) as s:
                    action(s)
                result = "ok"
            except DomainError as exc:
                result = exc.code
            with lock:
                outcomes.append(result)

        actions = [lambda s, r=receipt: cancel_stock_document(s, "goods_receipt", r, "错"),
                   lambda s, r=receipt: cancel_stock_document(s, "goods_receipt", r, "错"),
                   lambda s, o=order_id: sales.ship_all(s, o, "2026-04-02")]
        threads = [threading.Thread(target=run, args=(a,)) for a in actions]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
        with unit_of_work(t.engine) as s:
            cancelled = s.get(GoodsReceipt, receipt).status == "cancelled"
            shipped = s.get(SalesOrder, order_id).status == "completed"
            assert cancelled != shipped, f"round {round_no}: {outcomes}"
            assert on_hand(s, t.water, t.wh1) == D(0)
            assert monitoring.stock_balances(s) == monitoring.ledger_totals(s)
        assert outcomes.count("ok") == 1, f"round {round_no}: {outcomes}"
        if cancelled:
            assert sorted(outcomes) == sorted(["ok", "already_cancelled", "insufficient_stock"])


def test_a_landed_cost_on_the_receipt_refuses_until_it_is_cancelled(tiny_sqlite):
    """The receipt's cost stands on a later landed cost: cancel that first, then the receipt."""
    from operational.models import AppUser, LandedCost
    from operational.services import auth, landed_costs

    t = tiny_sqlite
    receipt = _receive(t, t.water, 10, "1.00", "2026-03-02")
    no = _doc_no(t, GoodsReceipt, receipt)
    with unit_of_work(t.engine) as s:
        user = auth.create_user(s, "purchasing_lc", "secret-pass-1", "purchasing", iterations=1000)
        doc = landed_costs.post_landed_cost(s, supplier_id=t.supplier, cost_type="freight", amount="5.00",
                                            cost_date="2026-03-03", basis="value", receipt_ids=[receipt], user=user)
        lc_id, lc_no, user_id = doc.id, doc.doc_no, user.id
    with pytest.raises(StateError) as err:
        _cancel(t, "goods_receipt", receipt)
    assert err.value.code == "cancel_has_dependents"
    assert err.value.message() == (f"{no}第1行：不能作废：后续单据到岸费用单 {lc_no} 依据本单据，"
                                   "请先作废或冲销该单据")
    with unit_of_work(t.engine) as s:
        landed_costs.cancel_landed_cost(s, lc_id, "运费单录错", user=s.get(AppUser, user_id))
    _cancel(t, "goods_receipt", receipt)
    with unit_of_work(t.engine) as s:
        assert s.get(GoodsReceipt, receipt).status == "cancelled"
        assert s.get(LandedCost, lc_id).status == "cancelled"
        assert on_hand(s, t.water, t.wh1) == D(0)


def test_a_cancelled_receipt_leaves_the_store_scorecard_as_in_the_mart(tiny_sqlite):
    """PO of 10 promised on its order date 03-02, received 10 on 03-02 and then cancelled: the
    supplier delivered nothing, so 10 were due, 0 on time, the line not in full (the mart leaves a
    cancelled receipt out the same way)."""
    from datetime import date

    from operational.services import scorecard

    t = tiny_sqlite
    receipt = _receive(t, t.water, 10, "1.00", "2026-03-02")
    with unit_of_work(t.engine) as s:
        before = scorecard.delivery(s, date(2026, 3, 31))[(t.supplier, "2026-03")]
    assert (before.qty_due, before.qty_on_time, before.lines_due, before.lines_in_full) == (D(10), D(10), 1, 1)
    _cancel(t, "goods_receipt", receipt)
    with unit_of_work(t.engine) as s:
        after = scorecard.delivery(s, date(2026, 3, 31))[(t.supplier, "2026-03")]
    assert (after.qty_due, after.qty_on_time, after.lines_due, after.lines_in_full) == (D(10), D(0), 1, 0)
