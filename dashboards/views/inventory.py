"""Inventory (库存): stock by product and warehouse, min/max alerts with suggested quantities,
a product search by SKU, name or barcode, and, for warehouses that use storage bins, the stock per
bin (the tab appears only when there is such stock)."""

from __future__ import annotations

import streamlit as st

from dashboards import serving
from dashboards.components.export import export_buttons
from dashboards.components.filters import no_data_message, warehouse_filter
from dashboards.components.format import show_table, translate_values, with_headers
from dashboards.i18n import t
from dashboards.session import require_page

STOCK_COLUMNS = ("sku", "product_name", "barcode", "category_name", "warehouse_name", "on_hand_quantity", "unit",
                 "unit_cost", "stock_value", "last_movement_date")
ALERT_COLUMNS = ("sku", "product_name", "warehouse_name", "alert_type", "on_hand_quantity", "min_qty", "max_qty",
                 "suggested_quantity")
BIN_COLUMNS = ("warehouse_name", "bin_code", "bin_name", "sku", "product_name", "on_hand_quantity", "unit",
               "stock_value")
ROW_LIMIT = 1000

require_page("inventory")
st.title(t("ui.page.inventory"))

options = serving.filter_options() if serving.is_published() else None
if options is None or options.last_day is None:
    no_data_message()
    st.stop()

left, right = st.columns([1, 2])
with left:
    warehouse_id = warehouse_filter("inventory.warehouse", options.warehouses)
with right:
    search = st.text_input(t("ui.inventory.search"), key="inventory.search",
                           placeholder=t("ui.inventory.search_placeholder"))

data = serving.inventory(warehouse_id, search, limit=ROW_LIMIT)
alerts, stock = data.alerts, data.stock
by_bin = serving.stock_by_bin(warehouse_id, search, limit=ROW_LIMIT)

tabs = st.tabs([t("ui.inventory.alerts", n=len(alerts)), t("ui.inventory.stock"),
                *([t("ui.bins.by_bin_title")] if not by_bin.empty else [])])
alerts_tab, stock_tab = tabs[0], tabs[1]

with alerts_tab:
    if alerts.empty:
        st.success(t("ui.inventory.no_alerts"), icon=":material/check_circle:")
    else:
        shown = with_headers(alerts.assign(alert_type=translate_values(alerts["alert_type"], "ui.alert_type")),
                             ALERT_COLUMNS)
        show_table(shown, key="inventory.alerts_table")
        export_buttons(shown, "stock_alerts", "inventory.alerts_export")

with stock_tab:
    if stock.empty:
        st.info(t("ui.inventory.no_match") if search.strip() else t("ui.no_data"))
    else:
        if len(stock) >= ROW_LIMIT:
            st.caption(t("ui.inventory.limited", n=ROW_LIMIT))
        shown_stock = with_headers(stock, STOCK_COLUMNS)
        show_table(shown_stock, money=("stock_value",), key="inventory.stock_table")
        export_buttons(shown_stock, "stock", "inventory.stock_export")

if not by_bin.empty:
    with tabs[2]:
        shown_bins = with_headers(by_bin.drop(columns=["is_default_bin"]), BIN_COLUMNS)
        show_table(shown_bins, money=("stock_value",), key="inventory.bin_table")
        export_buttons(shown_bins, "stock_by_bin", "inventory.bin_export")
