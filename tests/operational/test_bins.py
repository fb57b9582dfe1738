"""Storage bins (库位): optional per warehouse. Inbound goes to the named or the default bin,
outbound without a bin is split largest-bin-first (one ledger row per bin), the bin balance is
oversell-guarded, bin-to-bin moves are value-neutral, and warehouses without bins are unchanged."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import (
    Product,
    SalesOrder,
    StockBatch,
    StockBinBalance,
    StockLedger,
    StorageBin,
    Warehouse,
)
from operational.services import (
    bins,
    inventory,
    monitoring,
    purchasing,
    returns,
    sales,
    stocktakes,
    sub_balances,
    transfers,
)
from operational.services.errors import InsufficientStockError, ValidationError
from operational.services.inventory import on_hand
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L
from operational.services.returns import ReturnLineInput as R
from operational.services.transfers import TransferLineInput as T
from operational.services.valuation import LedgerMovement, daily_closings, value_product

D = Decimal


def _bins(t):
    """WH1 uses bins A-01 (default) and A-02; WH2 stays without bins."""
    with unit_of_work(t.engine) as s:
        a1 = bins.create_bin(s, t.wh1, "A-01", "饮料区1")
        a2 = bins.create_bin(s, t.wh1, "A-02", "饮料区2")
        bins.configure_bins(s, t.wh1, uses_bins=True, default_bin_id=a1.id)
        return a1.id, a2.id


def _bin_qty(s, warehouse_id, product_id=None):
    query = (select(StorageBin.code, func.sum(StockBinBalance.quantity))
             .join(StockBinBalance, StockBinBalance.bin_id == StorageBin.id)
             .where(StockBinBalance.warehouse_id == warehouse_id).group_by(StorageBin.code))
    if product_id is not None:
        query = query.where(StockBinBalance.product_id == product_id)
    return {code: qty for code, qty in s.execute(query).all() if qty}


def _receive(s, t, lines, *, on="2026-03-02", warehouse=None):
    """Order and receive water: lines are (quantity, bin_id or None)."""
    po = purchasing.create_purchase_order(s, t.supplier, warehouse or t.wh1, "2026-03-01",
                                          [L(t.water, qty, "1.00") for qty, _ in lines])
    purchasing.confirm_purchase_order(s, po.id)
    return purchasing.receive_goods(s, po.id, on, [F(line.id, qty, bin_id=bin_id)
                                                   for line, (qty, bin_id) in zip(po.lines, lines, strict=True)])


def _ledger(s, doc_type):
    codes = {b.id: b.code for b in s.scalars(select(StorageBin))}
    rows = s.execute(select(StockLedger.quantity, StockLedger.bin_id).where(StockLedger.doc_type == doc_type)
                     .order_by(StockLedger.id)).all()
    return [(q, codes.get(b)) for q, b in rows]


def test_receipt_goes_into_the_default_or_the_named_bin(tiny):
    _, a2 = _bins(tiny)
    with unit_of_work(tiny.engine) as s:
        _receive(s, tiny, [(30, None), (20, a2)])
        assert _ledger(s, "goods_receipt") == [(D(30), "A-01"), (D(20), "A-02")]
        assert _bin_qty(s, tiny.wh1) == {"A-01": D(30), "A-02": D(20)}
        assert on_hand(s, tiny.water, tiny.wh1) == D(50)


def test_shipment_splits_largest_bin_first(tiny):
    _, a2 = _bins(tiny)
    with unit_of_work(tiny.engine) as s:
        _receive(s, tiny, [(30, None), (20, a2)])
        # the picking suggestion for 40: all 30 of A-01 (the larger), then 10 of A-02
        assert [(b.code, b.quantity) for b in bins.largest_first(s, tiny.water, tiny.wh1, D(40))] == [
            ("A-01", D(30)), ("A-02", D(10))]
        so = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-03", [L(tiny.water, 40, "2.50")])
        sales.confirm_sales_order(s, so.id)
        sh = sales.ship_all(s, so.id, "2026-03-03")
        # one shipment line, two ledger rows, one per bin
        assert _ledger(s, "shipment") == [(D(-30), "A-01"), (D(-10), "A-02")]
        assert {line for (line,) in s.execute(select(StockLedger.doc_line_id)
                                               .where(StockLedger.doc_type == "shipment"))} == {sh.lines[0].id}
        assert _bin_qty(s, tiny.wh1) == {"A-02": D(10)}
        assert on_hand(s, tiny.water, tiny.wh1) == D(10)


def test_oversell_is_refused_per_bin_and_nothing_is_written(tiny):
    _, a2 = _bins(tiny)
    with unit_of_work(tiny.engine) as s:
        _receive(s, tiny, [(30, None), (20, a2)])
        so = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-03", [L(tiny.water, 25, "2.50")])
        sales.confirm_sales_order(s, so.id)
        so_id, line_id = so.id, so.lines[0].id
    # the warehouse holds 50, but bin A-02 only 20
    with pytest.raises(InsufficientStockError) as err, unit_of_work(tiny.engine) as s:
        sales.ship_goods(s, so_id, "2026-03-03", [F(line_id, 25, bin_id=a2)])
    assert (err.value.code, err.value.field) == ("insufficient_bin_stock", "lines.1.quantity")
    assert (err.value.params["available"], err.value.params["quantity"]) == (D(20), D(25))
    with unit_of_work(tiny.engine) as s:
        assert _bin_qty(s, tiny.wh1) == {"A-01": D(30), "A-02": D(20)}
        assert on_hand(s, tiny.water, tiny.wh1) == D(50)
        assert s.get(SalesOrder, so_id).lines[0].shipped_qty == 0
        assert _ledger(s, "shipment") == []
        # 20 from the named bin is fine
        sales.ship_goods(s, so_id, "2026-03-03", [F(line_id, 20, bin_id=a2)])
        assert _bin_qty(s, tiny.wh1) == {"A-01": D(30)}


def test_bin_move_changes_no_warehouse_balance_and_no_value(tiny):
    a1, a2 = _bins(tiny)
    with unit_of_work(tiny.engine) as s:
        _receive(s, tiny, [(30, None)])
        before = (monitoring.stock_balances(s), monitoring.stock_values(s))
        doc_no = bins.move_between_bins(s, tiny.wh1, tiny.water, a1, a2, "12", "2026-03-04")
        assert doc_no.startswith("BM-2026-")
        rows = s.execute(select(StockLedger.movement_type, StockLedger.quantity, StockLedger.bin_id)
                         .where(StockLedger.doc_no == doc_no).order_by(StockLedger.id)).all()
        assert rows == [("bin_move_out", D(-12), a1), ("bin_move_in", D(12), a2)]
        assert _bin_qty(s, tiny.wh1) == {"A-01": D(18), "A-02": D(12)}
        # 30 × 1.00 = 30.00 in WH1 before and after
        assert (monitoring.stock_balances(s), monitoring.stock_values(s)) == before
        assert monitoring.stock_values(s)[(tiny.water, tiny.wh1)] == D("30.00")
        with pytest.raises(InsufficientStockError) as err:
            bins.move_between_bins(s, tiny.wh1, tiny.water, a2, a1, 13, "2026-03-04")
        assert err.value.code == "insufficient_bin_stock"
        with pytest.raises(ValidationError) as err:
            bins.move_between_bins(s, tiny.wh1, tiny.water, a1, a1, 1, "2026-03-04")
        assert err.value.field == "to_bin_id"
        with pytest.raises(ValidationError) as err:
            bins.move_between_bins(s, tiny.wh2, tiny.water, a1, a2, 1, "2026-03-04")
        assert err.value.code == "bin_not_used"


@pytest.mark.parametrize("method", ["moving_average", "fifo"])
def test_the_valuation_engine_treats_bin_moves_as_value_neutral(method):
    def mv(ledger_id, kind, qty, cost=None, on=1):
        return LedgerMovement(ledger_id, date(2026, 3, on), 1, kind, D(qty), None if cost is None else D(cost))

    receipts = [mv(1, "receipt", 10, "10.00"), mv(2, "receipt", 10, "12.00")]
    moves = [mv(3, "bin_move_out", -4, on=2), mv(4, "bin_move_in", 4, on=2)]
    ship = [mv(5, "shipment", -5, on=3)]
    pv = value_product(receipts + moves + ship, method)
    alone = value_product(receipts + ship, method)
    # moving average: 220.00 / 20 = 11, ship 5 × 11 = 55.00; FIFO: 5 × 10.00 = 50.00
    shipped = D("-55.00") if method == "moving_average" else D("-50.00")
    assert pv.movements[-1].value == alone.movements[-1].value == shipped
    assert (pv.quantity, pv.value, pv.layers) == (alone.quantity, alone.value, alone.layers)
    # the reported value of the pair cancels, and the warehouse's closing is the same as without it
    assert pv.movements[2].value == -pv.movements[3].value
    assert [(c.closing_date, c.quantity, c.value) for c in daily_closings(pv.movements) if c.closing_date.day != 2] == [
        (c.closing_date, c.quantity, c.value) for c in daily_closings(alone.movements)]


def test_a_warehouse_without_bins_is_unchanged(tiny):
    _, a2 = _bins(tiny)
    with unit_of_work(tiny.engine) as s:
        gr = _receive(s, tiny, [(7, None)], warehouse=tiny.wh2)
        assert _ledger(s, "goods_receipt") == [(D(7), None)]
        assert s.scalar(select(func.count()).select_from(StockBinBalance)) == 0
        assert on_hand(s, tiny.water, tiny.wh2) == D(7)
        po_id = gr.purchase_order_id
    # naming a bin for a warehouse without bins is an error, not silently ignored
    with pytest.raises(ValidationError) as err, unit_of_work(tiny.engine) as s:
        inventory.post_opening_balance(s, tiny.water, tiny.wh2, D(1), D("1.00"), date(2026, 3, 1), bin_id=a2)
    assert (err.value.code, err.value.field) == ("bin_not_used", "bin_id")
    assert po_id


def test_enabling_bins_puts_the_stock_into_the_default_bin_without_ledger_rows(tiny):
    with unit_of_work(tiny.engine) as s:
        inventory.post_opening_balance(s, tiny.water, tiny.wh1, D(12), D("1.50"), date(2026, 3, 1))
        inventory.post_opening_balance(s, tiny.tea, tiny.wh1, D(5), D("2.00"), date(2026, 3, 1))
        rows_before = s.scalar(select(func.count()).select_from(StockLedger))
    with unit_of_work(tiny.engine) as s:
        main = bins.create_bin(s, tiny.wh1, "MAIN")
        # the default bin must be a bin of the warehouse
        with pytest.raises(ValidationError) as err:
            bins.configure_bins(s, tiny.wh1, uses_bins=True)
        assert err.value.field == "default_bin_id"
        bins.configure_bins(s, tiny.wh1, uses_bins=True, default_bin_id=main.id)
        assert _bin_qty(s, tiny.wh1, tiny.water) == {"MAIN": D(12)}
        assert _bin_qty(s, tiny.wh1, tiny.tea) == {"MAIN": D(5)}
        assert s.scalar(select(func.count()).select_from(StockLedger)) == rows_before
        with pytest.raises(ValidationError) as err:
            bins.create_bin(s, tiny.wh1, "MAIN")
        assert (err.value.code, err.value.field) == ("duplicate", "bin_code")
        with pytest.raises(ValidationError) as err:
            bins.set_bin_active(s, main.id, False)
        assert err.value.code == "default_bin_inactive"
        # turning bins off zeroes the bin balances (the rows stay for ingestion)
        bins.configure_bins(s, tiny.wh1, uses_bins=False)
        assert _bin_qty(s, tiny.wh1) == {}
        assert on_hand(s, tiny.water, tiny.wh1) == D(12)


def _batch_bin_qty(s, warehouse_id, product_id):
    """{(bin code, batch no): quantity} of the non-zero bin × batch balances."""
    rows = s.execute(select(StorageBin.code, StockBatch.batch_no, StockBinBalance.quantity)
                     .join(StorageBin, StorageBin.id == StockBinBalance.bin_id)
                     .join(StockBatch, StockBatch.id == StockBinBalance.batch_id)
                     .where(StockBinBalance.warehouse_id == warehouse_id, StockBinBalance.product_id == product_id,
                            StockBinBalance.quantity != 0)).all()
    return {(code, no): qty for code, no, qty in rows}


def _receive_tea_batches(s, t, a2):
    """Tea tracked by batch: 30 of L-A (expires 2026-09-30) and 20 of L-B (expires 2026-06-30)
    into the default bin A-01, plus 10 of L-A and 25 of L-B into A-02."""
    product = s.get(Product, t.tea)
    product.tracks_batches, product.shelf_life_days = True, 180
    po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-01",
                                          [L(t.tea, q, "2.00") for q in (30, 20, 10, 25)])
    purchasing.confirm_purchase_order(s, po.id)
    purchasing.receive_goods(s, po.id, "2026-03-02", [
        F(po.lines[0].id, 30, batch_no="L-A", expiry_date="2026-09-30"),
        F(po.lines[1].id, 20, batch_no="L-B", expiry_date="2026-06-30"),
        F(po.lines[2].id, 10, batch_no="L-A", bin_id=a2),
        F(po.lines[3].id, 25, batch_no="L-B", expiry_date="2026-06-30", bin_id=a2)])


def test_batch_product_is_kept_per_bin_and_batch_and_ships_fefo_across_bins(tiny):
    _, a2 = _bins(tiny)
    with unit_of_work(tiny.engine) as s:
        _receive_tea_batches(s, tiny, a2)
        assert _batch_bin_qty(s, tiny.wh1, tiny.tea) == {
            ("A-01", "L-A"): D(30), ("A-01", "L-B"): D(20), ("A-02", "L-A"): D(10), ("A-02", "L-B"): D(25)}
        # ship 60: FEFO takes all 45 of L-B (expires first) — 25 from A-02 (the larger bin of L-B),
        # then 20 from A-01 — and 15 of L-A from A-01 (it holds 30 of L-A, A-02 only 10)
        so = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-03", [L(tiny.tea, 60, "5.00")])
        sales.confirm_sales_order(s, so.id)
        sales.ship_all(s, so.id, "2026-03-03")
        batch_nos = {b.id: b.batch_no for b in s.scalars(select(StockBatch))}
        codes = {b.id: b.code for b in s.scalars(select(StorageBin))}
        rows = s.execute(select(StockLedger.quantity, StockLedger.batch_id, StockLedger.bin_id)
                         .where(StockLedger.doc_type == "shipment").order_by(StockLedger.id)).all()
        assert [(q, batch_nos[b], codes[n]) for q, b, n in rows] == [
            (D(-25), "L-B", "A-02"), (D(-20), "L-B", "A-01"), (D(-15), "L-A", "A-01")]
        assert _batch_bin_qty(s, tiny.wh1, tiny.tea) == {("A-01", "L-A"): D(15), ("A-02", "L-A"): D(10)}
        assert on_hand(s, tiny.tea, tiny.wh1) == D(25)
        # the picking suggestion sums a product's batches per bin
        assert [(b.code, b.quantity) for b in bins.largest_first(s, tiny.tea, tiny.wh1, D(25))] == [
            ("A-01", D(15)), ("A-02", D(10))]


def test_batch_oversell_is_refused_per_bin_and_batch(tiny):
    _, a2 = _bins(tiny)
    with unit_of_work(tiny.engine) as s:
        _receive_tea_batches(s, tiny, a2)
        so = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-03", [L(tiny.tea, 30, "5.00")])
        sales.confirm_sales_order(s, so.id)
        so_id, line_id = so.id, so.lines[0].id
    # bin A-02 holds 35 of tea, but FEFO gives 30 of L-B, of which A-02 holds only 25
    with pytest.raises(InsufficientStockError) as err, unit_of_work(tiny.engine) as s:
        sales.ship_goods(s, so_id, "2026-03-03", [F(line_id, 30, bin_id=a2)])
    assert (err.value.code, err.value.field) == ("insufficient_bin_stock", "lines.1.quantity")
    assert (err.value.params["bin"], err.value.params["available"], err.value.params["quantity"]) == (
        "A-02", D(25), D(30))
    with unit_of_work(tiny.engine) as s:
        assert _batch_bin_qty(s, tiny.wh1, tiny.tea) == {
            ("A-01", "L-A"): D(30), ("A-01", "L-B"): D(20), ("A-02", "L-A"): D(10), ("A-02", "L-B"): D(25)}
        assert on_hand(s, tiny.tea, tiny.wh1) == D(85)
        assert _ledger(s, "shipment") == []


def test_bin_move_of_a_batch_product_carries_its_batch(tiny):
    a1, a2 = _bins(tiny)
    with unit_of_work(tiny.engine) as s:
        _receive_tea_batches(s, tiny, a2)
        batch_ids = {b.batch_no: b.id for b in s.scalars(select(StockBatch))}
        # move 12 of L-A from: only L-A moves
        doc_no = bins.move_between_bins(s, tiny.wh1, tiny.tea, a1, a2, "12", "2026-03-04", batch_id=batch_ids["L-A"])
        rows = s.execute(select(StockLedger.movement_type, StockLedger.quantity, StockLedger.bin_id,
                                StockLedger.batch_id).where(StockLedger.doc_no == doc_no)
                         .order_by(StockLedger.id)).all()
        assert rows == [("bin_move_out", D(-12), a1, batch_ids["L-A"]), ("bin_move_in", D(12), a2, batch_ids["L-A"])]
        assert _batch_bin_qty(s, tiny.wh1, tiny.tea) == {
            ("A-01", "L-A"): D(18), ("A-01", "L-B"): D(20), ("A-02", "L-A"): D(22), ("A-02", "L-B"): D(25)}
        # without a batch: FEFO within the source bin — 20 of L-B, then 5 of L-A
        doc_no = bins.move_between_bins(s, tiny.wh1, tiny.tea, a1, a2, "25", "2026-03-04")
        moved = s.execute(select(StockLedger.quantity, StockLedger.batch_id).where(
            StockLedger.doc_no == doc_no, StockLedger.movement_type == "bin_move_out")
            .order_by(StockLedger.id)).all()
        assert moved == [(D(-20), batch_ids["L-B"]), (D(-5), batch_ids["L-A"])]
        assert _batch_bin_qty(s, tiny.wh1, tiny.tea) == {
            ("A-01", "L-A"): D(13), ("A-02", "L-A"): D(27), ("A-02", "L-B"): D(45)}
        assert on_hand(s, tiny.tea, tiny.wh1) == D(85)
        # more than the bin holds is refused, naming the bin
        with pytest.raises(InsufficientStockError) as err:
            bins.move_between_bins(s, tiny.wh1, tiny.tea, a1, a2, "14", "2026-03-04")
        assert (err.value.code, err.value.params["available"]) == ("insufficient_bin_stock", D(13))


def test_enabling_bins_puts_each_batch_into_the_default_bin(tiny):
    with unit_of_work(tiny.engine) as s:
        product = s.get(Product, tiny.tea)
        product.tracks_batches, product.shelf_life_days = True, 180
        inventory.post_opening_balance(s, tiny.tea, tiny.wh2, D(5), D("2.00"), date(2026, 3, 1), batch_no="B1")
        inventory.post_opening_balance(s, tiny.tea, tiny.wh2, D(7), D("2.00"), date(2026, 3, 1), batch_no="B2",
                                       doc_no="OPENING-2")
        inventory.post_opening_balance(s, tiny.water, tiny.wh2, D(4), D("1.00"), date(2026, 3, 1))
        b = bins.create_bin(s, tiny.wh2, "B-01")
        bins.configure_bins(s, tiny.wh2, uses_bins=True, default_bin_id=b.id)
        assert s.get(Warehouse, tiny.wh2).uses_bins
        assert _batch_bin_qty(s, tiny.wh2, tiny.tea) == {("B-01", "B1"): D(5), ("B-01", "B2"): D(7)}
        assert _bin_qty(s, tiny.wh2, tiny.water) == {"B-01": D(4)}
        assert _bin_qty(s, tiny.wh2) == {"B-01": D(16)}
        # and a shipment afterwards takes the batch FEFO (no expiry: oldest batch first) from the bin
        so = sales.create_sales_order(s, tiny.customer, tiny.wh2, "2026-03-03", [L(tiny.tea, 6, "5.00")])
        sales.confirm_sales_order(s, so.id)
        sales.ship_all(s, so.id, "2026-03-03")
        assert _batch_bin_qty(s, tiny.wh2, tiny.tea) == {("B-01", "B2"): D(6)}


def test_transfers_leave_from_bins_and_arrive_in_a_bin(tiny):
    _, a2 = _bins(tiny)
    with unit_of_work(tiny.engine) as s:
        _receive(s, tiny, [(30, None), (20, a2)])
        tr = transfers.ship_transfer(s, tiny.wh1, tiny.wh2, "2026-03-04", [T(tiny.water, 35)])
        out = s.execute(select(StockLedger.quantity, StockLedger.bin_id).where(
            StockLedger.doc_type == "stock_transfer", StockLedger.warehouse_id == tiny.wh1)
            .order_by(StockLedger.id)).all()
        assert [q for q, _ in out] == [D(-30), D(-5)]
        transit_rows = s.execute(select(StockLedger.bin_id).where(
            StockLedger.doc_type == "stock_transfer", StockLedger.warehouse_id != tiny.wh1)).scalars().all()
        assert transit_rows == [None, None]  # the in-transit warehouse has no bins
        transfers.receive_transfer(s, tr.id, "2026-03-05")
        assert _bin_qty(s, tiny.wh1) == {"A-02": D(15)}
        # back from WH2 into a named bin of WH1
        back = transfers.ship_transfer(s, tiny.wh2, tiny.wh1, "2026-03-06", [T(tiny.water, 10)])
        transfers.receive_transfer(s, back.id, "2026-03-07", bin_id=a2)
        assert _bin_qty(s, tiny.wh1) == {"A-02": D(25)}
        assert on_hand(s, tiny.water, tiny.wh1) == D(25)


def test_stocktake_gain_goes_to_the_default_bin_and_loss_largest_first(tiny):
    _, a2 = _bins(tiny)
    with unit_of_work(tiny.engine) as s:
        _receive(s, tiny, [(30, None), (20, a2)])
        inventory.post_opening_balance(s, tiny.tea, tiny.wh1, D(8), D("2.00"), date(2026, 3, 1), bin_id=a2)
        sheet = stocktakes.open_stocktake(s, tiny.wh1, "2026-03-08")
        stocktakes.record_counts(s, sheet.id, {tiny.water: 46, tiny.tea: 10})
        stocktakes.post_stocktake(s, sheet.id)
        # water: book 50, counted 46 → loss 4 from A-01 (30, the larger); tea: gain 2 into A-01
        assert _bin_qty(s, tiny.wh1, tiny.water) == {"A-01": D(26), "A-02": D(20)}
        assert _bin_qty(s, tiny.wh1, tiny.tea) == {"A-01": D(2), "A-02": D(8)}


def test_returns_leave_largest_bin_first_and_come_back_into_the_default_bin(tiny):
    _, a2 = _bins(tiny)
    with unit_of_work(tiny.engine) as s:
        gr = _receive(s, tiny, [(30, a2)])
        inventory.post_opening_balance(s, tiny.water, tiny.wh1, D(10), D("1.00"), date(2026, 3, 1))
        # to the supplier: 5 from A-02 (30, the larger), not from A-01 (10)
        returns.return_to_supplier(s, gr.id, "2026-03-03", [R(gr.lines[0].id, 5)], reason="破损")
        assert _bin_qty(s, tiny.wh1) == {"A-01": D(10), "A-02": D(25)}
        so = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-03", [L(tiny.water, 4, "2.50")])
        sales.confirm_sales_order(s, so.id)
        sh = sales.ship_all(s, so.id, "2026-03-03")  # 4 from A-02 → 21
        # a customer return is restocked into the default bin
        returns.return_from_customer(s, sh.id, "2026-03-04", [R(sh.lines[0].id, 3)], reason="多发")
        assert _bin_qty(s, tiny.wh1) == {"A-01": D(13), "A-02": D(21)}
        assert on_hand(s, tiny.water, tiny.wh1) == D(34)


def test_negative_stock_allowed_goes_below_zero_in_the_default_bin(tiny):
    _, a2 = _bins(tiny)
    with unit_of_work(tiny.engine) as s:
        inventory.post_opening_balance(s, tiny.ice, tiny.wh1, D(3), D("3.00"), date(2026, 3, 1), bin_id=a2)
        so = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-03", [L(tiny.ice, 5, "6.00")])
        sales.confirm_sales_order(s, so.id)
        sales.ship_all(s, so.id, "2026-03-03")
        assert _ledger(s, "shipment") == [(D(-3), "A-02"), (D(-2), "A-01")]
        assert _bin_qty(s, tiny.wh1, tiny.ice) == {"A-01": D(-2)}
        assert on_hand(s, tiny.ice, tiny.wh1) == D(-2)


def test_bin_balances_add_up_to_the_warehouse_balance(tiny):
    a1, a2 = _bins(tiny)
    with unit_of_work(tiny.engine) as s:
        _receive(s, tiny, [(30, None), (20, a2)])
        bins.move_between_bins(s, tiny.wh1, tiny.water, a2, a1, 5, "2026-03-03")
        so = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-03", [L(tiny.water, 37, "2.50")])
        sales.confirm_sales_order(s, so.id)
        sales.ship_all(s, so.id, "2026-03-03")
        # A-01 35, A-02 15 → 35 from A-01, then 2 from A-02
        assert _bin_qty(s, tiny.wh1) == {"A-02": D(13)}
        total = s.scalar(select(func.sum(StockBinBalance.quantity)).where(StockBinBalance.warehouse_id == tiny.wh1))
        assert total == on_hand(s, tiny.water, tiny.wh1) == D(13)


def _race_from_bin(t, orders: list[tuple[int, int]], bin_id: int) -> list[str]:
    """Ship each (order, line) 1 from ``bin_id`` in its own thread, all released at once."""
    barrier, outcomes, lock = threading.Barrier(len(orders)), [], threading.Lock()

    def ship(order_id: int, line_id: int) -> None:
        barrier.wait()
        try:
            with unit_of_work(t.engine) as s:
                sales.ship_goods(s, order_id, "2026-03-03", [F(line_id, 1, bin_id=bin_id)])
            result = "shipped"
        except InsufficientStockError as err:
            result = err.code
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=ship, args=order) for order in orders]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    return outcomes


def test_two_clerks_shipping_the_last_unit_of_a_bin_at_once(tiny):
    """The warehouse holds 2 (one per bin), both clerks ship 1 from A-02: the bin's conditional
    UPDATE lets exactly one through, on both backends."""
    a1, a2 = _bins(tiny)
    for round_no in range(4):
        with unit_of_work(tiny.engine) as s:
            _receive(s, tiny, [(1, a1), (1, a2)])
            orders = []
            for _ in range(2):
                so = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-03", [L(tiny.water, 1, "2.5")])
                sales.confirm_sales_order(s, so.id)
                orders.append((so.id, so.lines[0].id))
        outcomes = _race_from_bin(tiny, orders, a2)
        assert sorted(outcomes) == ["insufficient_bin_stock", "shipped"], f"round {round_no}: {outcomes}"
        with unit_of_work(tiny.engine) as s:
            assert _bin_qty(s, tiny.wh1) == {"A-01": D(round_no + 1)}
            assert on_hand(s, tiny.water, tiny.wh1) == D(round_no + 1)
            assert monitoring.stock_balances(s) == monitoring.ledger_totals(s)


def test_two_first_postings_into_an_empty_bin_at_once_make_one_balance_row(tiny):
    """The first posting of a product into a bin creates its balance row (batch NULL). The first
    transaction holds its new row uncommitted while the second posts: the second must wait and add
    to that row, not create another (a unique constraint treats NULLs as distinct; a partial
    unique index covers the NULL batch)."""
    t = tiny
    _, a2 = _bins(t)
    first_posted = threading.Event()
    errors: list[Exception] = []

    def post(hold: bool) -> None:
        try:
            with unit_of_work(t.engine) as s:
                sub_balances.move(s, StockBinBalance, {"product_id": t.water, "bin_id": a2, "batch_id": None},
                                  {"warehouse_id": t.wh1}, D(5), allow_negative=False)
                if hold:
                    first_posted.set()
                    time.sleep(0.5)  # the other transaction posts while this row is uncommitted
        except Exception as err:  # noqa: BLE001 - any failure is the finding
            errors.append(err)

    first = threading.Thread(target=post, args=(True,))
    first.start()
    first_posted.wait(timeout=30)
    second = threading.Thread(target=post, args=(False,))
    second.start()
    for th in (first, second):
        th.join(timeout=60)
    assert errors == []
    with unit_of_work(t.engine) as s:
        rows = s.execute(select(StockBinBalance.quantity).where(StockBinBalance.bin_id == a2,
                                                                StockBinBalance.product_id == t.water)).scalars().all()
        assert rows == [D(10)]
