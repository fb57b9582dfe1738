"""Inventory analysis (库存分析): company-wide stock value trend, turnover and days of inventory by
category or product (aggregated as sum(cogs) ÷ average inventory), ageing buckets, stocktake
variance and expiry alerts (临期预警: expired and expiring batches on hand); drill-down from a
turnover row to its stock movements and from a count sheet to its lines."""

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

VALUATION_COLUMNS = ("date_day", "closing_quantity", "closing_value", "received_value", "cogs", "adjustment_value")
TURNOVER_COLUMNS = ("group_label", "cogs", "average_inventory", "turnover", "days_of_inventory")
AGEING_COLUMNS = ("age_bucket", "quantity", "value")
VARIANCE_DOC_COLUMNS = ("doc_no", "count_date", "warehouse_name", "status", "difference_qty", "difference_value")
VARIANCE_COLUMNS = ("doc_no", "count_date", "warehouse_name", "status", "sku", "product_name", "book_qty",
                    "counted_qty", "difference_qty", "difference_value")
EXPIRY_COLUMNS = ("expiry_status", "batch_no", "sku", "product_name", "category_name", "warehouse_name", "expiry_date",
                  "days_left", "on_hand_quantity", "unit", "value")
MOVEMENT_COLUMNS = ("movement_date", "doc_no", "movement_type", "warehouse_name", "sku", "product_name", "quantity",
                    "unit_cost")

require_page("stock_analysis")
st.title(t("ui.page.stock_analysis"))

options = serving.filter_options() if serving.is_published() else None
filters = analysis_filters("sa", options) if options is not None else None
if filters is None:
    no_data_message()
    st.stop()

level = st.radio(t("ui.stock_analysis.level"), serving.TURNOVER_LEVELS, key="sa.level", horizontal=True,
                 format_func=lambda v: t(f"ui.stock_analysis.level.{v}"))
data = serving.stock_analysis(filters, level)

value_tab, turnover_tab, ageing_tab, variance_tab, expiry_tab = st.tabs(
    [t("ui.stock_analysis.tab.value"), t("ui.stock_analysis.tab.turnover"), t("ui.stock_analysis.tab.ageing"),
     t("ui.stock_analysis.tab.variance"), t("ui.stock_analysis.tab.expiry")])

with value_tab:
    st.caption(t("ui.stock_analysis.value_note"))
    st.caption(t("ui.marts_truth.cogs_basis_days", start=filters.start, end=filters.end))
    valuation = data.valuation
    if valuation.empty:
        st.caption(t("ui.chart.empty"))
    else:
        last = valuation.iloc[-1]
        cols = st.columns(3)
        cols[0].metric(t("ui.stock_analysis.closing_value"), money(last["closing_value"]))
        cols[1].metric(t("ui.stock_analysis.cogs"), money(valuation["cogs"].sum()))
        cols[2].metric(t("ui.stock_analysis.received_value"), money(valuation["received_value"].sum()))
        charts.show(valuation, lambda df: charts.line(df, "date_day", "closing_value", "ui.chart.stock_value"),
                    key="sa.value_chart")
        shown = with_headers(valuation, VALUATION_COLUMNS)
        show_table(shown, money=("closing_value", "received_value", "cogs", "adjustment_value",))
        export_buttons(shown, "stock_value", "sa.value_export")

