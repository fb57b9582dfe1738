"""Reads of the receivables marts in ``serving.duckdb`` for the receivables and collection pages,
through ``dashboards.serving``'s one-connection-per-call ``fetch`` (same caching and "no data
yet" behaviour as the other pages).

Marts read: mart_dso_monthly (DSO on the gross balance, the net beside it),
mart_collection_effectiveness, fct_receivable_instalments, fct_receivable_unapplied
(docs/receivables.md). The aging as of any date is ``dashboards.serving_open_items``.
"""

from __future__ import annotations

import pandas as pd

from dashboards.serving import fetch, query


def dso_monthly(customer_id: int | None = None) -> pd.DataFrame:
    scope = "scope = 'company'" if customer_id is None else "scope = 'customer' AND customer_id = $customer_id"
    params = {} if customer_id is None else {"customer_id": customer_id}
    (df,) = fetch(query(f"SELECT year_month, period_end, days_in_period, ar_outstanding, ar_unapplied, ar_net_balance, "
                        f"credit_sales, invoice_count, dso_days FROM mart_dso_monthly WHERE {scope} "
                        f"ORDER BY month_start", **params))
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


def unapplied_documents(customer_id: int) -> pd.DataFrame:
    """The customer's receipts and credit notes with money not yet applied, as published."""
    (df,) = fetch(query("SELECT source_type, source_no, source_date, amount, applied_amount, reversed_amount, "
                        "unapplied_amount FROM fct_receivable_unapplied "
                        "WHERE customer_id = $customer_id AND unapplied_amount <> 0 "
                        "ORDER BY source_date, source_no", customer_id=customer_id))
    return df
