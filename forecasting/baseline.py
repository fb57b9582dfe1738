"""The baseline every model must beat: seasonal naive (the same week a year earlier) when a year of
history exists, else naive (the last week)."""

from __future__ import annotations

import numpy as np


def baseline_name(history_weeks: int, season_length: int) -> str:
    return "seasonal_naive" if history_weeks >= season_length else "naive"


def baseline_forecast(train: np.ndarray, horizon: int, season_length: int) -> np.ndarray:
    """``horizon`` weeks after ``train``: seasonal naive repeats the last ``season_length`` weeks,
    naive repeats the last week."""
    if len(train) == 0:
        raise ValueError("the baseline needs at least one week of history")
    if len(train) >= season_length:
        last_season = train[-season_length:]
        return np.array([last_season[k % season_length] for k in range(horizon)], dtype=float)
    return np.full(horizon, float(train[-1]))
