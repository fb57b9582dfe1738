"""The scan fields of the warehouse forms and the phone stock lookup (docs/phone.md), through the
whole app against a real store: a scan is the code typed into the field and Enter (AppTest: the
value set and a run, which fires the field's on_change like Enter does)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dashboard_support import texts
from sqlalchemy import select

from operational.db import unit_of_work
from operational.models import StockLedger, Stocktake
from operational.services import purchasing
from operational.services.inventory import on_hand, post_opening_balance
from operational.services.orders import OrderLineInput

YEAR = date.today().year
WATER_BARCODE = "6901234567892"
CHIPS_BARCODE = "6909876543210"


def _scan(at, key: str, code: str) -> None:  # noqa: ANN001
    at.text_input(key=key).set_value(code).run()
    assert not at.exception
    assert at.text_input(key=key).value == ""  # emptied for the next scan


def _opening(company, product: int, qty: str) -> None:  # noqa: ANN001
    with unit_of_work(company.engine) as s:
        post_opening_balance(s, product, company.wh1, Decimal(qty), Decimal("1.00"), date(2026, 1, 1))


def test_stocktake_scans_add_one_each_and_an_unknown_code_says_so(app_for, company):
    _opening(company, company.water, "3")
    _opening(company, company.chips, "5")
    at = app_for("warehouse", page="views/stocktake.py")
    at.selectbox(key="stko.warehouse").set_value(company.wh1)
    at.button(key="stko.open").click().run()
    sheet_id = at.selectbox(key="stk.sheet").value
    water_key = next(w.key for w in at.text_input if w.key.startswith("stk.count."))

    _scan(at, "stks.scan", WATER_BARCODE)
    assert [s.value for s in at.success][-1] == "已计数 P001 矿泉水550ml：共 1 个"
    _scan(at, "stks.scan", WATER_BARCODE)  # the same code again: one more
    assert [s.value for s in at.success][-1] == "已计数 P001 矿泉水550ml：共 2 个"
    assert at.text_input(key=water_key).value == "2"  # the sheet's table follows
    _scan(at, "stks.scan", "0000000000000")
    assert [e.value for e in at.error] == [f"ST-{YEAR}-000001：没有条码或商品编码为“0000000000000”的商品，请核对后重新扫描"]
    _scan(at, "stks.scan", "P001")  # a typed SKU counts like its barcode; the error is gone
    assert not at.error
    at.button(key="stk.post").click().run()
    assert not at.exception
    with unit_of_work(company.engine) as s:
        assert s.get(Stocktake, sheet_id).status == "posted"
        assert on_hand(s, company.water, company.wh1) == Decimal("3")  # 3 counted: no difference
        assert on_hand(s, company.chips, company.wh1) == Decimal("5")  # not counted: left as it is
        assert s.execute(select(StockLedger.id).where(StockLedger.doc_type == "stocktake")).all() == []


def test_receipt_by_scan_counts_each_line_from_zero(app_for, company):
    with unit_of_work(company.engine) as s:
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, date.today(), [
            OrderLineInput(company.water, "2", "1.20"), OrderLineInput(company.chips, "10", "3.00"),
            OrderLineInput(company.water, "5", "1.20")])
        purchasing.confirm_purchase_order(s, po.id)
        po_id = po.id
    at = app_for("warehouse", page="views/goods_receipt.py")
    at.selectbox(key="gr.order").set_value(po_id).run()
    qty_keys = [w.key for w in at.text_input if w.key.startswith("gr.qty.")]
    assert [at.text_input(key=k).value for k in qty_keys] == ["2", "10", "5"]  # the open quantities

    for _ in range(3):
        _scan(at, "gr.scan", WATER_BARCODE)
    # line 1 (2 open) is full after two scans; the third lands on line 3; chips, not scanned, 0
    assert [at.text_input(key=k).value for k in qty_keys] == ["2", "0", "1"]
    assert "已扫描 P001 矿泉水550ml：第3行 数量 1 个" in " ".join(c.value for c in at.caption)

    _scan(at, "gr.scan", "P003")
    assert [e.value for e in at.error] == ["没有条码或商品编码为“P003”的商品，请核对后重新扫描"]
    assert [at.text_input(key=k).value for k in qty_keys] == ["2", "0", "1"]  # nothing changed
    at.button(key="gr.post").click().run()
    assert not at.exception
    with unit_of_work(company.engine) as s:
        assert on_hand(s, company.water, company.wh1) == Decimal("3")
        assert on_hand(s, company.chips, company.wh1) == Decimal("0")


def test_shipment_refuses_a_product_not_on_the_order(app_for, company):
    _opening(company, company.water, "10")
    from operational.services import sales

    with unit_of_work(company.engine) as s:
        so = sales.create_sales_order(s, company.customer, company.wh1, date.today(),
                                      [OrderLineInput(company.water, "4", "2.50")])
        sales.confirm_sales_order(s, so.id)
        so_id = so.id
    at = app_for("warehouse", page="views/shipment.py")
    at.selectbox(key="sh.order").set_value(so_id).run()
    _scan(at, "sh.scan", CHIPS_BARCODE)
    assert [e.value for e in at.error] == ["P002 薯片70g 不在本单据上"]


def test_transfer_scans_fill_lines_and_add_one_more_of_the_same_code(app_for, company):
    _opening(company, company.water, "10")
    _opening(company, company.chips, "10")
    at = app_for("warehouse", page="views/stock_transfer.py")
    for code in (WATER_BARCODE, CHIPS_BARCODE, WATER_BARCODE):
        _scan(at, "trs.scan", code)
    assert at.selectbox(key="trs.line1.product").value == company.water
    assert at.text_input(key="trs.line1.quantity").value == "2"
    assert at.selectbox(key="trs.line2.product").value == company.chips
    assert at.text_input(key="trs.line2.quantity").value == "1"
    at.text_input(key="trs.line2.quantity").set_value("abc").run()  # typed by hand: never replaced
    _scan(at, "trs.scan", CHIPS_BARCODE)
    assert [e.value for e in at.error] == ["第2行：数量不是有效的数字：abc"]  # refused, not replaced
    assert at.text_input(key="trs.line2.quantity").value == "abc"


def test_stock_lookup_by_scan_shows_every_warehouse(app_for, company):
    _opening(company, company.water, "12")
    with unit_of_work(company.engine) as s:
        post_opening_balance(s, company.water, company.wh2, Decimal("5"), Decimal("1.00"), date(2026, 1, 1))
    at = app_for("warehouse", page="views/stock_lookup.py")
    assert "扫描条码或输入商品编码，回车后显示各仓库、库位和批次的现有库存。" in texts(at)
    _scan(at, "sl.scan", WATER_BARCODE)
    shown = texts(at)
    assert "合计现有 **17 个**" in [m.value for m in at.markdown]
    assert any("**12 个** · 上海主仓" in m.value for m in at.markdown)
    assert any("**5 个** · 广州仓" in m.value for m in at.markdown)
    assert "P001 矿泉水550ml" in shown
    _scan(at, "sl.scan", "nope")
    assert [e.value for e in at.error] == ["没有条码或商品编码为“nope”的商品，请核对后重新扫描"]


def test_transfer_arrival_by_scan_receives_what_was_scanned(app_for, company):
    from operational.services import transfers
    from operational.services.transfers import TransferLineInput

    _opening(company, company.water, "10")
    _opening(company, company.chips, "10")
    with unit_of_work(company.engine) as s:
        transfer_id = transfers.ship_transfer(s, company.wh1, company.wh2, date.today(), [
            TransferLineInput(company.water, "3"), TransferLineInput(company.chips, "2")]).id
    at = app_for("warehouse", page="views/stock_transfer.py")
    at.selectbox(key="trr.transfer").set_value(transfer_id).run()
    qty_keys = [w.key for w in at.text_input if w.key.startswith("trr.qty.")]
    assert [at.text_input(key=k).value for k in qty_keys] == ["3", "2"]  # what was shipped
    for code in (WATER_BARCODE, WATER_BARCODE, WATER_BARCODE, CHIPS_BARCODE):
        _scan(at, "trr.scan", code)
    assert [at.text_input(key=k).value for k in qty_keys] == ["3", "1"]  # one bag of chips lost on the road
    at.button(key="trr.post").click().run()
    assert not at.exception
    with unit_of_work(company.engine) as s:
        assert on_hand(s, company.water, company.wh2) == Decimal("3")
        assert on_hand(s, company.chips, company.wh2) == Decimal("1")
