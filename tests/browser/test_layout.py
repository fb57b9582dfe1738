"""Layout in a real browser at 1280 px: KPI values, buttons and the publish time are not cut off
(a cut-off element's text is wider than its box), and the check results show no emoji.

Needs Debian's chromium, its CJK fonts and Playwright for Python (see test_browser.py).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from browser_steps import log_in
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboards"))
from dashboard_support import PASSWORD, build_company, post_history  # noqa: E402
from marts_builder import build_serving  # noqa: E402

from operational.db import unit_of_work  # noqa: E402
from operational.services import purchasing  # noqa: E402
from operational.services.orders import OrderLineInput  # noqa: E402

pytestmark = pytest.mark.browser

_CUT_OFF = """() => [...document.querySelectorAll('[data-testid="stMetricValue"], [data-testid="stMetricValue"] *, button')]
    .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.innerText.trim().slice(0, 40))"""


@pytest.fixture
def seeded_store(store_engine: Engine, data_dir: Path) -> Engine:
    """The dashboard tests' company, plus a purchase order of ¥98,760,000.00 (an overview KPI that
    was cut off at this size), published to serving.duckdb."""
    company = build_company(store_engine)
    post_history(company)
    with unit_of_work(store_engine) as s:
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, date(2026, 3, 4),
                                              [OrderLineInput(company.chips, "12345", "8000")])
        purchasing.confirm_purchase_order(s, po.id)
    build_serving(store_engine, data_dir / "serving.duckdb")
    return store_engine


def _login(page, url: str, path: str) -> None:  # noqa: ANN001
    page.set_viewport_size({"width": 1280, "height": 1000})
    log_in(page, url, path, "manager", PASSWORD)


def test_kpis_buttons_and_times_are_not_cut_off(browser_page, server):  # noqa: ANN001
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    page = browser_page
    _login(page, server, "overview")
    expect(page.get_by_text("¥98,760,150.00")).to_be_visible()  # 150.00 + 12,345 × 8,000
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
    assert page.evaluate(_CUT_OFF) == []

    page.goto(f"{server}/pipeline")  # the session cookie keeps the login across page loads
    expect(page.get_by_text("最近发布时间")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    expect(page.get_by_role("button", name="下载 CSV").first).to_be_visible()
    assert page.evaluate(_CUT_OFF) == []
    assert "✅" not in page.inner_text("body")
