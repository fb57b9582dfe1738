"""The forecast of a panel of weekly demand series (pure: a DataFrame in, two DataFrames out).

Per series (product × warehouse, from its first week with demand to the as-of week, zero-filled):

1. Too short for the backtest (``ForecastConfig.min_history_weeks``) → the labelled fallback: the
   mean week of its history, normal intervals from its weekly spread; ``is_fallback`` true.
2. Else regular or intermittent (average demand interval, Syntetos–Boylan) picks the candidates:
   exponential smoothing (AutoETS) and ARIMA(1,1,1) for regular series, plus MSTL (yearly season,
   ETS trend) when two years precede the first origin; Croston (optimised), TSB, ADIDA and IMAPA for
   intermittent ones. The baseline (seasonal
   naive, or naive without a year of history before the first origin) is always a candidate too.
3. A rolling-origin backtest (``n_windows`` origins ``step_size`` weeks apart, ``horizon`` weeks
   each) scores every candidate by its mean absolute error; the lowest wins, the baseline on a tie.
4. The winner is refitted on the whole history; intervals come from its backtest errors
   (``forecasting.intervals``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from forecasting import intervals, metrics
from forecasting.baseline import baseline_forecast, baseline_name, is_seasonal
from forecasting.config import DEFAULT, ForecastConfig
from forecasting.series import is_intermittent

FREQ = "W-MON"
FALLBACK_MODEL = "fallback_mean"
FORECAST_COLUMNS = ["as_of_week", "product_id", "warehouse_id", "week_start", "horizon_week", "forecast_qty",
                    "lo80", "hi80", "lo95", "hi95", "model", "is_fallback"]
ACCURACY_COLUMNS = ["as_of_week", "product_id", "warehouse_id", "model", "mase", "wape", "bias", "baseline_mase",
                    "baseline_wape", "baseline_bias", "beats_baseline", "error_sd_weekly", "n_weeks_history",
                    "is_fallback", "baseline_model", "series_kind"]


def _regular_models(config: ForecastConfig) -> list:
    from statsforecast.models import ARIMA, AutoETS

    return [AutoETS(season_length=1, alias="ets"), ARIMA(order=(1, 1, 1), alias="arima")]


def _seasonal_models(config: ForecastConfig) -> list:
    from statsforecast.models import MSTL, AutoETS

    # MSTL needs two seasons to separate one; with less it is ETS on the raw series again, at twice
    # the cost, so only series with two years before the first origin get it.
    return [*_regular_models(config),
            MSTL(season_length=config.season_length, trend_forecaster=AutoETS(model="ZZN"), alias="mstl")]


def _intermittent_models(config: ForecastConfig) -> list:
    from statsforecast.models import ADIDA, IMAPA, TSB, CrostonOptimized

    return [CrostonOptimized(alias="croston"), TSB(alpha_d=0.1, alpha_p=0.1, alias="tsb"),
            ADIDA(alias="adida"), IMAPA(alias="imapa")]


CANDIDATES: dict[str, Callable[[ForecastConfig], list]] = {
    "regular": _regular_models, "regular_seasonal": _seasonal_models, "intermittent": _intermittent_models}


@dataclass(frozen=True)
class ForecastResult:
    forecasts: pd.DataFrame  # FORECAST_COLUMNS, one row per series × future week
    accuracy: pd.DataFrame  # ACCURACY_COLUMNS, one row per series


def _uid(product_id: int, warehouse_id: int) -> str:
    return f"{product_id}:{warehouse_id}"


def _key(uid: str) -> tuple[int, int]:
    product_id, warehouse_id = uid.split(":")
    return int(product_id), int(warehouse_id)


def _statsforecast(models: list, n_jobs: int):  # noqa: ANN202 (statsforecast is imported lazily)
    from statsforecast import StatsForecast

    return StatsForecast(models=models, freq=FREQ, n_jobs=n_jobs)


def _quietly(call: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    # statsforecast warns per series about short histories and non-convergence: noise in a run's log.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


def _future_weeks(as_of_week: date, horizon: int) -> list[date]:
    return [as_of_week + timedelta(days=7 * k) for k in range(1, horizon + 1)]


def _forecast_rows(as_of_week: date, key: tuple[int, int], bands: tuple[np.ndarray, ...], model: str,
                   fallback: bool) -> pd.DataFrame:
    point, lo80, hi80, lo95, hi95 = bands
    horizon = len(point)
    return pd.DataFrame({
        "as_of_week": as_of_week, "product_id": key[0], "warehouse_id": key[1],
        "week_start": _future_weeks(as_of_week, horizon), "horizon_week": np.arange(1, horizon + 1),
        "forecast_qty": point, "lo80": lo80, "hi80": hi80, "lo95": lo95, "hi95": hi95,
        "model": model, "is_fallback": fallback,
    })


def fallback(y: np.ndarray, as_of_week: date, key: tuple[int, int], config: ForecastConfig
             ) -> tuple[pd.DataFrame, dict]:
    """Too little history to backtest: the mean week since the first sale, with normal intervals
    from the weekly spread (at least the mean itself when there is one week only)."""
    level = float(np.mean(y)) if len(y) else 0.0
    sd = float(np.std(y, ddof=1)) if len(y) >= 2 else level
    point = np.full(config.horizon, level)
    rows = _forecast_rows(as_of_week, key, intervals.normal(point, sd), FALLBACK_MODEL, True)
    accuracy = {"as_of_week": as_of_week, "product_id": key[0], "warehouse_id": key[1], "model": FALLBACK_MODEL,
                "mase": None, "wape": None, "bias": None, "baseline_mase": None, "baseline_wape": None,
                "baseline_bias": None, "beats_baseline": False, "error_sd_weekly": sd,
                "n_weeks_history": len(y), "is_fallback": True,
                "baseline_model": baseline_name(False), "series_kind": "short"}
    return rows, accuracy


def _long_frame(series: dict[str, np.ndarray], starts: dict[str, pd.Timestamp]) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"unique_id": uid, "ds": pd.date_range(starts[uid], periods=len(y), freq="7D"),
                                    "y": y}) for uid, y in series.items()], ignore_index=True)


def _weeks_before_first_origin(y: np.ndarray, config: ForecastConfig) -> int:
    return len(y) - config.horizon - config.step_size * (config.n_windows - 1)


def _seasonal(y: np.ndarray, config: ForecastConfig) -> bool:
    """Seasonal-naive baseline when a season of history precedes the backtest's first origin."""
    return is_seasonal(_weeks_before_first_origin(y, config), config.season_length)


