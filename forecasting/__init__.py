"""Sales forecasts: weekly demand per product × warehouse, models chosen by rolling-origin backtest.

Pure helpers (``series``, ``metrics``, ``baseline``, ``intervals``) are plain numpy / pandas; ``engine``
runs statsforecast on a panel of series; ``tables`` writes the results into the warehouse and the
bottom-up totals; ``checks`` finds the rows that the blocking Dagster checks refuse. The Dagster
asset lives in ``orchestration/assets/forecast.py``; docs/planning.md ("Forecasts") explains the rules.
"""

from __future__ import annotations

import os

# statsforecast compiles its models with numba on first use (seconds per model). With the cache on,
# the compiled code is kept on disk next to the package and later processes load it instead. Must be
# set before statsforecast is imported; an explicit setting in the environment wins.
os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")
