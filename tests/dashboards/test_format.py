"""The one formatter every page uses: money, quantities, rates, empty cells and tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest
from pandas.io.formats.style import Styler

from dashboards.components import format as fmt


@pytest.mark.parametrize(("value", "shown"), [
    (-184.64, "\u2212¥184.64"),
    (Decimal("-184.64"), "\u2212¥184.64"),
    (1234567.5, "¥1,234,567.50"),
    (Decimal("0.005"), "¥0.01"),  # half up, to the cent
    (0, "¥0.00"),
    (Decimal("-0.001"), "¥0.00"),  # rounds to nothing: no minus sign in front of zero
    (None, ""),
    (float("nan"), ""),
    (pd.NA, ""),
])
def test_money(value, shown):
    assert fmt.money(value) == shown


@pytest.mark.parametrize(("value", "shown"), [
    (1234567, "1,234,567"),
    (Decimal("1234.5000"), "1,234.5"),
    (Decimal("0.1250"), "0.125"),
    (-5, "\u22125"),
    (0, "0"),
    (None, ""),
    (float("nan"), ""),
])
def test_quantity(value, shown):
    assert fmt.quantity(value) == shown


@pytest.mark.parametrize(("value", "shown"), [
    (0.123, "12.3%"), (1, "100.0%"), (Decimal("0.9995"), "100.0%"), (-0.05, "\u22125.0%"), (None, ""),
    (float("nan"), ""),
])
def test_rate(value, shown):
    assert fmt.rate(value) == shown


def test_percent_and_text():
    assert fmt.percent(12.34) == "12.3%"
    assert fmt.percent(None) == ""
    assert fmt.text(None) == "" and fmt.text(float("nan")) == "" and fmt.text("苏州") == "苏州"


def test_local_time_converts_naive_utc_to_the_zone(monkeypatch):
    from zoneinfo import ZoneInfo
    monkeypatch.setattr(fmt, "local_zone", lambda: ZoneInfo("Asia/Shanghai"))
    assert fmt.local_time(datetime(2026, 3, 7, 8, 30)) == "2026-03-07 16:30:00"
    assert fmt.local_time(datetime(2026, 3, 7, 8, 30, tzinfo=UTC)) == "2026-03-07 16:30:00"
    assert fmt.local_time(None) == ""


def test_formatted_table_keeps_numbers_and_shows_text():
    df = pd.DataFrame({"金额": [-184.64, 1234567.5, None], "数量": [1234.5, None, 2.0],
                       "名称": ["甲", None, "丙"], "日期": [date(2026, 3, 6), None, date(2026, 3, 7)],
                       "比率": [0.5, None, 0.125]})
    shown = fmt.formatted(df, money=("金额",), rates=("比率",))
    assert isinstance(shown, Styler)
    assert list(shown.data["金额"][:2]) == [-184.64, 1234567.5]  # still numbers: sorting stays numeric
    shown._compute()
    body = shown._translate(False, False)["body"]
    cells = [[cell["display_value"] for cell in row if cell["type"] == "td"] for row in body]
    assert cells[0] == ["\u2212¥184.64", "1,234.5", "甲", "2026-03-06", "50.0%"]
    assert cells[1] == ["¥1,234,567.50", "", "", "", ""]
    assert cells[2] == ["", "2", "丙", "2026-03-07", "12.5%"]


def test_a_very_large_table_falls_back_to_column_formats():
    df = pd.DataFrame({"金额": [1.0] * (fmt.MAX_STYLED_CELLS + 1)})
    assert isinstance(fmt.formatted(df, money=("金额",)), pd.DataFrame)
