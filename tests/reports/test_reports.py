"""Managers' reports on a real publish: a small demo company through the real pipeline (ingestion,
dbt, checks, publish), then the daily flash, weekly report and month-end pack rendered from it.
The figures in the HTML tables are parsed back and compared with the published marts, read here
with our own SQL (not the report's read functions); the PDF has pages and its text; English
rendering; the CLI prints the two paths; bad dates are refused with a clear message.

One pipeline run for the module (it is the expensive part; every test reads the same publish)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from dashboards.components.format import money
from operational.db import make_engine
from operational.demo import generate
from operational.migrate import upgrade
from operational.services import pdf
from operational.services.errors import ValidationError
from orchestration.cli import app
from reports import list_reports, render_report

pytestmark = pytest.mark.slow
END = date(2026, 6, 30)  # a Tuesday, the last simulated day


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    data = tmp_path_factory.mktemp("reports") / "data"
    data.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JXC_DATA_DIR", str(data))
        patch.setenv("JXC_DATABASE_URL", f"sqlite:///{data / 'jxc.sqlite'}")
        patch.setenv("DAGSTER_HOME", str(data / "dagster_home"))
        engine = make_engine(f"sqlite:///{data / 'jxc.sqlite'}")
        upgrade(engine)
        generate(engine, scale=0.02, seed=7, end_date=END, days=120)
        engine.dispose()
        from orchestration.runner import run_pipeline

        outcome = run_pipeline(full=True)
        assert outcome.success, [c.label for c in outcome.failed_checks]
        yield data


def _serving(data: Path, sql: str, **params: Any) -> list[tuple]:
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


class _Tables(HTMLParser):
    """table id -> rows of {data-col: cell text}; element id -> text (the key figures)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[dict[str, str]]] = {}
        self.figures: dict[str, str] = {}
        self.meta: dict[str, str] = {}
        self._table: str | None = None
        self._col: str | None = None
        self._figure: str | None = None
        self._in_value = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id")
            self.tables[self._table or ""] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append({})
        elif tag == "td" and self._table is not None:
            self._col = a.get("data-col")
            self.tables[self._table][-1][self._col or ""] = ""
        elif tag == "div" and a.get("class") == "figure":
            self._figure = a.get("id")
        elif tag == "div" and a.get("class") == "value" and self._figure:
            self._in_value = True
            self.figures[self._figure] = ""
        elif tag == "div" and a.get("id") == "report-meta":
            self.meta = {k: v or "" for k, v in attrs}

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            if self._table is not None:
                self.tables[self._table] = [r for r in self.tables[self._table] if r]
            self._table = None
        elif tag == "td":
            self._col = None
        elif tag == "div" and self._in_value:
            self._in_value, self._figure = False, None

    def handle_data(self, data: str) -> None:
        if self._table is not None and self._col is not None:
            self.tables[self._table][-1][self._col] += data
        elif self._in_value and self._figure:
            self.figures[self._figure] += data


