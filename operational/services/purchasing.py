"""Purchasing (进货): purchase orders and goods receipts."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from operational.models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine, Supplier
from operational.services import orders
from operational.services.orders import FulfilLineInput, OrderHeader, OrderLineInput

PURCHASE = orders.OrderKind(
    order_entity="purchase_order", order_model=PurchaseOrder, line_model=PurchaseOrderLine,
    partner_model=Supplier, partner_field="supplier_id", partner_entity="supplier",
    fulfil_entity="goods_receipt", fulfil_model=GoodsReceipt, fulfil_line_model=GoodsReceiptLine,
    fulfil_date_field="receipt_date", fulfil_line_ref="po_line_id", done_qty_field="received_qty",
    movement_type="receipt", sign=1, over_code="over_receipt", action="action.receive", carries_cost=True,
)


def create_purchase_order(session: Session, supplier_id: int | None, warehouse_id: int | None, order_date: Any,
                          lines: list[OrderLineInput], *, expected_date: Any = None, note: str | None = None,
                          user_id: int | None = None) -> PurchaseOrder:
    header = OrderHeader(partner_id=supplier_id, warehouse_id=warehouse_id, order_date=order_date,
                         due_date=expected_date, note=note)
    return orders.create_order(session, PURCHASE, header, lines, user_id=user_id, due_field="expected_date")


def confirm_purchase_order(session: Session, order_id: int) -> PurchaseOrder:
    return orders.confirm_order(session, PURCHASE, order_id)


def cancel_purchase_order(session: Session, order_id: int) -> PurchaseOrder:
    return orders.cancel_order(session, PURCHASE, order_id)


def receive_goods(session: Session, order_id: int, receipt_date: date | str, lines: list[FulfilLineInput],
                  *, user_id: int | None = None, note: str | None = None) -> GoodsReceipt:
    """Post a goods receipt (whole or partial) against a confirmed purchase order."""
    return orders.fulfil_order(session, PURCHASE, order_id, receipt_date, lines, user_id=user_id, note=note)


def receive_all(session: Session, order_id: int, receipt_date: date | str, *, user_id: int | None = None) -> GoodsReceipt:
    """Receive everything still open on the order."""
    order = session.get(PurchaseOrder, order_id)
    lines = [FulfilLineInput(line.id, line.quantity - line.received_qty) for line in order.lines] if order else []
    return receive_goods(session, order_id, receipt_date, lines, user_id=user_id)
