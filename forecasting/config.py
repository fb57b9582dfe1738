"""The forecast's fixed parameters (docs/planning.md, "Forecasts")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ForecastConfig:
    horizon: int = 12  # weeks ahead
    season_length: int = 52  # weeks in a year: the seasonal-naive baseline and MSTL's season
    n_windows: int = 5  # rolling origins of the backtest
    step_size: int = 3  # weeks between two origins
    min_train_weeks: int = 13  # history before the first origin
    intermittent_adi: float = 1.32  # average demand interval above which a series is intermittent
    levels: tuple[int, int] = (80, 95)

    @property
    def min_history_weeks(self) -> int:
        """Weeks (from the first week with demand) a series needs for the backtest; shorter ones get the
        labelled fallback."""
        return self.min_train_weeks + self.horizon + self.step_size * (self.n_windows - 1)


DEFAULT = ForecastConfig()
