"""Purchase documents (采购单据): recent purchase orders with status, goods receipts, and
confirm / cancel for orders not yet received, and cancelling open quantity (per line or the whole
order) with its history, and printing the orders and goods receipt notes (入库单)."""

from __future__ import annotations

import streamlit as st

from dashboards.components.documents import OrderActions, fulfilment_list, order_actions, order_list
from dashboards.components.landed_cost_view import receipt_history
from dashboards.components.print_panel import print_panel
from dashboards.i18n import t
from dashboards.session import require_page
from operational.services import purchasing

ACTIONS = OrderActions(roles=("purchasing",), confirm=purchasing.confirm_purchase_order,
                       cancel=purchasing.cancel_purchase_order, cancel_lines=purchasing.cancel_purchase_lines)

require_page("purchase_documents")
st.title(t("ui.page.purchase_documents"))
orders_tab, receipts_tab = st.tabs([t("entity.purchase_order"), t("entity.goods_receipt")])
with orders_tab:
    order_list(purchasing.PURCHASE, "pol")
    order_actions(purchasing.PURCHASE, "pol.act", ACTIONS)
    print_panel("purchase_order", "pol.print")
with receipts_tab:
    fulfilment_list(purchasing.PURCHASE, "grl")
    receipt_history("grl.lc")
    print_panel("goods_receipt", "grl.print")
