"""Supplier scorecard (供应商评估): per supplier the chosen month's and the rolling 12 months' rates,
score and grade, re-weighted on the page with sliders (defaults = the mart's weights 0.4 / 0.3 / 0.3);
a trend chart of the score and rates; drill-down to the supplier's purchase-order lines."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboards import serving
from dashboards.components import charts
from dashboards.components.export import export_buttons
from dashboards.components.filters import no_data_message
from dashboards.components.format import show_table, with_headers
from dashboards.components.safe_text import message
from dashboards.components.scoring import DEFAULT_WEIGHTS, Weights, reweight
from dashboards.i18n import t
from dashboards.session import require_page

RATES = ("on_time_rate", "in_full_rate", "reject_rate")
PERCENT = (*RATES, "price_change_mean", "score", "score_adjusted")
# The score beside the name (and pinned there), so a wide table never scrolls it out of view.
TABLE_COLUMNS = ("supplier_code", "supplier_name", "score_adjusted", "grade_adjusted", "rolling_score_adjusted",
                 "rolling_grade_adjusted", "on_time_rate", "in_full_rate", "reject_rate", "lead_time_mean",
                 "lead_time_stddev", "price_change_mean", "score", "grade")
PINNED = ("supplier_code", "supplier_name", "score_adjusted", "grade_adjusted")
LINE_COLUMNS = ("doc_no", "order_date", "promised_date", "status", "sku", "product_name", "quantity", "received_qty",
                "unit_price", "amount")

require_page("supplier_scorecard")
st.title(t("ui.page.supplier_scorecard"))

card = serving.supplier_scorecard() if serving.is_published() else None
if card is None or not card.months:
    no_data_message()
    st.stop()

left, right = st.columns([1, 3])
with left:
    month = st.selectbox(t("ui.scorecard.month"), card.months, key="sc.month",
                         index=card.months.index(card.default_month))
    st.caption(t("ui.marts_truth.scorecard_month_note", last_posted=card.last_posted or "—"))
with right:
    st.caption(t("ui.scorecard.weights_note"))
    cols = st.columns(3)
    weights = Weights(
        on_time=cols[0].slider(t("ui.scorecard.weight.on_time"), 0.0, 1.0, DEFAULT_WEIGHTS.on_time, 0.05,
                               key="sc.w.on_time"),
        in_full=cols[1].slider(t("ui.scorecard.weight.in_full"), 0.0, 1.0, DEFAULT_WEIGHTS.in_full, 0.05,
                               key="sc.w.in_full"),
        quality=cols[2].slider(t("ui.scorecard.weight.quality"), 0.0, 1.0, DEFAULT_WEIGHTS.quality, 0.05,
                               key="sc.w.quality"),
    )

scored = reweight(card.rows, weights)
monthly = scored[(scored["period"] == "month") & (scored["year_month"] == month)]
rolling = scored[(scored["period"] == "rolling_12m") & (scored["year_month"] == month)]
table = monthly.merge(
    rolling[["supplier_id", "score_adjusted", "grade_adjusted"]].rename(
        columns={"score_adjusted": "rolling_score_adjusted", "grade_adjusted": "rolling_grade_adjusted"}),
    on="supplier_id", how="outer")
# Suppliers with only a rolling row this month still get a line.
table["supplier_code"] = table["supplier_code"].fillna(table["supplier_id"].map(
    dict(zip(scored["supplier_id"], scored["supplier_code"], strict=False))))
table["supplier_name"] = table["supplier_name"].fillna(table["supplier_id"].map(
    dict(zip(scored["supplier_id"], scored["supplier_name"], strict=False))))
table = table.sort_values("supplier_code").reset_index(drop=True)
# Numbers as floats so a NULL (no data) shows as an empty cell, not "None".
for column in TABLE_COLUMNS:
    if column in table.columns and column not in ("supplier_code", "supplier_name") and "grade" not in column:
        table[column] = pd.to_numeric(table[column], errors="coerce")
for column in (*PERCENT, "rolling_score_adjusted"):
    table[column] = table[column] * 100  # percent; NULL stays empty

st.subheader(t("ui.scorecard.table", month=month))
shown = with_headers(table, TABLE_COLUMNS)
# Code, name, score and grade stay in view however wide the table scrolls.
show_table(shown, percents=(*PERCENT, "rolling_score_adjusted"),
           column_config={t(f"ui.col.{c}"): st.column_config.Column(pinned=True) for c in PINNED})
export_buttons(shown, f"supplier_scorecard_{month}", "sc.export")

st.subheader(t("ui.scorecard.trend"))
suppliers = dict(zip(scored["supplier_id"], scored["supplier_name"], strict=False))
c1, c2 = st.columns(2)
supplier_id = c1.selectbox(t("ui.col.supplier_name"), list(suppliers), key="sc.supplier",
                           format_func=lambda s: suppliers.get(s, str(s)))
period = c2.radio(t("ui.scorecard.period"), ("month", "rolling_12m"), key="sc.period", horizontal=True,
                  format_func=lambda p: t(f"ui.scorecard.period.{p}"))
trend = scored[(scored["supplier_id"] == supplier_id) & (scored["period"] == period)]
# Every published month on the axis; a month without data stays NaN (plotly.js draws no point), so the line has a
# gap there instead of a 0 % point or a straight line across it.
trend = trend.set_index("year_month").reindex(sorted(card.months)).rename_axis("year_month").reset_index()
long = trend.melt(id_vars=["year_month"], value_vars=["score_adjusted", *RATES], var_name="measure",
                  value_name="rate")
long["rate"] = pd.to_numeric(long["rate"], errors="coerce")
if long["rate"].isna().all():
    st.caption(t("ui.chart.empty"))
else:
    long["measure"] = long["measure"].map(lambda m: t(f"ui.col.{m}"))
    figure = px.line(long, x="year_month", y="rate", color="measure", markers=True,
                     labels={"year_month": t("ui.col.year_month"), "rate": t("ui.scorecard.rate"),
                             "measure": t("ui.scorecard.measure")})
    figure.update_traces(connectgaps=False)
    figure.update_yaxes(tickformat=".0%", range=[0, 1.05])
    figure.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 10}, height=320)
    charts.plot(figure, key="sc.trend_chart")

st.subheader(message("ui.drill.purchase_lines", name=suppliers.get(supplier_id, "")))
lines = serving.supplier_purchase_lines(int(supplier_id)) if supplier_id is not None else pd.DataFrame()
if lines.empty:
    st.caption(t("ui.chart.empty"))
else:
    lines = lines.assign(status=lines["status"].map(lambda s: t(f"state.{s}")))
    shown_lines = with_headers(lines, LINE_COLUMNS)
    show_table(shown_lines)
    export_buttons(shown_lines, "supplier_purchase_lines", "sc.lines_export")
