"""Steps several browser tests take: log in, fill the water purchase order."""

from __future__ import annotations

from typing import Any

PASSWORD = "browser-pw"
WATER_BARCODE = "6901234567892"


def log_in(page: Any, url: str, path: str, user: str, password: str = PASSWORD) -> None:
    """Open ``path`` (a bookmarked page leads to the login form first) and log in."""
    page.goto(f"{url}/{path}")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def fill_water_order(page: Any, quantity: str = "12") -> None:
    """On the purchase order form: supplier S001, line 1 scanned by barcode, ``quantity`` typed."""
    from playwright.sync_api import expect

    page.get_by_test_id("stSelectbox").filter(has_text="供应商").click()
    page.get_by_role("option", name="S001 杭州清泉饮品有限公司").click()
    # Line 1: scan the barcode (Enter, like a scanner), the product and its price are filled in.
    code = page.get_by_label("条码 / 编码（第1行）")
    code.fill(WATER_BARCODE)
    code.press("Enter")
    expect(page.get_by_label("单价（第1行）")).to_have_value("1.2")
    line_quantity = page.get_by_label("数量（第1行）")
    line_quantity.fill(quantity)
    line_quantity.press("Enter")
