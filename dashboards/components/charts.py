"""Plotly figures for the pages, drawn in the UI language: axis titles from the catalog, month and
day names from Plotly's zh-CN locale (sent inline with the chart, so it works offline), and value
axes with thousands separators instead of SI suffixes (150k reads as "150 thousand" to nobody here;
150,000 does)."""

from __future__ import annotations

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


def localize(fig: go.Figure) -> go.Figure:
    """Value axes with separators and no SI suffix, unless the page set its own format (a rate
    axis shown in %, say)."""
    for axis in _value_axes(fig):
        # The primary axis only (update_yaxes would reach a secondary axis with its own format).
        layout_axis = fig.layout.xaxis if axis == "x" else fig.layout.yaxis
        if not layout_axis.tickformat:
            layout_axis.update(tickformat=VALUE_TICKS, hoverformat=VALUE_HOVER)
    fig.update_layout(separators=".,")
    return fig


# Trace attributes whose strings Plotly draws as its pseudo-HTML (<a href>, <b>, <br>, ...).
_DRAWN_TEXT = ("x", "y", "text", "hovertext", "labels", "name", "parents")


def _as_text(value: Any) -> Any:
    if isinstance(value, str) and any(c in value for c in "<>&"):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def text_as_text(fig: go.Figure) -> go.Figure:
    """Names users typed (customers, suppliers, categories) stay text in a chart: Plotly would draw
    a name holding ``<a href=...>`` as a live link in the axis, legend or hover box."""
    for trace in fig.data:
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
    """st.plotly_chart in the UI language (see the module docstring), with typed names as text."""
    st.plotly_chart(localize(text_as_text(fig)), key=key, config=plot_config(), **kwargs)


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
