"""ABC × XYZ classification.

ABC by consumption value (units consumed × unit cost over the history): sorted by value, the items
making up the first 80 % of the total are A, the next 15 % B, the rest C (items with no consumption
are C). XYZ by demand variability: the coefficient of variation of weekly demand (standard
deviation ÷ mean over the history weeks) — X ≤ 0.5 (steady), Y ≤ 1.0 (variable), Z above, or with
no demand at all (nothing to forecast from).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

ABC_CUTOFFS = (0.80, 0.95)
XYZ_CUTOFFS = (0.5, 1.0)


def abc_classes(values: Mapping[Hashable, float], cutoffs: tuple[float, float] = ABC_CUTOFFS) -> dict[Hashable, str]:
    """Class of every key by its share of the cumulative value. An item is A when the cumulative
    share *before* it is below the A cutoff (so the item that crosses 80 % is still A)."""
    total = sum(max(v, 0.0) for v in values.values())
    out: dict[Hashable, str] = {}
    running = 0.0
    for key, value in sorted(values.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        if total <= 0 or value <= 0:
            out[key] = "C"
            continue
        before = running / total
        out[key] = "A" if before < cutoffs[0] else "B" if before < cutoffs[1] else "C"
        running += value
    return out


def variation(weekly: Sequence[float]) -> float | None:
    """Coefficient of variation (population sd ÷ mean) of weekly demand; None without demand."""
    if not weekly:
        return None
    mean = sum(weekly) / len(weekly)
    if mean <= 0:
        return None
    sd = math.sqrt(sum((x - mean) ** 2 for x in weekly) / len(weekly))
    return sd / mean


def xyz_class(cv: float | None, cutoffs: tuple[float, float] = XYZ_CUTOFFS) -> str:
    if cv is None:
        return "Z"
    return "X" if cv <= cutoffs[0] else "Y" if cv <= cutoffs[1] else "Z"
