"""The forecast engine on generated series of known structure, and its pure helpers.

One panel (seasonal, intermittent, trend, new product) is forecast once per module: statsforecast's
first fit of each model pays numba's compile (cached on disk after the first run).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from forecasting import intervals, metrics
from forecasting.baseline import baseline_forecast
from forecasting.config import DEFAULT
from forecasting.engine import FALLBACK_MODEL, ForecastResult, forecast_panel
from forecasting.series import dense_history, fingerprints, is_intermittent, last_complete_week

START = pd.Timestamp("2023-01-02")  # a Monday
WEEKS = 156
AS_OF = (START + pd.Timedelta(weeks=WEEKS - 1)).date()
SEASONAL, INTERMITTENT, TREND, NEW = (1, 1), (2, 1), (3, 2), (4, 2)


def _series(key: tuple[int, int], values: np.ndarray) -> pd.DataFrame:
    weeks = pd.date_range(START + pd.Timedelta(weeks=WEEKS - len(values)), periods=len(values), freq="7D")
    return pd.DataFrame({"product_id": key[0], "warehouse_id": key[1], "week_start": weeks, "demand_qty": values})


def panel() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    t = np.arange(WEEKS)
    seasonal = 100 + 40 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 5, WEEKS)
    intermittent = rng.binomial(1, 0.2, WEEKS) * rng.integers(1, 8, WEEKS)
    trend = 20 + 0.5 * t + rng.normal(0, 3, WEEKS)
    new = np.array([3.0, 0.0, 5.0, 4.0, 2.0])  # five weeks of history
    return pd.concat([_series(SEASONAL, seasonal), _series(INTERMITTENT, intermittent.astype(float)),
                      _series(TREND, trend), _series(NEW, new)], ignore_index=True)


@pytest.fixture(scope="module")
def result() -> ForecastResult:
    return forecast_panel(dense_history(panel(), AS_OF), AS_OF)


def _accuracy(result: ForecastResult, key: tuple[int, int]) -> pd.Series:
    acc = result.accuracy
    return acc[(acc.product_id == key[0]) & (acc.warehouse_id == key[1])].iloc[0]


def _forecast(result: ForecastResult, key: tuple[int, int]) -> pd.DataFrame:
    f = result.forecasts
    return f[(f.product_id == key[0]) & (f.warehouse_id == key[1])].sort_values("horizon_week")


def test_every_series_has_twelve_weeks_and_one_accuracy_row(result: ForecastResult) -> None:
    assert len(result.accuracy) == 4
    assert result.forecasts.groupby(["product_id", "warehouse_id"]).size().tolist() == [12] * 4
    first = _forecast(result, SEASONAL).iloc[0]
    assert first.as_of_week == AS_OF and first.week_start == date(2025, 12, 29) and first.horizon_week == 1
    values = result.forecasts[["forecast_qty", "lo80", "hi80", "lo95", "hi95"]].to_numpy(dtype=float)
    assert not np.isnan(values).any() and (values >= 0).all()
    f = result.forecasts
    assert ((f.lo95 <= f.lo80) & (f.lo80 <= f.forecast_qty) & (f.forecast_qty <= f.hi80) & (f.hi80 <= f.hi95)).all()


def test_seasonal_series_beats_the_seasonal_naive(result: ForecastResult) -> None:
    acc = _accuracy(result, SEASONAL)
    assert acc.baseline_model == "seasonal_naive" and acc.series_kind == "regular_seasonal"
    assert acc.model != "seasonal_naive" and acc.beats_baseline
    assert acc.mase < acc.baseline_mase and acc.wape < acc.baseline_wape
    # the forecast follows the season: the sine rises from week 156 on (100 + 40·sin(2π·156/52) = 100)
    forecast = _forecast(result, SEASONAL).forecast_qty.to_numpy()
    assert forecast[-1] > forecast[0] + 20
    assert acc.error_sd_weekly == pytest.approx(5, rel=0.8)  # noise sd 5, estimated from 5 origins


def test_intermittent_series_gets_an_intermittent_model_without_negatives(result: ForecastResult) -> None:
    acc = _accuracy(result, INTERMITTENT)
    assert acc.series_kind == "intermittent"
    assert acc.model in {"croston", "tsb", "adida", "imapa", "seasonal_naive"}
    forecast = _forecast(result, INTERMITTENT)
    assert (forecast.forecast_qty > 0).all() and (forecast.forecast_qty < 4).all()  # mean demand 0.2 × 4 = 0.8
    assert (forecast.lo95 == 0).all()  # most weeks sell nothing


def test_trend_series_continues_the_trend(result: ForecastResult) -> None:
    acc = _accuracy(result, TREND)
    assert acc.beats_baseline and acc.model in {"ets", "arima", "mstl"}
    forecast = _forecast(result, TREND).forecast_qty.to_numpy()
    # the line 20 + 0.5·t goes on from 20 + 0.5·156 = 98 to 20 + 0.5·167 = 103.5
    assert forecast[0] == pytest.approx(98, abs=6) and forecast[-1] == pytest.approx(103.5, abs=8)
    assert forecast[-1] > forecast[0]


def test_new_product_gets_a_labelled_fallback(result: ForecastResult) -> None:
    acc = _accuracy(result, NEW)
    assert acc.is_fallback and acc.model == FALLBACK_MODEL and not acc.beats_baseline
    assert acc.n_weeks_history == 5 and pd.isna(acc.mase)
    forecast = _forecast(result, NEW)
    assert forecast.is_fallback.all() and forecast.forecast_qty.tolist() == pytest.approx([2.8] * 12)  # (3+0+5+4+2)/5
    sd = np.std([3, 0, 5, 4, 2], ddof=1)
    assert acc.error_sd_weekly == pytest.approx(sd)
    assert forecast.hi95.iloc[0] == pytest.approx(2.8 + 1.959964 * sd)


def test_last_complete_week() -> None:
    assert last_complete_week(date(2026, 11, 29)) == date(2026, 11, 23)  # a Sunday: its own week
    assert last_complete_week(date(2026, 12, 2)) == date(2026, 11, 23)  # a Wednesday: the week before
    assert last_complete_week(date(2026, 11, 30)) == date(2026, 11, 23)  # a Monday


def test_dense_history_fills_zero_weeks_from_the_first_sale() -> None:
    demand = pd.DataFrame({"product_id": [1, 1, 1], "warehouse_id": [9, 9, 9],
                           "week_start": [date(2026, 1, 5), date(2026, 1, 19), date(2026, 2, 9)],
                           "demand_qty": [0.0, 4.0, 6.0]})
    dense = dense_history(demand, date(2026, 2, 2))
    assert dense.week_start.dt.date.tolist() == [date(2026, 1, 19), date(2026, 1, 26), date(2026, 2, 2)]
    assert dense.demand_qty.tolist() == [4.0, 0.0, 0.0]  # the week after the as-of week is dropped
    assert fingerprints(dense, date(2026, 2, 2)) != fingerprints(dense, date(2026, 2, 9))


def test_intermittency_baseline_metrics_and_interval_rules() -> None:
    assert is_intermittent(np.array([0, 0, 3, 0, 0, 1.0]), 1.32)  # ADI 3
    assert is_intermittent(np.array([1, 2, 0, 3.0]), 1.32)  # ADI 4/3 ≈ 1.33: just above
    assert not is_intermittent(np.array([1, 2, 3, 4, 0, 5, 6.0]), 1.32)  # ADI 7/6
    history = np.arange(60, dtype=float)
    assert baseline_forecast(history, 3, 52).tolist() == [8.0, 9.0, 10.0]  # the same weeks a year earlier
    assert baseline_forecast(history[:10], 3, 52).tolist() == [9.0, 9.0, 9.0]  # naive under a year
    assert baseline_forecast(history, 2, 52, seasonal=False).tolist() == [59.0, 59.0]  # naive by choice
    actual, forecast = np.array([10.0, 0.0, 5.0]), np.array([8.0, 1.0, 5.0])
    assert metrics.wape(actual, forecast) == pytest.approx(3 / 15)
    assert metrics.bias(actual, forecast) == pytest.approx((14 - 15) / 15)
    assert metrics.mase(actual, forecast, metrics.naive_scale(np.array([1.0, 3.0, 2.0]))) == pytest.approx(1 / 1.5)
    point, lo80, hi80, lo95, hi95 = intervals.tidy(np.array([-1.0, 5.0]), np.array([-3.0, 6.0]),
                                                   np.array([1.0, 7.0]), np.array([-4.0, 7.0]), np.array([2.0, 6.5]))
    assert point.tolist() == [0.0, 5.0] and lo80.tolist() == [0.0, 5.0] and lo95.tolist() == [0.0, 5.0]
    assert hi80.tolist() == [1.0, 7.0] and hi95.tolist() == [2.0, 7.0]


def test_config_minimum_history() -> None:
    assert DEFAULT.min_history_weeks == 13 + 12 + 3 * 4


def test_new_product_takes_its_categorys_shape_at_its_own_level(result: ForecastResult) -> None:
    """The category-profile fallback (forecasting/profile.py): the new product shares the seasonal
    product's category, so its 12 weeks follow the seasonal forecast's shape, scaled to its own mean
    week (2.8); a product alone in its category keeps the flat fallback; never a zero."""
    from forecasting.profile import CATEGORY_FALLBACK_MODEL, apply_category_profile

    categories = {SEASONAL[0]: 10, NEW[0]: 10, INTERMITTENT[0]: 20, TREND[0]: 30}
    forecasts, accuracy = apply_category_profile(result.forecasts, result.accuracy, categories)
    new = forecasts[(forecasts.product_id == NEW[0]) & (forecasts.warehouse_id == NEW[1])].sort_values("horizon_week")
    seasonal = _forecast(result, SEASONAL).forecast_qty.to_numpy()
    shape = seasonal / seasonal.mean()
    assert new.forecast_qty.to_numpy() == pytest.approx(2.8 * shape)
    assert new.forecast_qty.mean() == pytest.approx(2.8) and (new.forecast_qty > 0).all()
    assert new.forecast_qty.max() / new.forecast_qty.min() == pytest.approx(seasonal.max() / seasonal.min())
    assert (new.model == CATEGORY_FALLBACK_MODEL).all() and new.is_fallback.all()
    [acc] = accuracy[accuracy.product_id == NEW[0]].itertuples()
    assert (acc.model, acc.is_fallback, acc.beats_baseline) == (CATEGORY_FALLBACK_MODEL, True, False)
    sd = np.std([3, 0, 5, 4, 2], ddof=1)
    assert (new.hi95.to_numpy() - new.forecast_qty.to_numpy()) == pytest.approx(np.full(12, 1.959964 * sd))
    assert (new.lo95 <= new.lo80).all() and (new.lo80 <= new.forecast_qty).all()
    # the modelled series are untouched
    others = forecasts[forecasts.product_id != NEW[0]].reset_index(drop=True)
    expected = result.forecasts[result.forecasts.product_id != NEW[0]].reset_index(drop=True)
    pd.testing.assert_frame_equal(others, expected)
    # applied again (a kept fallback on the next run): the same rows
    again, _ = apply_category_profile(forecasts, accuracy, categories)
    assert again.forecast_qty.to_numpy() == pytest.approx(forecasts.forecast_qty.to_numpy())

    # alone in its category, or without one: the flat mean week, still labelled, still not zero
    for alone in ({**categories, NEW[0]: 99}, {**categories, NEW[0]: None}):
        flat, flat_accuracy = apply_category_profile(result.forecasts, result.accuracy, alone)
        new = flat[flat.product_id == NEW[0]]
        assert (new.model == FALLBACK_MODEL).all() and new.forecast_qty.tolist() == pytest.approx([2.8] * 12)
        assert flat_accuracy[flat_accuracy.product_id == NEW[0]].model.tolist() == [FALLBACK_MODEL]


def test_a_product_that_sold_once_is_never_forecast_as_zero() -> None:
    """One week with demand and then nothing for four weeks: the series starts at that sale, so its
    fallback level is 6 / 5 weeks, not zero (and a product that never sold has no series at all)."""
    demand = pd.DataFrame({"product_id": [7], "warehouse_id": [1], "week_start": [pd.Timestamp(AS_OF) - pd.Timedelta(weeks=4)],
                           "demand_qty": [6.0]})
    dense = dense_history(demand, AS_OF)
    assert dense.demand_qty.tolist() == [6.0, 0.0, 0.0, 0.0, 0.0]
    once = forecast_panel(dense, AS_OF)
    assert once.forecasts.forecast_qty.tolist() == pytest.approx([1.2] * 12)
    assert once.accuracy.is_fallback.tolist() == [True] and once.accuracy.model.tolist() == [FALLBACK_MODEL]
