"""Prediction intervals from backtest errors, and the rules every forecast row obeys.

The intervals are empirical (conformal): the point forecast plus the quantiles of the chosen model's
errors (actual − forecast) over every week of its rolling-origin backtest. One rule for every model,
intermittent ones included, whose statsforecast implementations have no intervals of their own.
"""

from __future__ import annotations

import numpy as np

# (lower, upper) error quantiles of the 80 % and 95 % intervals
QUANTILES = {80: (0.10, 0.90), 95: (0.025, 0.975)}
Z = {80: 1.2815515655446004, 95: 1.959963984540054}


def tidy(point: np.ndarray, lo80: np.ndarray, hi80: np.ndarray, lo95: np.ndarray,
         hi95: np.ndarray) -> tuple[np.ndarray, ...]:
    """Demand is never negative and the intervals nest around the point:
    0 <= lo95 <= lo80 <= point <= hi80 <= hi95. NaN must not reach here (callers fill it)."""
    point = np.maximum(np.asarray(point, dtype=float), 0.0)
    lo80 = np.clip(np.asarray(lo80, dtype=float), 0.0, point)
    lo95 = np.clip(np.asarray(lo95, dtype=float), 0.0, lo80)
    hi80 = np.maximum(np.asarray(hi80, dtype=float), point)
    hi95 = np.maximum(np.asarray(hi95, dtype=float), hi80)
    return point, lo80, hi80, lo95, hi95


def from_errors(point: np.ndarray, errors: np.ndarray) -> tuple[np.ndarray, ...]:
    """Intervals around ``point`` from the backtest ``errors`` (actual − forecast), tidied."""
    errors = np.asarray(errors, dtype=float)
    errors = errors[~np.isnan(errors)]
    if errors.size == 0:
        errors = np.zeros(1)
    q = {level: np.quantile(errors, list(bounds)) for level, bounds in QUANTILES.items()}
    return tidy(point, point + q[80][0], point + q[80][1], point + q[95][0], point + q[95][1])


def normal(point: np.ndarray, sd: float) -> tuple[np.ndarray, ...]:
    """Symmetric normal intervals of standard deviation ``sd`` per week, tidied (the fallback)."""
    return tidy(point, point - Z[80] * sd, point + Z[80] * sd, point - Z[95] * sd, point + Z[95] * sd)
