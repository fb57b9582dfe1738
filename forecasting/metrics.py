"""Accuracy over a backtest: MASE, WAPE and bias (docs/planning.md)."""

from __future__ import annotations

import math

import numpy as np


def naive_scale(train: np.ndarray) -> float:
    """Mean absolute one-week change of the history before the first origin: MASE's denominator."""
    if len(train) < 2:
        return float("nan")
    return float(np.mean(np.abs(np.diff(train))))


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute error ÷ ``scale``; NaN when the scale is 0 or unknown."""
    if not scale or math.isnan(scale):
        return float("nan")
    return float(np.mean(np.abs(actual - forecast)) / scale)


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Σ|error| ÷ Σ actual; NaN when nothing was sold in the backtest weeks."""
    total = float(np.sum(np.abs(actual)))
    return float("nan") if total == 0 else float(np.sum(np.abs(actual - forecast)) / total)


def bias(actual: np.ndarray, forecast: np.ndarray) -> float:
    """(Σ forecast − Σ actual) ÷ Σ actual: + over-forecast, − under-forecast; NaN without sales."""
    total = float(np.sum(actual))
    return float("nan") if total == 0 else float((np.sum(forecast) - total) / total)
