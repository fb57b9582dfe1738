"""Reorder point and safety stock from the forecast error over the supplier's lead time.

Safety stock covers two uncertainties over a lead time of ``L`` weeks (mean) with spread ``σL``:
the weekly forecast error ``σw`` (one-week-ahead errors of the chosen model) and the lead time
itself. With ``d`` the mean weekly demand over the lead time and ``z`` the normal quantile of the
target cycle service level::

    safety stock  = z × sqrt(L × σw² + d² × σL²)
    reorder point = forecast demand over the lead time + safety stock

Both are rounded up to whole units: a planner orders pieces, and rounding down would undercut the
service level the class asked for.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from statistics import NormalDist

# Target cycle service levels when the store has none (planning_service_level): the few A items
# that carry most of the consumption value get the most protection.
DEFAULT_SERVICE_LEVELS: dict[str, float] = {"A": 0.98, "B": 0.95, "C": 0.90}
# Lead time when neither the scorecard nor the price list nor the supplier has one (days).
DEFAULT_LEAD_TIME_DAYS = 7.0
# Weeks of demand an order covers beyond the reorder point (the order-up-to level's review period).
REVIEW_WEEKS = 4


def z_value(service_level: float) -> float:
    """Normal quantile of a service level strictly between 0.5 and 1 (0.95 → 1.6449)."""
    if not 0.5 < service_level < 1:
        raise ValueError(f"service level must be between 0.5 and 1, got {service_level}")
    return NormalDist().inv_cdf(service_level)


def service_level_for(abc_class: str, configured: Mapping[str, float] | None = None) -> float:
    """The configured level of a class, else the default (an unknown class counts as C)."""
    levels = {**DEFAULT_SERVICE_LEVELS, **(configured or {})}
    return levels.get(abc_class, levels["C"])


def demand_over(weekly: Sequence[float], days: float) -> float:
    """Forecast demand over the next ``days`` from weekly forecasts (week 1 first): whole weeks plus
    the fraction of the next; beyond the horizon the last week's rate continues."""
    if days <= 0 or not weekly:
        return 0.0
    weeks = days / 7.0
    total, w = 0.0, 0
    while weeks > 0:
        rate = weekly[w] if w < len(weekly) else weekly[-1]
        part = min(1.0, weeks)
        total += rate * part
        weeks -= part
        w += 1
    return total


def safety_stock(error_sd_weekly: float, lead_time_days: float, lead_time_sd_days: float,
                 mean_weekly_demand: float, service_level: float) -> float:
    """Safety stock in units, rounded up (see the module docstring)."""
    lead_weeks = max(lead_time_days, 0.0) / 7.0
    spread_weeks = max(lead_time_sd_days, 0.0) / 7.0
    sigma_w = max(error_sd_weekly, 0.0)
    variance = lead_weeks * sigma_w ** 2 + max(mean_weekly_demand, 0.0) ** 2 * spread_weeks ** 2
    raw = z_value(service_level) * math.sqrt(variance)
    return float(math.ceil(raw - 1e-9))


def reorder_point(lead_time_demand: float, safety: float) -> float:
    """Demand over the lead time plus safety stock, rounded up to whole units."""
    return float(math.ceil(max(lead_time_demand, 0.0) + safety - 1e-9))
