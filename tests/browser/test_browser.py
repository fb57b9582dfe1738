"""A real browser against a real `streamlit run`: log in, enter a purchase order, see it listed.

Needs Debian's chromium and Playwright for Python; without either the test skips with the reason
(CI sets JXC_STRICT_SKIPS=1, which turns that skip into a failure).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from operational.db import unit_of_work
from operational.services import auth
from operational.services import masterdata as md

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "browser-pw"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout}s")


@pytest.fixture
def seeded_store(store_engine: Engine) -> Engine:
    with unit_of_work(store_engine) as s:
        md.create_warehouse(s, "WH1", "上海主仓")
        md.create_supplier(s, "S001", "杭州清泉饮品有限公司")
        md.create_product(s, "P001", "矿泉水550ml", barcode="6901234567892", list_price="2.50", standard_cost="1.20")
        auth.create_user(s, "buyer", PASSWORD, "purchasing", display_name="采购员小王", iterations=1000)
    return store_engine


@pytest.fixture
def server(seeded_store: Engine, tmp_path: Path) -> Iterator[str]:
    """`streamlit run dashboards/app.py` on a free port against the test's store; stopped afterwards."""
    port = _free_port()
    streamlit = Path(sys.executable).with_name("streamlit")
    log = (tmp_path / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [str(streamlit), "run", "dashboards/app.py", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


@pytest.fixture
def browser_page() -> Iterator[object]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def test_login_enter_purchase_order_and_find_it_in_the_list(browser_page, server):  # noqa: ANN001
    from playwright.sync_api import expect

    # The first render of a page loads its widgets' scripts; a busy 2-core machine needs more than 5 s.
    expect.set_options(timeout=30_000)
    page = browser_page
    page.goto(f"{server}/purchase_order")  # a bookmarked form: login first, then the form itself

    page.get_by_label("用户名").fill("buyer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("当前用户：采购员小王（采购）")).to_be_visible()
    expect(page.get_by_role("heading", name="新建采购订单")).to_be_visible()

    # Supplier.
    page.get_by_test_id("stSelectbox").filter(has_text="供应商").click()
    page.get_by_role("option", name="S001 杭州清泉饮品有限公司").click()

    # Line 1: scan the barcode (Enter, like a scanner), the product and its price are filled in.
    code = page.get_by_label("条码 / 编码（第1行）")
    code.fill("6901234567892")
    code.press("Enter")
    expect(page.get_by_label("单价（第1行）")).to_have_value("1.2")
    quantity = page.get_by_label("数量（第1行）")
    quantity.fill("12")
    quantity.press("Enter")
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
    page.goto(f"{server}/purchase_order")
    page.get_by_label("用户名").fill("buyer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
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
