"""Sales margin (销售毛利): revenue, COGS, gross margin and margin % of the shipments in the period,
grouped by day, customer, product, category, salesperson or region, also net of the returns in the
period (from ``mart_sales_summary``); drill-down from a group to its shipment lines; customer returns by reason and
disposition (summed in SQL over all of them) with their newest return lines (``serving.RETURN_LINE_LIMIT``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import serving
from dashboards.components import charts
from dashboards.components.export import export_buttons
from dashboards.components.filters import analysis_filters, no_data_message
from dashboards.components.format import (
    money,
    quantity,
    show_table,
    translate_values,
    with_headers,
)
from dashboards.components.safe_text import message
from dashboards.i18n import t
from dashboards.session import require_page

GROUP_COLUMNS = ("group_label", "quantity", "revenue", "cogs", "gross_margin", "margin_pct", "returns_revenue",
                 "net_revenue", "net_margin")
LINE_COLUMNS = ("doc_no", "order_doc_no", "ship_date", "customer_name", "warehouse_name", "sku", "product_name",
                "quantity", "revenue", "cogs", "gross_margin", "returned_qty")
RETURN_SUM_COLUMNS = ("quantity", "revenue_reversed", "cost_returned")
RETURN_COLUMNS = ("doc_no", "return_date", "customer_name", "shipment_doc_no", "sku", "product_name",
                  "warehouse_name", "disposition", "return_reason", "quantity", "revenue_reversed", "cost_returned")
MONEY = ("revenue", "cogs", "gross_margin", "revenue_reversed", "cost_returned", "returns_revenue", "net_revenue",
         "net_margin")



def _python(key: object) -> object:
    """A group key from the table as a query parameter (numpy / pandas scalars to Python)."""
    if key is None or pd.isna(key):
        return None
    if isinstance(key, pd.Timestamp):
        return key.date()
    return key.item() if hasattr(key, "item") else key


require_page("sales_margin")
st.title(t("ui.page.sales_margin"))
st.caption(t("ui.vat.net_note"))  # revenue, margin and returns are net of VAT (docs/vat_and_units.md)

options = serving.filter_options() if serving.is_published() else None
filters = analysis_filters("sm", options) if options is not None else None
if filters is None:
    no_data_message()
    st.stop()

group = st.selectbox(t("ui.sales_margin.group_by"), list(serving.MARGIN_GROUPS), key="sm.group",
                     index=list(serving.MARGIN_GROUPS).index("product"),
                     format_func=lambda g: t(f"ui.sales_margin.group.{g}"))
data = serving.sales_margin(filters, group)
totals = data.totals

# Two rows: five amounts of eight digits do not fit one row of metrics.
cols = st.columns(3)
cols[0].metric(t("ui.edges_rest.revenue_shipped"), money(totals.revenue), help=t("ui.marts_truth.revenue_basis_shipped"))
cols[1].metric(t("ui.col.cogs"), money(totals.cogs))
cols[2].metric(t("ui.col.gross_margin"), money(totals.gross_margin))
cols = st.columns(3)
cols[0].metric(t("ui.col.margin_pct"), "—" if totals.margin_pct is None else f"{totals.margin_pct:.1f}%")
cols[1].metric(t("ui.sales_margin.returns"), money(totals.returns_revenue))

st.caption(t("ui.marts_truth.revenue_basis_shipped"))

margin_tab, returns_tab = st.tabs([t("ui.sales_margin.tab.margin"), t("ui.sales_margin.tab.returns")])

with margin_tab:
    by_group = data.by_group
    if by_group.empty:
        st.caption(t("ui.chart.empty"))
    else:
        labelled = by_group.assign(group_label=by_group["group_label"].fillna(t("ui.none")))
        group_title = t(f"ui.sales_margin.group.{group}")
        charts.show(labelled.head(20), lambda df: charts.bars(df, "group_label", "gross_margin",
                                                              "ui.chart.gross_margin"), key="sm.chart")
        shown = with_headers(labelled, GROUP_COLUMNS).rename(columns={t("ui.col.group_label"): group_title})
        show_table(shown, money=MONEY, percents=("margin_pct",))
        export_buttons(shown, f"sales_margin_{group}", "sm.export")

        keys = list(labelled["group_key"])
        labels = dict(zip(range(len(keys)), labelled["group_label"], strict=True))
        picked = st.selectbox(t("ui.drill.pick", what=group_title), list(labels), index=None, key=f"sm.drill.{group}",
                              format_func=lambda i: labels.get(i, str(i)), placeholder=t("ui.drill.placeholder"))
        if picked is not None:
            lines = serving.shipment_lines(filters, group, _python(keys[picked]))
            st.subheader(message("ui.drill.shipment_lines", name=labels[picked]))
            shown_lines = with_headers(lines, LINE_COLUMNS)
            show_table(shown_lines, money=MONEY)
            export_buttons(shown_lines, "shipment_lines", "sm.lines_export")

with returns_tab:
    if data.return_count == 0:
        st.caption(t("ui.chart.empty"))
    else:
        st.metric(t("ui.sales_margin.returned_qty"), quantity(data.returned_qty))
        left, right = st.columns(2)
        with left:
            st.subheader(t("ui.sales_margin.by_reason"))
            reasons = data.returns_by_reason
            reasons = reasons.assign(return_reason=reasons["return_reason"].fillna(t("ui.none")))
            shown = with_headers(reasons, ("return_reason", *RETURN_SUM_COLUMNS))
            show_table(shown, money=MONEY)
            export_buttons(shown, "returns_by_reason", "sm.reason_export")
        with right:
            st.subheader(t("ui.sales_margin.by_disposition"))
            dispositions = data.returns_by_disposition
            dispositions = dispositions.assign(
                disposition=translate_values(dispositions["disposition"], "ui.disposition"))
            shown = with_headers(dispositions, ("disposition", *RETURN_SUM_COLUMNS))
            show_table(shown, money=MONEY)
            export_buttons(shown, "returns_by_disposition", "sm.disposition_export")
        st.subheader(t("ui.sales_margin.return_lines"))
        reason = st.selectbox(t("ui.drill.pick", what=t("ui.col.return_reason")),
                              list(data.returns_by_reason["return_reason"]), index=None, key="sm.drill.reason",
                              placeholder=t("ui.drill.placeholder"))
        # The sums above cover every return line; the list shows the newest ones (a reason narrows it).
        detail = data.return_lines if reason is None else serving.return_lines(filters, reason)
        if len(detail) >= serving.RETURN_LINE_LIMIT:
            st.caption(t("ui.margin_perf.lines_limited", n=serving.RETURN_LINE_LIMIT, total=data.return_count))
        detail = detail.assign(disposition=translate_values(detail["disposition"], "ui.disposition"))
        shown = with_headers(detail, RETURN_COLUMNS)
        show_table(shown, money=MONEY)
        export_buttons(shown, "return_lines", "sm.returns_export")
