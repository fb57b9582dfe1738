"""Receivables analysis (应收分析): aging as of any date with any buckets, bucket and customer filters,
outstanding by customer with drill-down to its open instalments, invoices and what settled them,
DSO and collection-effectiveness trends (company or one customer), and the invoice list; every
table exports to CSV and Excel. Reads the published marts; a customer's open instalments and the
invoice drill-down read the store live."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboards import serving, serving_open_items, serving_receivables
from dashboards.components import charts
from dashboards.components.aging_view import AgingTexts, aging_section
from dashboards.components.date_field import date_field
from dashboards.components.filters import no_data_message
from dashboards.components.freshness import live_caption, published_caption
from dashboards.components.receivables_view import ar_table, invoice_detail, pick
from dashboards.i18n import t
from dashboards.session import require_page
from operational.db import read_only
from operational.models import INVOICE_STATES
from operational.services import receivables_queries

AGING, TREND, DOCS = "ar.aging", "ar.trend", "ar.docs"
INVOICE_COLUMNS = ("doc_no", "invoice_date", "customer_name", "status", "total_amount", "open_amount", "note")

require_page("receivables")
st.title(t("ui.page.receivables"))


TEXTS = AgingTexts(partner="field.customer_id", all_partners="ui.ar.all_customers",
                   partner_column="ui.ar.col.customer_name", total="ui.ar.total_outstanding",
                   overdue="ui.ar.overdue_total", drill="ui.ar.drill_customer", no_data="ui.ar.no_marts",
                   empty="ui.ar.empty")


def _customer_detail(customer_id: int) -> None:
    """Drill-down from the aging: the customer's open instalments now (live, from the store), its
    money not yet applied as published, its invoices in the store and, for the invoice picked, its
    lines, instalments and allocations."""
    st.subheader(t("ui.ar.open_instalments"))
    live_caption()
    with read_only() as session:
        open_now = receivables_queries.open_instalments(session, customer_id)
    ar_table([{**r, "invoice_no": r["doc_no"], "outstanding_amount": r["open_amount"]} for r in open_now],
             ("invoice_no", "invoice_date", "seq", "due_date", "amount", "settled_amount", "outstanding_amount"),
             "ar_open_instalments", f"{AGING}.inst")
    credits = serving_receivables.unapplied_documents(customer_id)
    if not credits.empty:
        st.subheader(t("ui.aging.unapplied"))
        published_caption()
        ar_table(credits.rename(columns={"source_type": "kind"}),
                 ("kind", "source_no", "source_date", "amount", "applied_amount", "reversed_amount",
                  "unapplied_amount"), "ar_unapplied", f"{AGING}.unapplied")
    with read_only() as session:
        invoices = receivables_queries.invoices(session, customer_id=customer_id)
    st.subheader(t("ui.ar.invoices"))
    ar_table(invoices, INVOICE_COLUMNS, "sales_invoices", f"{AGING}.inv")
    chosen = pick(t("entity.sales_invoice"), {r["invoice_id"]: r["doc_no"] for r in invoices}, f"{AGING}.invoice")
    if chosen is not None:
        invoice_detail(chosen, f"{AGING}.detail")


def _trend() -> None:
    customer_id = pick(t("field.customer_id"), serving_open_items.aging_options(serving_open_items.AR).partners,
                       f"{TREND}.customer")
    dso = serving_receivables.dso_monthly(customer_id)
    cei = serving_receivables.collection_effectiveness(customer_id)
    if dso.empty and cei.empty:
        st.info(t("ui.ar.no_marts"))
        return
    left, right = st.columns(2)
    with left:
        if not dso.empty:
            charts.plot(px.line(dso.assign(dso=dso["dso_days"].astype(float)), x="year_month", y="dso",
                                title=t("ui.ar.chart.dso"), markers=True,
                                labels={"year_month": t("ui.ar.col.year_month"), "dso": t("ui.ar.col.dso_days")}
                                ).update_layout(height=300), key=f"{TREND}.dso")
    with right:
        if not cei.empty:
            charts.plot(px.line(cei.assign(cei=cei["cei_percent"].astype(float)), x="year_month", y="cei",
                                title=t("ui.ar.chart.cei"), markers=True,
                                labels={"year_month": t("ui.ar.col.year_month"),
                                        "cei": t("ui.ar.col.cei_percent")}).update_layout(height=300),
                        key=f"{TREND}.cei")
    st.caption(t("ui.ar.dso_formula"))
    st.caption(t("ui.ar.dso_basis"))
    ar_table(dso, ("year_month", "period_end", "days_in_period", "ar_outstanding", "ar_unapplied", "ar_net_balance",
                   "credit_sales", "invoice_count", "dso_days"), "ar_dso_monthly", f"{TREND}.dso_table")
    st.caption(t("ui.ar.cei_formula"))
    ar_table(cei, ("year_month", "opening_ar", "credit_sales", "closing_ar", "closing_current_ar", "collected_amount",
                   "collectable_amount", "cei_percent"), "ar_collection_effectiveness", f"{TREND}.cei_table")


def _documents() -> None:
    with read_only() as session:
        customers = dict(receivables_queries.customer_choices(session))
    cols = st.columns([2, 1, 1, 2])
    with cols[0]:
        customer_id = pick(t("field.customer_id"), customers, f"{DOCS}.customer")
    start = date_field(t("field.start_date"), value=None, key=f"{DOCS}.start", where=cols[1])
    end = date_field(t("field.end_date"), value=None, key=f"{DOCS}.end", where=cols[2])
    statuses = cols[3].multiselect(t("ui.documents.status"), INVOICE_STATES, key=f"{DOCS}.status",
                                   format_func=lambda s: t(f"state.{s}"), placeholder=t("ui.edges_rest.all"))
    with read_only() as session:
        rows = receivables_queries.invoices(session, customer_id=customer_id, start=start, end=end,
                                            statuses=tuple(statuses) or None)
    if ar_table(rows, INVOICE_COLUMNS, "sales_invoices", DOCS) is None:
        return
    chosen = pick(t("entity.sales_invoice"), {r["invoice_id"]: f"{r['doc_no']} · {r['customer_name']}" for r in rows},
                  f"{DOCS}.invoice")
    if chosen is not None:
        invoice_detail(chosen, f"{DOCS}.detail")


if not serving.is_published():
    no_data_message()
tabs = st.tabs([t("ui.ar.tab.aging"), t("ui.ar.tab.trend"), t("ui.ar.tab.invoices")])
with tabs[0]:
    aging_section(serving_open_items.AR, AGING, TEXTS, _customer_detail)
with tabs[1]:
    _trend()
with tabs[2]:
    _documents()
