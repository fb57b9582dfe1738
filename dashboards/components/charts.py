"""Plotly figures for the overview; axis titles come from the catalog."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboards.i18n import t

_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 320}


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


def show(df: pd.DataFrame, figure: Callable[[pd.DataFrame], go.Figure], key: str) -> None:
    """Draw the figure, or say there is nothing in the period."""
    if df.empty:
        st.caption(t("ui.chart.empty"))
        return
    st.plotly_chart(figure(df), key=key)
