"""Product units (商品单位): a product's units of measure, their factors and barcodes, and the
default purchase and sales units (operational.services.units)."""

from __future__ import annotations

import streamlit as st

from dashboards.components.unit_form import unit_maintenance
from dashboards.i18n import t
from dashboards.session import require_page

require_page("product_units")
st.title(t("ui.page.product_units"))
unit_maintenance()
