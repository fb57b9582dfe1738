"""Weekly demand series: the last complete week, zero-filled history, classification, fingerprints."""

from __future__ import annotations

import hashlib
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
    starts = positive.groupby(["product_id", "warehouse_id"])["week_start"].min()
    pieces = []
    for (product_id, warehouse_id), start in starts.items():
        weeks = pd.date_range(start, end, freq="7D")
        pieces.append(pd.DataFrame({"product_id": product_id, "warehouse_id": warehouse_id, "week_start": weeks}))
    grid = pd.concat(pieces, ignore_index=True)
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


def fingerprint(weeks: pd.Series, quantities: pd.Series) -> str:
    """A digest of a series' weekly history: equal digests mean nothing in it changed."""
    digest = hashlib.sha1()
    for week, qty in zip(pd.to_datetime(weeks), quantities, strict=True):
        digest.update(f"{week.date().isoformat()}={float(qty):.6f};".encode())
    return digest.hexdigest()


def fingerprints(dense: pd.DataFrame, as_of_week: date) -> dict[SeriesKey, str]:
    """``fingerprint`` per series, salted with the as-of week (a new week changes every series)."""
    result = {}
    for (product_id, warehouse_id), group in dense.groupby(["product_id", "warehouse_id"], sort=True):
        result[(int(product_id), int(warehouse_id))] = (
            f"{as_of_week.isoformat()}:{fingerprint(group['week_start'], group['demand_qty'])}")
    return result
