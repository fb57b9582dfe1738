"""Overview (经营概览): sales, purchases, stock value and alerts for a period and warehouse."""

from __future__ import annotations

import streamlit as st

from dashboards import serving
from dashboards.components import charts
from dashboards.components.filters import no_data_message, period_filters
from dashboards.components.format import money, quantity
from dashboards.i18n import t
from dashboards.session import require_page

require_page("overview")
st.title(t("ui.page.overview"))

filters = period_filters("overview", serving.filter_options()) if serving.is_published() else None
if filters is None:
    no_data_message()
    st.stop()

grain = st.segmented_control(t("ui.filter.grain"), ["day", "month"], default="day", key="overview.grain",
                             format_func=lambda g: t(f"ui.grain.{g}")) or "day"
data = serving.overview(filters, grain)

# Two rows: amounts to the cent need the width (five in a row were cut off at ¥ millions).
money_cols, count_cols = st.columns(3), st.columns(3)
# Sales by order date (confirmed orders); the Sales margin page's revenue is by ship date: both labels
# name their basis, so two different figures never look like the same one.
money_cols[0].metric(t("ui.edges_rest.sales_ordered"), money(data.kpis.sales_amount),
                     help=t("ui.marts_truth.sales_basis_orders"))
money_cols[1].metric(t("ui.kpi.purchase_amount"), money(data.kpis.purchase_amount))
money_cols[2].metric(t("ui.kpi.stock_value"), money(data.kpis.stock_value), help=t("ui.kpi.stock_value_help"))
count_cols[0].metric(t("ui.kpi.stock_quantity"), quantity(data.kpis.stock_quantity))
count_cols[1].metric(t("ui.kpi.alert_count"), data.kpis.alert_count)

left, right = st.columns(2)
with left:
    charts.show(data.sales, lambda df: charts.bars(df, "period", "amount", "ui.chart.sales"), key="chart.sales")
with right:
    charts.show(data.purchases, lambda df: charts.bars(df, "period", "amount", "ui.chart.purchases"),
                key="chart.purchases")

left, right = st.columns(2)
with left:
    charts.show(data.stock_value, lambda df: charts.line(df, "date_day", "closing_value", "ui.chart.stock_value"),
                key="chart.stock")
with right:
    categories = data.top_categories
    if not categories.empty:
        categories = categories.assign(category_name=categories["category_name"].fillna(t("ui.uncategorized")))
    charts.show(categories, lambda df: charts.bars(df, "category_name", "amount", "ui.chart.top_categories",
                                                   horizontal=True), key="chart.categories")

st.caption(t("ui.kpi.valuation_note"))
st.caption(t("ui.marts_truth.sales_basis_orders"))
