"""Supplier scorecard defaults (issue 10, section 5): the page opens on the last complete month
before the last posted date, keeps the score beside the supplier, and a month without data is a gap
in the trend chart, not 0 %.

The published file is marts_builder's: the calendar runs 2026-03-01 … 2026-03-06 (the last posted
date), the scorecard has 2026-02 and 2026-03 for supplier S001; we add 2026-01 with no data at all
(the mart's grid row: every rate NULL), as mart_supplier_scorecard publishes a quiet month.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import date

import duckdb
import numpy as np
from dashboard_support import table

from dashboards import serving


def _add_quiet_month(serving_file) -> None:  # noqa: ANN001
    with duckdb.connect(str(serving_file)) as con:
        for period in ("month", "rolling_12m"):
            con.execute("""
                INSERT INTO mart_supplier_scorecard (supplier_id, year_month, month_start, period, qty_due,
                    qty_on_time, lines_due, lines_in_full, qty_inspected, qty_rejected, receipt_lines)
                SELECT supplier_id, '2026-01', DATE '2026-01-01', ?, 0, 0, 0, 0, 0, 0, 0
                FROM dim_supplier WHERE supplier_code = 'S001'""", [period])
    serving._run.clear()


def _values(data) -> list:  # noqa: ANN001 - a Plotly array: a list, or a typed array {"dtype", "bdata"}
    """The series' values with NaN (a gap in plotly.js) as None."""
    if isinstance(data, dict):
        data = np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).tolist()
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in data]


def test_last_complete_month_rule():
    assert serving.last_complete_month(date(2026, 3, 6)) == "2026-02"
    assert serving.last_complete_month(date(2026, 3, 31)) == "2026-03"
    assert serving.last_complete_month(date(2026, 1, 15)) == "2025-12"
    card = serving.Scorecard(["2026-03", "2026-02", "2026-01"], None, date(2026, 3, 6))  # type: ignore[arg-type]
    assert card.default_month == "2026-02"
    assert serving.Scorecard(["2026-03"], None, date(2026, 3, 6)).default_month == "2026-03"  # type: ignore[arg-type]


def test_scorecard_opens_on_the_last_complete_month_with_the_score_in_view_and_gaps_for_no_data(
        app_for, published, company):
    _add_quiet_month(published)
    at = app_for("purchasing", page="views/supplier_scorecard.py")
    assert not at.exception
    # Last posted 2026-03-06: March is not complete, February is.
    assert at.selectbox(key="sc.month").value == "2026-02"
    assert "2026-03-06" in " ".join(str(c.value) for c in at.caption)
    shown = table(at, "得分（按当前权重）")
    assert list(shown.columns[:4]) == ["供应商编码", "供应商", "得分（按当前权重）", "等级（按当前权重）"]
    # February: on time 0.5, in full 1.0, no inspections → (0.4 × 0.5 + 0.3 × 1.0) ÷ 0.7 = 71.4 %.
    assert round(float(shown["得分（按当前权重）"].iloc[0]), 1) == 71.4
    assert shown["等级（按当前权重）"].iloc[0] == "C"

    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    by_name = {trace["name"]: dict(zip(_values(trace["x"]), _values(trace["y"]), strict=True)) for trace in chart["data"]}
    score = by_name["得分（按当前权重）"]
    assert list(score) == ["2026-01", "2026-02", "2026-03"]
    assert score["2026-01"] is None  # no data: a gap, never 0 %
    assert round(score["2026-02"], 4) == 0.7143
    assert by_name["检验不合格率"]["2026-02"] is None  # nothing inspected in February
    assert by_name["检验不合格率"]["2026-03"] == 0.1
    assert all(trace.get("connectgaps") is False for trace in chart["data"])
