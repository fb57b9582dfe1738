"""The warehouse pages on a phone (390 × 844, docs/phone.md) in a real browser: a stocktake counted
with a keyboard-wedge scanner (the code typed into the scan field, then Enter) and posted, the
store checked; on every warehouse page (forms, stock lookup, document lists) no horizontal
scrolling and touch targets of 44 px; at desktop width the form lines stay a table.

Needs Debian's chromium, its CJK fonts and Playwright for Python (see test_browser.py).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from browser_steps import PASSWORD, WATER_BARCODE, log_in
from sqlalchemy import Engine, select

from operational.db import unit_of_work
from operational.models import StockLedger, Stocktake
from operational.services import auth, purchasing, sales, stocktakes
from operational.services import masterdata as md
from operational.services.inventory import on_hand, post_opening_balance
from operational.services.orders import OrderLineInput

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SCAN = "扫码（每扫一次数量 +1）"
# Visible buttons, text inputs and select boxes lower than a 44 px touch target (their labels).
_SMALL_TARGETS = """() => [...document.querySelectorAll(
    ['button', 'input[type="text"]:not([role="combobox"])', 'input[type="password"]', '[data-testid="stSelectbox"] [role="group"]']
    .map(target => '[data-testid="stMain"] ' + target).join(', '))]
  .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
  .map(e => (e.getAttribute('aria-label') || e.innerText || e.tagName).trim().slice(0, 30))"""


@pytest.fixture
def seeded_store(store_engine: Engine) -> Engine:
    """Water (3 on hand in WH1), a second warehouse, a warehouse keeper, an open count sheet, and a
    confirmed purchase and sales order so the receipt and shipment pages show their lines."""
    with unit_of_work(store_engine) as s:
        wh1 = md.create_warehouse(s, "WH1", "上海主仓")
        md.create_warehouse(s, "WH2", "广州仓")
        supplier = md.create_supplier(s, "S001", "杭州清泉饮品有限公司")
        customer = md.create_customer(s, "C001", "苏州便利连锁", credit_limit="50000")
        water = md.create_product(s, "P001", "矿泉水550ml", barcode=WATER_BARCODE, list_price="2.50",
                                  standard_cost="1.20")
        auth.create_user(s, "keeper", PASSWORD, "warehouse", display_name="仓管老李", iterations=1000)
        post_opening_balance(s, water.id, wh1.id, Decimal(3), Decimal("1.20"), date(2026, 1, 1))
        stocktakes.open_stocktake(s, wh1.id, date.today())
        po = purchasing.create_purchase_order(s, supplier.id, wh1.id, date.today(),
                                              [OrderLineInput(water.id, "24", "1.20")])
        purchasing.confirm_purchase_order(s, po.id)
        so = sales.create_sales_order(s, customer.id, wh1.id, date.today(), [OrderLineInput(water.id, "2", "2.50")])
        sales.confirm_sales_order(s, so.id)
    return store_engine


def _fits_the_phone(page) -> None:  # noqa: ANN001
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    assert page.evaluate(_SMALL_TARGETS) == [], page.url


def _choose(page, label: str, option: str) -> None:  # noqa: ANN001
    page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True)).click()
    page.get_by_role("option").filter(has_text=option).first.click()


def test_a_stocktake_scanned_and_posted_on_a_phone(browser_page, server, seeded_store):  # noqa: ANN001
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, server, "stocktake", "keeper")
    expect(page.get_by_role("heading", name="库存盘点")).to_be_visible()
    _choose(page, "盘点单", f"ST-{date.today().year}-000001")

    scan = page.get_by_label(SCAN)
    for n in (1, 2):  # the scanner types the code and Enter; the same code again adds one more
        scan.fill(WATER_BARCODE)
        scan.press("Enter")
        expect(page.get_by_text(f"已计数 P001 矿泉水550ml：共 {n} 个")).to_be_visible()
        expect(scan).to_have_value("")
        expect(scan).to_be_focused()  # ready for the next scan without touching the screen
    scan.fill("0000000000000")
    scan.press("Enter")
    expect(page.get_by_text("没有条码或商品编码为“0000000000000”的商品，请核对后重新扫描")).to_be_visible()
    expect(scan).to_be_focused()
    _fits_the_phone(page)

    page.get_by_role("button", name="过账盘点").click()
    expect(page.get_by_text(f"已过账盘点单 ST-{date.today().year}-000001")).to_be_visible()
    with unit_of_work(seeded_store) as s:
        sheet = s.execute(select(Stocktake)).scalar_one()
        assert on_hand(s, md.find_product(s, WATER_BARCODE).id, sheet.warehouse_id) == Decimal(2)  # 3 booked, 2 counted
        assert sheet.status == "posted"
        assert s.execute(select(StockLedger.movement_type, StockLedger.quantity)
                         .where(StockLedger.doc_type == "stocktake")).all() == [("stocktake_loss", Decimal(-1))]

    # Every warehouse page fits the phone: one column, no page scrolled sideways, 44 px targets.
    for path, heading, order, ready in (
            ("goods_receipt", "采购收货", ("采购订单", "PO-"), "本次数量（第1行）"),
            ("shipment", "销售发货", ("销售订单", "SO-"), "本次数量（第1行）"),
            ("stock_transfer", "库存调拨", None, SCAN),
            ("stocktake", "库存盘点", None, "要打印的单据"),
            ("stock_lookup", "扫码查库存", None, "扫码或输入商品编码")):
        page.goto(f"{server}/{path}")
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        if order is not None:  # with the order's lines drawn, the widest the form gets
            _choose(page, *order)
        expect(page.get_by_label(ready).first).to_be_visible()  # the whole page is drawn
        if path == "stock_lookup":
            page.get_by_label(ready).fill("P001")
            page.get_by_label(ready).press("Enter")
            expect(page.get_by_text("合计现有 2 个")).to_be_visible()
            expect(page.get_by_text("上海主仓", exact=False)).to_be_visible()
        _fits_the_phone(page)
    # The document lists, wide by nature: the table scrolls inside its own box, not the page.
    for path in ("purchase_documents", "sales_documents"):
        page.goto(f"{server}/{path}")
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
        _fits_the_phone(page)

    # On a desktop the lines stay a table: column titles shown, the phone's line caption hidden.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{server}/goods_receipt")
    _choose(page, "采购订单", "PO-")
    expect(page.get_by_text("订货数量", exact=True)).to_be_visible()
    expect(page.get_by_text("行号 1 · P001 矿泉水550ml")).to_be_hidden()
