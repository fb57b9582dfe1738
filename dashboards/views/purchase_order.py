"""Purchase order entry (采购订单): save as draft or save and confirm."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components.order_form import OrderFormSpec, OrderValues, order_form
from dashboards.i18n import t
from dashboards.session import require_page
from operational.models import PurchaseOrder, Supplier
from operational.services import purchasing
from operational.services.orders import OrderLineInput


def _create(session: Session, values: OrderValues, lines: list[OrderLineInput], user_id: int) -> PurchaseOrder:
    return purchasing.create_purchase_order(session, values.partner_id, values.warehouse_id, values.order_date, lines,
                                            expected_date=values.due_date, note=values.note, user_id=user_id)


SPEC = OrderFormSpec(
    prefix="po", kind=purchasing.PURCHASE, roles=("purchasing",), partner_model=Supplier,
    due_field="expected_date", price_attr="standard_cost", create=_create,
    confirm=purchasing.confirm_purchase_order, list_page="views/purchase_documents.py",
    default_price=purchasing.default_price,
)

require_page("purchase_order")
st.title(t("ui.page.purchase_order"))
order_form(SPEC)
