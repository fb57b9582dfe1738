"""A real double click on "save" in a real browser saves one purchase order; the form is cleared
after the save, in the browser too, so "save" pressed again saves nothing (uses the server and
browser fixtures of test_browser.py)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from test_browser import PASSWORD, browser_page, server  # noqa: F401 - fixtures used by name

from operational.db import unit_of_work
from operational.models import PurchaseOrder
from operational.services import auth
from operational.services import masterdata as md

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded_store(store_engine: Engine) -> Engine:
    with unit_of_work(store_engine) as s:
        md.create_warehouse(s, "WH1", "上海主仓")
        md.create_supplier(s, "S001", "杭州清泉饮品有限公司")
        md.create_product(s, "P001", "矿泉水550ml", barcode="6901234567892", list_price="2.50", standard_cost="1.20")
        auth.create_user(s, "buyer", PASSWORD, "purchasing", display_name="采购员小王", iterations=1000)
    return store_engine


def _orders(engine: Engine) -> int:
    with unit_of_work(engine) as s:
        return s.execute(select(func.count()).select_from(PurchaseOrder)).scalar_one()


def test_double_click_on_save_creates_one_order(browser_page, server, seeded_store):  # noqa: ANN001, F811
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    page = browser_page
    page.goto(f"{server}/purchase_order")
    page.get_by_label("用户名").fill("buyer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="新建采购订单")).to_be_visible()

    page.get_by_test_id("stSelectbox").filter(has_text="供应商").click()
    page.get_by_role("option", name="S001 杭州清泉饮品有限公司").click()
    code = page.get_by_label("条码 / 编码（第1行）")
    code.fill("6901234567892")
    code.press("Enter")
    expect(page.get_by_label("单价（第1行）")).to_have_value("1.2")
    quantity = page.get_by_label("数量（第1行）")
    quantity.fill("12")
    quantity.press("Enter")
    expect(page.get_by_text("合计：")).to_contain_text("¥14.40")

    page.get_by_role("button", name="保存并确认").dblclick()
    expect(page.get_by_text(f"已保存采购订单 PO-{date.today().year}-000001（已确认）")).to_be_visible()
    page.wait_for_timeout(3_000)  # let a second rerun, if any, finish
    assert _orders(seeded_store) == 1
    # The form is cleared for the next order, in the browser too (not only on the server: a form
    # that still shows the old values sends them again with the next click).
    expect(page.get_by_label("数量（第1行）")).to_have_value("")
    expect(page.get_by_label("条码 / 编码（第1行）")).to_have_value("")
    expect(page.get_by_text("合计：")).to_contain_text("¥0.00")

    # "Save" pressed again after the success: nothing to save, still one order.
    page.get_by_role("button", name="保存并确认").click()
    expect(page.get_by_text("供应商不能为空")).to_be_visible()
    assert _orders(seeded_store) == 1
