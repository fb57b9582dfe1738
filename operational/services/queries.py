"""Read-only queries for forms and document lists (the Streamlit pages call these, never SQL).

Nothing here writes. Order queries take the ``OrderKind`` of a side (``purchasing.PURCHASE``
or ``sales.SALES``) so purchase and sales screens share one implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from operational.models import (
    CONFIRMED,
    PARTIAL,
    AppUser,
    GoodsReceipt,
    Product,
    PurchaseOrder,
    SalesOrder,
    Shipment,
    Warehouse,
)
from operational.services.orders import OrderKind

OPEN_STATES = (CONFIRMED, PARTIAL)


@dataclass(frozen=True)
class ProductChoice:
    id: int
    sku: str
    name: str
    barcode: str | None
    unit: str
    list_price: Decimal
    standard_cost: Decimal

    @property
    def label(self) -> str:
        return f"{self.sku} {self.name}"


@dataclass(frozen=True)
class OpenLine:
    """One order line as a receipt or shipment form shows it."""

    line_id: int
    line_no: int
    sku: str
    product_name: str
    unit: str
    quantity: Decimal
    done_quantity: Decimal

    @property
    def open_quantity(self) -> Decimal:
        return self.quantity - self.done_quantity


def user_by_id(session: Session, user_id: int) -> AppUser | None:
    return session.get(AppUser, user_id)


def product_choices(session: Session) -> list[ProductChoice]:
    """Active products for a line editor's select box, by SKU."""
    rows = session.execute(
        select(Product).where(Product.is_active.is_(True)).order_by(Product.sku)
    ).scalars()
    return [ProductChoice(p.id, p.sku, p.name, p.barcode, p.unit, p.list_price, p.standard_cost) for p in rows]


def _order_rows(session: Session, kind: OrderKind, *, statuses: tuple[str, ...] | None, search: str,
                limit: int) -> list[Any]:
    order, partner = kind.order_model, kind.partner_model
    stmt = (
        select(order, partner.name, Warehouse.name)
        .join(partner, partner.id == getattr(order, kind.partner_field))
        .join(Warehouse, Warehouse.id == order.warehouse_id)
        .options(selectinload(order.lines))
        .order_by(order.id.desc())
        .limit(limit)
    )
    if statuses:
        stmt = stmt.where(order.status.in_(statuses))
    if search.strip():
        stmt = stmt.where(order.doc_no.contains(search.strip()))
    return list(session.execute(stmt))


def recent_orders(session: Session, kind: OrderKind, *, statuses: tuple[str, ...] | None = None,
                  search: str = "", limit: int = 100) -> list[dict[str, Any]]:
    """Newest orders first with partner, warehouse, status, amount and fulfilment progress."""
    result = []
    for order, partner_name, warehouse_name in _order_rows(session, kind, statuses=statuses, search=search,
                                                           limit=limit):
        ordered = sum((line.quantity for line in order.lines), Decimal(0))
        done = sum((getattr(line, kind.done_qty_field) for line in order.lines), Decimal(0))
        result.append({
            "id": order.id, "doc_no": order.doc_no, "order_date": order.order_date, "partner_name": partner_name,
            "warehouse_name": warehouse_name, "status": order.status, "line_count": len(order.lines),
            "total_amount": order.total_amount, "ordered_quantity": ordered, "done_quantity": done,
        })
    return result


def order_choices(session: Session, kind: OrderKind, statuses: tuple[str, ...]) -> list[tuple[int, str]]:
    """(id, "doc_no partner order_date") of orders in ``statuses``, newest first, for a select box."""
    rows = _order_rows(session, kind, statuses=statuses, search="", limit=500)
    return [(order.id, f"{order.doc_no} {partner_name} {order.order_date}") for order, partner_name, _ in rows]


def open_order_lines(session: Session, kind: OrderKind, order_id: int) -> list[OpenLine]:
    """The order's lines with what is still open (receipt / shipment forms prefill it)."""
    order = session.get(kind.order_model, order_id)
    if order is None:
        return []
    products = {p.id: p for p in session.execute(
        select(Product).where(Product.id.in_([line.product_id for line in order.lines]))
    ).scalars()}
    return [
        OpenLine(line.id, line.line_no, products[line.product_id].sku, products[line.product_id].name,
                 products[line.product_id].unit, line.quantity, getattr(line, kind.done_qty_field))
        for line in order.lines
    ]


def recent_fulfilments(session: Session, kind: OrderKind, *, limit: int = 100) -> list[dict[str, Any]]:
    """Newest goods receipts or shipments with the order they fulfil."""
    doc, order, partner = kind.fulfil_model, kind.order_model, kind.partner_model
    stmt = (
        select(doc, order.doc_no, partner.name, Warehouse.name)
        .join(order, order.id == getattr(doc, f"{kind.order_entity}_id"))
        .join(partner, partner.id == getattr(doc, kind.partner_field))
        .join(Warehouse, Warehouse.id == doc.warehouse_id)
        .options(selectinload(doc.lines))
        .order_by(doc.id.desc())
        .limit(limit)
    )
    return [
        {"doc_no": d.doc_no, "doc_date": getattr(d, kind.fulfil_date_field), "order_doc_no": order_no,
         "partner_name": partner_name, "warehouse_name": warehouse_name, "status": d.status,
         "line_count": len(d.lines), "quantity": sum((line.quantity for line in d.lines), Decimal(0))}
        for d, order_no, partner_name, warehouse_name in session.execute(stmt)
    ]


def latest_document_date(session: Session) -> date | None:
    """The newest document date in the store (to compare with what the pipeline has published)."""
    dates = [
        session.execute(select(func.max(column))).scalar()
        for column in (PurchaseOrder.order_date, SalesOrder.order_date, GoodsReceipt.receipt_date,
                       Shipment.ship_date)
    ]
    return max((d for d in dates if d is not None), default=None)
