"""Reads of the payables marts in ``serving.duckdb`` for the payables page, through
``dashboards.serving``'s one-connection-per-call ``fetch`` (same caching and "no data yet"
behaviour as the other pages).

Marts read: mart_ap_aging, mart_dpo_monthly, mart_upcoming_payments, fct_payable_instalments
(docs/payables.md).
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
    suppliers: dict[int, str] = field(default_factory=dict)


def aging_options() -> AgingOptions:
    dates, suppliers = fetch(
        query("SELECT DISTINCT report_date FROM mart_ap_aging ORDER BY report_date DESC", as_rows=True),
        query("SELECT DISTINCT supplier_id, supplier_name FROM mart_ap_aging ORDER BY supplier_name", as_rows=True),
    )
    return AgingOptions([r[0] for r in dates], dict(suppliers))


def _supplier(supplier_id: int | None, alias: str = "") -> tuple[str, dict[str, Any]]:
    if supplier_id is None:
        return "TRUE", {}
    return f"{alias}supplier_id = $supplier_id", {"supplier_id": supplier_id}


@dataclass(frozen=True)
class Aging:
    by_supplier: pd.DataFrame  # supplier_id, supplier_name, bucket_order, bucket_label, outstanding_amount, …
    buckets: pd.DataFrame  # bucket_order, bucket_label, outstanding_amount (all suppliers shown)


def aging(report_date: date, supplier_id: int | None = None) -> Aging:
    where, params = _supplier(supplier_id)
    by_supplier, buckets = fetch(
        query(f"SELECT supplier_id, supplier_name, bucket_order, bucket_label, outstanding_amount, instalment_count, "
              f"bill_count FROM mart_ap_aging WHERE report_date = $d AND {where} "
              f"ORDER BY supplier_name, bucket_order", d=report_date, **params),
        query(f"SELECT bucket_order, bucket_label, sum(outstanding_amount) AS outstanding_amount "
              f"FROM mart_ap_aging WHERE report_date = $d AND {where} GROUP BY 1, 2 ORDER BY 1",
              d=report_date, **params),
    )
    return Aging(by_supplier, buckets)


def dpo_monthly() -> pd.DataFrame:
    (df,) = fetch(query("SELECT year_month, period_end, days_in_period, ap_outstanding, purchases_amount, bill_count, "
                        "dpo_days FROM mart_dpo_monthly ORDER BY month_start"))
    return df


def upcoming_payments(supplier_id: int | None = None) -> pd.DataFrame:
    where, params = _supplier(supplier_id)
    (df,) = fetch(query(f"SELECT as_of_date, week_no, week_start, week_end, supplier_id, supplier_name, amount_due, "
                        f"instalment_count, bill_count FROM mart_upcoming_payments WHERE {where} "
                        f"ORDER BY week_no, supplier_name", **params))
    return df


def open_instalments(supplier_id: int) -> pd.DataFrame:
    """The supplier's open instalments as published (drill-down from an aging total)."""
    (df,) = fetch(query("SELECT bill_id, bill_no, supplier_invoice_no, bill_date, seq, due_date, amount, "
                        "settled_amount, outstanding_amount FROM fct_payable_instalments "
                        "WHERE supplier_id = $supplier_id AND outstanding_amount <> 0 ORDER BY due_date, bill_no, seq",
                        supplier_id=supplier_id))
    return df
