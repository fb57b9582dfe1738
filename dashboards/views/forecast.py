"""Sales forecast (销售预测): per product × warehouse the weekly demand history, the 12-week forecast
with its 80 % / 95 % intervals and, always beside it, the backtest accuracy against the baseline,
saying plainly when the model does not beat it; the accuracy of every series and the bottom-up
forecast per category (docs/planning.md, "Forecasts")."""

from __future__ import annotations

import streamlit as st

from dashboards import serving, serving_forecast
from dashboards.components.export import export_buttons
from dashboards.components.filters import no_data_message
from dashboards.components.forecast_chart import model_label, series_forecast_panel
from dashboards.components.format import rate, show_table, with_headers
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
    result = series_forecast_panel(*chosen, key="fc.chart")
    fc = result.forecast
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
