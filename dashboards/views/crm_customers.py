"""Customer analysis (客户分析): RFM segments, churn risk, lifetime value and repeat rate from the
CRM marts, filtered by salesperson, region and segment; drill-down from a customer to its months and
sales orders. Every table exports to CSV and Excel."""

from __future__ import annotations

import streamlit as st

from dashboards import serving, serving_crm
from dashboards.components import charts
from dashboards.components.export import export_buttons
from dashboards.components.filters import no_data_message
from dashboards.components.format import money, show_table, translate_values, with_headers
from dashboards.components.safe_text import message
from dashboards.i18n import t
from dashboards.session import require_page

RFM_COLUMNS = ("customer_code", "customer_name", "region", "salesperson_name", "segment", "rfm_code", "recency_days",
               "frequency", "monetary", "last_order_date")
CHURN_COLUMNS = ("customer_code", "customer_name", "salesperson_name", "frequency", "last_order_date",
                 "usual_gap_days", "current_gap_days", "expected_next_order_date")
CLV_COLUMNS = ("customer_code", "customer_name", "segment", "first_order_date", "tenure_months", "total_net_revenue",
               "total_gross_margin", "avg_monthly_margin", "clv")
REPEAT_COLUMNS = ("year_month", "customers_ordered", "repeat_customers", "new_customers", "repeat_rate")
MONTH_COLUMNS = ("year_month", "orders", "ordered_amount", "revenue", "cogs", "gross_margin", "returned_revenue",
                 "net_revenue", "net_gross_margin")
ORDER_COLUMNS = ("doc_no", "order_date", "status", "line_count", "amount", "shipped_qty")
MONEY = ("monetary", "total_net_revenue", "total_gross_margin", "avg_monthly_margin", "clv", "ordered_amount",
         "revenue", "cogs", "gross_margin", "returned_revenue", "net_revenue", "net_gross_margin", "amount")

require_page("crm_customers")
st.title(t("ui.page.crm_customers"))

if not serving.is_published():
    no_data_message()
    st.stop()
options = serving_crm.customer_options()
if options.as_of_date is None:
    no_data_message()
    st.stop()
st.caption(t("ui.crm.as_of", date=options.as_of_date))

left, middle, right = st.columns(3)
salesperson = left.selectbox(t("ui.crm.salesperson"), [None, *options.salespeople], key="cc.salesperson",
                             format_func=lambda i: t("ui.crm.all") if i is None else options.salespeople.get(i, i))
region = middle.selectbox(t("ui.crm.region"), [None, *options.regions], key="cc.region",
                          format_func=lambda r: t("ui.crm.all") if r is None else r)
segment = right.selectbox(t("ui.crm.segment"), [None, *serving_crm.SEGMENTS], key="cc.segment",
                          format_func=lambda s: t("ui.crm.all") if s is None else t(f"ui.crm.segment.{s}"))
data = serving_crm.customer_analysis(serving_crm.CustomerFilters(salesperson, region, segment))
customers = data.customers
if customers.empty:
    st.caption(t("ui.chart.empty"))
    st.stop()
customers = customers.assign(segment=translate_values(customers["segment"], "ui.crm.segment"))

ordered = customers[customers["frequency"] > 0]
cols = st.columns(4)
cols[0].metric(t("ui.crm.customers"), len(customers))
cols[1].metric(t("ui.crm.repeat_share"),
               "—" if ordered.empty else f"{ordered['is_repeat'].mean() * 100:.1f}%")
cols[2].metric(t("ui.crm.at_risk_count"), int(customers["at_risk"].sum()))
cols[3].metric(t("ui.col.clv"), money(customers['clv'].fillna(0).sum()))

rfm_tab, churn_tab, clv_tab, repeat_tab, history_tab = st.tabs([
    t("ui.crm.tab.rfm"), t("ui.crm.tab.churn"), t("ui.crm.tab.clv"), t("ui.crm.tab.repeat"), t("ui.crm.tab.history")])

with rfm_tab:
    segments = data.segments.assign(segment_label=translate_values(data.segments["segment"], "ui.crm.segment"))
    charts.show(segments, lambda df: charts.bars(df, "segment_label", "customers", "ui.crm.chart.segments"),
                key="cc.segments_chart")
    shown = with_headers(customers, RFM_COLUMNS)
    show_table(shown, money=MONEY)
    export_buttons(shown, "customer_rfm", "cc.rfm_export")
    st.caption(t("ui.crm.rfm_note"))

with churn_tab:
    st.caption(t("ui.crm.churn_note"))
    at_risk = customers[customers["at_risk"]].sort_values("current_gap_days", ascending=False)
    shown = with_headers(at_risk, CHURN_COLUMNS)
    show_table(shown)
    export_buttons(shown, "customer_churn_risk", "cc.churn_export")

with clv_tab:
    st.caption(t("ui.crm.clv_note"))
    clv = customers[customers["frequency"] > 0].sort_values("clv", ascending=False)
    shown = with_headers(clv, CLV_COLUMNS)
    show_table(shown, money=MONEY)
    export_buttons(shown, "customer_lifetime_value", "cc.clv_export")

with repeat_tab:
    repeat = data.repeat_rate
    if repeat.empty:
        st.caption(t("ui.chart.empty"))
    else:
        charts.show(repeat, lambda df: charts.line(df, "year_month", "repeat_rate", "ui.crm.chart.repeat_rate"),
                    key="cc.repeat_chart")
        shown = with_headers(repeat, REPEAT_COLUMNS)
        show_table(shown, rates=("repeat_rate",))
        export_buttons(shown, "customer_repeat_rate", "cc.repeat_export")

with history_tab:
    labels = dict(zip(customers["customer_id"].tolist(),
                      (customers["customer_code"] + " " + customers["customer_name"]).tolist(), strict=True))
    picked = st.selectbox(t("ui.drill.pick", what=t("ui.crm.customer")), list(labels), index=None,
                          key="cc.drill.customer", format_func=lambda i: labels.get(i, str(i)),
                          placeholder=t("ui.drill.placeholder"))
    if picked is not None:
        months, orders = serving_crm.customer_history(int(picked))
        st.subheader(message("ui.crm.history_of", name=labels[picked]))
        shown = with_headers(months, MONTH_COLUMNS)
        show_table(shown, money=MONEY)
        export_buttons(shown, "customer_purchase_history", "cc.history_export")
        st.subheader(message("ui.crm.orders_of", name=labels[picked]))
        orders = orders.assign(status=translate_values(orders["status"], "state"))
        shown = with_headers(orders, ORDER_COLUMNS)
        show_table(shown, money=MONEY)
        export_buttons(shown, "customer_orders", "cc.orders_export")
