"""The CRM marts on the hand-made company of crm_company.py, built once by a real dbt run."""

from __future__ import annotations

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
