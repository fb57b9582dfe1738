"""The baseline every model must beat: seasonal naive (the same week a year earlier) when a year of
history exists before the backtest's first origin, else naive (the last week).

The choice is made once per series (``is_seasonal``) and used for the backtest and the forecast
alike, so the baseline that is scored is the one that forecasts when it wins."""

from __future__ import annotations

import numpy as np


def is_seasonal(weeks_before_first_origin: int, season_length: int) -> bool:
    return weeks_before_first_origin >= season_length


def baseline_name(seasonal: bool) -> str:
    return "seasonal_naive" if seasonal else "naive"


def baseline_forecast(train: np.ndarray, horizon: int, season_length: int, seasonal: bool | None = None) -> np.ndarray:
    """``horizon`` weeks after ``train``: seasonal naive repeats the last ``season_length`` weeks,
    naive repeats the last week. ``seasonal`` None: seasonal when ``train`` holds a season."""
    if len(train) == 0:
        raise ValueError("the baseline needs at least one week of history")
    if seasonal is None:
        seasonal = len(train) >= season_length
    if seasonal and len(train) >= season_length:
        last_season = train[-season_length:]
        return np.array([last_season[k % season_length] for k in range(horizon)], dtype=float)
    return np.full(horizon, float(train[-1]))
