"""Supplier maintenance (供应商维护): status, over-receipt tolerance and price list of a supplier."""

from __future__ import annotations

import streamlit as st

from dashboards.components.supplier_form import supplier_maintenance
from dashboards.i18n import t
from dashboards.session import require_page

require_page("supplier_maintenance")
st.title(t("ui.page.supplier_maintenance"))
supplier_maintenance()
