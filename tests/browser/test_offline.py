"""A real Chromium against a real `streamlit run`: the app asks nothing of any other host (fonts,
icons and the favicon are served by the app itself), and hostile text that users typed reaches
the screen as text — no link, no remote image, no HTML.

Uses the server and browser fixtures of conftest.py with its own store.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest
from browser_steps import PASSWORD, log_in
from sqlalchemy import Engine

from operational.db import unit_of_work
from operational.models import AppUser
from operational.services import auth
from operational.services import masterdata as md

pytestmark = pytest.mark.browser

LINK = "[点我](http://evil.example)"
IMAGE = "![](http://evil.example/x.png)"
HTML = "<b>x</b>"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture
def seeded_store(store_engine: Engine) -> Engine:
    """An admin who is also an employee whose department and name are Markdown / HTML."""
    with unit_of_work(store_engine) as s:
        md.create_warehouse(s, "WH1", "上海主仓")
        md.create_supplier(s, "S001", LINK)
        me = md.create_employee(s, "E001", IMAGE + HTML, department=LINK, hire_date=date(2020, 1, 1))
        admin = auth.create_user(s, "boss", PASSWORD, "admin", display_name=HTML, iterations=1000)
        s.get(AppUser, admin.id).employee_id = me.id
    return store_engine


def test_no_request_leaves_the_machine_and_typed_text_stays_text(browser_page, server):  # noqa: ANN001
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    page = browser_page
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    log_in(page, server, "hr_self_service", "boss")
    # The sidebar names the user (display name "<b>x</b>") as text.
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"当前用户：{HTML}")
    body = page.get_by_test_id("stMain")
    expect(body).to_contain_text("E001")  # the employee's own page has been drawn
    shown = body.inner_text().replace("\u2060", "")  # the word joiners that break autolinks are invisible
    assert LINK in shown and IMAGE + HTML in shown
    # The purchase order form: the supplier name in the select box, the sidebar with its icons.
    page.get_by_role("link", name="新建采购订单").first.click()
    expect(page.get_by_role("heading", name="新建采购订单")).to_be_visible()
    page.get_by_test_id("stSelectbox").filter(has_text="供应商").click()
    expect(page.get_by_role("option", name=f"S001 {LINK}")).to_be_visible()
    page.keyboard.press("Escape")
    page.wait_for_timeout(2_000)  # late requests: icon fonts, the favicon, lazy chunks

    for selector in ('a[href*="evil.example"]', 'img[src*="evil.example"]', "b"):
        assert page.locator(f'[data-testid="stMain"] {selector}, [data-testid="stSidebar"] {selector}').count() == 0, selector
    icon = page.locator('link[rel~="icon"]').first.get_attribute("href") or ""
    assert urlsplit(icon).hostname in (None, *LOCAL_HOSTS), icon

    outside = sorted({url for url in requests
                      if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).hostname not in LOCAL_HOSTS})
    assert outside == [], outside
    assert len(requests) > 10  # the recording did see the app's own requests
