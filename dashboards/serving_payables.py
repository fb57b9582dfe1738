"""Reads of the payables marts in ``serving.duckdb`` for the payables page, through
``dashboards.serving``'s one-connection-per-call ``fetch`` (same caching and "no data yet"
behaviour as the other pages).

Marts read: mart_dpo_monthly (DPO on the gross balance, the net beside it), mart_upcoming_payments
(week −1 = money not yet applied, negative), fct_payable_instalments, fct_payable_unapplied
(docs/payables.md).
The aging as of any date is ``dashboards.serving_open_items``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dashboards.serving import fetch, query


def _supplier(supplier_id: int | None, alias: str = "") -> tuple[str, dict[str, Any]]:
    if supplier_id is None:
        return "TRUE", {}
    return f"{alias}supplier_id = $supplier_id", {"supplier_id": supplier_id}


def dpo_monthly() -> pd.DataFrame:
    (df,) = fetch(query("SELECT year_month, period_end, days_in_period, ap_outstanding, ap_unapplied, ap_net_balance, "
                        "purchases_amount, bill_count, dpo_days FROM mart_dpo_monthly ORDER BY month_start"))
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


def unapplied_documents(supplier_id: int) -> pd.DataFrame:
    """The supplier's payments and debit notes with money not yet applied, as published."""
    (df,) = fetch(query("SELECT source_type, source_no, source_date, amount, applied_amount, reversed_amount, "
                        "unapplied_amount FROM fct_payable_unapplied "
                        "WHERE supplier_id = $supplier_id AND unapplied_amount <> 0 "
                        "ORDER BY source_date, source_no", supplier_id=supplier_id))
    return df