def _parse(path: Path) -> _Tables:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _money(value: Any) -> str:
    return money(Decimal(str(value or 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _last_run_id(data: Path) -> str:
    return _serving(data, "SELECT run_id FROM meta_publish ORDER BY published_at DESC LIMIT 1")[0][0]


def test_weekly_report_equals_the_published_marts(published: Path, tmp_path: Path) -> None:
    rendered = render_report("weekly", as_of=END, out_dir=tmp_path)
    start = END - timedelta(days=6)
    assert (rendered.kind, rendered.as_of, rendered.period_start, rendered.period_end, rendered.lang) == \
        ("weekly", END, start, END, "zh_CN")
    assert rendered.html_path.parent == tmp_path and rendered.html_path.exists() and rendered.pdf_path.exists()
    assert rendered.publish_id == _last_run_id(published)
    page = _parse(rendered.html_path)
    assert page.meta["data-as-of"] == "2026-06-30" and page.meta["data-publish"] == rendered.publish_id
    text = rendered.html_path.read_text(encoding="utf-8")
    assert "数据截至：2026-06-30" in text and rendered.publish_id in text

    # Key figures of the week: shipped revenue and margin from mart_sales_summary, orders taken from
    # mart_sales_daily, collections from the receipts.
    revenue, margin = _serving(published, "SELECT coalesce(sum(revenue), 0), coalesce(sum(gross_margin), 0) "
                                          "FROM mart_sales_summary WHERE date_day BETWEEN $s AND $e", s=start, e=END)[0]
    ordered = _serving(published, "SELECT coalesce(sum(amount), 0) FROM mart_sales_daily "
                                  "WHERE date_day BETWEEN $s AND $e", s=start, e=END)[0][0]
    assert revenue > 0
    assert page.figures["weekly.revenue"] == _money(revenue)
    assert page.figures["weekly.gross_margin"] == _money(margin)
    assert page.figures["weekly.ordered"] == _money(ordered)
    received = _serving(published, "SELECT coalesce(sum(amount - reversed_amount), 0) FROM fct_receivable_unapplied "
                                   "WHERE source_type = 'receipt' AND source_date BETWEEN $s AND $e", s=start, e=END)
    assert page.figures["weekly.collections"] == _money(received[0][0])

    # Sales by category this week, the week before and a year before (364 days).
    def by_category(s: date, e: date) -> dict[str, Decimal]:
        return {name or "（未指定）": amount for name, amount in _serving(published, """
            SELECT k.category_name, sum(s.revenue) FROM mart_sales_summary s
            LEFT JOIN (SELECT DISTINCT category_id, category_name FROM dim_product) k
              ON k.category_id IS NOT DISTINCT FROM s.category_id
            WHERE s.date_day BETWEEN $s AND $e GROUP BY 1""", s=s, e=e)}

    now, before = by_category(start, END), by_category(start - timedelta(days=7), END - timedelta(days=7))
    rows = page.tables["weekly.sales_by_category"]
    assert {r["group_label"]: r["revenue"] for r in rows} == {k: _money(v) for k, v in now.items()}
    assert {r["group_label"]: r["revenue_prev"] for r in rows} == {k: _money(before.get(k, 0)) for k in now}

    # AR aging on the last published day: the mart's report date, bucket by bucket.
    aging = dict(_serving(published, "SELECT bucket_order, sum(outstanding_amount) FROM mart_ar_aging "
                                     "WHERE report_date = $d GROUP BY 1", d=END))
    net = sum(aging.values(), Decimal(0))
    ar_rows = {r["bucket_label"]: r["outstanding_amount"] for r in page.tables["weekly.ar_aging"]}
    assert ar_rows["净额合计"] == _money(net)
    overdue = sum((v for k, v in aging.items() if k >= 1), Decimal(0))
    assert page.figures["weekly.ar_overdue"] == _money(overdue)

    # Payables due in the seven days after the report's date, per supplier.
    due = dict(_serving(published, """
        SELECT d.supplier_name, sum(i.outstanding_amount) FROM fct_payable_instalments i
        JOIN dim_supplier d USING (supplier_id)
        WHERE i.outstanding_amount <> 0 AND i.due_date BETWEEN $s AND $e GROUP BY 1""",
                        s=END + timedelta(days=1), e=END + timedelta(days=7)))
    shown = {r["supplier_name"]: r["amount_due"] for r in page.tables.get("weekly.ap_due_suppliers", [])}
    assert shown == {k: _money(v) for k, v in due.items()}

    # Closing stock value on the report's date.
    stock = _serving(published, "SELECT sum(closing_value) FROM mart_inventory_daily WHERE date_day = $d", d=END)
    assert page.figures["weekly.stock_value"] == _money(stock[0][0])

    # The PDF: pages, and the title and a figure in its text.
    reader = PdfReader(rendered.pdf_path)
    assert len(reader.pages) >= 2
    pdf_text = "".join(p.extract_text() or "" for p in reader.pages)
    assert "每周经营报告" in pdf_text and _money(revenue) in pdf_text
    # The CJK font is embedded (a TrueType subset): the tests' machine has one (scripts/test-prereqs.sh).
    assert pdf.cjk_font_info().embedded and b"/FontFile2" in rendered.pdf_path.read_bytes()
    # Charts are inline images (the file opens offline).
    assert "data:image/png;base64," in text and "http://" not in text and "https://" not in text


def test_daily_flash_equals_the_published_marts(published: Path, tmp_path: Path) -> None:
    rendered = render_report("daily", out_dir=tmp_path)  # default: the last published day
    assert rendered.as_of == END and rendered.period_start == END
    page = _parse(rendered.html_path)
    cash = _serving(published, "SELECT sum(closing_balance) FROM mart_cash_position_daily WHERE date_day = $d", d=END)
    assert page.figures["daily.cash_total"] == _money(cash[0][0])
    alerts = _serving(published, "SELECT count(*) FROM mart_stock_alerts")[0][0]
    assert page.figures["daily.alert_count"] == f"{alerts:,}"
    overdue = _serving(published, "SELECT coalesce(sum(outstanding_amount), 0) FROM mart_ar_aging "
                                  "WHERE report_date = $d AND bucket_order >= 1", d=END)
    assert page.figures["daily.ar_overdue"] == _money(overdue[0][0])
    accounts = {r["account_code"]: r["closing_balance"] for r in page.tables["daily.cash_accounts"]}
    published_accounts = dict(_serving(published, "SELECT account_code, closing_balance FROM mart_cash_position_daily "
                                                   "WHERE date_day = $d", d=END))
    assert accounts == {k: _money(v) for k, v in published_accounts.items()}


def test_month_end_pack_in_english_equals_the_published_marts(published: Path, tmp_path: Path) -> None:
    rendered = render_report("monthly", as_of=END, lang="en", out_dir=tmp_path)
    assert (rendered.period_start, rendered.period_end, rendered.lang) == (date(2026, 6, 1), END, "en")
    assert rendered.html_path.name == "monthly_20260630_en.html"
    text = rendered.html_path.read_text(encoding="utf-8")
    assert "Month-end pack" in text and "Data as of: 2026-06-30" in text
    page = _parse(rendered.html_path)
    pnl = {r["year_month"]: (r["revenue"], r["operating_profit"]) for r in page.tables["monthly.pnl"]}
    expected = {ym: (_money(rev), _money(profit)) for ym, rev, profit in _serving(
        published, "SELECT year_month, revenue, operating_profit FROM mart_profit_monthly "
                   "WHERE month BETWEEN DATE '2025-06-01' AND $e", e=END)}
    assert pnl == expected and "2026-06" in pnl
    heads = _serving(published, "SELECT sum(headcount) FROM mart_attendance_monthly WHERE year_month = '2026-06'")
    assert page.figures["monthly.headcount"] == f"{int(heads[0][0] or 0):,}"
    # RFM at the month end and the movements since May's end, equal to the history marts.
    segments = {r["segment"]: int(r["customers"].replace(",", "")) for r in page.tables["monthly.rfm_segments"]}
    labels = {"champions": "Champions", "loyal": "Loyal", "new": "New", "at_risk": "At risk",
              "hibernating": "Hibernating", "needs_attention": "Needs attention", "no_orders": "No orders"}
    assert segments == {labels[s]: n for s, n in _serving(
        published, "SELECT segment, count(*) FROM mart_customer_rfm_monthly WHERE year_month = '2026-06' GROUP BY 1")}
    moves = {(r["from_segment"], r["to_segment"]): int(r["customers"].replace(",", ""))
             for r in page.tables["monthly.rfm_movements"]}
    expected_moves = {(labels[f], labels[t]): n for f, t, n in _serving(
        published, "SELECT from_segment, to_segment, customers FROM mart_customer_rfm_movements "
                   "WHERE year_month = '2026-06' AND moved")}
    assert moves == expected_moves and moves  # customers do move in a month of the demo
    [(moved, stayed)] = _serving(published, "SELECT sum(customers) FILTER (WHERE moved), "
                                            "coalesce(sum(customers) FILTER (WHERE NOT moved), 0) "
                                            "FROM mart_customer_rfm_movements WHERE year_month = '2026-06'")
    assert (page.figures["monthly.rfm_moved"], page.figures["monthly.rfm_stayed"]) == (f"{moved:,}", f"{stayed:,}")
    assert "Segment movements (previous month end → this month end)" in text
    pdf_text = "".join(p.extract_text() or "" for p in PdfReader(rendered.pdf_path).pages)
    assert "Month-end pack" in pdf_text and "Profit and loss by month" in pdf_text


def test_cli_prints_the_paths_and_refuses_unpublished_dates(published: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["report", "weekly", "--date", "2026-06-28", "--lang", "en"])
    assert result.exit_code == 0, result.output
    paths = [Path(line) for line in result.output.split()]
    assert [p.name for p in paths] == ["weekly_20260628_en.html", "weekly_20260628_en.pdf"]
    assert all(p.exists() and p.parent == published / "reports" / "weekly" for p in paths)
    assert [r.name for r in list_reports()] == ["weekly_20260628_en"]

    late = runner.invoke(app, ["report", "daily", "--date", "2026-07-15"])
    assert late.exit_code == 1 and "2026-07-15" in late.output and "2026-06-30" in late.output
    bad = runner.invoke(app, ["report", "yearly"])
    assert bad.exit_code == 1 and "yearly" in bad.output
    with pytest.raises(ValidationError):
        render_report("weekly", period=(END, END - timedelta(days=3)))


def test_reports_page_generates_and_lists(published: Path) -> None:
    """The page as a manager: generate the weekly report for a chosen range, see it listed with its
    download buttons; an analyst sees the page too, a sales clerk does not."""
    from sqlalchemy import select
    from streamlit.testing.v1 import AppTest

    from dashboards.navigation import page_spec
    from dashboards.session import USER_KEY, CurrentUser
    from operational.db import read_only
    from operational.models import AppUser

    assert {"manager", "analyst", "finance"} <= page_spec("reports").roles
    assert "sales" not in page_spec("reports").roles
    engine = make_engine(f"sqlite:///{published / 'jxc.sqlite'}")
    with read_only(engine) as s:
        user = s.execute(select(AppUser).where(AppUser.username == "manager")).scalar_one()
        manager = CurrentUser(user.id, user.username, user.display_name, user.role)
    engine.dispose()
    app = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
    at = AppTest.from_file(str(app), default_timeout=180)
    at.session_state[USER_KEY] = manager
    at.run()
    at.switch_page("views/reports.py").run()
    assert not at.exception
    assert at.title[0].value == "管理报表"
    at.selectbox(key="reports.kind").set_value("weekly").run()
    at.date_input(key="reports.period.weekly").set_value((date(2026, 6, 15), date(2026, 6, 21))).run()
    at.button(key="reports.generate").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "weekly_20260615_20260621_zh_CN.html" in at.success[0].value
    names = [r.name for r in list_reports()]
    assert "weekly_20260615_20260621_zh_CN" in names
    html_file = published / "reports" / "weekly" / "weekly_20260615_20260621_zh_CN.html"
    assert "2026-06-15 ~ 2026-06-21" in html_file.read_text(encoding="utf-8")
    downloads = [b for b in at.get("download_button")]
    assert len(downloads) >= 2


def test_a_report_without_charts_still_renders(published: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """No browser for the charts (or the exporter failing): each chart becomes a line saying why."""
    from reports import charts

    def broken(figure: Any, width: int = 0, height: int = 0) -> bytes:
        raise charts.ChartError("no browser")

    monkeypatch.setattr(charts, "to_png", broken)
    rendered = render_report("daily", out_dir=tmp_path)
    text = rendered.html_path.read_text(encoding="utf-8")
    assert "图表无法生成：no browser" in text and "data:image" not in text
    assert len(PdfReader(rendered.pdf_path).pages) >= 1


def test_a_week_that_began_before_the_first_published_day_starts_on_it(published: Path) -> None:
    from reports.render import build_document

    first = _serving(published, "SELECT min(date_day) FROM dim_date")[0][0]
    document = build_document("weekly", as_of=first + timedelta(days=2))
    assert (document.period_start, document.period_end) == (first, first + timedelta(days=2))
    with pytest.raises(ValidationError) as caught:
        build_document("weekly", period=(first - timedelta(days=1), first + timedelta(days=2)))
    assert caught.value.field == "start_date"
