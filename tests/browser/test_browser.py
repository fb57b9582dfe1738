"""A real browser against a real `streamlit run` (fixtures in conftest.py): log in, enter a purchase
order, see it listed; a login survives a reload and logout ends it."""

from __future__ import annotations

import time
from datetime import date

import pytest
from browser_steps import fill_water_order, log_in

pytestmark = pytest.mark.browser


def test_login_enter_purchase_order_and_find_it_in_the_list(browser_page, server):  # noqa: ANN001
    from playwright.sync_api import expect

    # The first render of a page loads its widgets' scripts; a busy 2-core machine needs more than 5 s.
    expect.set_options(timeout=30_000)
    page = browser_page
    log_in(page, server, "purchase_order", "buyer")  # a bookmarked form: login first, then the form itself
    expect(page.get_by_text("当前用户：采购员小王（采购）")).to_be_visible()
    expect(page.get_by_role("heading", name="新建采购订单")).to_be_visible()

    fill_water_order(page, "12")
    expect(page.get_by_text("合计：")).to_contain_text("¥14.40")

    page.get_by_role("button", name="保存并确认").click()
    doc_no = f"PO-{date.today().year}-000001"
    expect(page.get_by_text(f"已保存采购订单 {doc_no}（已确认）")).to_be_visible()

    # The purchase order list shows it.
    page.get_by_role("link", name="采购单据").first.click()
    expect(page.get_by_role("heading", name="采购单据")).to_be_visible()
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible()
    # The grid draws on a canvas; its cells are also in an accessible table inside it.
    row = grid.locator('tr[role="row"]').filter(has=page.locator('td[role="gridcell"]', has_text=doc_no))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("已确认")
    expect(row).to_contain_text("杭州清泉饮品有限公司")


def test_login_survives_a_reload_and_logout_ends_it(browser_page, server):  # noqa: ANN001
    """The signed session cookie keeps the login across a reload; after logout a reload shows the
    login form again (the session is revoked in the store and the cookie deleted)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    page = browser_page
    log_in(page, server, "purchase_order", "buyer")
    signed_in = page.get_by_text("当前用户：采购员小王（采购）")
    expect(signed_in).to_be_visible()
    expect(page.get_by_role("heading", name="新建采购订单")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "jxc_session")
    assert cookie["sameSite"] == "Strict" and cookie["expires"] > time.time() + 11 * 3600

    page.reload()
    expect(signed_in).to_be_visible()
    expect(page.get_by_role("heading", name="新建采购订单")).to_be_visible()  # the same page, no login form
    expect(page.get_by_label("用户名")).to_have_count(0)

    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_label("用户名")).to_be_visible()
    page.reload()
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(signed_in).to_have_count(0)
    assert [c for c in page.context.cookies() if c["name"] == "jxc_session"] == []
