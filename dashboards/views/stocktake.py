"""Stocktake (库存盘点): open a count sheet, enter counts (table or barcode scan), see the variance, post or cancel;
print the count sheet (盘点表) with a blank counted column."""

from __future__ import annotations

import streamlit as st

from dashboards.components.cancel_form import cancel_form
from dashboards.components.print_panel import print_panel
from dashboards.components.stocktake_form import stocktake_form
from dashboards.i18n import t
from dashboards.session import require_page

require_page("stocktake")
st.title(t("ui.page.stocktake"))
stocktake_form()
st.divider()
cancel_form("stocktake", "st.cancel", roles=("warehouse",))
st.divider()
print_panel("stocktake", "st.print")
