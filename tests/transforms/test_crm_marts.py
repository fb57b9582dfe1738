"""The CRM marts on the hand-made company of crm_company.py, built once by a real dbt run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ingestion.extract import extract_to_raw
from operational.db import make_engine
from operational.migrate import upgrade
from tests.transforms.conftest import Warehouse, dbt
from tests.transforms.crm_company import build_crm_company


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    work = tmp_path_factory.mktemp("crm_marts")
    engine = make_engine(f"sqlite:///{work / 'jxc.sqlite'}")
    upgrade(engine)
    company = build_crm_company(engine)
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(engine.url.render_as_string(hide_password=False), warehouse)
    dbt(warehouse, work, "build", "--select", "+path:models/marts/crm",
        "--indirect-selection", "cautious")
    engine.dispose()
    built = Warehouse(warehouse)
    built.customers = company.customers  # type: ignore[attr-defined]
    return built


def _by_code(wh: Warehouse, sql: str) -> dict[str, tuple]:
    """Rows of ``sql`` (first column customer_id) keyed by customer code."""
    codes = {v: k for k, v in wh.customers.items()}  # type: ignore[attr-defined]
    return {codes[row[0]]: row[1:] for row in wh.rows(sql)}


def test_rfm_scores_and_segments(wh):
    rows = _by_code(wh, "select customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, rfm_code,"
                        " segment, is_repeat from marts.mart_customer_rfm")
    assert rows == {
        "C1": (55, 4, Decimal("400.00"), 2, 5, 3, 253, "at_risk", True),
        "C2": (21, 3, Decimal("600.00"), 4, 4, 4, 444, "champions", True),
        "C3": (0, 2, Decimal("100.00"), 5, 2, 2, 522, "new", True),
        "C4": (88, 1, Decimal("1000.00"), 1, 1, 5, 115, "hibernating", False),
        "C5": (54, 3, Decimal("30.00"), 3, 4, 1, 341, "loyal", True),
        "C6": (None, 0, Decimal("0.00"), None, None, None, None, "no_orders", False),
    }


def test_churn_risk_compares_the_current_gap_with_the_usual_rhythm(wh):
    rows = _by_code(wh, "select customer_id, order_count, usual_gap_days, current_gap_days, expected_next_order_date,"
                        " at_risk from marts.mart_customer_churn_risk")
    assert {k: (v[0], v[1], v[2], v[4]) for k, v in rows.items()} == {
        "C1": (4, Decimal("10.0"), 55, True),
        "C2": (3, Decimal("29.5"), 21, False),
        "C3": (2, Decimal("11.0"), 0, False),  # two orders say nothing about a rhythm
        "C4": (1, None, 88, False),
        "C5": (3, Decimal("2.0"), 54, True),
    }
    assert str(rows["C1"][3]) == "2026-02-14"


def test_purchase_history_nets_returns_in_their_month(wh):
    c2 = wh.customers["C2"]  # type: ignore[attr-defined]
    rows = wh.rows(f"select year_month, orders, ordered_amount, revenue, cogs, gross_margin, returned_revenue,"
                   f" returned_cost, net_revenue, net_gross_margin from marts.mart_customer_purchase_history"
                   f" where customer_id = {c2} order by year_month")
    d = Decimal
    assert rows == [
        ("2026-01", 1, d("200.00"), d("200.00"), d("120.00"), d("80.00"), d("0.00"), d("0.00"), d("200.00"), d("80.00")),
        ("2026-02", 1, d("200.00"), d("200.00"), d("120.00"), d("80.00"), d("0.00"), d("0.00"), d("200.00"), d("80.00")),
        ("2026-03", 1, d("200.00"), d("200.00"), d("120.00"), d("80.00"), d("50.00"), d("30.00"), d("150.00"),
         d("60.00")),
    ]
    # The cancelled order of C4 and the draft of C3 are no orders.
    assert wh.rows("select sum(orders) from marts.mart_customer_purchase_history") == [(13,)]


def test_lifetime_value(wh):
    rows = _by_code(wh, "select customer_id, tenure_months, total_gross_margin, avg_monthly_margin, clv"
                        " from marts.mart_customer_lifetime_value")
    d = Decimal
    assert rows["C1"] == (3, d("160.00"), d("53.33"), d("1280.00"))
    assert rows["C2"] == (3, d("220.00"), d("73.33"), d("1760.00"))
    assert rows["C3"] == (1, d("40.00"), d("40.00"), d("960.00"))
    assert "C6" not in rows


def test_repeat_rate_by_month(wh):
    assert wh.rows("select year_month, customers_ordered, repeat_customers, new_customers, repeat_rate"
                   " from marts.mart_customer_repeat_rate order by year_month") == [
        ("2026-01", 3, 0, 3, Decimal("0.0000")),
        ("2026-02", 3, 2, 1, Decimal("0.6667")),
        ("2026-03", 2, 1, 1, Decimal("0.5000")),
    ]


def test_ticket_sla_compliance_counts_only_known_outcomes(wh):
    rows = wh.rows("select category, priority, tickets, response_known, responded_within_sla, response_compliance,"
                   " resolution_known, resolved_within_sla, resolution_compliance, satisfaction_count,"
                   " mean_satisfaction from marts.mart_ticket_sla order by category, priority")
    d = Decimal
    assert rows == [
        ("after_sale", "normal", 2, 2, 1, d("0.5000"), 1, 0, d("0.0000"), 0, None),
        ("presale", "low", 1, 0, 0, None, 0, 0, None, 0, None),
        ("technical", "urgent", 2, 2, 1, d("0.5000"), 2, 1, d("0.5000"), 2, d("3.50")),
    ]
    tickets = wh.rows("select doc_no, response_met, resolution_met, response_hours, resolution_hours"
                      " from marts.fct_service_tickets order by doc_no")
    assert tickets == [
        ("TK-2026-000001", True, True, d("0.50"), d("3.00")),
        ("TK-2026-000002", False, False, d("2.00"), d("6.00")),
        ("TK-2026-000003", True, False, d("2.00"), d("96.00")),
        ("TK-2026-000004", False, None, None, None),
        ("TK-2026-000005", None, None, None, None),
    ]


def test_rfm_history_scores_each_month_end_from_the_orders_up_to_it(wh):
    """mart_customer_rfm_monthly, by hand (crm_company.py's orders): on 01-31 C1 (3 orders, 300,
    last 01-25), C2 (1, 200, 01-10), C4 (1, 1000, 01-02); on 02-28 C1 (4, 400, 02-04), C2 (2, 400,
    02-10), C4 (1, 1000), C5 (3, 30, 02-05); quintile scores among those customers only."""
    rows = wh.rows("select year_month, customer_id, month_end, is_complete_month, recency_days, frequency, monetary,"
                   " rfm_code, segment from marts.mart_customer_rfm_monthly order by year_month, customer_id")
    codes = {v: k for k, v in wh.customers.items()}  # type: ignore[attr-defined]
    by_month: dict[str, dict[str, tuple]] = {}
    for ym, customer, *rest in rows:
        by_month.setdefault(ym, {})[codes[customer]] = tuple(rest)
    assert by_month["2026-01"] == {
        "C1": (date(2026, 1, 31), True, 6, 3, Decimal("300.00"), 554, "champions"),
        "C2": (date(2026, 1, 31), True, 21, 1, Decimal("200.00"), 442, "champions"),
        "C4": (date(2026, 1, 31), True, 29, 1, Decimal("1000.00"), 245, "at_risk"),
    }
    assert by_month["2026-02"] == {
        "C1": (date(2026, 2, 28), True, 24, 4, Decimal("400.00"), 354, "loyal"),
        "C2": (date(2026, 2, 28), True, 18, 2, Decimal("400.00"), 534, "loyal"),
        "C4": (date(2026, 2, 28), True, 57, 1, Decimal("1000.00"), 225, "hibernating"),
        "C5": (date(2026, 2, 28), True, 23, 3, Decimal("30.00"), 442, "champions"),
    }
    # The last month end is the as-of date: the same as the snapshot mart, customer by customer.
    snapshot = wh.rows("select customer_id, recency_days, frequency, monetary, rfm_code, segment "
                       "from marts.mart_customer_rfm where segment <> 'no_orders' order by customer_id")
    march = wh.rows("select customer_id, recency_days, frequency, monetary, rfm_code, segment "
                    "from marts.mart_customer_rfm_monthly where year_month = '2026-03' order by customer_id")
    assert march == snapshot and len(march) == 5


def test_rfm_movements_count_the_customers_between_two_month_ends(wh):
    rows = wh.rows("select year_month, from_segment, to_segment, customers, moved "
                   "from marts.mart_customer_rfm_movements order by year_month, from_segment, to_segment")
    assert rows == [
        # Feb: C1 and C2 champions → loyal, C4 at_risk → hibernating, C5's first orders
        ("2026-02", "at_risk", "hibernating", 1, True),
        ("2026-02", "champions", "loyal", 2, True),
        ("2026-02", "no_orders", "champions", 1, True),
        # Mar: C5 champions → loyal, C4 stays hibernating, C1 loyal → at_risk, C2 loyal → champions, C3 new
        ("2026-03", "champions", "loyal", 1, True),
        ("2026-03", "hibernating", "hibernating", 1, False),
        ("2026-03", "loyal", "at_risk", 1, True),
        ("2026-03", "loyal", "champions", 1, True),
        ("2026-03", "no_orders", "new", 1, True),
    ]
    # Summed over a month: every customer with orders by its end, once.
    assert wh.rows("select year_month, sum(customers) from marts.mart_customer_rfm_movements group by 1 order by 1") \
        == [("2026-02", 4), ("2026-03", 5)]
