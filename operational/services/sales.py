"""Sales (销售): sales orders, shipments, cancelling open quantity and closing backorders."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from operational.models import (
    Customer,
    OrderLineCancellation,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShipmentLine,
)
from operational.services import credit, orders, price_lists
from operational.services.orders import (
    CancelLineInput,
    FulfilLineInput,
    OrderHeader,
    OrderLineInput,
    open_quantity,
)

SALES = orders.OrderKind(
    order_entity="sales_order", order_model=SalesOrder, line_model=SalesOrderLine,
    partner_model=Customer, partner_field="customer_id", partner_entity="customer",
    fulfil_entity="shipment", fulfil_model=Shipment, fulfil_line_model=ShipmentLine,
    fulfil_date_field="ship_date", fulfil_line_ref="so_line_id", done_qty_field="shipped_qty",
    movement_type="shipment", sign=-1, over_code="over_shipment", action="action.ship", carries_cost=False,
)


def create_sales_order(session: Session, customer_id: int | None, warehouse_id: int | None, order_date: Any,
                       lines: list[OrderLineInput], *, required_date: Any = None, salesperson_id: int | None = None,
                       note: str | None = None, user_id: int | None = None) -> SalesOrder:
    header = OrderHeader(partner_id=customer_id, warehouse_id=warehouse_id, order_date=order_date,
                         due_date=required_date, note=note, extra={"salesperson_id": salesperson_id})
    lines = price_lists.fill_prices(session, Customer, customer_id, order_date, lines)  # blank: the list price
    return orders.create_order(session, SALES, header, lines, user_id=user_id, due_field="required_date")


def default_price(session: Session, customer_id: int | None, product_id: int | None,
                  on: date | None) -> price_lists.ListPrice | None:
    """The unit price a sales order line starts from: the customer's price list (its own row, else
    its price group's) on the order date, with how that price is stated (含税价 / 不含税价)."""
    return price_lists.default_price(session, Customer, customer_id, product_id, on)


def confirm_sales_order(session: Session, order_id: int) -> SalesOrder:
    """Confirm a draft order; refused beyond the customer's credit limit unless a manager approved
    it (``credit.approve_credit``)."""
    order = session.get(SalesOrder, order_id)
    if order is not None and order.status == orders.DRAFT:
        credit.ensure_within_limit(session, order)
    return orders.confirm_order(session, SALES, order_id)


def approve_and_confirm(session: Session, order_id: int, manager_id: int, *, note: str | None = None) -> SalesOrder:
    """A manager approves the order beyond the credit limit (recorded) and it is confirmed."""
    credit.approve_credit(session, order_id, manager_id, note=note)
    return confirm_sales_order(session, order_id)


def cancel_sales_order(session: Session, order_id: int) -> SalesOrder:
    return orders.cancel_order(session, SALES, order_id)


def close_sales_order(session: Session, order_id: int, *, reason: Any, on: Any,
                      user_id: int | None = None) -> SalesOrder:
    """Close a partly shipped order: the backorder is cancelled line by line, with ``reason``."""
    return orders.close_order(session, SALES, order_id, reason=reason, on=on, user_id=user_id)


def cancel_sales_lines(session: Session, order_id: int, *, reason: Any, on: Any,
                       lines: list[CancelLineInput] | None = None,
                       user_id: int | None = None) -> list[OrderLineCancellation]:
    """Cancel open quantity of a confirmed or partly shipped order: the given lines (all that is
    open on a line when its quantity is blank), or every open line when ``lines`` is None."""
    return orders.cancel_open_quantity(session, SALES, order_id, reason=reason, on=on, lines=lines,
                                       user_id=user_id)


def ship_goods(session: Session, order_id: int, ship_date: date | str, lines: list[FulfilLineInput],
               *, user_id: int | None = None, note: str | None = None) -> Shipment:
    """Post a shipment (whole or partial); refused if stock would go negative."""
    return orders.fulfil_order(session, SALES, order_id, ship_date, lines, user_id=user_id, note=note)


def ship_all(session: Session, order_id: int, ship_date: date | str, *, user_id: int | None = None) -> Shipment:
    order = session.get(SalesOrder, order_id)
    lines = [FulfilLineInput(line.id, open_quantity(line, SALES)) for line in order.lines] if order else []
    return ship_goods(session, order_id, ship_date, lines, user_id=user_id)
