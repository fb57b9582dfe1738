"""A real double click on "save" in a real browser saves one purchase order; the form is cleared
after the save, in the browser too, so "save" pressed again saves nothing (fixtures in
conftest.py)."""

from __future__ import annotations

from datetime import date

import pytest
from browser_steps import fill_water_order, log_in
from sqlalchemy import Engine, func, select

from operational.db import unit_of_work
from operational.models import PurchaseOrder

pytestmark = pytest.mark.browser


def _orders(engine: Engine) -> int:
    with unit_of_work(engine) as s:
        return s.execute(select(func.count()).select_from(PurchaseOrder)).scalar_one()


def test_double_click_on_save_creates_one_order(browser_page, server, seeded_store):  # noqa: ANN001
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    page = browser_page
    log_in(page, server, "purchase_order", "buyer")
    expect(page.get_by_role("heading", name="新建采购订单")).to_be_visible()
    fill_water_order(page, "12")
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
