"""The dashboards' calendar and "as of" day come from posted data only (issue 10, section 3).

The CRM company of crm_company.py (last posting 2026-03-31; C1 and C5 churn risks) with two invoices:
C1's shipment of 02-04 invoiced on 02-04 (100.00 at 30 days → due 03-06: 25 days overdue on 03-31)
and C2's of 03-10 invoiced on 03-10 (200.00, due 04-09: not yet due). It is built twice by a real
extract + dbt build: once as it is, once with a draft sales order dated 2036-06-30 and a cancelled
one dated 2036-07-01 added. Before the fix the second build's calendar ran to 2036-07-01: the
overview's default period (the last 90 days) held no sales, every customer with a rhythm was a churn
risk and every receivable was overdue.

Both builds: calendar 2026-01-01 … 2026-03-31; default period 2026-01-01 … 2026-03-31; churn risks
C1, C5; AR as of 2026-03-31: 100.00 in 1-30 (C1, 25 days), 200.00 not due (C2).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from dashboards import serving, serving_crm
from dashboards import serving_open_items as soi
from dashboards.components.filters import DEFAULT_DAYS
from ingestion.extract import extract_to_raw
from operational.db import make_engine, unit_of_work
from operational.migrate import upgrade
from operational.models import SalesOrder, Shipment
from operational.services import receivables as ar
from operational.services import sales
from operational.services.orders import OrderLineInput as L
from tests.transforms.conftest import Warehouse, dbt
from tests.transforms.crm_company import build_crm_company

FUTURE_DRAFT, FUTURE_CANCELLED = date(2036, 6, 30), date(2036, 7, 1)


def _invoice(s: Any, customer_id: int, on: date) -> None:
    shipment = s.scalars(select(Shipment).where(Shipment.customer_id == customer_id, Shipment.ship_date == on)).one()
    ar.invoice_shipments(s, [shipment.id], on)


def _add_future_orders(engine: Any, customer_id: int) -> None:
    """A draft and a cancelled sales order dated 2036. The services refuse such dates now (issue 10,
    section 3 bullet 1), but a store can hold them from before: the orders are entered on a normal
    date and moved to 2036 in the table, as an import or an older version left them."""
    with unit_of_work(engine) as s:
        product = s.scalars(select(SalesOrder)).first().lines[0].product_id
        wh = s.scalars(select(SalesOrder)).first().warehouse_id
        draft = sales.create_sales_order(s, customer_id, wh, date(2026, 3, 31), [L(product, 9, "10.00")]).id
        cancelled = sales.create_sales_order(s, customer_id, wh, date(2026, 3, 31), [L(product, 8, "10.00")]).id
        sales.cancel_sales_order(s, cancelled)
    with unit_of_work(engine) as s:
        s.execute(update(SalesOrder).where(SalesOrder.id == draft).values(order_date=FUTURE_DRAFT))
        s.execute(update(SalesOrder).where(SalesOrder.id == cancelled).values(order_date=FUTURE_CANCELLED))


def _build(work: Path, *, future_orders: bool) -> dict[str, Any]:
    engine = make_engine(f"sqlite:///{work / 'jxc.sqlite'}")
    upgrade(engine)
    company = build_crm_company(engine)
    with unit_of_work(engine) as s:
        _invoice(s, company.customers["C1"], date(2026, 2, 4))
        _invoice(s, company.customers["C2"], date(2026, 3, 10))
    if future_orders:
        _add_future_orders(engine, company.customers["C3"])
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(engine.url.render_as_string(hide_password=False), warehouse)
    dbt(warehouse, work, "build", "--exclude", "resource_type:test")
    engine.dispose()
    return {"warehouse": Warehouse(warehouse), "customers": company.customers}


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return {"plain": _build(tmp_path_factory.mktemp("calendar_plain"), future_orders=False),
            "noisy": _build(tmp_path_factory.mktemp("calendar_noisy"), future_orders=True)}


def _dashboard_figures(built: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """What the dashboards show by default, read through the serving functions the pages call."""
    (data_dir / "serving.duckdb").unlink(missing_ok=True)
    built["warehouse"].publish(data_dir)
    codes = {v: k for k, v in built["customers"].items()}
    options = serving.filter_options()
    start = max(options.first_day, options.last_day - timedelta(days=DEFAULT_DAYS - 1))
    overview = serving.overview(serving.Filters(start, options.last_day))
    crm = serving_crm.customer_analysis(serving_crm.CustomerFilters()).customers
    at_risk = sorted(codes[c] for c in crm.loc[crm["at_risk"], "customer_id"])
    ar_options = soi.aging_options(soi.AR)
    aging = soi.aging(soi.AR, ar_options.latest)
    buckets = {r.bucket_label: Decimal(str(r.outstanding_amount)) for r in aging.buckets.itertuples()
               if r.outstanding_amount}
    overdue_days = {codes[r.partner_id]: int(r.max_days_overdue) for r in aging.by_partner.itertuples()}
    return {"calendar": (options.first_day, options.last_day), "default_period": (start, options.last_day),
            "sales": overview.kpis.sales_amount, "crm_as_of": serving_crm.customer_options().as_of_date,
            "at_risk": at_risk, "ar_as_of": ar_options.latest, "ar_buckets": buckets, "ar_days": overdue_days}


def test_drafts_and_cancelled_orders_dated_2036_move_no_dashboard_date(builds, data_dir):
    plain = _dashboard_figures(builds["plain"], data_dir)
    noisy = _dashboard_figures(builds["noisy"], data_dir)
    march_end = date(2026, 3, 31)
    assert plain["calendar"] == (date(2026, 1, 1), march_end)
    assert plain["default_period"] == (date(2026, 1, 1), march_end)
    assert plain["crm_as_of"] == march_end and plain["ar_as_of"] == march_end
    assert plain["at_risk"] == ["C1", "C5"]
    assert plain["ar_buckets"] == {"not_due": Decimal("200.00"), "1-30": Decimal("100.00")}
    assert plain["ar_days"] == {"C1": 25, "C2": -9}
    assert noisy == plain


def test_the_posting_calendar_ignores_orders_of_any_state(builds):
    wh = builds["noisy"]["warehouse"]
    assert wh.rows("select min(posting_date), max(posting_date) from intermediate.int_posting_dates") == [
        (date(2026, 1, 1), date(2026, 3, 31))]
    # the 2036 orders are in the warehouse all the same (their own pages list them)
    assert wh.rows("select order_date, status from marts.fct_sales_lines where order_date > '2030-01-01' "
                   "order by 1") == [(FUTURE_DRAFT, "draft"), (FUTURE_CANCELLED, "cancelled")]


# ---------------------------------------------------------------- figures that look alike (issue 10, section 5)

def test_overview_sales_and_margin_revenue_agree_when_counted_orders_ship_on_their_date(builds, data_dir):
    """Overview sales = amounts of counted orders (confirmed, partial, completed, closed) by order
    date; drafts and cancelled orders do not count. The margin page's revenue = shipments by ship
    date. Every counted CRM order ships in full on its order date, so both are 2,130.00; C3's draft
    of 03-28 (7 × 10.00) is in neither (before drafts stopped counting, overview sales were 2,200.00)."""
    (data_dir / "serving.duckdb").unlink(missing_ok=True)
    builds["plain"]["warehouse"].publish(data_dir)
    period = (date(2026, 1, 1), date(2026, 3, 31))
    sales = serving.overview(serving.Filters(*period)).kpis.sales_amount
    margin = serving.sales_margin(serving.AnalysisFilters(*period)).totals
    assert sales == Decimal("2130.00")
    assert Decimal(str(margin.revenue)) == Decimal("2130.00")
    assert Decimal(str(margin.returns_revenue)) == Decimal("50.00")  # C2 returned 5 on 03-15, shown apart


def test_stock_analysis_cost_of_sales_agrees_between_the_value_and_turnover_tabs(builds, data_dir):
    """Picked 02-05 … 03-31. The value tab sums COGS net of returns over exactly those days:
    (1 + 20 + 20 + 5 + 5) × 6.00 − 5 × 6.00 returned = 276.00, which is also the margin page's COGS
    less returned cost. Turnover is monthly: it covers 02-01 … 03-31 (said on the tab) and counts
    02-01 … 02-04 too (C5 1 + 1, C1 10: 72.00) → 348.00, the value tab's figure over those days."""
    (data_dir / "serving.duckdb").unlink(missing_ok=True)
    builds["plain"]["warehouse"].publish(data_dir)
    picked = serving.AnalysisFilters(date(2026, 2, 5), date(2026, 3, 31))
    data = serving.stock_analysis(picked)
    value_cogs = Decimal(str(round(data.valuation["cogs"].sum(), 2)))
    turnover_cogs = Decimal(str(round(data.turnover_total.iloc[0]["cogs"], 2)))
    assert value_cogs == Decimal("276.00")
    assert turnover_cogs == Decimal("348.00")
    assert data.turnover_period == (date(2026, 2, 1), date(2026, 3, 31))
    whole = serving.stock_analysis(serving.AnalysisFilters(*data.turnover_period))
    assert Decimal(str(round(whole.valuation["cogs"].sum(), 2))) == turnover_cogs
    margin = serving.sales_margin(picked).totals
    returned_cost = serving.sales_margin(picked).return_lines["cost_returned"].sum()
    assert Decimal(str(round(margin.cogs - returned_cost, 2))) == value_cogs
