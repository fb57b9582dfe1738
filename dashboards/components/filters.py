"""Filters shared by the analysis pages: date range and warehouse, read from the published data."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from dashboards import serving
from dashboards.i18n import t

DEFAULT_DAYS = 90


def no_data_message() -> None:
    """What every analysis page shows before the pipeline's first publish."""
    st.info(t("ui.no_data"), icon=":material/hourglass_empty:")


def warehouse_filter(key: str, warehouses: dict[int, str]) -> int | None:
    return st.selectbox(
        t("ui.filter.warehouse"), [None, *warehouses], key=key,
        format_func=lambda wid: t("ui.filter.all_warehouses") if wid is None else warehouses.get(wid, str(wid)),
    )


def period_filters(key: str, options: serving.FilterOptions) -> serving.Filters | None:
    """Date range (default: the last 90 days of published data) and warehouse; None if no calendar."""
    if options.first_day is None or options.last_day is None:
        return None
    first, last = options.first_day, options.last_day
    default_start = max(first, last - timedelta(days=DEFAULT_DAYS - 1))
    left, right = st.columns([2, 1])
    with left:
        picked = st.date_input(t("ui.filter.date_range"), value=(default_start, last), min_value=first,
                               max_value=last, key=f"{key}.dates")
    with right:
        warehouse_id = warehouse_filter(f"{key}.warehouse", options.warehouses)
    # While the user is picking, the widget holds only the start date.
    start, end = (picked[0], picked[-1]) if isinstance(picked, tuple | list) and picked else (default_start, last)
    return serving.Filters(start=start, end=end, warehouse_id=warehouse_id)


def category_filter(key: str, categories: dict[int, str]) -> int | None:
    return st.selectbox(
        t("ui.filter.category"), [None, *categories], key=key,
        format_func=lambda cid: t("ui.filter.all_categories") if cid is None else categories.get(cid, str(cid)),
    )


def analysis_filters(key: str, options: serving.FilterOptions, *, warehouse: bool = True,
                     category: bool = True) -> serving.AnalysisFilters | None:
    """Date range (default: the last 90 days of published data), warehouse and category."""
    if options.first_day is None or options.last_day is None:
        return None
    first, last = options.first_day, options.last_day
    default_start = max(first, last - timedelta(days=DEFAULT_DAYS - 1))
    cols = st.columns([2, 1, 1])
    with cols[0]:
        picked = st.date_input(t("ui.filter.date_range"), value=(default_start, last), min_value=first,
                               max_value=last, key=f"{key}.dates")
    warehouse_id = category_id = None
    if warehouse:
        with cols[1]:
            warehouse_id = warehouse_filter(f"{key}.warehouse", options.warehouses)
    if category:
        with cols[2]:
            category_id = category_filter(f"{key}.category", options.categories)
    start, end = (picked[0], picked[-1]) if isinstance(picked, tuple | list) and picked else (default_start, last)
    return serving.AnalysisFilters(start=start, end=end, warehouse_id=warehouse_id, category_id=category_id)
