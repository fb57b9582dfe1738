"""Pieces shared by the receivables and collection pages: a titled, exportable table (column
titles from ``ui.ar.col.<name>``) and the drill-down of one sales invoice (lines with their
shipments, instalments, and what settled them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from dashboards.components.export import export_buttons
from dashboards.components.format import show_table, with_headers
from dashboards.i18n import t
from operational.db import read_only
from operational.services import receivables_queries

MONEY = ("total_amount", "open_amount", "amount", "settled_amount", "outstanding_amount", "overdue_amount",
         "unallocated_amount", "ar_outstanding", "credit_sales", "opening_ar", "closing_ar", "closing_current_ar",
         "collected_amount", "collectable_amount", "promised_amount", "received", "debit", "credit", "balance",
         "unit_price", "unapplied_amount", "ar_unapplied", "ar_net_balance", "applied_amount", "reversed_amount")


def ar_table(rows: Sequence[dict[str, Any]] | pd.DataFrame, columns: Sequence[str], name: str, key: str
             ) -> pd.DataFrame | None:
    """Show ``rows`` with catalog titles (status / kind / source codes translated) and CSV / Excel
    export; None (and an info line) when empty."""
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if df.empty:
        st.info(t("ui.ar.empty"))
        return None
    df = df.copy()
    for column, prefix in (("status", "state"), ("source_type", "ui.ar.kind"), ("kind", "ui.ar.kind"),
                           ("promise_state", "ui.ar.promise"), ("method", "ui.ar.method"),
                           ("channel", "ui.ar.channel")):
        if column in df.columns:
            df[column] = df[column].map(lambda s, p=prefix: t(f"{p}.{s}") if isinstance(s, str) and s else s)
    if "bucket_label" in df.columns:
        df["bucket_label"] = df["bucket_label"].map(lambda s: t("ui.ar.bucket.not_due") if s == "not_due" else s)
    shown = with_headers(df, columns, "ui.ar.col")
    show_table(shown, money=MONEY, catalog="ui.ar.col")
    export_buttons(shown, name, f"{key}.export")
    return shown


def pick(label: str, choices: dict[Any, str], key: str) -> Any:
    """A selectbox over ``choices`` (id → text) with an empty first entry."""
    return st.selectbox(label, [None, *choices], key=key,
                        format_func=lambda v: t("ui.ar.choose") if v is None else choices[v])


def invoice_detail(invoice_id: int, key: str) -> None:
    """Lines (with the shipment each bills), instalments and allocations of one invoice."""
    with read_only() as session:
        lines = receivables_queries.invoice_lines(session, invoice_id)
        instalments = receivables_queries.invoice_instalments(session, invoice_id)
        allocations = receivables_queries.invoice_allocations(session, invoice_id)
    st.markdown(f"**{t('ui.ar.lines')}**")
    ar_table(lines, ("line_no", "shipment_no", "sku", "product_name", "quantity", "unit_price", "discount_rate",
                     "amount"), "sales_invoice_lines", f"{key}.lines")
    st.markdown(f"**{t('ui.ar.instalments')}**")
    ar_table(instalments, ("seq", "due_date", "amount", "settled_amount", "open_amount"), "ar_instalments",
             f"{key}.inst")
    st.markdown(f"**{t('ui.ar.allocations')}**")
    ar_table(allocations, ("allocated_on", "seq", "source_type", "source_no", "amount"), "ar_allocations",
             f"{key}.alloc")
