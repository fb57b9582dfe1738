"""One series' forecast as a reader sees it, wherever it is shown (the sales-forecast page and the
planning page): the verdict against the baseline (or the fallback's label), the backtest accuracy
beside it, and the chart of the demand history with the 12-week forecast and its 80 % / 95 % bands.
A forecast is never shown without its accuracy (docs/planning.md, "Forecasts")."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import serving_forecast
from dashboards.components import charts
from dashboards.components.format import percent, quantity, rate
from dashboards.i18n import t


def model_label(model: str) -> str:
    return t(f"ui.forecast.model.{model}")


def _verdict(acc: dict) -> None:
    if acc.get("is_fallback"):
        # The category fallback says so: its shape is the category's, its level the product's own.
        key = "ui.forecast.fallback_category_note" if acc.get("model") == "fallback_category" \
            else "ui.forecast.fallback_note"
        st.warning(t(key, weeks=acc.get("n_weeks_history")), icon=":material/info:")
    elif acc.get("beats_baseline"):
        st.success(t("ui.forecast.beating", baseline=model_label(str(acc.get("baseline_model")))),
                   icon=":material/check_circle:")
    else:
        st.warning(t("ui.forecast.not_beating", baseline=model_label(str(acc.get("baseline_model")))),
                   icon=":material/warning:")


def _figure(result: serving_forecast.SeriesForecast) -> go.Figure:
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
    return figure


def series_forecast_panel(product_id: int, warehouse_id: int, key: str) -> serving_forecast.SeriesForecast:
    """Verdict, accuracy metrics and chart of one product × warehouse; returns what was read (the
    forecast page shows its table too). Without a published forecast for the series it says so."""
    result = serving_forecast.series_forecast(product_id, warehouse_id)
    if result.forecast.empty:
        st.caption(t("ui.forecast.no_series_forecast"))
        return result
    acc = result.accuracy or {}
    _verdict(acc)
    a1, a2, a3, a4 = st.columns(4)
    a1.metric(t("ui.forecast.model"), model_label(str(acc.get("model"))))
    a2.metric(t("ui.forecast.col.mase"), quantity(acc.get("mase")) or "—",
              help=t("ui.forecast.mase_help", baseline=quantity(acc.get("baseline_mase")) or "—"))
    a3.metric(t("ui.forecast.col.wape"), "—" if pd.isna(acc.get("wape")) else rate(acc.get("wape")),
              help=t("ui.forecast.wape_help", baseline="—" if pd.isna(acc.get("baseline_wape"))
                     else rate(acc.get("baseline_wape"))))
    a4.metric(t("ui.forecast.col.bias"), "—" if pd.isna(acc.get("bias")) else percent(100 * acc.get("bias")),
              help=t("ui.forecast.bias_help"))
    charts.plot(_figure(result), key=key)
    return result
