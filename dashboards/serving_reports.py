"""Reads of ``serving.duckdb`` that only the managers' reports need (``reports/``), through
``dashboards.serving``'s one-connection-per-call ``fetch``. Everything else a report shows comes
from the pages' own read functions (serving.py, serving_finance.py, serving_open_items.py, ...), so
a report and a page show the same figure the same way.

Marts read: fct_receivable_unapplied (receipts of a period), fct_payable_balance_periods and
dim_supplier (payables falling due in the days after a date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd

from dashboards.serving import fetch, query


@dataclass(frozen=True)
class Receipts:
    amount: Decimal  # receipts dated in the period, net of the part a reversal took back
    count: int


def receipts(start: date, end: date) -> Receipts:
    """Customer receipts (收款) dated in [start, end]: the collections of the period."""
    (rows,) = fetch(query(
        "SELECT coalesce(sum(amount - reversed_amount), 0), count(*) FROM fct_receivable_unapplied "
        "WHERE source_type = 'receipt' AND source_date BETWEEN $start AND $end",
        as_rows=True, start=start, end=end))
    amount, count = rows[0] if rows else (0, 0)
    return Receipts(Decimal(amount), int(count))


def payables_due(as_of: date, days: int = 7) -> pd.DataFrame:
    """Supplier instalments open at the end of ``as_of`` and due in [as_of, as_of + days − 1], per
    supplier (supplier_name, amount_due, instalment_count, bill_count), biggest first. On the latest
    published date with ``days`` = 7 it is week 1 of mart_upcoming_payments; on any other date it
    ages the published balance periods the way serving_open_items does."""
    (rows,) = fetch(query(
        "SELECT d.supplier_name, sum(p.outstanding_amount)::DECIMAL(18,2) AS amount_due, "
        "count(*) AS instalment_count, count(DISTINCT p.bill_id) AS bill_count "
        "FROM fct_payable_balance_periods p JOIN dim_supplier d USING (supplier_id) "
        "WHERE p.valid_from <= $d AND (p.valid_to IS NULL OR $d < p.valid_to) "
        "AND p.due_date BETWEEN $d AND $last AND p.outstanding_amount <> 0 "
        "GROUP BY 1 ORDER BY amount_due DESC, 1",
        d=as_of, last=as_of + timedelta(days=days - 1)))
    return rows