def _backtest(series: dict[str, np.ndarray], starts: dict[str, pd.Timestamp], kind: str, config: ForecastConfig,
              n_jobs: int) -> pd.DataFrame:
    """Rolling-origin backtest of the candidates and the baseline: unique_id, ds, cutoff, y, one column
    per candidate alias and ``baseline``."""
    frame = _long_frame(series, starts)
    sf = _statsforecast(CANDIDATES[kind](config), n_jobs)
    cv = _quietly(lambda: sf.cross_validation(df=frame, h=config.horizon, n_windows=config.n_windows,
                                              step_size=config.step_size))
    cv = cv.reset_index() if "unique_id" not in cv.columns else cv
    baseline = np.empty(len(cv))
    for (uid, cutoff), index in cv.groupby(["unique_id", "cutoff"]).indices.items():
        origin = int((pd.Timestamp(cutoff) - starts[uid]).days // 7) + 1  # weeks of training history
        baseline[index] = baseline_forecast(series[uid][:origin], len(index), config.season_length,
                                            _seasonal(series[uid], config))
    cv["baseline"] = baseline
    return cv.sort_values(["unique_id", "cutoff", "ds"], ignore_index=True)


def _choose(cv: pd.DataFrame, aliases: list[str]) -> dict[str, str]:
    """The candidate with the lowest mean absolute error per series; the baseline wins ties, and a
    candidate that produced NaN never wins."""
    scores = {name: (cv[name] - cv["y"]).abs().groupby(cv["unique_id"]).mean() for name in ["baseline", *aliases]}
    table = pd.DataFrame(scores).fillna(np.inf)
    return table.idxmin(axis=1).to_dict()  # idxmin takes the first minimum: the baseline on a tie


def _refit(series: dict[str, np.ndarray], starts: dict[str, pd.Timestamp], chosen: dict[str, str], kind: str,
           config: ForecastConfig, n_jobs: int) -> dict[str, np.ndarray]:
    """Point forecasts of every series by its chosen model, fitted on the whole history."""
    points: dict[str, np.ndarray] = {}
    for alias in sorted(set(chosen.values())):
        uids = [uid for uid, name in chosen.items() if name == alias]
        if alias == "baseline":
            for uid in uids:
                points[uid] = baseline_forecast(series[uid], config.horizon, config.season_length,
                                                _seasonal(series[uid], config))
            continue
        model = next(m for m in CANDIDATES[kind](config) if m.alias == alias)
        frame = _long_frame({uid: series[uid] for uid in uids}, starts)
        sf = _statsforecast([model], n_jobs)
        fc = _quietly(lambda sf=sf, frame=frame: sf.forecast(df=frame, h=config.horizon))
        fc = fc.reset_index() if "unique_id" not in fc.columns else fc
        for uid, group in fc.sort_values(["unique_id", "ds"]).groupby("unique_id"):
            points[uid] = np.nan_to_num(group[alias].to_numpy(dtype=float), nan=0.0)
    return points


def _modelled(series: dict[str, np.ndarray], starts: dict[str, pd.Timestamp], kind: str, as_of_week: date,
              config: ForecastConfig, n_jobs: int) -> tuple[list[pd.DataFrame], list[dict]]:
    aliases = [m.alias for m in CANDIDATES[kind](config)]
    cv = _backtest(series, starts, kind, config, n_jobs)
    chosen = _choose(cv, aliases)
    points = _refit(series, starts, chosen, kind, config, n_jobs)
    rows, accuracy = [], []
    for uid, group in cv.groupby("unique_id", sort=True):
        y = series[uid]
        name = chosen[uid]
        actual = group["y"].to_numpy(dtype=float)
        predicted = np.nan_to_num(group[name].to_numpy(dtype=float), nan=0.0)
        base = group["baseline"].to_numpy(dtype=float)
        first_origin = int((pd.Timestamp(group["cutoff"].min()) - starts[uid]).days // 7) + 1
        scale = metrics.naive_scale(y[:first_origin])
        errors = actual - predicted
        one_week = (group["ds"] - group["cutoff"]).dt.days.to_numpy() == 7
        key = _key(uid)
        history_name = baseline_name(_seasonal(y, config))
        model_name = history_name if name == "baseline" else name
        rows.append(_forecast_rows(as_of_week, key, intervals.from_errors(points[uid], errors), model_name, False))
        model_mase, base_mase = metrics.mase(actual, predicted, scale), metrics.mase(actual, base, scale)
        accuracy.append({
            "as_of_week": as_of_week, "product_id": key[0], "warehouse_id": key[1], "model": model_name,
            "mase": model_mase, "wape": metrics.wape(actual, predicted), "bias": metrics.bias(actual, predicted),
            "baseline_mase": base_mase, "baseline_wape": metrics.wape(actual, base),
            "baseline_bias": metrics.bias(actual, base),
            "beats_baseline": bool(np.mean(np.abs(errors)) < np.mean(np.abs(actual - base))),
            "error_sd_weekly": float(np.std(errors[one_week], ddof=1)) if one_week.sum() >= 2 else None,
            "n_weeks_history": len(y), "is_fallback": False, "baseline_model": history_name, "series_kind": kind,
        })
    return rows, accuracy


def forecast_panel(dense: pd.DataFrame, as_of_week: date, config: ForecastConfig = DEFAULT,
                   n_jobs: int = 1) -> ForecastResult:
    """Forecasts and accuracy of every series in ``dense`` (``forecasting.series.dense_history``)."""
    series: dict[str, dict[str, np.ndarray]] = {kind: {} for kind in CANDIDATES}
    starts: dict[str, pd.Timestamp] = {}
    rows: list[pd.DataFrame] = []
    accuracy: list[dict] = []
    for (product_id, warehouse_id), group in dense.groupby(["product_id", "warehouse_id"], sort=True):
        key = (int(product_id), int(warehouse_id))
        y = group["demand_qty"].to_numpy(dtype=float)
        if len(y) < config.min_history_weeks:
            frame, acc = fallback(y, as_of_week, key, config)
            rows.append(frame)
            accuracy.append(acc)
            continue
        uid = _uid(*key)
        starts[uid] = pd.Timestamp(group["week_start"].min())
        if is_intermittent(y, config.intermittent_adi):
            kind = "intermittent"
        elif _weeks_before_first_origin(y, config) >= 2 * config.season_length:
            kind = "regular_seasonal"
        else:
            kind = "regular"
        series[kind][uid] = y
    for kind, members in series.items():
        if members:
            more_rows, more_accuracy = _modelled(members, starts, kind, as_of_week, config, n_jobs)
            rows.extend(more_rows)
            accuracy.extend(more_accuracy)
    forecasts = (pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=FORECAST_COLUMNS))
    accuracy_frame = pd.DataFrame(accuracy, columns=ACCURACY_COLUMNS)
    return ForecastResult(forecasts[FORECAST_COLUMNS], accuracy_frame)
