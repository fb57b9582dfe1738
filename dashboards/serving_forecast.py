"""Reads of the sales forecast in ``serving.duckdb`` (docs/planning.md, "Forecasts"), through
``dashboards.serving``'s one-connection-per-call ``fetch``: a series' history with its forecast and
intervals, its backtest accuracy with a plain "does not beat the baseline" flag, the accuracy table
and the volume share where the models beat the baseline, and the bottom-up category totals.

Tables read: mart_sales_forecast, mart_forecast_accuracy, mart_sales_forecast_by_category,
mart_demand_weekly, dim_product, dim_warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from dashboards.serving import fetch, query

# The volume that weighs the accuracy summary: demand of the last 52 complete weeks.
VOLUME_WEEKS = 52
MAX_HISTORY_WEEKS = 260


@dataclass(frozen=True)
class SeriesChoice:
    product_id: int
    warehouse_id: int
    label: str


def forecast_series(search: str = "", limit: int = 500) -> list[SeriesChoice]:
    """The product × warehouse series with a forecast, biggest 12-week forecast first; ``search``
    matches SKU or name."""
    pattern = f"%{search.strip()[:100]}%"
    [rows] = fetch(query(
        """SELECT a.product_id, a.warehouse_id, p.sku, p.product_name, w.warehouse_name
           FROM mart_forecast_accuracy a
           JOIN dim_product p ON p.product_id = a.product_id
           JOIN dim_warehouse w ON w.warehouse_id = a.warehouse_id
           LEFT JOIN (SELECT product_id, warehouse_id, sum(forecast_qty) AS total FROM mart_sales_forecast
                      GROUP BY ALL) f ON f.product_id = a.product_id AND f.warehouse_id = a.warehouse_id
           WHERE p.sku ILIKE $pattern OR p.product_name ILIKE $pattern
           ORDER BY f.total DESC NULLS LAST, p.sku, w.warehouse_name
           LIMIT $limit""", as_rows=True, pattern=pattern, limit=int(min(max(limit, 1), 5000))))
    return [SeriesChoice(int(p), int(w), f"{sku} {name} · {warehouse}") for p, w, sku, name, warehouse in rows]


@dataclass(frozen=True)
class SeriesForecast:
    history: pd.DataFrame  # week_start, demand_qty (complete weeks, zero weeks filled)
    forecast: pd.DataFrame  # week_start, horizon_week, forecast_qty, lo80, hi80, lo95, hi95
    accuracy: dict[str, Any] | None  # the mart_forecast_accuracy row

    @property
    def beats_baseline(self) -> bool:
        return bool(self.accuracy and self.accuracy.get("beats_baseline"))

    @property
    def does_not_beat_baseline(self) -> bool:
        """The plain flag the page shows: no model beat the baseline in the backtest (or there was
        no backtest: a fallback)."""
        return self.accuracy is not None and not self.beats_baseline


def series_forecast(product_id: int, warehouse_id: int, history_weeks: int = 52) -> SeriesForecast:
    """One series: its last ``history_weeks`` complete weeks, the 12-week forecast and its accuracy."""
    weeks = int(min(max(history_weeks, 1), MAX_HISTORY_WEEKS))
    params = {"product_id": int(product_id), "warehouse_id": int(warehouse_id)}
    history, forecast, accuracy = fetch(
        query("""SELECT week_start, CAST(demand_qty AS DOUBLE) AS demand_qty FROM mart_demand_weekly
                 WHERE product_id = $product_id AND warehouse_id = $warehouse_id AND is_complete_week
                   AND week_start > as_of_week - to_weeks(CAST($weeks AS INTEGER))
                 ORDER BY week_start""", weeks=weeks, **params),
        query("""SELECT week_start, horizon_week, forecast_qty, lo80, hi80, lo95, hi95, model, is_fallback
                 FROM mart_sales_forecast WHERE product_id = $product_id AND warehouse_id = $warehouse_id
                 ORDER BY horizon_week""", **params),
        query("SELECT * FROM mart_forecast_accuracy WHERE product_id = $product_id AND warehouse_id = $warehouse_id",
              **params),
    )
    row = accuracy.iloc[0].to_dict() if not accuracy.empty else None
    if not forecast.empty and not history.empty:
        history = _zero_filled(history, forecast["week_start"].min(), weeks)
    return SeriesForecast(history, forecast, row)


def _zero_filled(history: pd.DataFrame, first_forecast_week: Any, weeks: int) -> pd.DataFrame:
    """Weeks without demand as 0 between the first shown week with demand and the as-of week."""
    end = pd.Timestamp(first_forecast_week) - pd.Timedelta(weeks=1)
    start = max(pd.Timestamp(history["week_start"].min()), end - pd.Timedelta(weeks=weeks - 1))
    grid = pd.DataFrame({"week_start": pd.date_range(start, end, freq="7D")})
    history = history.assign(week_start=pd.to_datetime(history["week_start"]))
    return grid.merge(history, how="left", on="week_start").fillna({"demand_qty": 0.0})


@dataclass(frozen=True)
class AccuracySummary:
    as_of_week: date | None
    series: int
    modelled: int
    fallback: int
    beating: int
    volume: float  # demand of the last 52 complete weeks, all series
    volume_beating: float  # … of the series whose model beats the baseline

    @property
    def volume_share_beating(self) -> float | None:
        return self.volume_beating / self.volume if self.volume else None


def accuracy_summary() -> AccuracySummary:
    [rows] = fetch(query(f"""
        WITH volume AS (
            SELECT product_id, warehouse_id, sum(demand_qty) AS qty FROM mart_demand_weekly
            WHERE is_complete_week AND week_start > as_of_week - INTERVAL {VOLUME_WEEKS} WEEK GROUP BY ALL)
        SELECT max(a.as_of_week), count(*), count(*) FILTER (WHERE NOT a.is_fallback),
               count(*) FILTER (WHERE a.is_fallback), count(*) FILTER (WHERE a.beats_baseline),
               CAST(coalesce(sum(v.qty), 0) AS DOUBLE),
               CAST(coalesce(sum(v.qty) FILTER (WHERE a.beats_baseline), 0) AS DOUBLE)
        FROM mart_forecast_accuracy a
        LEFT JOIN volume v ON v.product_id = a.product_id AND v.warehouse_id = a.warehouse_id""", as_rows=True))
    if not rows or rows[0][1] == 0:
        return AccuracySummary(None, 0, 0, 0, 0, 0.0, 0.0)
    as_of, series, modelled, fallback, beating, volume, volume_beating = rows[0]
    return AccuracySummary(as_of, int(series), int(modelled), int(fallback), int(beating), float(volume),
                           float(volume_beating))


def accuracy_table(only_not_beating: bool = False, limit: int = 2000) -> pd.DataFrame:
    """Accuracy per series with names and the last 52 weeks' volume, biggest volume first."""
    condition = "WHERE NOT a.beats_baseline" if only_not_beating else ""
    [frame] = fetch(query(f"""
        WITH volume AS (
            SELECT product_id, warehouse_id, CAST(sum(demand_qty) AS DOUBLE) AS volume_52w FROM mart_demand_weekly
            WHERE is_complete_week AND week_start > as_of_week - INTERVAL {VOLUME_WEEKS} WEEK GROUP BY ALL)
        SELECT p.sku, p.product_name, w.warehouse_name, a.model, a.series_kind, a.mase, a.wape, a.bias,
               a.baseline_model, a.baseline_mase, a.baseline_wape, a.beats_baseline, a.error_sd_weekly,
               a.n_weeks_history, a.is_fallback, coalesce(v.volume_52w, 0) AS volume_52w, a.product_id, a.warehouse_id
        FROM mart_forecast_accuracy a
        JOIN dim_product p ON p.product_id = a.product_id
        JOIN dim_warehouse w ON w.warehouse_id = a.warehouse_id
        LEFT JOIN volume v ON v.product_id = a.product_id AND v.warehouse_id = a.warehouse_id
        {condition}
        ORDER BY volume_52w DESC, p.sku, w.warehouse_name
        LIMIT $limit""", limit=int(min(max(limit, 1), 20000))))
    return frame


def category_forecast() -> pd.DataFrame:
    """Bottom-up forecast per category and week: category_name, week_start, horizon_week, forecast_qty."""
    [frame] = fetch(query("""SELECT coalesce(category_name, '—') AS category_name, week_start, horizon_week,
                                    CAST(forecast_qty AS DOUBLE) AS forecast_qty,
                                    CAST(fallback_qty AS DOUBLE) AS fallback_qty
                             FROM mart_sales_forecast_by_category ORDER BY category_name, horizon_week"""))
    return frame
