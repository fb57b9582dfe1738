"""The supplier scorecard's score and grade (供应商评估, DESIGN.md): the weighted mean of on-time
rate, in-full rate and 1 − reject rate over the rates that have data, and a grade from it.

No data is no data: a NULL rate is left out (never counted as 100 %), and a row without any rate
(or with all its weights at 0) has no score and no grade. ``mart_supplier_scorecard`` computes the
same score in SQL with the default weights (the dbt var ``supplier_scorecard_weights``); the
supplier page re-weights with this module when the user moves the weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GRADES = ((0.95, "A"), (0.85, "B"), (0.70, "C"))  # else D


@dataclass(frozen=True)
class Weights:
    on_time: float = 0.4
    in_full: float = 0.3
    quality: float = 0.3


DEFAULT_WEIGHTS = Weights()


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def score(on_time: object, in_full: object, reject: object, weights: Weights = DEFAULT_WEIGHTS) -> float | None:
    parts = [(weights.on_time, on_time), (weights.in_full, in_full),
             (weights.quality, 1 - float(reject) if _present(reject) else None)]
    used = [(w, float(v)) for w, v in parts if _present(v) and w > 0]
    total = sum(w for w, _ in used)
    if not used or total <= 0:
        return None
    return round(sum(w * v for w, v in used) / total, 4)


def grade(value: float | None) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return next((g for floor, g in GRADES if value >= floor), "D")
