"""Weekly demand series: the last complete week, zero-filled history, classification, fingerprints."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

SeriesKey = tuple[int, int]  # (product_id, warehouse_id)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_complete_week(last_day: date) -> date:
    """Monday of the last complete ISO week on ``last_day``: its own week if it is a Sunday."""
    return monday(last_day + timedelta(days=1)) - timedelta(days=7)


def dense_history(demand: pd.DataFrame, as_of_week: date) -> pd.DataFrame:
    """Every series' weeks from its first week with demand to ``as_of_week``, weeks without a row
    as 0. ``demand`` has product_id, warehouse_id, week_start, demand_qty (sparse); weeks after
    ``as_of_week`` are dropped. Returns the same columns, demand_qty as float, sorted."""
    columns = ["product_id", "warehouse_id", "week_start", "demand_qty"]
    if demand.empty:
        return pd.DataFrame(columns=columns)
    frame = demand[columns].copy()
    frame["week_start"] = pd.to_datetime(frame["week_start"])
    frame["demand_qty"] = frame["demand_qty"].astype(float)
    end = pd.Timestamp(as_of_week)
    frame = frame[(frame["week_start"] <= end)]
    positive = frame[frame["demand_qty"] > 0]
    if positive.empty:
        return pd.DataFrame(columns=columns)
    starts = positive.groupby(["product_id", "warehouse_id"], as_index=False)["week_start"].min()
    # one row per series and week from its start to ``end``, built without a loop over the series
    lengths = ((end - starts["week_start"]).dt.days // 7 + 1).to_numpy()
    series_index = np.repeat(np.arange(len(starts)), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    grid = pd.DataFrame({
        "product_id": starts["product_id"].to_numpy()[series_index],
        "warehouse_id": starts["warehouse_id"].to_numpy()[series_index],
        "week_start": starts["week_start"].to_numpy()[series_index] + offsets * np.timedelta64(7, "D"),
    })
    sums = frame.groupby(["product_id", "warehouse_id", "week_start"], as_index=False)["demand_qty"].sum()
    dense = grid.merge(sums, how="left", on=["product_id", "warehouse_id", "week_start"])
    dense["demand_qty"] = dense["demand_qty"].fillna(0.0)
    return dense.sort_values(["product_id", "warehouse_id", "week_start"], ignore_index=True)


def average_demand_interval(y: np.ndarray) -> float:
    """Weeks per week with demand (ADI); infinite without any demand."""
    nonzero = int(np.count_nonzero(y > 0))
    return float("inf") if nonzero == 0 else len(y) / nonzero


def is_intermittent(y: np.ndarray, threshold: float) -> bool:
    """Syntetos–Boylan: a series with demand in fewer than 1 of ``threshold`` weeks is intermittent."""
    return average_demand_interval(y) > threshold


def fingerprints(dense: pd.DataFrame, as_of_week: date) -> dict[SeriesKey, str]:
    """A digest per series of its weekly history, salted with the as-of week (a new week changes
    every series): equal digests mean nothing in the series changed. Row hashes (week, quantity)
    are summed per series, vectorised: thousands of series take milliseconds."""
    if dense.empty:
        return {}
    rows = pd.util.hash_pandas_object(
        pd.DataFrame({"week": pd.to_datetime(dense["week_start"]), "qty": dense["demand_qty"].astype(float).round(6)}),
        index=False).to_numpy(dtype=np.uint64)
    frame = pd.DataFrame({"product_id": dense["product_id"].to_numpy(), "warehouse_id": dense["warehouse_id"].to_numpy(),
                          "h": rows, "h2": rows * np.uint64(0x9E3779B97F4A7C15)})
    grouped = frame.groupby(["product_id", "warehouse_id"], sort=True).agg(
        n=("h", "size"), h=("h", lambda v: int(np.bitwise_xor.reduce(v.to_numpy()))),
        h2=("h2", lambda v: int(np.add.reduce(v.to_numpy(), dtype=np.uint64))))
    salt = as_of_week.isoformat()
    return {(int(p), int(w)): f"{salt}:{n}:{h:016x}:{h2:016x}"
            for (p, w), n, h, h2 in zip(grouped.index, grouped["n"], grouped["h"], grouped["h2"], strict=True)}
