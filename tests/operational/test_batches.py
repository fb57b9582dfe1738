"""Batch-tracked products: receipts bring batches with expiry, outbound picks first-expiry-first-out
(splitting over batches), returns and transfers keep their batches, stocktakes, expiry alerts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from operational.db import unit_of_work
from operational.models import GoodsReceiptLine, Product, StockBatch, StockBatchBalance, StockLedger
from operational.services import batches, purchasing, returns, sales, stocktakes, transfers
from operational.services.errors import InsufficientStockError, ValidationError
from operational.services.inventory import on_hand
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L
from operational.services.returns import ReturnLineInput as R
from operational.services.transfers import TransferLineInput as T


def _batch_qty(s, warehouse_id):
    rows = s.execute(select(StockBatch.batch_no, StockBatchBalance.quantity)
                     .join(StockBatchBalance, StockBatchBalance.batch_id == StockBatch.id)
                     .where(StockBatchBalance.warehouse_id == warehouse_id).order_by(StockBatch.batch_no)).all()
    return {no: qty for no, qty in rows if qty}


def _receive_milk(t):
    """Tea tracks batches: one receipt of two batches; the second (L-B) expires first."""
    with unit_of_work(t.engine) as s:
        s.get(Product, t.tea).tracks_batches = True
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-01",
                                              [L(t.tea, 30, "2.00"), L(t.tea, 20, "2.00")])
        purchasing.confirm_purchase_order(s, po.id)
        po_id, line_ids = po.id, [line.id for line in po.lines]
    with pytest.raises(ValidationError) as err, unit_of_work(t.engine) as s:
        # no expiry and no shelf life to default from (the error rolls the receipt back)
        purchasing.receive_goods(s, po_id, "2026-03-02", [F(line_ids[0], 30, batch_no="L-A")])
    assert err.value.field == "lines.1.expiry_date"
    with unit_of_work(t.engine) as s:
        s.get(Product, t.tea).shelf_life_days = 180
        po = s.get(purchasing.PurchaseOrder, po_id)
        gr = purchasing.receive_goods(s, po.id, "2026-03-02", [
            F(po.lines[0].id, 30, batch_no="L-A", expiry_date="2026-09-30"),
            F(po.lines[1].id, 20, batch_no="L-B", expiry_date="2026-06-30")])
        return po.id, gr.id, [line.id for line in gr.lines]


def test_receipt_batches_and_fefo_shipment_split(tiny):
    _, gr_id, _ = _receive_milk(tiny)
    with unit_of_work(tiny.engine) as s:
        assert _batch_qty(s, tiny.wh1) == {"L-A": Decimal(30), "L-B": Decimal(20)}
        # the picking suggestion for 25: L-B (expires 06-30) first, then 5 of L-A
        assert [(b.batch_no, b.quantity) for b in batches.fefo_allocation(s, tiny.tea, tiny.wh1, Decimal(25))] == [
            ("L-B", Decimal(20)), ("L-A", Decimal(5))]
        so = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-03", [L(tiny.tea, 25, "4.00")])
        sales.confirm_sales_order(s, so.id)
        sh = sales.ship_all(s, so.id, "2026-03-03")
        rows = s.execute(select(StockLedger.quantity, StockLedger.batch_id, StockLedger.doc_line_id)
                         .where(StockLedger.doc_type == "shipment").order_by(StockLedger.id)).all()
        by_no = {b.id: b.batch_no for b in s.execute(select(StockBatch)).scalars()}
        # one shipment line, two ledger rows: one per batch, posted in the same order
        assert [(q, by_no[b], line) for q, b, line in rows] == [
            (Decimal(-20), "L-B", sh.lines[0].id), (Decimal(-5), "L-A", sh.lines[0].id)]
        assert _batch_qty(s, tiny.wh1) == {"L-A": Decimal(25)}
        assert on_hand(s, tiny.tea, tiny.wh1) == Decimal(25)
        # a customer return goes back into the batch the shipment line first left from
        returns.return_from_customer(s, sh.id, "2026-03-04", [R(sh.lines[0].id, 2)], reason="破损")
        assert _batch_qty(s, tiny.wh1) == {"L-A": Decimal(25), "L-B": Decimal(2)}


def test_purchase_return_leaves_from_the_receipt_batch(tiny):
    _, gr_id, (line_a, line_b) = _receive_milk(tiny)
    with unit_of_work(tiny.engine) as s:
        returns.return_to_supplier(s, gr_id, "2026-03-05", [R(line_b, 5)], reason="临期")
        assert _batch_qty(s, tiny.wh1) == {"L-A": Decimal(30), "L-B": Decimal(15)}
        assert s.get(GoodsReceiptLine, line_b).batch_id is not None


def test_transfer_keeps_batches_and_loss_comes_out_of_the_last(tiny):
    _receive_milk(tiny)
    with unit_of_work(tiny.engine) as s:
        tr = transfers.ship_transfer(s, tiny.wh1, tiny.wh2, "2026-03-05", [T(tiny.tea, 24)])
        transit = tr.transit_warehouse_id
        assert _batch_qty(s, transit) == {"L-B": Decimal(20), "L-A": Decimal(4)}
        transfers.receive_transfer(s, tr.id, "2026-03-06", {tr.lines[0].id: 23})
        # 20 of L-B and 3 of L-A arrive; the missing 1 of L-A is the transit loss
        assert _batch_qty(s, tiny.wh2) == {"L-B": Decimal(20), "L-A": Decimal(3)}
        assert _batch_qty(s, transit) == {}
        loss = s.execute(select(StockLedger.quantity).where(StockLedger.movement_type == "transit_loss")).scalar_one()
        assert loss == Decimal(-1)


def test_stocktake_loss_fefo_gain_into_latest_batch(tiny):
    _receive_milk(tiny)
    with unit_of_work(tiny.engine) as s:
        sheet = stocktakes.open_stocktake(s, tiny.wh1, "2026-03-31")
        stocktakes.record_counts(s, sheet.id, {tiny.tea: 47})
        stocktakes.post_stocktake(s, sheet.id)
        assert _batch_qty(s, tiny.wh1) == {"L-A": Decimal(30), "L-B": Decimal(17)}  # loss of 3 from L-B
        second = stocktakes.open_stocktake(s, tiny.wh1, "2026-04-30")
        stocktakes.record_counts(s, second.id, {"P002": 49})
        stocktakes.post_stocktake(s, second.id)
        assert _batch_qty(s, tiny.wh1) == {"L-A": Decimal(32), "L-B": Decimal(17)}  # gain into L-A (latest expiry)


def test_batch_required_and_expiry_alerts(tiny):
    _receive_milk(tiny)
    with unit_of_work(tiny.engine) as s:
        alerts = batches.expiring(s, on=date(2026, 6, 15), within_days=30)
        assert [(a["batch_no"], a["days_left"], a["quantity"]) for a in alerts] == [("L-B", 15, Decimal(20))]
        with pytest.raises(ValidationError) as err:
            batches.batch_for_receipt(s, s.get(Product, tiny.tea), "L-A", "2026-10-01", date(2026, 3, 9),
                                      default_no="x")
        assert err.value.code == "batch_expiry_mismatch"
        with pytest.raises(InsufficientStockError):
            transfers.ship_transfer(s, tiny.wh1, tiny.wh2, "2026-03-05", [T(tiny.tea, 51)])