with turnover_tab:
    st.caption(t("ui.stock_analysis.turnover_note"))
    if data.turnover_period is not None:
        st.caption(t("ui.marts_truth.cogs_basis_months", start=data.turnover_period[0], end=data.turnover_period[1]))
    turnover = data.turnover
    if turnover.empty:
        st.caption(t("ui.chart.empty"))
    else:
        total = data.turnover_total.iloc[0]
        cols = st.columns(3)
        cols[0].metric(t("ui.col.cogs"), money(total["cogs"]))
        cols[1].metric(t("ui.col.turnover"), "—" if pd.isna(total["turnover"]) else f"{total['turnover']:.2f}")
        cols[2].metric(t("ui.col.days_of_inventory"),
                       "—" if pd.isna(total["days_of_inventory"]) else quantity(total["days_of_inventory"]))
        labelled = turnover.assign(group_label=turnover["group_label"].fillna(t("ui.none")))
        shown = with_headers(labelled, TURNOVER_COLUMNS).rename(
            columns={t("ui.col.group_label"): t(f"ui.stock_analysis.level.{level}")})
        show_table(shown, money=("cogs", "average_inventory",))
        export_buttons(shown, "turnover", "sa.turnover_export")

        labels = dict(zip(labelled["group_key"], labelled["group_label"], strict=True))
        picked = st.selectbox(t("ui.drill.pick", what=t(f"ui.stock_analysis.level.{level}")), list(labels),
                              index=None, key=f"sa.drill.{level}", format_func=lambda k: labels.get(k, str(k)),
                              placeholder=t("ui.drill.placeholder"))
        if picked is not None:
            moves = serving.stock_movements(filters, **{f"{level}_id": int(picked)})
            st.subheader(message("ui.drill.movements", name=labels[picked]))
            moves = moves.assign(movement_type=translate_values(moves["movement_type"], "ui.movement_type"))
            shown_moves = with_headers(moves, MOVEMENT_COLUMNS)
            show_table(shown_moves)
            export_buttons(shown_moves, "stock_movements", "sa.movements_export")

with ageing_tab:
    st.caption(t("ui.stock_analysis.ageing_note"))
    ageing = data.ageing
    charts.show(ageing, lambda df: charts.bars(df, "age_bucket", "value", "ui.chart.ageing"), key="sa.ageing_chart")
    if not ageing.empty:
        shown = with_headers(ageing, AGEING_COLUMNS)
        show_table(shown, money=("value",))
        export_buttons(shown, "stock_ageing", "sa.ageing_export")

with variance_tab:
    lines = data.variance  # only the lines with a difference
    if data.variance_by_doc.empty:
        st.caption(t("ui.chart.empty"))
    else:
        cols = st.columns(2)
        cols[0].metric(t("ui.stock_analysis.variance_qty"), quantity(lines["difference_qty"].sum()))
        cols[1].metric(t("ui.stock_analysis.variance_value"), money(lines["difference_value"].sum()))
        by_doc = data.variance_by_doc
        by_doc = by_doc.assign(status=translate_values(by_doc["status"], "state"))
        shown = with_headers(by_doc, VARIANCE_DOC_COLUMNS)
        show_table(shown, money=("difference_value",))
        export_buttons(shown, "stocktake_variance", "sa.variance_doc_export")
        doc = st.selectbox(t("ui.drill.pick", what=t("ui.col.doc_no")), list(by_doc["doc_no"]), index=None,
                           key="sa.drill.stocktake", placeholder=t("ui.drill.placeholder"))
        detail = lines if doc is None else lines[lines["doc_no"] == doc]
        detail = detail.assign(status=translate_values(detail["status"], "state"))
        shown_lines = with_headers(detail, VARIANCE_COLUMNS)
        show_table(shown_lines, money=("difference_value",))
        export_buttons(shown_lines, "stocktake_lines", "sa.variance_export")

with expiry_tab:
    expiry = serving.batch_expiry(filters)
    st.caption(t("ui.stock_analysis.expiry_note", as_of=expiry.as_of or "—"))
    batches = expiry.batches
    if batches.empty:
        st.caption(t("ui.stock_analysis.expiry_none"))
    else:
        expired = batches[batches["expiry_status"] == "expired"]
        expiring = batches[batches["expiry_status"] == "expiring"]
        cols = st.columns(4)
        cols[0].metric(t("ui.stock_analysis.expired_batches"), len(expired))
        cols[1].metric(t("ui.stock_analysis.expired_value"), money(expired["value"].sum()))
        cols[2].metric(t("ui.stock_analysis.expiring_batches"), len(expiring))
        cols[3].metric(t("ui.stock_analysis.expiring_value"), money(expiring["value"].sum()))
        shown = with_headers(batches.assign(expiry_status=translate_values(batches["expiry_status"],
                                                                          "ui.expiry_status")), EXPIRY_COLUMNS)
        show_table(shown, money=("value",))
        export_buttons(shown, "batch_expiry", "sa.expiry_export")
