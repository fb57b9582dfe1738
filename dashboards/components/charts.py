"""Plotly figures for the pages, drawn in the UI language: axis titles from the catalog, month and
day names from Plotly's zh-CN locale (sent inline with the chart, so it works offline), and value
axes with thousands separators instead of SI suffixes (150k reads as "150 thousand" to nobody here;
150,000 does).

Every chart goes through ``plot``, which also fits the legend: more entries than fit beside a
320-px chart, or names too long for it, go below the plot in rows (the figure grows by those rows),
and a long name is shortened with "…" in the legend while the hover box keeps it whole. Beside the
plot, ten expense categories were cut off after the sixth with a scroll bar, and long names squeezed
the plot of a half-width chart to a sliver. Month axes ("2026-03") are categories, not dates, so
the ticks name the months the bars stand for."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboards.i18n import current_language, t

_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 320}
# Value axes: separators, no SI suffix ("k", "M", "G" for thousands, millions, billions).
VALUE_TICKS = ",~f"
VALUE_HOVER = ",.2f"

# Plotly.js's locale "zh-CN" (dist/locale/zh-cn.js), the part a chart shows: month and day names,
# date order and the mode bar's tooltips. Plotly's bundle in Streamlit carries only en-US, and the
# machines are offline, so the locale travels in the chart's config.
PLOTLY_LOCALES: dict[str, dict[str, Any]] = {
    "zh_CN": {
        "name": "zh-CN",
        "format": {
            "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
            "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
            "months": ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月",
                       "十二月"],
            "shortMonths": ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
            "date": "%Y-%m-%d",
            "decimal": ".",
            "thousands": ",",
            "grouping": [3],
            "currency": ["¥", ""],
        },
        "dictionary": {
            "Autoscale": "自动缩放", "Box Select": "矩形框选", "Lasso Select": "套索选择", "Pan": "平移",
            "Reset axes": "重置轴", "Zoom": "缩放", "Zoom in": "放大", "Zoom out": "缩小",
            "Download plot as a png": "下载图表为 PNG 格式", "Download plot": "下载图表",
            "Show closest data on hover": "悬停时显示最近的数据", "Compare data on hover": "悬停时比较数据",
            "Toggle Spike Lines": "启用/禁用尖峰线", "Produced with Plotly": "由 Plotly 生成",
            "Double-click to zoom back out": "双击回到缩放前", "Reset view": "重置视图",
            "Click to enter Plot title": "点击输入图表标题", "Click to enter X axis title": "点击输入 X 轴标题",
            "Click to enter Y axis title": "点击输入 Y 轴标题", "Toggle show closest data on hover": "切换悬停显示最近数据",
            "Snapshot succeeded": "生成快照成功", "Taking snapshot - this may take a few seconds": "正在生成快照 - 可能需要几秒钟",
        },
    },
}


def plot_config() -> dict[str, Any]:
    """st.plotly_chart config for the session's language (Plotly's own en-US needs nothing)."""
    locale = PLOTLY_LOCALES.get(current_language())
    if locale is None:
        return {"displaylogo": False}
    return {"displaylogo": False, "locale": locale["name"],
            "locales": {locale["name"]: {"format": locale["format"], "dictionary": locale["dictionary"]}}}


def _value_axes(fig: go.Figure) -> set[str]:
    """'x' and/or 'y': the axes that carry values (x for horizontal bars)."""
    axes = set()
    for trace in fig.data:
        horizontal = getattr(trace, "orientation", None) == "h"
        axes.add("x" if horizontal else "y")
    return axes or {"y"}


_MONTH = re.compile(r"^\d{4}-\d{2}$")


def _is_months(values: Any) -> bool:
    return values is not None and len(values) > 0 and all(isinstance(v, str) and _MONTH.match(v) for v in values)


def localize(fig: go.Figure) -> go.Figure:
    """Value axes with separators and no SI suffix, unless the page set its own format (a rate
    axis shown in %, say); an axis of "YYYY-MM" months is a category axis (Plotly reads the strings
    as dates and put its ticks on 1月 1, 1月 29, 2月 26 under bars that stand for whole months)."""
    value_axes = _value_axes(fig)
    for axis in value_axes:
        # The primary axis only (update_yaxes would reach a secondary axis with its own format).
        layout_axis = fig.layout.xaxis if axis == "x" else fig.layout.yaxis
        if not layout_axis.tickformat:
            layout_axis.update(tickformat=VALUE_TICKS, hoverformat=VALUE_HOVER)
    for axis in {"x", "y"} - value_axes:
        layout_axis = fig.layout.xaxis if axis == "x" else fig.layout.yaxis
        if layout_axis.type is None and fig.data and all(_is_months(trace[axis]) for trace in fig.data
                                                         if axis in trace and trace[axis] is not None):
            layout_axis.update(type="category", categoryorder="category ascending")
    fig.update_layout(separators=".,")
    return fig


# Legend: up to this many short entries stay beside the plot (Plotly's default place).
LEGEND_BESIDE_MAX = 5
# Display columns of a legend entry before it is shortened with "…" (a CJK character takes two).
LEGEND_NAME_COLUMNS = 24
LEGEND_ROW_PX = 24
# Rows are counted for the narrowest chart a page draws (half of a 1280-px page): a wider chart
# needs fewer and leaves the rest of the space empty, never cuts an entry off.
LEGEND_WIDTH_PX = 480
_COLUMN_PX, _SYMBOL_PX = 7, 46  # 12-px legend font; the symbol and the gap after an entry
_BELOW_AXIS_PX = 64  # tick labels and the axis title under the plot


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _shorten(text: str, columns: int = LEGEND_NAME_COLUMNS) -> str:
    if _columns(text) <= columns:
        return text
    out, used = "", 0
    for c in text:
        used += _columns(c)
        if used > columns - 1:
            break
        out += c
    return out.rstrip() + "…"


def _legend_rows(names: list[str], width: int = LEGEND_WIDTH_PX) -> int:
    rows, x = 1, 0
    for name in names:
        item = _columns(name) * _COLUMN_PX + _SYMBOL_PX
        if x and x + item > width:
            rows, x = rows + 1, 0
        x += item
    return rows


def fit_legend(fig: go.Figure) -> go.Figure:
    """Legend below the plot, in rows with room made for them, when it has more than
    ``LEGEND_BESIDE_MAX`` entries or a name longer than ``LEGEND_NAME_COLUMNS``; such a name is
    shortened in the legend, and the hover box keeps it whole (Plotly Express writes the name into
    each trace's hover template; a trace without one is given the full name as its hover text)."""
    shown = [trace for trace in fig.data if trace.showlegend is not False and trace.name]
    names = list(dict.fromkeys(trace.name for trace in shown))
    if fig.layout.showlegend is False or len(names) < 2:
        return fig
    if len(names) <= LEGEND_BESIDE_MAX and all(_columns(n) <= LEGEND_NAME_COLUMNS for n in names):
        return fig
    for trace in shown:
        short = _shorten(trace.name)
        if short != trace.name:
            if not trace.hovertemplate:
                trace.update(hovertemplate=f"{_as_text(trace.name)}<br>%{{x}}<br>%{{y}}<extra></extra>")
            trace.name = short
    titled = bool(fig.layout.legend.title.text)
    rows = _legend_rows(list(dict.fromkeys(trace.name for trace in shown))) + (1 if titled else 0)
    legend_px = rows * LEGEND_ROW_PX
    bottom = _BELOW_AXIS_PX + legend_px + 8
    old_bottom = fig.layout.margin.b if fig.layout.margin.b is not None else 80  # Plotly's default
    # The figure grows by what the legend adds to the bottom margin: the plot keeps its height. The
    # legend is anchored to the figure (the container), right under the axis title.
    height = (fig.layout.height or 320) + max(0, bottom - old_bottom)
    fig.update_layout(
        height=height, margin={"b": bottom},
        legend={"orientation": "h", "xref": "paper", "x": 0, "xanchor": "left", "yref": "container",
                "y": (bottom - _BELOW_AXIS_PX) / height, "yanchor": "top", "title": {"side": "top left"}},
    )
    return fig


# Trace attributes whose strings Plotly draws as its pseudo-HTML (<a href>, <b>, <br>, ...).
_DRAWN_TEXT = ("x", "y", "text", "hovertext", "labels", "name", "parents")


def _as_text(value: Any) -> Any:
    if isinstance(value, str) and any(c in value for c in "<>&"):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


# Plotly Express writes each group's value into the hover template ("客户=<value><br>金额=%{y}"):
# the value is a user's text, the <br> between the pairs is Plotly's markup.
_HOVER_PAIR = re.compile(r"(?P<label>(?:^|<br>)[^=<]*=)(?P<value>.*?)(?=<br>|<extra>|$)")


def _hover_as_text(template: str) -> str:
    return _HOVER_PAIR.sub(
        lambda m: m["label"] + (m["value"] if "%{" in m["value"] else _as_text(m["value"])), template)


def text_as_text(fig: go.Figure) -> go.Figure:
    """Names users typed (customers, suppliers, categories) stay text in a chart: Plotly would draw
    a name holding ``<a href=...>`` as a live link in the axis, legend or hover box."""
    for trace in fig.data:
        if isinstance(trace["hovertemplate"] if "hovertemplate" in trace else None, str):
            trace["hovertemplate"] = _hover_as_text(trace["hovertemplate"])
        for attr in _DRAWN_TEXT:
            if attr not in trace:
                continue
            value = trace[attr]
            if isinstance(value, str):
                trace[attr] = _as_text(value)
            elif value is not None and any(isinstance(v, str) and any(c in v for c in "<>&") for v in value):
                trace[attr] = [_as_text(v) for v in value]
    return fig


def plot(fig: go.Figure, key: str, **kwargs: Any) -> None:
    """st.plotly_chart in the UI language (see the module docstring), with typed names as text and
    a legend that fits."""
    st.plotly_chart(localize(text_as_text(fit_legend(fig))), key=key, config=plot_config(), **kwargs)


def bars(df: pd.DataFrame, x: str, y: str, title_key: str, horizontal: bool = False) -> go.Figure:
    labels = {x: t(f"ui.col.{x}"), y: t(f"ui.col.{y}")}
    if horizontal:
        fig = px.bar(df, x=y, y=x, orientation="h", labels=labels, title=t(title_key))
        fig.update_yaxes(autorange="reversed")
    else:
        fig = px.bar(df, x=x, y=y, labels=labels, title=t(title_key))
    return fig.update_layout(**_LAYOUT)


def line(df: pd.DataFrame, x: str, y: str, title_key: str) -> go.Figure:
    fig = px.line(df, x=x, y=y, labels={x: t(f"ui.col.{x}"), y: t(f"ui.col.{y}")}, title=t(title_key))
    return fig.update_layout(**_LAYOUT)


def balance_and_changes(df: pd.DataFrame, x: str, change: str, balance: str, title_key: str) -> go.Figure:
    """Bars of each period's change (green in, red out) under a line of the balance it leads to:
    13 weekly balances of similar size drawn as bars from 0 all look alike; the changes do not."""
    values = df[change].astype(float)
    fig = go.Figure()
    fig.add_bar(x=df[x], y=values, name=t(f"ui.col.{change}"),
                marker_color=["#2e7d32" if v >= 0 else "#c62828" for v in values])
    fig.add_scatter(x=df[x], y=df[balance].astype(float), name=t(f"ui.col.{balance}"), mode="lines+markers",
                    yaxis="y2", line={"color": "#1565c0"})
    fig.update_layout(title=t(title_key), xaxis_title=t(f"ui.col.{x}"), yaxis_title=t(f"ui.col.{change}"),
                      yaxis2={"title": t(f"ui.col.{balance}"), "overlaying": "y", "side": "right",
                              # whole yuan: this axis's ticks follow the left one's grid, not round numbers
                              "tickformat": ",.0f", "hoverformat": VALUE_HOVER, "showgrid": False},
                      legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
                      **{**_LAYOUT, "margin": {**_LAYOUT["margin"], "b": 70}, "height": 360})
    return fig


def show(df: pd.DataFrame, figure: Callable[[pd.DataFrame], go.Figure], key: str) -> None:
    """Draw the figure, or say there is nothing in the period."""
    if df.empty:
        st.caption(t("ui.chart.empty"))
        return
    plot(figure(df), key=key)
