"""Layout in a real browser at 1280 px: KPI values, buttons and the publish time are not cut off
(a cut-off element's text is wider than its box), and the check results show no emoji; a chart's
legend with many long names is not cut off (charts.fit_legend); Streamlit's own English controls
(menu, Deploy, the data grid's download) are not shown and the browser tab names the page.

Needs Debian's chromium, its CJK fonts and Playwright for Python (see test_browser.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
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



def test_streamlit_shows_no_menu_no_deploy_and_no_grid_download_and_the_tab_names_the_page(  # noqa: ANN001
        browser_page, server):
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    page = browser_page
    _login(page, server, "overview")
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
    expect(page).to_have_title("经营概览 · JXC 进销存")
    assert page.get_by_test_id("stMainMenu").count() == 0  # Streamlit's English menu
    assert page.get_by_test_id("stAppDeployButton").count() == 0
    assert page.get_by_role("button", name="Deploy").count() == 0

    page.goto(f"{server}/pipeline")
    expect(page).to_have_title("数据管道 · JXC 进销存")
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible()
    grid.hover()
    toolbar = page.get_by_test_id("stElementToolbar").first
    expect(toolbar).to_be_visible()  # the grid's toolbar is there (its Search and Fullscreen stay English) ...
    assert toolbar.get_by_role("button", name="Download as CSV").count() == 0  # ... without its own download


# --- a legend with many long names: the expense chart of the finance-analysis page ------------------

NAMES = ["TRAVEL 差旅费", "ENTERTAIN 业务招待费", "OFFICE 办公费", "TRANSPORT 交通费", "TELECOM 通讯费",
         "MARKETING 市场推广费", "RENT 租金", "UTILITIES 水电费", "RD 研发材料及测试费用（不含固定资产）",
         "TRAINING 员工培训及外部认证考试报名费用"]
# The figure as dashboards/views/finance_analysis.py draws "各月费用（按类别）", full width and in half a page.
CHART_APP = f"""
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
import pandas as pd
import plotly.express as px
import streamlit as st
from dashboards.components import charts

st.set_page_config(layout="wide")
rows = [{{"year_month": m, "expense_category": n, "amount": 1000.0 + 10 * i}}
        for m in ("2026-01", "2026-02", "2026-03") for i, n in enumerate({NAMES!r})]
figure = lambda df: px.bar(df, x="year_month", y="amount", color="expense_category", title="各月费用（按类别）",
                           labels={{"year_month": "年月", "amount": "金额", "expense_category": "费用类别"}}
                           ).update_layout(height=320)
charts.show(pd.DataFrame(rows), figure, key="full")
left, _ = st.columns(2)
with left:
    charts.show(pd.DataFrame(rows), figure, key="half")
"""
# Per chart: legend entries not wholly inside both the legend's box and the figure (cut off or behind
# a scroll bar), entries overlapping the x axis' labels, and the legend's scroll bar height.
_LEGEND = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].map(chart => {
  const svg = chart.querySelector('svg.main-svg').getBoundingClientRect();
  const legend = chart.querySelector('g.legend');
  const box = legend.querySelector('rect.bg').getBoundingClientRect();
  const entries = [...legend.querySelectorAll('g.traces')].map(e => e.getBoundingClientRect());
  const labels = [...chart.querySelectorAll('g.xtick text, g.g-xtitle text')].map(e => e.getBoundingClientRect());
  const inside = r => r.left >= Math.max(svg.left, box.left) - 1 && r.right <= Math.min(svg.right, box.right) + 1
                      && r.top >= Math.max(svg.top, box.top) - 1 && r.bottom <= Math.min(svg.bottom, box.bottom) + 1;
  const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const bar = legend.querySelector('rect.scrollbar');
  return {entries: entries.length, cut_off: entries.filter(r => !inside(r)).length,
          on_axis_labels: entries.filter(r => labels.some(l => meets(r, l))).length,
          scroll_bar: bar ? bar.getBoundingClientRect().height : 0,
          ticks: [...chart.querySelectorAll('g.xtick text')].map(e => e.textContent)};
})"""


@pytest.fixture
def chart_server(tmp_path: Path) -> Iterator[str]:
    """`streamlit run` of CHART_APP (the repository's .streamlit config) on a free port."""
    import socket

    script = tmp_path / "chart_app.py"
    script.write_text(CHART_APP, encoding="utf-8")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    with (tmp_path / "streamlit.log").open("wb") as log:
        proc = subprocess.Popen([str(Path(sys.executable).with_name("streamlit")), "run", str(script),
                                 "--server.port", str(port), "--server.address", "127.0.0.1",
                                 "--server.headless", "true", "--server.fileWatcherType", "none"],
                                cwd=root, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                assert proc.poll() is None and time.monotonic() < deadline, "streamlit did not start"
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                        if answer.read().strip() == b"ok":
                            break
                except OSError:
                    time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def test_a_legend_of_many_long_names_is_not_cut_off(browser_page, chart_server):  # noqa: ANN001
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(chart_server)
    expect(page.locator("g.legend g.traces")).to_have_count(20, timeout=60_000)  # 10 entries × 2 charts
    for chart in page.evaluate(_LEGEND):
        assert chart["entries"] == 10
        assert chart["cut_off"] == 0 and chart["scroll_bar"] == 0, chart  # beside the plot: 4 of 10 cut off
        assert chart["on_axis_labels"] == 0, chart
        assert chart["ticks"] == ["2026-01", "2026-02", "2026-03"]  # months, not 1月 1 / 1月 29 / 2月 26
    legend_texts = page.locator("[data-testid='stPlotlyChart']").first.locator("text.legendtext").evaluate_all(
        "texts => texts.map(t => t.textContent)")
    assert "RD 研发材料及测试费用（…" in legend_texts  # shortened in the legend ...
    # ... and whole in the hover box of its bars (the 9th trace's bar of 2026-02).
    bar = page.locator("[data-testid='stPlotlyChart']").first.locator("g.trace.bars").nth(8).locator(
        "g.point path").nth(1).bounding_box()
    page.mouse.move(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)  # Plotly listens on its drag layer
    expect(page.locator("g.hoverlayer").first).to_contain_text("RD 研发材料及测试费用（不含固定资产）")
