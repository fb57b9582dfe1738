"""Pieces shared by the payables pages: a titled, exportable table and the detail of one supplier
bill (its lines with the three-way-match variances and receipts, its instalments and what settled
them). Column titles come from ``ui.ap.col.<name>``."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from dashboards.components.export import export_buttons
from dashboards.components.format import show_table, with_headers
from dashboards.i18n import t
from operational.db import read_only
from operational.services import payables_queries

MONEY = ("total_amount", "open_amount", "amount", "settled_amount", "outstanding_amount", "overdue_amount",
         "unallocated_amount", "amount_due", "ap_outstanding", "purchases_amount", "unapplied_amount", "net_amount",
         "ap_unapplied", "ap_net_balance", "applied_amount", "reversed_amount")


def ap_table(rows: Sequence[dict[str, Any]] | pd.DataFrame, columns: Sequence[str], name: str, key: str, *,
             states: Sequence[str] = ("status",)) -> pd.DataFrame | None:
    """Show ``rows`` with catalog titles (codes in ``states`` translated as ``state.<code>``) and
    CSV / Excel export; None (and an info line) when empty."""
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if df.empty:
        st.info(t("ui.ap.empty"))
        return None
    df = df.copy()
    for column in states:
        if column in df.columns:
            df[column] = df[column].map(lambda s: t(f"state.{s}") if isinstance(s, str) and s else s)
    for column in ("match_status", "source_type"):
        if column in df.columns:
            df[column] = df[column].map(lambda s, c=column: t(f"ui.ap.{c}.{s}") if isinstance(s, str) else s)
    for column in ("within_tolerance", "qty_ok", "price_ok"):
        if column in df.columns:
            df[column] = df[column].map(lambda v: "✓" if v else "✗")
    shown = with_headers(df, columns, "ui.ap.col")
    show_table(shown, money=MONEY, catalog="ui.ap.col")
    export_buttons(shown, name, f"{key}.export")
    return shown


BILL_LINE_COLUMNS = ("line_no", "receipt_no", "receipt_date", "sku", "product_name", "quantity", "billable_qty",
                     "qty_variance", "qty_ok", "unit_price", "po_price", "price_variance", "price_ok", "amount")


def bill_detail(bill_id: int, key: str) -> None:
    """Lines (with the receipt each one bills and the match), instalments and allocations."""
    with read_only() as session:
        lines = payables_queries.bill_lines(session, bill_id)
        supplier_id = payables_queries.bill_supplier(session, bill_id)
        instalments = payables_queries.bill_instalments(session, bill_id)
        allocations = payables_queries.bill_allocations(session, bill_id)
    st.markdown(f"**{t('ui.ap.lines')}**")
    ap_table(lines, BILL_LINE_COLUMNS, "supplier_bill_lines", f"{key}.lines")
    receipts = {r["receipt_id"]: f"{r['receipt_no']} · {r['receipt_date']:%Y-%m-%d}" for r in lines}
    receipt_id = pick(t("ui.ap.open_receipt"), receipts, f"{key}.receipt")
    if receipt_id is not None:
        with read_only() as session:
            receipt_lines = [{**vars(line), "billable": line.billable} for line in payables_queries.billable_lines(
                session, supplier_id, [receipt_id], only_open=False)]
        ap_table(receipt_lines, ("line_no", "sku", "product_name", "accepted", "returned", "billed", "debited",
                                 "billable", "po_price"), "goods_receipt_lines", f"{key}.receipt_lines")
    if instalments:
        st.markdown(f"**{t('ui.ap.instalments')}**")
        ap_table(instalments, ("seq", "due_date", "amount", "settled_amount", "open_amount"),
                 "ap_instalments", f"{key}.inst")
    if allocations:
        st.markdown(f"**{t('ui.ap.allocations')}**")
        ap_table(allocations, ("allocated_on", "seq", "source_type", "source_no", "amount"), "ap_allocations",
                 f"{key}.alloc")


def price_text(value: Any) -> str:
    """¥1.50, ¥2.1250: unit prices to at least the cent, up to their 4 places."""
    text = f"{Decimal(value).quantize(Decimal('0.0001')):f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"¥{int(whole):,}.{frac.ljust(2, '0')}"


def pick(label: str, choices: dict[Any, str], key: str, **kwargs: Any) -> Any:
    """A selectbox over ``choices`` (id → label), empty until picked."""
    return st.selectbox(label, list(choices), key=key, index=None, format_func=lambda i: choices.get(i, str(i)),
                        placeholder=t("ui.ap.choose"), **kwargs)
