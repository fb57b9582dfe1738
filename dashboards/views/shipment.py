"""Shipment (发货): post against an open sales order; refused when stock would go negative."""

from __future__ import annotations

import streamlit as st

from dashboards.components.cancel_form import cancel_form
from dashboards.components.fulfil_form import FulfilFormSpec, fulfil_form
from dashboards.i18n import t
from dashboards.session import require_page
from operational.services import sales

SPEC = FulfilFormSpec(prefix="sh", kind=sales.SALES, roles=("sales", "warehouse"),
                      post=sales.ship_goods, list_page="views/sales_documents.py")

require_page("shipment")
st.title(t("ui.page.shipment"))
fulfil_form(SPEC)
st.divider()
cancel_form("shipment", "sh.cancel", roles=("sales", "warehouse"))
