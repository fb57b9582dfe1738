"""Every page, opened by a role that may see it, shows no "None", "nan" or raw catalog key
(`ui.col.segment_label`) anywhere: not in text, metrics, widgets, chart titles or table cells
(the cells as the browser shows them, i.e. the Styler's display values); and money cells read
¥1,234.50 / −¥184.64."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from dashboard_support import flat, texts
from streamlit import dataframe_util

from dashboards.navigation import PAGES

BAD = re.compile(r"\b(None|nan|NaN|NaT)\b|\b(ui|field|entity|state|errors|action)\.[a-z_]+\.[a-z_.]*[a-z]")


def shown_cells(node) -> pd.DataFrame:  # noqa: ANN001 - an AppTest dataframe element
    """A table's cells as text, the way the browser shows them: the Styler's display values when the
    page styled the table, else the raw values (a missing one reads "None" in the grid)."""
    styler = node.proto.arrow_data.styler
    if styler.display_values:
        return dataframe_util.convert_arrow_bytes_to_pandas_df(styler.display_values)
    return node.value.astype(object).where(node.value.notna(), "None").astype(str)


def _text_cells_hold_no_missing_value(node) -> list[str]:  # noqa: ANN001
    """The grid draws a missing text cell as a faded "None" whatever the Styler says, so text
    columns must hold "" itself."""
    frame = node.value
    return [str(c) for c in frame.columns
            if (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])) and frame[c].isna().any()]


def _chart_texts(node) -> list[str]:  # noqa: ANN001
    spec = json.loads(node.proto.spec)
    layout = spec.get("layout", {})
    out = [str((layout.get("title") or {}).get("text", ""))]
    for axis in ("xaxis", "yaxis"):
        out.append(str(((layout.get(axis) or {}).get("title") or {}).get("text", "")))
    out.extend(str(trace.get("name", "")) for trace in spec.get("data", []))
    return out


def visible_strings(at) -> list[str]:  # noqa: ANN001
    out = [texts(at)]
    for node in [*flat(at.main), *flat(at.sidebar)]:
        for attr in ("label", "placeholder", "help"):
            value = getattr(node, attr, None)
            if isinstance(value, str):
                out.append(value)
        if node.type in ("selectbox", "multiselect", "radio"):
            out.extend(str(o) for o in getattr(node, "options", []))
        if node.type == "dataframe":
            cells = shown_cells(node)
            out.extend(str(c) for c in node.value.columns)
            out.extend(cells.astype(str).to_numpy().ravel().tolist())
            out.extend(f"None in text column {c}" for c in _text_cells_hold_no_missing_value(node))
        if node.type == "plotly_chart":
            out.extend(_chart_texts(node))
    return out


def _role_for(spec) -> str:  # noqa: ANN001
    """A business role that sees the page (what a clerk or analyst gets), admin for admin-only pages."""
    for role in ("manager", "analyst", "finance", "purchasing", "sales", "warehouse", "hr", "staff"):
        if role in spec.roles:
            return role
    return "admin"


@pytest.mark.parametrize("spec", PAGES, ids=[p.key for p in PAGES])
def test_no_none_nan_or_raw_key_on_any_page(app_for, published, spec):
    at = app_for(_role_for(spec), page=spec.path)
    assert not at.exception, spec.key
    bad = sorted({s for s in visible_strings(at) for m in [BAD.search(s)] if m})
    assert not bad, (spec.key, bad[:10])


def test_money_cells_read_yuan_to_the_cent_and_still_sort_as_numbers(app_for, published):
    at = app_for("warehouse", page="views/inventory.py")
    frame = next(node for node in at.dataframe if "库存金额" in node.value.columns)
    cells = shown_cells(frame)
    by_sku = dict(zip(frame.value["商品编码"], cells["库存金额"], strict=True))
    assert by_sku == {"P001": "¥105.00", "P002": "¥15.00"}  # water 70 × 1.50, chips 5 × 3.00
    assert frame.value["库存金额"].dtype.kind == "f"  # the grid sorts the numbers, not the text


def test_charts_speak_the_ui_language(app_for, published):
    at = app_for("manager", page="views/overview.py")
    charts = at.get("plotly_chart")
    assert len(charts) == 4
    for node in charts:
        config = json.loads(node.proto.config)
        assert config["locale"] == "zh-CN"
        assert config["locales"]["zh-CN"]["format"]["shortMonths"][2] == "3月"
        spec = json.loads(node.proto.spec)
        horizontal = any(trace.get("orientation") == "h" for trace in spec["data"])
        value_axis = spec["layout"]["xaxis" if horizontal else "yaxis"]
        assert value_axis["tickformat"] == ",~f"  # 150,000, not 150k
    at = app_for("manager", page="views/overview.py", language="en")
    assert all("locale" not in json.loads(node.proto.config) for node in at.get("plotly_chart"))


def test_cash_forecast_chart_shows_weekly_changes_under_the_balance_line():
    from dashboards.components.charts import balance_and_changes

    weeks = pd.DataFrame({"week_no": ["1", "2", "3"], "week_net_flow": [1200.0, -800.0, 50.0],
                          "week_closing_balance": [101200.0, 100400.0, 100450.0]})
    fig = balance_and_changes(weeks, "week_no", "week_net_flow", "week_closing_balance", "ui.cash.forecast_chart")
    bars, balance = fig.data
    assert bars.type == "bar" and list(bars.y) == [1200.0, -800.0, 50.0]
    assert list(bars.marker.color) == ["#2e7d32", "#c62828", "#2e7d32"]  # in green, out red
    assert balance.type == "scatter" and balance.yaxis == "y2" and list(balance.y) == [101200.0, 100400.0, 100450.0]
    from dashboards.components.charts import localize
    fig = localize(fig)
    assert (fig.layout.yaxis.tickformat, fig.layout.yaxis2.tickformat) == (",~f", ",.0f")  # 5,155,216 not …216.179133
