"""The sales-forecast page and its serving reads, on a hand-made serving file: the chart's series,
accuracy beside the forecast, and the plain "does not beat the baseline" warning."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dashboard_support import Company
from streamlit.testing.v1 import AppTest

from dashboards import serving, serving_forecast
from forecasting.engine import ACCURACY_COLUMNS, FORECAST_COLUMNS
from forecasting.tables import write_forecasts

AS_OF = date(2026, 11, 23)


def _publish(company: Company, data_dir: Path) -> None:
    water, chips, wh1 = company.water, company.chips, company.wh1
    forecasts, accuracy = [], []
    for product_id, beats, point in ((water, True, 10.0), (chips, False, 4.0)):
        for h in range(1, 13):
            forecasts.append({"as_of_week": AS_OF, "product_id": product_id, "warehouse_id": wh1,
                              "week_start": AS_OF + timedelta(days=7 * h), "horizon_week": h, "forecast_qty": point,
                              "lo80": point - 2, "hi80": point + 2, "lo95": point - 3, "hi95": point + 3,
                              "model": "ets" if beats else "seasonal_naive", "is_fallback": False})
        accuracy.append({"as_of_week": AS_OF, "product_id": product_id, "warehouse_id": wh1,
                         "model": "ets" if beats else "seasonal_naive", "mase": 0.7 if beats else 1.0,
                         "wape": 0.2, "bias": -0.05, "baseline_mase": 1.0, "baseline_wape": 0.3, "baseline_bias": 0.0,
                         "beats_baseline": beats, "error_sd_weekly": 1.5, "n_weeks_history": 60, "is_fallback": False,
                         "baseline_model": "seasonal_naive", "series_kind": "regular"})
    demand = pd.DataFrame({"product_id": water, "warehouse_id": wh1, "category_id": 1,  # noqa: F841 (scanned by DuckDB)
                           "week_start": [AS_OF - timedelta(days=7 * k) for k in (0, 2, 60)],
                           "demand_qty": [12.0, 8.0, 100.0], "as_of_week": AS_OF, "is_complete_week": True})
    with duckdb.connect(str(data_dir / "serving.duckdb")) as con:
        con.execute("CREATE TABLE dim_product AS SELECT * FROM (VALUES (?, 'W1', '矿泉水', 1, '饮料'), "
                    "(?, 'C1', '薯片', 2, '零食')) AS t(product_id, sku, product_name, category_id, category_name)",
                    [water, chips])
        con.execute("CREATE TABLE dim_warehouse AS SELECT ? AS warehouse_id, '上海主仓' AS warehouse_name", [wh1])
        con.execute("CREATE TABLE mart_demand_weekly AS SELECT * FROM demand")
        write_forecasts(con, "main", pd.DataFrame(forecasts, columns=FORECAST_COLUMNS),
                        pd.DataFrame(accuracy, columns=ACCURACY_COLUMNS), {})
    serving._run.clear()


def test_serving_reads(company: Company, data_dir: Path) -> None:
    _publish(company, data_dir)
    choices = serving_forecast.forecast_series()
    assert [(c.product_id, c.label) for c in choices] == [(company.water, "W1 矿泉水 · 上海主仓"),
                                                          (company.chips, "C1 薯片 · 上海主仓")]
    water = serving_forecast.series_forecast(company.water, company.wh1, history_weeks=52)
    # the week 60 weeks back is outside the 52 shown; the weeks between the two sales are zero-filled
    assert water.history["demand_qty"].tolist() == [8.0, 0.0, 12.0]
    assert water.forecast["forecast_qty"].tolist() == [10.0] * 12 and not water.does_not_beat_baseline
    chips = serving_forecast.series_forecast(company.chips, company.wh1)
    assert chips.does_not_beat_baseline and chips.history.empty
    summary = serving_forecast.accuracy_summary()
    assert (summary.series, summary.beating, summary.volume, summary.volume_beating) == (2, 1, 20.0, 20.0)
    assert summary.volume_share_beating == 1.0
    categories = serving_forecast.category_forecast()
    assert categories.groupby("category_name")["forecast_qty"].sum().to_dict() == {"零食": 48.0, "饮料": 120.0}


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_forecast_page(company: Company, data_dir: Path, app_for: Callable[..., AppTest], language: str) -> None:
    _publish(company, data_dir)
    at = app_for("purchasing", "views/forecast.py", language=language)
    assert not at.exception
    assert at.title[0].value == ("销售预测" if language == "zh_CN" else "Sales forecast")
    assert [m.value for m in at.metric][:4] == ["2026-11-23", "2", "0", "100.0%"]
    assert at.success and not at.warning  # the biggest series (water) is shown first: it beats the baseline
    at.selectbox(key="fc.series").set_value((company.chips, company.wh1)).run()
    assert not at.exception
    warning = at.warning[0].value
    assert ("没有优于基准" in warning) if language == "zh_CN" else ("did not beat the baseline" in warning)
    at.toggle(key="fc.only_bad").set_value(True).run()
    assert not at.exception


def test_forecast_page_roles(company: Company, data_dir: Path, app_for: Callable[..., AppTest]) -> None:
    from dashboards.navigation import is_allowed, page_spec

    spec = page_spec("forecast")
    assert [r for r in ("purchasing", "manager", "analyst", "sales", "warehouse", "finance") if is_allowed(spec, r)] \
        == ["purchasing", "manager", "analyst"]
