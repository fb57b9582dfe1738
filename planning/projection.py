"""Projected stock week by week: on hand, plus what arrives (open purchase orders by promised
date, transfers in transit), minus the demand plan; and the week an item runs out."""

from __future__ import annotations

from collections.abc import Sequence


def project_stock(on_hand: float, receipts: Sequence[float], demand: Sequence[float]) -> list[float]:
    """Closing stock of weeks 1..n: ``on_hand + cumulative receipts − cumulative demand``.

    ``receipts[i]`` and ``demand[i]`` belong to week i + 1; receipts arrive at the start of their
    week (anything overdue is put in week 1 by the caller). Negative values are unmet demand."""
    if len(receipts) != len(demand):
        raise ValueError("receipts and demand must cover the same weeks")
    closing, level = [], on_hand
    for arriving, wanted in zip(receipts, demand, strict=True):
        level = level + arriving - wanted
        closing.append(level)
    return closing


def runout_week(closing: Sequence[float], demand: Sequence[float]) -> int | None:
    """First week (1-based) whose closing stock is zero or below while that week has demand: from
    then on demand goes unmet. None when the stock lasts the horizon."""
    for week, (level, wanted) in enumerate(zip(closing, demand, strict=True), start=1):
        if level <= 1e-9 and wanted > 0:
            return week
    return None


def arrival_week(lead_time_days: float) -> int:
    """The plan week an order placed at the start of week 1 arrives in (day 0..6 → week 1)."""
    return 1 + int(max(lead_time_days, 0.0) // 7)
