"""Re-weighting the published supplier scorecard on the page; the rule itself is
``operational.services.scorecard``."""

from __future__ import annotations

import pandas as pd

from operational.services.scorecard import DEFAULT_WEIGHTS, Weights, grade, score

__all__ = ["DEFAULT_WEIGHTS", "Weights", "reweight"]


def reweight(rows: pd.DataFrame, weights: Weights) -> pd.DataFrame:
    """``rows`` with ``score_adjusted`` and ``grade_adjusted`` columns."""
    out = rows.copy()
    scores = [score(r.on_time_rate, r.in_full_rate, r.reject_rate, weights) for r in out.itertuples()]
    out["score_adjusted"] = pd.Series(scores, index=out.index, dtype="float64")
    out["grade_adjusted"] = [grade(s) for s in scores]
    return out
