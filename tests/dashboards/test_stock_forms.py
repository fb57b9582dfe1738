"""Purchase and sales returns, transfers and stocktakes entered through the forms against a real store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dashboard_support import index_of, table, texts
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import (
    GoodsReceipt,
    PurchaseReturn,
    SalesReturn,
    Shipment,
    StockLedger,
    Stocktake,
    StockTransfer,
)
from operational.services import purchasing, sales
from operational.services.inventory import on_hand, post_opening_balance
from operational.services.orders import OrderLineInput
from operational.services.transfers import transit_warehouse

YEAR = date.today().year
WATER_BARCODE = "6901234567892"
CHIPS_BARCODE = "6909876543210"


def _count(engine, model) -> int:  # noqa: ANN001
    with unit_of_work(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _ledger(engine, doc_type: str) -> list[tuple]:  # noqa: ANN001
    with unit_of_work(engine) as s:
        rows = s.execute(select(StockLedger).where(StockLedger.doc_type == doc_type).order_by(StockLedger.id))
        return [(r.warehouse_id, r.product_id, r.movement_type, r.quantity) for r in rows.scalars()]


def _at(at, key: str) -> int:  # noqa: ANN001
    return index_of(at, lambda n: getattr(n, "key", None) == key)


def _error_at(at) -> int:  # noqa: ANN001
    return index_of(at, lambda n: getattr(n, "type", "") == "error")


def _opening(company, product: int, qty: str) -> None:  # noqa: ANN001
    with unit_of_work(company.engine) as s:
        post_opening_balance(s, product, company.wh1, Decimal(qty), Decimal("1.00"), date(2026, 1, 1))


def _received(company, lines: list[tuple[int, str]]) -> int:  # noqa: ANN001
    """A PO received in full today; the goods receipt id."""
    with unit_of_work(company.engine) as s:
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, date.today(),
                                              [OrderLineInput(p, q, "1.20") for p, q in lines])
        purchasing.confirm_purchase_order(s, po.id)
        return purchasing.receive_all(s, po.id, date.today()).id


def _shipped(company, qty: str) -> int:  # noqa: ANN001
    """Water shipped to the customer today; the shipment id."""
    with unit_of_work(company.engine) as s:
        so = sales.create_sales_order(s, company.customer, company.wh1, date.today(),
                                      [OrderLineInput(company.water, qty, "2.50")])
        sales.confirm_sales_order(s, so.id)
        return sales.ship_all(s, so.id, date.today()).id


def _qty_keys(at, prefix: str) -> list[str]:  # noqa: ANN001
    return [w.key for w in at.text_input if w.key.startswith(prefix)]


# ---------------------------------------------------------------- purchase return

def test_purchase_return_posts_against_the_receipt(app_for, company):
    gr_id = _received(company, [(company.water, "100")])
    at = app_for("warehouse", page="views/purchase_return.py")
    at.text_input(key="pr.search").set_value("清泉").run()  # the supplier's name finds its receipts
    assert list(at.selectbox(key="pr.source").options) == [f"GR-{YEAR}-000001 杭州清泉饮品有限公司 {date.today()}"]
    at.text_input(key="pr.search").set_value("苏州").run()
    assert list(at.selectbox(key="pr.source").options) == []
    at.text_input(key="pr.search").set_value(f"GR-{YEAR}").run()
    at.selectbox(key="pr.source").set_value(gr_id).run()
    (qty_key,) = _qty_keys(at, "pr.qty.")
    at.text_input(key=qty_key).set_value("30")
    at.text_input(key="pr.reason").set_value("质量问题").run()
    at.button(key="pr.post").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"已过账采购退货单 PR-{YEAR}-000001（原单 GR-{YEAR}-000001）"]
    with unit_of_work(company.engine) as s:
        assert on_hand(s, company.water, company.wh1) == Decimal("70")
        ret = s.execute(select(PurchaseReturn)).scalar_one()
        assert (ret.receipt_id, ret.supplier_id, ret.reason, ret.return_date) == (
            gr_id, company.supplier, "质量问题", date.today())
        assert [(line.line_no, line.quantity) for line in ret.lines] == [(1, Decimal("30"))]
        assert s.get(GoodsReceipt, gr_id).lines[0].returned_qty == Decimal("30")
        receipt_row = s.execute(select(StockLedger.id).where(StockLedger.doc_type == "goods_receipt")).scalar_one()
        back = s.execute(select(StockLedger).where(StockLedger.doc_type == "purchase_return")).scalar_one()
        assert (back.movement_type, back.quantity, back.source_ledger_id) == (
            "purchase_return", Decimal("-30"), receipt_row)
    # The form is cleared; picking the receipt again offers the remaining 70.
    assert at.text_input(key="pr.reason").value == ""
    at.selectbox(key="pr.source").set_value(gr_id).run()
    assert "70" in texts(at).split("\n")
    assert not at.warning


def test_purchase_return_over_the_returnable_quantity_is_refused_at_the_line(app_for, company):
    gr_id = _received(company, [(company.water, "100")])
    at = app_for("purchasing", page="views/purchase_return.py")
    at.selectbox(key="pr.source").set_value(gr_id).run()
    (qty_key,) = _qty_keys(at, "pr.qty.")
    at.text_input(key=qty_key).set_value("120")
    at.text_input(key="pr.reason").set_value("质量问题").run()
    at.button(key="pr.post").click().run()
    assert [e.value for e in at.error] == [f"GR-{YEAR}-000001第1行：退货数量120超过可退数量100"]
    assert _at(at, qty_key) < _error_at(at) < _at(at, "pr.reason")
    assert at.text_input(key=qty_key).value == "120"  # the input stays
    assert _count(company.engine, PurchaseReturn) == 0
    assert _ledger(company.engine, "purchase_return") == []

    # No reason: shown under the reason box.
    at.text_input(key=qty_key).set_value("10")
    at.text_input(key="pr.reason").set_value("").run()
    at.button(key="pr.post").click().run()
    assert [e.value for e in at.error] == [f"GR-{YEAR}-000001：退货原因不能为空"]
    assert _at(at, "pr.reason") < _error_at(at) < _at(at, "pr.post")
    assert _count(company.engine, PurchaseReturn) == 0


def test_purchase_return_of_goods_no_longer_in_stock_names_the_receipt_line(app_for, company):
    gr_id = _received(company, [(company.water, "10"), (company.chips, "10")])
    with unit_of_work(company.engine) as s:  # the chips have been sold meanwhile
        so = sales.create_sales_order(s, company.customer, company.wh1, date.today(),
                                      [OrderLineInput(company.chips, "10", "6.00")])
        sales.confirm_sales_order(s, so.id)
        sales.ship_all(s, so.id, date.today())
    at = app_for("warehouse", page="views/purchase_return.py")
    at.selectbox(key="pr.source").set_value(gr_id).run()
    water_key, chips_key = _qty_keys(at, "pr.qty.")
    at.text_input(key=chips_key).set_value("5")
    at.text_input(key="pr.reason").set_value("过期").run()
    at.button(key="pr.post").click().run()
    # Only line 2 is returned: the message and its place are about receipt line 2, not "line 1".
    assert [e.value for e in at.error] == [f"GR-{YEAR}-000001第2行：商品P002在仓库上海主仓库存不足：现有0，需要5"]
    assert _at(at, chips_key) < _error_at(at) < _at(at, "pr.reason")
    assert _at(at, water_key) < _at(at, chips_key)
    assert _count(company.engine, PurchaseReturn) == 0


# ---------------------------------------------------------------- sales return

def test_sales_return_restocks_the_shipping_warehouse(app_for, company):
    _opening(company, company.water, "50")
    sh_id = _shipped(company, "30")
    at = app_for("sales", page="views/sales_return.py")
    at.selectbox(key="sr.source").set_value(sh_id).run()
    (qty_key,) = _qty_keys(at, "sr.qty.")
    at.text_input(key=qty_key).set_value("5")
    at.text_input(key="sr.reason").set_value("包装破损")
    at.radio(key="sr.disposition").set_value("restock").run()
    at.button(key="sr.post").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"已过账销售退货单 SR-{YEAR}-000001（原单 SH-{YEAR}-000001）"]
    with unit_of_work(company.engine) as s:
        assert on_hand(s, company.water, company.wh1) == Decimal("25")  # 50 − 30 + 5
        ret = s.execute(select(SalesReturn)).scalar_one()
        assert (ret.shipment_id, ret.customer_id, ret.warehouse_id, ret.disposition, ret.reason) == (
            sh_id, company.customer, company.wh1, "restock", "包装破损")
        assert s.get(Shipment, sh_id).lines[0].returned_qty == Decimal("5")
    assert _ledger(company.engine, "sales_return") == [(company.wh1, company.water, "sales_return", Decimal("5"))]


def test_sales_return_to_quarantine_without_a_quarantine_warehouse_is_refused(app_for, company):
    _opening(company, company.water, "50")
    sh_id = _shipped(company, "30")
    at = app_for("warehouse", page="views/sales_return.py")
    at.selectbox(key="sr.source").set_value(sh_id).run()
    (qty_key,) = _qty_keys(at, "sr.qty.")
    at.text_input(key=qty_key).set_value("5")
    at.text_input(key="sr.reason").set_value("包装破损")
    at.radio(key="sr.disposition").set_value("quarantine").run()
    at.button(key="sr.post").click().run()
    assert [e.value for e in at.error] == [f"SH-{YEAR}-000001：没有可用的待检仓，不能把退货放入待检"]
    assert _at(at, "sr.disposition") < _error_at(at) < _at(at, "sr.post")
    assert at.radio(key="sr.disposition").value == "quarantine"
    assert _count(company.engine, SalesReturn) == 0
    with unit_of_work(company.engine) as s:
        assert on_hand(s, company.water, company.wh1) == Decimal("20")
        assert s.get(Shipment, sh_id).lines[0].returned_qty == Decimal("0")


# ---------------------------------------------------------------- transfers

def test_transfer_ships_into_transit_and_receives_with_a_transit_loss(app_for, company):
    _opening(company, company.water, "50")
    at = app_for("warehouse", page="views/stock_transfer.py")
    at.selectbox(key="trs.from").set_value(company.wh1)
    at.selectbox(key="trs.to").set_value(company.wh2)
    at.text_input(key="trs.line1.code").set_value(WATER_BARCODE).run()  # scanned: selects the product
    assert at.selectbox(key="trs.line1.product").value == company.water
    at.text_input(key="trs.line1.quantity").set_value("20").run()
    at.button(key="trs.post").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"已过账调拨单 TR-{YEAR}-000001：货物已转入在途仓"]
    with unit_of_work(company.engine) as s:
        transit = transit_warehouse(s).id
        assert on_hand(s, company.water, company.wh1) == Decimal("30")
        assert on_hand(s, company.water, transit) == Decimal("20")
        doc = s.execute(select(StockTransfer)).scalar_one()
        assert (doc.from_warehouse_id, doc.to_warehouse_id, doc.status) == (company.wh1, company.wh2, "in_transit")
        transfer_id = doc.id
    assert at.text_input(key="trs.line1.quantity").value == ""  # cleared for the next transfer

    # Receiving: the shipped quantity is prefilled; 18 arrive.
    at.selectbox(key="trr.transfer").set_value(transfer_id).run()
    (qty_key,) = _qty_keys(at, "trr.qty.")
    assert at.text_input(key=qty_key).value == "20"
    at.text_input(key=qty_key).set_value("18").run()
    at.button(key="trr.post").click().run()
    assert not at.exception
    assert f"调拨单 TR-{YEAR}-000001 已到货入库，在途损耗 2" in [s.value for s in at.success]
    with unit_of_work(company.engine) as s:
        assert on_hand(s, company.water, company.wh2) == Decimal("18")
        assert on_hand(s, company.water, transit) == Decimal("0")
        doc = s.get(StockTransfer, transfer_id)
        assert (doc.status, doc.receive_date, doc.lines[0].received_qty) == ("received", date.today(), Decimal("18"))
    assert _ledger(company.engine, "stock_transfer") == [
        (company.wh1, company.water, "transfer_out", Decimal("-20")),
        (transit, company.water, "transfer_in", Decimal("20")),
        (transit, company.water, "transfer_out", Decimal("-18")),
        (company.wh2, company.water, "transfer_in", Decimal("18")),
        (transit, company.water, "transit_loss", Decimal("-2")),
    ]
    assert "没有在途的调拨单" in texts(at)
    assert not at.warning


def test_transfer_errors_are_shown_at_their_field_and_nothing_is_written(app_for, company):
    _opening(company, company.water, "50")
    at = app_for("warehouse", page="views/stock_transfer.py")
    at.selectbox(key="trs.from").set_value(company.wh1)
    at.selectbox(key="trs.to").set_value(company.wh1)
    at.text_input(key="trs.line1.code").set_value("P001").run()  # a SKU works like a barcode
    at.text_input(key="trs.line1.quantity").set_value("20").run()
    at.button(key="trs.post").click().run()
    assert [e.value for e in at.error] == ["调出仓库和调入仓库不能相同"]
    assert _at(at, "trs.to") < _error_at(at) < _at(at, "trs.date")

    at.selectbox(key="trs.to").set_value(company.wh2)
    at.text_input(key="trs.line1.quantity").set_value("80").run()
    at.button(key="trs.post").click().run()
    assert [e.value for e in at.error] == [f"TR-{YEAR}-000001第1行：商品P001在仓库上海主仓库存不足：现有50，需要80"]
    assert _at(at, "trs.line1.quantity") < _error_at(at) < _at(at, "trs.add_line")

    at.text_input(key="trs.line1.code").set_value("0000000000000").run()
    at.button(key="trs.post").click().run()
    assert [e.value for e in at.error] == ["第1行：商品不存在：0000000000000"]
    assert _count(company.engine, StockTransfer) == 0
    assert _ledger(company.engine, "stock_transfer") == []


# ---------------------------------------------------------------- stocktakes

def _open_sheet(at, company) -> int:  # noqa: ANN001
    at.selectbox(key="stko.warehouse").set_value(company.wh1)
    at.button(key="stko.open").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"已创建盘点单 ST-{YEAR}-000001（2 行账面库存）"]
    return at.selectbox(key="stk.sheet").value  # the new sheet is chosen


def test_stocktake_counts_by_table_and_scan_then_posts(app_for, company):
    _opening(company, company.water, "50")
    _opening(company, company.chips, "5")
    at = app_for("warehouse", page="views/stocktake.py")
    sheet_id = _open_sheet(at, company)
    water_key, chips_key = _qty_keys(at, "stk.count.")
    at.text_input(key=water_key).set_value("48").run()  # typed in the table
    at.text_input(key="stks.code").set_value(CHIPS_BARCODE)  # scanned
    at.text_input(key="stks.qty").set_value("7").run()
    at.button(key="stks.record").click().run()
    assert not at.exception
    assert "已记录 P002 薯片70g：7" in [s.value for s in at.success]
    assert at.text_input(key=chips_key).value == "7"
    assert at.text_input(key="stks.code").value == ""  # ready for the next scan
    at.button(key="stk.save").click().run()
    variance = table(at, "差异数量")
    assert list(variance["商品编码"]) == ["P001", "P002"]
    assert list(variance["账面数量"]) == [50, 5]
    assert list(variance["实盘数量"]) == [48, 7]
    assert list(variance["差异数量"]) == [-2, 2]

    at.button(key="stk.post").click().run()
    assert not at.exception
    assert f"已过账盘点单 ST-{YEAR}-000001" in [s.value for s in at.success]
    with unit_of_work(company.engine) as s:
        sheet = s.get(Stocktake, sheet_id)
        assert (sheet.status, sheet.posted_date) == ("posted", date.today())
        assert on_hand(s, company.water, company.wh1) == Decimal("48")
        assert on_hand(s, company.chips, company.wh1) == Decimal("7")
    assert _ledger(company.engine, "stocktake") == [
        (company.wh1, company.water, "stocktake_loss", Decimal("-2")),
        (company.wh1, company.chips, "stocktake_gain", Decimal("2")),
    ]
    assert "没有进行中的盘点单" in texts(at)
    assert not at.warning


def test_stocktake_unknown_barcode_and_negative_count_write_nothing(app_for, company):
    _opening(company, company.water, "50")
    _opening(company, company.chips, "5")
    at = app_for("warehouse", page="views/stocktake.py")
    sheet_id = _open_sheet(at, company)
    at.text_input(key="stks.code").set_value("0000000000000")
    at.text_input(key="stks.qty").set_value("3").run()
    at.button(key="stks.record").click().run()
    assert [e.value for e in at.error] == [f"ST-{YEAR}-000001：商品不存在：0000000000000"]
    assert _at(at, "stks.record") < _error_at(at) < _at(at, "stk.save")
    assert at.text_input(key="stks.code").value == "0000000000000"

    water_key, _ = _qty_keys(at, "stk.count.")
    at.text_input(key=water_key).set_value("-1").run()
    at.button(key="stk.post").click().run()
    assert [e.value for e in at.error] == [f"ST-{YEAR}-000001第1行：盘点数量不能为负数"]
    assert _at(at, water_key) < _error_at(at) < _at(at, "stk.save")
    with unit_of_work(company.engine) as s:
        sheet = s.get(Stocktake, sheet_id)
        assert sheet.status == "counting"
        assert [line.counted_qty for line in sheet.lines] == [None, None]
        assert on_hand(s, company.water, company.wh1) == Decimal("50")
    assert _ledger(company.engine, "stocktake") == []

    at.button(key="stk.cancel").click().run()
    assert f"已取消盘点单 ST-{YEAR}-000001" in [s.value for s in at.success]
    assert _count(company.engine, Stocktake) == 1
    with unit_of_work(company.engine) as s:
        assert s.get(Stocktake, sheet_id).status == "cancelled"


def test_filled_in_stock_forms_show_no_raw_catalog_key_in_english(app_for, company):
    from test_catalog import RAW_KEY, _visible_strings

    from operational.services import stocktakes, transfers
    from operational.services.transfers import TransferLineInput

    _opening(company, company.water, "50")
    gr_id = _received(company, [(company.water, "10")])
    sh_id = _shipped(company, "5")
    with unit_of_work(company.engine) as s:
        transfer_id = transfers.ship_transfer(s, company.wh1, company.wh2, date.today(),
                                              [TransferLineInput(company.water, "3")]).id
        sheet = stocktakes.open_stocktake(s, company.wh1, date.today())
        stocktakes.record_counts(s, sheet.id, {"P001": "50"})
        sheet_id = sheet.id
    choices = {"views/purchase_return.py": ("pr.source", gr_id), "views/sales_return.py": ("sr.source", sh_id),
               "views/stock_transfer.py": ("trr.transfer", transfer_id), "views/stocktake.py": ("stk.sheet", sheet_id)}
    for page, (key, value) in choices.items():
        at = app_for("admin", page=page, language="en")
        at.selectbox(key=key).set_value(value).run()
        assert not at.exception, page
        assert len(at.text_input) > 2, page  # the lines are drawn
        raw = [text for text in _visible_strings(at) if RAW_KEY.search(text)]
        assert not raw, (page, raw)
