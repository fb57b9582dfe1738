"""Inventory (库存): stock on hand now and the min/max alerts with suggested quantities, read live
from the store (a posted receipt or shipment shows at once); the stock value, which the pipeline's
valuation computes, as of the last publish; a product search by SKU, name or barcode; and, for
warehouses that use storage bins, the published stock per bin (the tab appears only when there is
such stock). Each section says whether it is live or as of which publish."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import serving
from dashboards.components.export import export_buttons
from dashboards.components.filters import no_data_message, warehouse_filter
from dashboards.components.format import show_table, translate_values, with_headers
from dashboards.components.freshness import live_caption, published_caption
from dashboards.i18n import t
from dashboards.session import require_page
from operational.db import read_only
from operational.services import queries, stock_queries

STOCK_COLUMNS = ("sku", "product_name", "barcode", "category_name", "warehouse_name", "on_hand_quantity", "unit",
                 "min_qty", "max_qty", "last_movement_date")
VALUE_COLUMNS = ("sku", "product_name", "category_name", "warehouse_name", "on_hand_quantity", "unit",
                 "unit_cost", "stock_value")
ALERT_COLUMNS = ("sku", "product_name", "warehouse_name", "alert_type", "on_hand_quantity", "min_qty", "max_qty",
                 "suggested_quantity")
BIN_COLUMNS = ("warehouse_name", "bin_code", "bin_name", "sku", "product_name", "on_hand_quantity", "unit",
               "stock_value")
QUANTITIES = ("on_hand_quantity", "min_qty", "max_qty", "suggested_quantity")
ROW_LIMIT = 1000

require_page("inventory")
st.title(t("ui.page.inventory"))


def _frame(rows: list, columns: tuple[str, ...]) -> pd.DataFrame:
    """Service rows → a table; quantities as floats so the grid sorts them as numbers."""
    df = pd.DataFrame([{c: getattr(r, c) for c in columns} for r in rows], columns=list(columns))
    for column in QUANTITIES:
        if column in df:
            df[column] = pd.to_numeric(df[column], errors="coerce").astype(float)
    return df


with read_only() as session:
    warehouses = dict(queries.stock_warehouses(session))
left, right = st.columns([1, 2])
with left:
    warehouse_id = warehouse_filter("inventory.warehouse", warehouses)
with right:
    search = st.text_input(t("ui.inventory.search"), key="inventory.search",
                           placeholder=t("ui.inventory.search_placeholder"))

with read_only() as session:
    alerts = _frame(stock_queries.stock_alerts(session, warehouse_id=warehouse_id), ALERT_COLUMNS)
    stock = _frame(stock_queries.current_stock(session, warehouse_id=warehouse_id, search=search, limit=ROW_LIMIT),
                   STOCK_COLUMNS)
published = serving.is_published()
by_bin = serving.stock_by_bin(warehouse_id, search, limit=ROW_LIMIT) if published else pd.DataFrame()

tabs = st.tabs([t("ui.inventory.alerts", n=len(alerts)), t("ui.inventory.stock"), t("ui.live.tab.valued"),
                *([t("ui.bins.by_bin_title")] if not by_bin.empty else [])])

with tabs[0]:
    live_caption()
    if alerts.empty:
        st.success(t("ui.inventory.no_alerts"), icon=":material/check_circle:")
    else:
        shown = with_headers(alerts.assign(alert_type=translate_values(alerts["alert_type"], "ui.alert_type")),
                             ALERT_COLUMNS)
        show_table(shown, key="inventory.alerts_table")
        export_buttons(shown, "stock_alerts", "inventory.alerts_export")

with tabs[1]:
    live_caption()
    if stock.empty:
        st.info(t("ui.inventory.no_match") if search.strip() else t("ui.no_data"))
    else:
        if len(stock) >= ROW_LIMIT:
            st.caption(t("ui.inventory.limited", n=ROW_LIMIT))
        shown_stock = with_headers(stock, STOCK_COLUMNS)
        show_table(shown_stock, key="inventory.stock_table")
        export_buttons(shown_stock, "stock", "inventory.stock_export")

with tabs[2]:
    published_caption()
    valued = serving.inventory(warehouse_id, search, limit=ROW_LIMIT).stock if published else pd.DataFrame()
    if not published:
        no_data_message()
    elif valued.empty:
        st.info(t("ui.inventory.no_match") if search.strip() else t("ui.no_data"))
    else:
        shown_value = with_headers(valued, VALUE_COLUMNS)
        show_table(shown_value, money=("stock_value",), key="inventory.value_table")
        export_buttons(shown_value, "stock_value", "inventory.value_export")

if not by_bin.empty:
    with tabs[3]:
        published_caption()
        shown_bins = with_headers(by_bin.drop(columns=["is_default_bin"]), BIN_COLUMNS)
        show_table(shown_bins, money=("stock_value",), key="inventory.bin_table")
        export_buttons(shown_bins, "stock_by_bin", "inventory.bin_export")
