"""Reads of the CRM marts in ``serving.duckdb`` for the CRM pages, through ``dashboards.serving``'s
one-connection-per-call ``fetch`` (same caching and "no data yet" behaviour as the other pages).

Marts read: mart_customer_rfm, mart_customer_churn_risk, mart_customer_lifetime_value,
mart_customer_purchase_history, mart_customer_repeat_rate, mart_ticket_sla, fct_service_tickets,
fct_sales_lines and dim_customer (docs/crm.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dashboards.serving import fetch, query

SEGMENTS = ("champions", "loyal", "new", "at_risk", "needs_attention", "hibernating", "no_orders")


@dataclass(frozen=True)
class CustomerFilters:
    salesperson_id: int | None = None
    region: str | None = None
    segment: str | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        """Condition on the aliases ``c`` (dim_customer) and ``r`` (mart_customer_rfm)."""
        clauses, params = ["TRUE"], {}
        if self.salesperson_id is not None:
            clauses.append("c.salesperson_id = $salesperson_id")
            params["salesperson_id"] = self.salesperson_id
        if self.region is not None:
            clauses.append("c.region = $region")
            params["region"] = self.region
        if self.segment is not None:
            clauses.append("r.segment = $segment")
            params["segment"] = self.segment
        return " AND ".join(clauses), params


@dataclass(frozen=True)
class CustomerOptions:
    salespeople: dict[int, str] = field(default_factory=dict)
    regions: list[str] = field(default_factory=list)
    as_of_date: Any = None


def customer_options() -> CustomerOptions:
    salespeople, regions, as_of = fetch(
        query("SELECT DISTINCT salesperson_id, salesperson_name FROM dim_customer WHERE salesperson_id IS NOT NULL "
              "ORDER BY salesperson_name", as_rows=True),
        query("SELECT DISTINCT region FROM dim_customer WHERE region IS NOT NULL ORDER BY region", as_rows=True),
        query("SELECT max(as_of_date) FROM mart_customer_rfm", as_rows=True),
    )
    return CustomerOptions(dict(salespeople), [r[0] for r in regions], as_of[0][0] if as_of else None)


_CUSTOMER = """
FROM mart_customer_rfm r
JOIN dim_customer c ON c.customer_id = r.customer_id
LEFT JOIN mart_customer_churn_risk k ON k.customer_id = r.customer_id
LEFT JOIN mart_customer_lifetime_value v ON v.customer_id = r.customer_id
"""


@dataclass(frozen=True)
class CustomerAnalysis:
    customers: pd.DataFrame  # one row per customer: RFM, churn and CLV columns with names
    segments: pd.DataFrame  # segment, customers, monetary
    repeat_rate: pd.DataFrame  # month: customers_ordered, repeat_customers, new_customers, repeat_rate


def customer_analysis(filters: CustomerFilters) -> CustomerAnalysis:
    where, params = filters.where()
    customers, segments, repeat = fetch(
        query(f"""
            SELECT c.customer_id, c.customer_code, c.customer_name, c.region, c.salesperson_name,
                   r.last_order_date, r.recency_days, r.frequency, r.monetary, r.r_score, r.f_score, r.m_score,
                   r.rfm_code, r.segment, r.is_repeat,
                   k.usual_gap_days, k.current_gap_days, k.expected_next_order_date, coalesce(k.at_risk, false) AS at_risk,
                   v.first_order_date, v.tenure_months, v.total_net_revenue, v.total_gross_margin,
                   v.avg_monthly_margin, v.clv
            {_CUSTOMER} WHERE {where} ORDER BY c.customer_code""", **params),
        query(f"""
            SELECT r.segment, count(*) AS customers, sum(r.monetary) AS monetary
            {_CUSTOMER} WHERE {where} GROUP BY r.segment ORDER BY customers DESC, r.segment""", **params),
        query("SELECT year_month, customers_ordered, repeat_customers, new_customers, repeat_rate "
              "FROM mart_customer_repeat_rate ORDER BY year_month"),
    )
    return CustomerAnalysis(customers, segments, repeat)


def customer_history(customer_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A customer's months (mart_customer_purchase_history) and its orders (fct_sales_lines by order)."""
    months, orders = fetch(
        query("SELECT year_month, orders, ordered_amount, revenue, cogs, gross_margin, returned_revenue, "
              "net_revenue, net_gross_margin FROM mart_customer_purchase_history WHERE customer_id = $customer_id "
              "ORDER BY year_month DESC", customer_id=customer_id),
        query("SELECT doc_no, order_date, status, count(*) AS line_count, sum(amount) AS amount, "
              "sum(shipped_qty) AS shipped_qty FROM fct_sales_lines WHERE customer_id = $customer_id "
              "GROUP BY doc_no, order_date, status ORDER BY order_date DESC, doc_no DESC", customer_id=customer_id),
    )
    return months, orders


def ticket_sla() -> pd.DataFrame:
    """mart_ticket_sla, newest month first."""
    return fetch(query("SELECT * FROM mart_ticket_sla ORDER BY year_month DESC, category, priority"))[0]


def sla_tickets(year_month: str, category: str, priority: str) -> pd.DataFrame:
    """The tickets behind one row of mart_ticket_sla."""
    return fetch(query(
        "SELECT t.doc_no, c.customer_name, t.subject, t.status, t.opened_at, t.response_due_at, t.first_response_at, "
        "t.resolution_due_at, t.resolved_at, t.response_met, t.resolution_met, t.satisfaction "
        "FROM fct_service_tickets t JOIN dim_customer c ON c.customer_id = t.customer_id "
        "WHERE t.year_month = $ym AND t.category = $category AND t.priority = $priority ORDER BY t.opened_at",
        ym=year_month, category=category, priority=priority))[0]


@dataclass(frozen=True)
class RfmMonth:
    """The RFM picture of one month end (mart_customer_rfm_monthly) and the moves into it from the
    previous month end (mart_customer_rfm_movements): the month-end pack's RFM section."""

    month_end: Any  # the day the segments are taken on (the as-of date in a month not yet ended)
    segments: pd.DataFrame  # segment, customers, monetary: customers with orders by month_end
    movements: pd.DataFrame  # from_segment, to_segment, customers, moved; stayed rows included


def rfm_month(year_month: str) -> RfmMonth:
    """Segments at the end of ``year_month`` (YYYY-MM) and the movements into them."""
    end, segments, movements = fetch(
        query("SELECT max(month_end) FROM mart_customer_rfm_monthly WHERE year_month = $ym", as_rows=True,
              ym=year_month),
        query("SELECT segment, count(*) AS customers, sum(monetary) AS monetary FROM mart_customer_rfm_monthly "
              "WHERE year_month = $ym GROUP BY segment ORDER BY customers DESC, segment", ym=year_month),
        query("SELECT from_segment, to_segment, customers, moved FROM mart_customer_rfm_movements "
              "WHERE year_month = $ym ORDER BY moved DESC, customers DESC, from_segment, to_segment", ym=year_month),
    )
    return RfmMonth(end[0][0] if end else None, segments, movements)
