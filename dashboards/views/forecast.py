"""Sales forecast (销售预测): per product × warehouse the weekly demand history, the 12-week forecast
with its 80 % / 95 % intervals and, always beside it, the backtest accuracy against the baseline,
saying plainly when the model does not beat it; the accuracy of every series and the bottom-up
forecast per category (docs/planning.md, "Forecasts")."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import serving, serving_forecast
from dashboards.components import charts
from dashboards.components.export import export_buttons
from dashboards.components.filters import no_data_message
from dashboards.components.format import percent, quantity, rate, show_table, with_headers
from dashboards.i18n import t
from dashboards.session import require_page

CATALOG = "ui.forecast.col"
FORECAST_COLUMNS = ("week_start", "horizon_week", "forecast_qty", "lo80", "hi80", "lo95", "hi95")
ACCURACY_COLUMNS = ("sku", "product_name", "warehouse_name", "model_label", "mase", "baseline_mase", "wape",
                    "baseline_wape", "bias", "verdict", "volume_52w", "n_weeks_history")

require_page("forecast")
st.title(t("ui.page.forecast"))

summary = serving_forecast.accuracy_summary() if serving.is_published() else None
if summary is None or summary.series == 0:
    no_data_message()
    st.stop()


def model_label(model: str) -> str:
    return t(f"ui.forecast.model.{model}")


share = summary.volume_share_beating
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("ui.forecast.as_of_week"), str(summary.as_of_week))
c2.metric(t("ui.forecast.series"), f"{summary.series:,}")
c3.metric(t("ui.forecast.fallback_series"), f"{summary.fallback:,}")
c4.metric(t("ui.forecast.share_beating"), "—" if share is None else rate(share))
st.caption(t("ui.forecast.share_note", beating=f"{summary.beating:,}", modelled=f"{summary.modelled:,}"))

st.subheader(t("ui.forecast.series_chart"))
search = st.text_input(t("ui.forecast.search"), key="fc.search", max_chars=100)
choices = serving_forecast.forecast_series(search)
if not choices:
    st.caption(t("ui.chart.empty"))
else:
    labels = {(c.product_id, c.warehouse_id): c.label for c in choices}
    chosen = st.selectbox(t("ui.forecast.series_pick"), list(labels), key="fc.series",
                          format_func=lambda key: labels.get(key, str(key)))
    result = serving_forecast.series_forecast(*chosen)
    acc = result.accuracy or {}
    if acc.get("is_fallback"):
        st.warning(t("ui.forecast.fallback_note", weeks=acc.get("n_weeks_history")), icon=":material/info:")
    elif result.does_not_beat_baseline:
        st.warning(t("ui.forecast.not_beating", baseline=model_label(str(acc.get("baseline_model")))),
                   icon=":material/warning:")
    else:
        st.success(t("ui.forecast.beating", baseline=model_label(str(acc.get("baseline_model")))),
                   icon=":material/check_circle:")
    a1, a2, a3, a4 = st.columns(4)
    a1.metric(t("ui.forecast.model"), model_label(str(acc.get("model"))))
    a2.metric(t("ui.forecast.col.mase"), quantity(acc.get("mase")) or "—",
              help=t("ui.forecast.mase_help", baseline=quantity(acc.get("baseline_mase")) or "—"))
    a3.metric(t("ui.forecast.col.wape"), "—" if pd.isna(acc.get("wape")) else rate(acc.get("wape")),
              help=t("ui.forecast.wape_help", baseline="—" if pd.isna(acc.get("baseline_wape"))
                     else rate(acc.get("baseline_wape"))))
    a4.metric(t("ui.forecast.col.bias"), "—" if pd.isna(acc.get("bias")) else percent(100 * acc.get("bias")),
              help=t("ui.forecast.bias_help"))

    figure = go.Figure()
    fc = result.forecast
    if not fc.empty:
        weeks = list(fc["week_start"])
        for level, opacity in (("95", 0.15), ("80", 0.3)):
            figure.add_trace(go.Scatter(x=weeks + weeks[::-1], y=list(fc[f"hi{level}"]) + list(fc[f"lo{level}"])[::-1],
                                        fill="toself", fillcolor=f"rgba(31,119,180,{opacity})", line={"width": 0},
                                        name=t(f"ui.forecast.interval{level}"), hoverinfo="skip"))
        figure.add_trace(go.Scatter(x=weeks, y=fc["forecast_qty"], mode="lines+markers",
                                    name=t("ui.forecast.col.forecast_qty"), line={"color": "#1f77b4"}))
    if not result.history.empty:
        figure.add_trace(go.Scatter(x=result.history["week_start"], y=result.history["demand_qty"], mode="lines",
                                    name=t("ui.forecast.history"), line={"color": "#444"}))
    figure.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 10}, height=360,
                         xaxis_title=t("ui.forecast.col.week_start"), yaxis_title=t("ui.forecast.quantity"))
    charts.plot(figure, key="fc.chart")
    shown = with_headers(fc, FORECAST_COLUMNS, catalog=CATALOG)
    show_table(shown, quantities=("forecast_qty", "lo80", "hi80", "lo95", "hi95"), catalog=CATALOG)
    export_buttons(shown, "sales_forecast", "fc.export")

st.subheader(t("ui.forecast.accuracy_table"))
only_bad = st.toggle(t("ui.forecast.only_not_beating"), key="fc.only_bad")
table = serving_forecast.accuracy_table(only_not_beating=only_bad)
if table.empty:
    st.caption(t("ui.chart.empty"))
else:
    table = table.assign(
        model_label=table["model"].map(lambda m: model_label(str(m))),
        verdict=[t("ui.forecast.verdict.fallback") if fb else t("ui.forecast.verdict.beats") if ok
                 else t("ui.forecast.verdict.not_beating")
                 for fb, ok in zip(table["is_fallback"], table["beats_baseline"], strict=True)],
        wape=table["wape"] * 100, baseline_wape=table["baseline_wape"] * 100, bias=table["bias"] * 100)
    shown = with_headers(table, ACCURACY_COLUMNS, catalog=CATALOG)
    show_table(shown, quantities=("mase", "baseline_mase", "volume_52w"), percents=("wape", "baseline_wape", "bias"),
               catalog=CATALOG)
    export_buttons(shown, "forecast_accuracy", "fc.acc_export")

st.subheader(t("ui.forecast.by_category"))
categories = serving_forecast.category_forecast()
if categories.empty:
    st.caption(t("ui.chart.empty"))
else:
    pivot = categories.pivot_table(index="category_name", columns="horizon_week", values="forecast_qty",
                                   aggfunc="sum").reset_index()
    pivot.columns = [t("ui.forecast.col.category_name") if c == "category_name" else t("ui.forecast.week_n", n=c)
                     for c in pivot.columns]
    show_table(pivot, quantities=[c for c in pivot.columns if c != t("ui.forecast.col.category_name")])
    st.caption(t("ui.forecast.by_category_note"))
