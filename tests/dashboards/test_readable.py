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
