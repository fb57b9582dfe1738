"""Sales order entry (销售订单): save as draft or save and confirm."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components.order_form import OrderFormSpec, OrderValues, order_form
from dashboards.i18n import t
from dashboards.session import require_page
from operational.models import Customer, SalesOrder
from operational.services import sales
from operational.services.orders import OrderLineInput


def _create(session: Session, values: OrderValues, lines: list[OrderLineInput], user_id: int) -> SalesOrder:
    return sales.create_sales_order(session, values.partner_id, values.warehouse_id, values.order_date, lines,
                                    required_date=values.due_date, salesperson_id=values.salesperson_id,
                                    note=values.note, user_id=user_id)


SPEC = OrderFormSpec(
    prefix="so", kind=sales.SALES, roles=("sales",), partner_model=Customer,
    due_field="required_date", price_attr="list_price", create=_create,
    confirm=sales.confirm_sales_order, list_page="views/sales_documents.py", with_salesperson=True,
    default_price=sales.default_price,
)

require_page("sales_order")
st.title(t("ui.page.sales_order"))
order_form(SPEC)
