"""The category-profile fallback for new products (issue 13, "never a silent zero").

A series too short to backtest gets the engine's ``fallback_mean``: its mean week since the first
sale, flat over the horizon. When the product's category has modelled series, that level is given
the category's shape instead: the category's bottom-up forecast of its modelled series, week by week
over the horizon, divided by its own mean (a profile averaging 1), times the product's observed level.
So the fallback follows the category's expected rise and fall and still averages the product's level
(model ``fallback_category``). Without modelled series in the category, or without a category, the
flat ``fallback_mean`` stays. Either way ``is_fallback`` is true, there are no accuracy figures, and
the level is the mean of weeks that include the first week with demand: never zero.

Applied after the kept and the refitted series are put together (``refresh_forecasts``), so a kept
fallback follows its category's new forecast too; the level is read back as the mean of the series'
own rows (the profile averages 1), which makes applying it again a no-op.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from forecasting import intervals
from forecasting.engine import FALLBACK_MODEL

CATEGORY_FALLBACK_MODEL = "fallback_category"
FALLBACK_MODELS = (FALLBACK_MODEL, CATEGORY_FALLBACK_MODEL)


def category_profiles(forecasts: pd.DataFrame, categories: Mapping[int, int | None]) -> dict[int, np.ndarray]:
    """Per category with modelled (non-fallback) series selling something: the weekly shape of its
    total forecast over the horizon, averaging 1."""
    modelled = forecasts[~forecasts["is_fallback"].astype(bool)]
    if modelled.empty:
        return {}
    frame = pd.DataFrame({"category_id": modelled["product_id"].map(lambda p: categories.get(int(p))),
                          "horizon_week": modelled["horizon_week"].astype(int),
                          "qty": modelled["forecast_qty"].astype(float)}).dropna(subset=["category_id"])
    totals = frame.groupby(["category_id", "horizon_week"])["qty"].sum()
    profiles = {}
    for category_id, weekly in totals.groupby(level=0):
        values = weekly.sort_index().to_numpy(dtype=float)
        if values.mean() > 0:
            profiles[int(category_id)] = values / values.mean()
    return profiles


def apply_category_profile(forecasts: pd.DataFrame, accuracy: pd.DataFrame,
                           categories: Mapping[int, int | None]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The fallback series of ``forecasts`` / ``accuracy`` (engine columns) whose category has a
    profile, reshaped to it (intervals: normal, from the series' weekly spread ``error_sd_weekly``)
    and relabelled ``fallback_category``; everything else unchanged. New frames are returned."""
    if forecasts.empty or not accuracy["is_fallback"].astype(bool).any():
        return forecasts, accuracy
    profiles = category_profiles(forecasts, categories)
    if not profiles:
        return forecasts, accuracy
    forecasts, accuracy = forecasts.copy(), accuracy.copy()
    spread = {(int(p), int(w)): (0.0 if pd.isna(sd) else float(sd)) for p, w, sd, fb in zip(
        accuracy["product_id"], accuracy["warehouse_id"], accuracy["error_sd_weekly"], accuracy["is_fallback"],
        strict=True) if fb}
    fallback_rows = forecasts[forecasts["is_fallback"].astype(bool)]
    relabelled = set()
    for (product_id, warehouse_id), rows in fallback_rows.groupby(["product_id", "warehouse_id"], sort=False):
        profile = profiles.get(categories.get(int(product_id)) or -1)
        if profile is None:
            continue
        rows = rows.sort_values("horizon_week")
        level = float(rows["forecast_qty"].astype(float).mean())
        weeks = rows["horizon_week"].astype(int).to_numpy()
        point = level * profile[np.clip(weeks, 1, len(profile)) - 1]
        bands = intervals.normal(point, spread.get((int(product_id), int(warehouse_id)), 0.0))
        forecasts.loc[rows.index, ["forecast_qty", "lo80", "hi80", "lo95", "hi95"]] = np.column_stack(bands)
        forecasts.loc[rows.index, "model"] = CATEGORY_FALLBACK_MODEL
        relabelled.add((int(product_id), int(warehouse_id)))
    if relabelled:
        mask = [(int(p), int(w)) in relabelled for p, w in zip(accuracy["product_id"], accuracy["warehouse_id"],
                                                               strict=True)]
        accuracy.loc[mask, "model"] = CATEGORY_FALLBACK_MODEL
    return forecasts, accuracy
