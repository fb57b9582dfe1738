"""Landed costs added to goods receipts after they were posted: the table of documents (with the
part allocated to one receipt when shown on a receipt: its correction history) and the receipt
picker of the purchase documents page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

import pandas as pd
import streamlit as st

from dashboards.components.format import show_table, translate_values, with_headers
from dashboards.i18n import t
from operational.db import read_only
from operational.services import landed_costs

DOCUMENT_COLUMNS = ("doc_no", "cost_date", "supplier_name", "cost_type", "allocation_basis", "amount", "status",
                    "landed_note", "cancel_reason")
HISTORY_COLUMNS = ("doc_no", "cost_date", "supplier_name", "cost_type", "allocation_basis", "amount", "allocated",
                   "status", "cancel_reason")


def documents_table(rows: Sequence[landed_costs.LandedCostRow], columns: Sequence[str], key: str) -> None:
    """Landed-cost documents with their type, basis and state in the user's language."""
    df = pd.DataFrame([asdict(r) for r in rows]).rename(columns={"note": "landed_note"})
    df["cost_type"] = translate_values(df["cost_type"], "ui.landed_cost_type")
    df["allocation_basis"] = translate_values(df["allocation_basis"], "ui.landed_cost_basis")
    df["status"] = translate_values(df["status"], "state")
    show_table(with_headers(df, columns), money=("amount", "allocated"), key=key)


def receipt_history(prefix: str) -> None:
    """Pick a goods receipt and see the landed costs entered after it (cancelled ones with their reason)."""
    st.subheader(t("ui.landed_cost.history"))
    st.caption(t("ui.landed_cost.history_caption"))
    with read_only() as session:
        choices = dict(landed_costs.receipt_choices(session))
    receipt_id = st.selectbox(t("ui.landed_cost.choose_receipt"), list(choices), key=f"{prefix}.receipt", index=None,
                              format_func=lambda i: choices.get(i, str(i)), placeholder=t("ui.landed_cost.choose_receipt"))
    if receipt_id is None:
        return
    with read_only() as session:
        rows = landed_costs.receipt_history(session, receipt_id)
    if not rows:
        st.info(t("ui.landed_cost.no_history"))
        return
    documents_table(rows, HISTORY_COLUMNS, f"{prefix}.table")
