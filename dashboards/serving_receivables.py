"""Reads of the receivables marts in ``serving.duckdb`` for the receivables and collection pages,
through ``dashboards.serving``'s one-connection-per-call ``fetch`` (same caching and "no data
yet" behaviour as the other pages).

Marts read: mart_ar_aging, mart_dso_monthly, mart_collection_effectiveness,
fct_receivable_instalments (docs/receivables.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from dashboards.serving import fetch, query


@dataclass(frozen=True)
class AgingOptions:
    report_dates: list[date] = field(default_factory=list)  # newest first
    customers: dict[int, str] = field(default_factory=dict)
    buckets: dict[int, str] = field(default_factory=dict)  # bucket_order → label


def aging_options() -> AgingOptions:
    dates, customers, buckets = fetch(
        query("SELECT DISTINCT report_date FROM mart_ar_aging ORDER BY report_date DESC", as_rows=True),
        query("SELECT DISTINCT customer_id, customer_code || ' ' || customer_name FROM mart_ar_aging "
              "ORDER BY 2", as_rows=True),
        query("SELECT DISTINCT bucket_order, bucket_label FROM mart_ar_aging ORDER BY 1", as_rows=True),
    )
    return AgingOptions([r[0] for r in dates], dict(customers), dict(buckets))


def _where(customer_id: int | None, bucket_orders: tuple[int, ...] | None) -> tuple[str, dict[str, Any]]:
    parts, params = ["TRUE"], {}
    if customer_id is not None:
        parts.append("customer_id = $customer_id")
        params["customer_id"] = customer_id
    if bucket_orders:
        parts.append("list_contains($buckets, bucket_order)")
        params["buckets"] = list(bucket_orders)
    return " AND ".join(parts), params


@dataclass(frozen=True)
class Aging:
    by_customer: pd.DataFrame  # customer × bucket rows of the report date
    buckets: pd.DataFrame  # bucket_order, bucket_label, outstanding_amount


def aging(report_date: date, customer_id: int | None = None, bucket_orders: tuple[int, ...] | None = None) -> Aging:
    where, params = _where(customer_id, bucket_orders)
    by_customer, buckets = fetch(
        query(f"SELECT customer_id, customer_code, customer_name, bucket_order, bucket_label, outstanding_amount, "
              f"instalment_count, invoice_count, max_days_overdue FROM mart_ar_aging "
              f"WHERE report_date = $d AND {where} ORDER BY customer_code, bucket_order", d=report_date, **params),
        query(f"SELECT bucket_order, bucket_label, sum(outstanding_amount) AS outstanding_amount "
              f"FROM mart_ar_aging WHERE report_date = $d AND {where} GROUP BY 1, 2 ORDER BY 1",
              d=report_date, **params),
    )
    return Aging(by_customer, buckets)


def dso_monthly(customer_id: int | None = None) -> pd.DataFrame:
    scope = "scope = 'company'" if customer_id is None else "scope = 'customer' AND customer_id = $customer_id"
    params = {} if customer_id is None else {"customer_id": customer_id}
    (df,) = fetch(query(f"SELECT year_month, period_end, days_in_period, ar_outstanding, credit_sales, invoice_count, "
                        f"dso_days FROM mart_dso_monthly WHERE {scope} ORDER BY month_start", **params))
    return df


def collection_effectiveness(customer_id: int | None = None) -> pd.DataFrame:
    scope = "scope = 'company'" if customer_id is None else "scope = 'customer' AND customer_id = $customer_id"
    params = {} if customer_id is None else {"customer_id": customer_id}
    (df,) = fetch(query(f"SELECT year_month, opening_ar, credit_sales, closing_ar, closing_current_ar, "
                        f"collected_amount, collectable_amount, cei_percent FROM mart_collection_effectiveness "
                        f"WHERE {scope} ORDER BY month_start", **params))
    return df


def open_instalments(customer_id: int) -> pd.DataFrame:
    """The customer's open instalments as published (drill-down from an aging total)."""
    (df,) = fetch(query("SELECT invoice_id, invoice_no, invoice_date, seq, due_date, amount, settled_amount, "
                        "outstanding_amount FROM fct_receivable_instalments "
                        "WHERE customer_id = $customer_id AND outstanding_amount <> 0 "
                        "ORDER BY due_date, invoice_no, seq", customer_id=customer_id))
    return df
