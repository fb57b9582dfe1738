"""Barcode scanning (operational/services/scanning.py): what a code stands for, how scans add up and
which document line a scan lands on; a stocktake counted by scans; the phone stock lookup by
warehouse, bin and batch (stock_queries.stock_by_location)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from operational.db import unit_of_work
from operational.models import Product, StockLedger
from operational.services import bins, purchasing, scanning, stock_queries, stocktakes
from operational.services.errors import ValidationError
from operational.services.inventory import on_hand, post_opening_balance
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L
from operational.services.scanning import ScanLine

D = Decimal
WATER_BARCODE = "6901234567892"


# ---- pure rules -----------------------------------------------------------------------------------

def _item(product_id: int, quantity: str = "1") -> scanning.ScannedItem:
    return scanning.ScannedItem("code", product_id, f"P{product_id}", "商品", "个", D(quantity))


def test_each_scan_adds_its_quantity_and_nothing_counted_is_zero():
    counts: dict[int, Decimal | None] = {7: None}
    counts = scanning.add_scan(counts, 7, D(1))
    assert counts == {7: D(1)}
    counts = scanning.add_scan(counts, 7, D(1))  # the same code again: one more
    counts = scanning.add_scan(counts, 8, D(12))  # a code that stands for a case of 12
    assert counts == {7: D(2), 8: D(12)}
    assert scanning.add_scan({}, 9, D("0.5")) == {9: D("0.5")}


def test_a_scan_lands_on_the_first_line_of_its_product_until_that_line_is_full():
    lines = [ScanLine(101, 1, D(2)), ScanLine(102, 2, D(5)), ScanLine(103, 1, D(1))]
    assert scanning.line_for_scan(lines, {}, _item(1)) == 101
    assert scanning.line_for_scan(lines, {101: D(1)}, _item(1)) == 101
    assert scanning.line_for_scan(lines, {101: D(2)}, _item(1)) == 103  # line 1 is full: the next line
    # every line of the product full: the last one (the service then applies the tolerance or refuses)
    assert scanning.line_for_scan(lines, {101: D(2), 103: D(1)}, _item(1)) == 103
    assert scanning.line_for_scan(lines, {}, _item(2)) == 102
    with pytest.raises(ValidationError) as err:
        scanning.line_for_scan(lines, {}, _item(3), record="PO-2026-000001")
    assert err.value.field == "barcode"
    assert err.value.message() == "PO-2026-000001：P3 商品 不在本单据上"
    assert err.value.message("en") == "PO-2026-000001: P3 商品 is not on this document"


# ---- against the store ----------------------------------------------------------------------------

def test_resolve_code_by_barcode_or_sku_and_clear_refusals(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        by_barcode = scanning.resolve_code(s, f" {WATER_BARCODE}\n")  # a scanner's trailing newline
        assert (by_barcode.product_id, by_barcode.sku, by_barcode.unit, by_barcode.quantity) == (
            t.water, "P001", "个", D(1))
        assert scanning.resolve_code(s, "P002").product_id == t.tea
        with pytest.raises(ValidationError) as err:
            scanning.resolve_code(s, "0000000000000")
        assert err.value.field == "barcode"
        assert err.value.message() == "没有条码或商品编码为“0000000000000”的商品，请核对后重新扫描"
        assert err.value.message("en") == "No product has the barcode or SKU “0000000000000”; check it and scan again"
        with pytest.raises(ValidationError, match="不能为空"):
            scanning.resolve_code(s, "   ")
        with pytest.raises(ValidationError) as err:
            scanning.resolve_code(s, "9" * 65)
        assert err.value.message() == "商品的条码最多64个字符，输入了65个"


def test_a_stocktake_counted_by_scans_posts_the_difference(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        post_opening_balance(s, t.water, t.wh1, D(3), D("1.00"), "2026-01-01")
        post_opening_balance(s, t.ice, t.wh1, D(1), D("1.00"), "2026-01-01")
        sheet_id = stocktakes.open_stocktake(s, t.wh1, "2026-02-01").id
    with unit_of_work(t.engine) as s:
        for code in (WATER_BARCODE, WATER_BARCODE, "P002", WATER_BARCODE, WATER_BARCODE):
            line, item = stocktakes.count_scan(s, sheet_id, code)
        assert (line.product_id, line.counted_qty, item.label) == (t.water, D(4), "P001 矿泉水550ml")
        with pytest.raises(ValidationError, match="ST-2026-000001：没有条码或商品编码为“X-1”的商品"):
            stocktakes.count_scan(s, sheet_id, "X-1")
        stocktakes.post_stocktake(s, sheet_id)
    with unit_of_work(t.engine) as s:
        ledger = s.execute(select(StockLedger.product_id, StockLedger.movement_type, StockLedger.quantity)
                           .where(StockLedger.doc_type == "stocktake").order_by(StockLedger.id)).all()
        # water 3 → 4 counted (+1); tea, found on the shelf, added with book 0 and 1 counted (+1);
        # ice never scanned: left as it is
        assert [tuple(r) for r in ledger] == [(t.water, "stocktake_gain", D(1)), (t.tea, "stocktake_gain", D(1))]
        assert (on_hand(s, t.water, t.wh1), on_hand(s, t.tea, t.wh1), on_hand(s, t.ice, t.wh1)) == (D(4), D(1), D(1))


def test_stock_by_location_lists_warehouses_bins_and_batches(tiny):
    t = tiny
    with unit_of_work(t.engine) as s:
        a1 = bins.create_bin(s, t.wh1, "A-01", "饮料区1")
        a2 = bins.create_bin(s, t.wh1, "A-02", "饮料区2")
        bins.configure_bins(s, t.wh1, uses_bins=True, default_bin_id=a1.id)
        s.get(Product, t.tea).tracks_batches = True
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-01",
                                              [L(t.tea, q, "2.00") for q in (30, 20, 25)] + [L(t.water, 40, "1.00")])
        purchasing.confirm_purchase_order(s, po.id)
        purchasing.receive_goods(s, po.id, "2026-03-02", [
            F(po.lines[0].id, 30, batch_no="L-A", expiry_date="2026-09-30"),
            F(po.lines[1].id, 20, batch_no="L-B", expiry_date="2026-06-30"),
            F(po.lines[2].id, 25, batch_no="L-B", expiry_date="2026-06-30", bin_id=a2.id),
            F(po.lines[3].id, 40, bin_id=a2.id)])
        po2 = purchasing.create_purchase_order(s, t.supplier, t.wh2, "2026-03-01",
                                               [L(t.tea, 7, "2.00"), L(t.water, 9, "1.00")])
        purchasing.confirm_purchase_order(s, po2.id)
        purchasing.receive_goods(s, po2.id, "2026-03-02", [
            F(po2.lines[0].id, 7, batch_no="L-C", expiry_date="2026-12-31"), F(po2.lines[1].id, 9)])
    with unit_of_work(t.engine) as s:
        tea = [(r.warehouse_name, r.bin_code, r.batch_no, str(r.expiry_date), r.quantity)
               for r in stock_queries.stock_by_location(s, t.tea)]
        assert tea == [("上海主仓", "A-01", "L-B", "2026-06-30", D(20)), ("上海主仓", "A-01", "L-A", "2026-09-30", D(30)),
                       ("上海主仓", "A-02", "L-B", "2026-06-30", D(25)), ("广州仓", None, "L-C", "2026-12-31", D(7))]
        water = [(r.warehouse_name, r.bin_code, r.batch_no, r.quantity)
                 for r in stock_queries.stock_by_location(s, t.water)]
        assert water == [("上海主仓", "A-02", None, D(40)), ("广州仓", None, None, D(9))]
        assert stock_queries.stock_by_location(s, t.ice) == []
        assert sum(r.quantity for r in stock_queries.stock_by_location(s, t.tea)) == D(82)
