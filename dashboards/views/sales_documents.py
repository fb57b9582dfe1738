"""Sales documents (销售单据): recent sales orders with status, shipments, and confirm / cancel
for orders not yet shipped, and cancelling open quantity (per line or the whole order) with its history, and printing the orders and delivery notes (送货单)."""

from __future__ import annotations

import streamlit as st

from dashboards.components.credit_approval import credit_approvals
from dashboards.components.documents import OrderActions, fulfilment_list, order_actions, order_list
from dashboards.components.print_panel import print_panel
from dashboards.i18n import t
from dashboards.session import require_page
from operational.services import sales

ACTIONS = OrderActions(roles=("sales",), confirm=sales.confirm_sales_order, cancel=sales.cancel_sales_order,
                       cancel_lines=sales.cancel_sales_lines)

require_page("sales_documents")
st.title(t("ui.page.sales_documents"))
orders_tab, shipments_tab = st.tabs([t("entity.sales_order"), t("entity.shipment")])
with orders_tab:
    order_list(sales.SALES, "sol")
    order_actions(sales.SALES, "sol.act", ACTIONS)
    credit_approvals()
    print_panel("sales_order", "sol.print")
with shipments_tab:
    fulfilment_list(sales.SALES, "shl")
    print_panel("shipment", "shl.print")
