"""Payables analysis (应付分析) on the published marts: AP aging by supplier and bucket on a report
date (drill-down: supplier → open instalments → bill lines with the match variances and their
receipts), DPO by month, and the payments falling due in the next 13 weeks. Every table exports."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboards import serving, serving_payables
from dashboards.components.export import export_buttons
from dashboards.components.filters import no_data_message
from dashboards.components.payables_view import ap_table, bill_detail, pick
from dashboards.i18n import t
from dashboards.session import require_page

KEY = "ap.an"
_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 320}

require_page("payables")
st.title(t("ui.page.payables"))


def _label(bucket: str) -> str:
    return t("ui.ap.bucket.not_due") if bucket == "not_due" else t("ui.ap.bucket.days", days=bucket)


def _aging(options: serving_payables.AgingOptions) -> None:
    cols = st.columns([1, 2])
    report_date = cols[0].selectbox(t("ui.ap.report_date"), options.report_dates, key=f"{KEY}.date",
                                    format_func=lambda d: f"{d:%Y-%m-%d}")
    suppliers = options.suppliers
    supplier_id = cols[1].selectbox(t("field.supplier"), [None, *suppliers], key=f"{KEY}.supplier",
                                    format_func=lambda i: t("ui.ap.all_suppliers") if i is None else suppliers[i])
    data = serving_payables.aging(report_date, supplier_id)
    if data.by_supplier.empty:
        st.info(t("ui.ap.empty"))
        return
    total = float(data.buckets["outstanding_amount"].astype(float).sum())
    overdue = float(data.buckets.loc[data.buckets["bucket_order"] > 0, "outstanding_amount"].astype(float).sum())
    left, right = st.columns(2)
    left.metric(t("ui.ap.outstanding_total"), f"¥{total:,.2f}")
    right.metric(t("ui.ap.overdue_total"), f"¥{overdue:,.2f}")
    buckets = data.buckets.assign(bucket=data.buckets["bucket_label"].map(_label),
                                  amount=data.buckets["outstanding_amount"].astype(float))
    fig = px.bar(buckets, x="bucket", y="amount", title=t("ui.ap.aging_chart"),
                 labels={"bucket": t("ui.ap.col.bucket_label"), "amount": t("ui.ap.col.outstanding_amount")})
    st.plotly_chart(fig.update_layout(**_LAYOUT), key=f"{KEY}.chart")
    # supplier × bucket, buckets as columns in their order, with the supplier's total
    frame = data.by_supplier.assign(amount=data.by_supplier["outstanding_amount"].astype(float))
    order = list(dict.fromkeys(frame.sort_values("bucket_order")["bucket_label"]))
    pivot = frame.pivot_table(index=["supplier_id", "supplier_name"], columns="bucket_label", values="amount",
                              aggfunc="sum", fill_value=0.0)[order]
    pivot.columns = [_label(c) for c in pivot.columns]
    pivot[t("ui.ap.col.outstanding_amount")] = pivot.sum(axis=1)
    pivot = pivot.reset_index()
    shown = pivot.drop(columns=["supplier_id"]).rename(columns={"supplier_name": t("ui.ap.col.supplier_name")})
    money = {c: st.column_config.NumberColumn(format="¥%.2f") for c in shown.columns[1:]}
    st.dataframe(shown, hide_index=True, column_config=money)
    export_buttons(shown, f"ap_aging_{report_date:%Y%m%d}", f"{KEY}.aging.export")
    names = dict(zip(pivot["supplier_id"], pivot["supplier_name"], strict=True))
    drill = pick(t("ui.ap.drill_supplier"), names, f"{KEY}.drill")
    if drill is None:
        return
    st.caption(t("ui.ap.drill_note"))
    instalments = serving_payables.open_instalments(drill)
    ap_table(instalments, ("bill_no", "supplier_invoice_no", "bill_date", "seq", "due_date", "amount",
                           "settled_amount", "outstanding_amount"), "ap_open_instalments", f"{KEY}.inst")
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
    chart = df.assign(dpo=df["dpo_days"].astype(float))
    fig = px.line(chart, x="year_month", y="dpo", markers=True, title=t("ui.ap.dpo_chart"),
                  labels={"year_month": t("ui.ap.col.year_month"), "dpo": t("ui.ap.col.dpo_days")})
    st.plotly_chart(fig.update_layout(**_LAYOUT), key=f"{KEY}.dpo.chart")
    ap_table(df, ("year_month", "period_end", "days_in_period", "ap_outstanding", "purchases_amount", "bill_count",
                  "dpo_days"), "ap_dpo_monthly", f"{KEY}.dpo")


def _upcoming(options: serving_payables.AgingOptions) -> None:
    suppliers = options.suppliers
    supplier_id = st.selectbox(t("field.supplier"), [None, *suppliers], key=f"{KEY}.up.supplier",
                               format_func=lambda i: t("ui.ap.all_suppliers") if i is None else suppliers[i])
    df = serving_payables.upcoming_payments(supplier_id)
    if df.empty:
        st.info(t("ui.ap.empty"))
        return
    st.caption(t("ui.ap.upcoming_note", as_of=f"{pd.Timestamp(df['as_of_date'].iloc[0]):%Y-%m-%d}"))
    weeks = (df.assign(amount=df["amount_due"].astype(float))
             .groupby("week_no", as_index=False)["amount"].sum())
    weeks["week"] = weeks["week_no"].map(lambda n: t("ui.ap.overdue") if n == 0 else t("ui.ap.week", n=n))
    fig = px.bar(weeks, x="week", y="amount", title=t("ui.ap.upcoming_chart"),
                 labels={"week": t("ui.ap.col.week_no"), "amount": t("ui.ap.col.amount_due")})
    st.plotly_chart(fig.update_layout(**_LAYOUT), key=f"{KEY}.up.chart")
    ap_table(df, ("week_no", "week_start", "week_end", "supplier_name", "amount_due", "instalment_count",
                  "bill_count"), "ap_upcoming_payments", f"{KEY}.up")


if not serving.is_published():
    no_data_message()
    st.stop()
opts = serving_payables.aging_options()
aging_tab, dpo_tab, upcoming_tab = st.tabs([t("ui.ap.tab.aging"), t("ui.ap.tab.dpo"), t("ui.ap.tab.upcoming")])
with aging_tab:
    if opts.report_dates:
        _aging(opts)
    else:
        st.info(t("ui.ap.empty"))
with dpo_tab:
    _dpo()
with upcoming_tab:
    _upcoming(opts)
