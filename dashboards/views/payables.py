"""Payables analysis (应付分析) on the published marts: AP aging by supplier and bucket as of any
date with any buckets (drill-down: supplier → open instalments → bill lines with the match variances and their
receipts), DPO by month, and the payments falling due in the next 13 weeks. Every table exports."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboards import serving, serving_open_items, serving_payables
from dashboards.components import charts
from dashboards.components.aging_view import AgingTexts, aging_section
from dashboards.components.filters import no_data_message
from dashboards.components.freshness import live_caption, published_caption
from dashboards.components.payables_view import ap_table, bill_detail, pick
from dashboards.i18n import t
from dashboards.session import require_page
from operational.db import read_only
from operational.services import payables_queries

KEY = "ap.an"
_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 320}

require_page("payables")
st.title(t("ui.page.payables"))


TEXTS = AgingTexts(partner="field.supplier", all_partners="ui.ap.all_suppliers",
                   partner_column="ui.ap.col.supplier_name", total="ui.ap.outstanding_total",
                   overdue="ui.ap.overdue_total", drill="ui.ap.drill_supplier", no_data="ui.ap.empty",
                   empty="ui.ap.empty")


def _supplier_detail(supplier_id: int) -> None:
    """Drill-down from the aging: the supplier's open instalments now (live, from the store), the
    money not yet applied as published, then one bill's lines with the match variances and receipts
    (from the store)."""
    with read_only() as session:
        live = payables_queries.open_instalments(session, supplier_id=supplier_id)
    instalments = pd.DataFrame(live).rename(columns={"doc_no": "bill_no", "open_amount": "outstanding_amount"})
    live_caption()
    ap_table(instalments, ("bill_no", "supplier_invoice_no", "bill_date", "seq", "due_date", "amount",
                           "settled_amount", "outstanding_amount"), "ap_open_instalments", f"{KEY}.inst")
    credits = serving_payables.unapplied_documents(supplier_id)
    if not credits.empty:
        st.markdown(f"**{t('ui.aging.unapplied')}**")
        published_caption()
        ap_table(credits, ("source_type", "source_no", "source_date", "amount", "applied_amount", "reversed_amount",
                           "unapplied_amount"), "ap_unapplied", f"{KEY}.unapplied")
    if not instalments.empty:
        bills = dict(zip(instalments["bill_id"], instalments["bill_no"], strict=False))
        bill_id = pick(t("ui.ap.open_bill"), bills, f"{KEY}.bill")
        if bill_id is not None:
            bill_detail(int(bill_id), f"{KEY}.detail")


def _dpo() -> None:
    df = serving_payables.dpo_monthly()
    if df.empty:
        st.info(t("ui.ap.empty"))
        return
    st.caption(t("ui.ap.dpo_formula"))
    st.caption(t("ui.ap.dpo_basis"))
    chart = df.assign(dpo=df["dpo_days"].astype(float))
    fig = px.line(chart, x="year_month", y="dpo", markers=True, title=t("ui.ap.dpo_chart"),
                  labels={"year_month": t("ui.ap.col.year_month"), "dpo": t("ui.ap.col.dpo_days")})
    charts.plot(fig.update_layout(**_LAYOUT), key=f"{KEY}.dpo.chart")
    ap_table(df, ("year_month", "period_end", "days_in_period", "ap_outstanding", "ap_unapplied", "ap_net_balance",
                  "purchases_amount", "bill_count", "dpo_days"), "ap_dpo_monthly", f"{KEY}.dpo")


def _week_text(n: int) -> str:
    """−1 未核销 (money not yet applied, negative), 0 overdue, n the n-th week."""
    if n < 0:
        return t("ui.ap.unapplied_week")
    return t("ui.ap.overdue") if n == 0 else t("ui.ap.week", n=n)


def _upcoming() -> None:
    suppliers = serving_open_items.aging_options(serving_open_items.AP).partners
    supplier_id = st.selectbox(t("field.supplier"), [None, *suppliers], key=f"{KEY}.up.supplier",
                               format_func=lambda i: t("ui.ap.all_suppliers") if i is None else suppliers[i])
    df = serving_payables.upcoming_payments(supplier_id)
    if df.empty:
        st.info(t("ui.ap.empty"))
        return
    st.caption(t("ui.ap.upcoming_note", as_of=f"{pd.Timestamp(df['as_of_date'].iloc[0]):%Y-%m-%d}"))
    weeks = (df.assign(amount=df["amount_due"].astype(float))
             .groupby("week_no", as_index=False)["amount"].sum())
    weeks["week"] = weeks["week_no"].map(_week_text)
    fig = px.bar(weeks, x="week", y="amount", title=t("ui.ap.upcoming_chart"),
                 labels={"week": t("ui.ap.col.week_no"), "amount": t("ui.ap.col.amount_due")})
    charts.plot(fig.update_layout(**_LAYOUT), key=f"{KEY}.up.chart")
    ap_table(df.assign(week_no=df["week_no"].map(_week_text)),
             ("week_no", "week_start", "week_end", "supplier_name", "amount_due", "instalment_count", "bill_count"),
             "ap_upcoming_payments", f"{KEY}.up")


if not serving.is_published():
    no_data_message()
    st.stop()
aging_tab, dpo_tab, upcoming_tab = st.tabs([t("ui.ap.tab.aging"), t("ui.ap.tab.dpo"), t("ui.ap.tab.upcoming")])
with aging_tab:
    aging_section(serving_open_items.AP, KEY, TEXTS, _supplier_detail)
with dpo_tab:
    _dpo()
with upcoming_tab:
    _upcoming()
