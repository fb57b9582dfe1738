"""The order → fulfilment machine shared by purchasing (PO → goods receipt) and sales
(SO → shipment). One implementation, described per side by an ``OrderKind``.

States: draft → confirmed → partial → completed, and draft/confirmed → cancelled. Fulfilment
documents are posted when saved; each line appends a stock-ledger row in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from operational.models import (
    CANCELLED,
    COMPLETED,
    CONFIRMED,
    DRAFT,
    PARTIAL,
    Product,
    Warehouse,
)
from operational.services.errors import StateError, ValidationError
from operational.services.inventory import Movement, post_movements
from operational.services.numbering import next_doc_no
from operational.services.validation import get_or_fail, positive, rate, required_date, to_decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class OrderKind:
    """What differs between the purchase and the sales side."""

    order_entity: str  # "purchase_order"
    order_model: type
    line_model: type
    partner_model: type
    partner_field: str  # "supplier_id"
    partner_entity: str  # "supplier"
    fulfil_entity: str  # "goods_receipt"
    fulfil_model: type
    fulfil_line_model: type
    fulfil_date_field: str  # "receipt_date"
    fulfil_line_ref: str  # "po_line_id"
    done_qty_field: str  # "received_qty"
    movement_type: str  # "receipt"
    sign: int  # +1 into stock, -1 out of stock
    over_code: str  # "over_receipt"
    action: str  # "action.receive"
    carries_cost: bool  # receipts enter at their unit cost


@dataclass
class OrderLineInput:
    product_id: int | None
    quantity: Any
    unit_price: Any
    discount_rate: Any = 0
    promised_date: date | None = None


@dataclass
class FulfilLineInput:
    order_line_id: int
    quantity: Any


@dataclass
class OrderHeader:
    partner_id: int | None
    warehouse_id: int | None
    order_date: Any
    due_date: Any = None  # expected (PO) or required (SO) date
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def line_amount(quantity: Decimal, unit_price: Decimal, discount_rate: Decimal) -> Decimal:
    """Net line amount, rounded half-up to the cent once, at the end."""
    return (quantity * unit_price * (1 - discount_rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def create_order(session: Session, kind: OrderKind, header: OrderHeader, lines: list[OrderLineInput],
                 *, user_id: int | None = None, due_field: str = "expected_date") -> Any:
    """Create a draft order. Validates every field first; nothing is written if one is wrong."""
    partner = get_or_fail(session, kind.partner_model, header.partner_id, kind.partner_entity,
                          field=kind.partner_field)
    if getattr(partner, "status", "active") != "active":
        raise ValidationError("inactive", field=kind.partner_field, entity=f"entity.{kind.partner_entity}",
                              key=partner.code)
    warehouse = get_or_fail(session, Warehouse, header.warehouse_id, "warehouse", field="warehouse_id")
    if not warehouse.is_active:
        raise ValidationError("inactive", field="warehouse_id", entity="entity.warehouse", key=warehouse.code)
    order_date = required_date(header.order_date, "order_date")
    due = required_date(header.due_date, due_field) if header.due_date else None
    if due is not None and due < order_date:
        raise ValidationError("date_order", field=due_field, field_label=f"field.{due_field}",
                              other_label="field.order_date")
    if not lines:
        raise ValidationError("no_lines", field="lines")
    parsed = []
    for n, line in enumerate(lines, start=1):
        product = get_or_fail(session, Product, line.product_id, "product", field="product_id", line_no=n)
        if not product.is_active:
            raise ValidationError("inactive", field=f"lines.{n}.product_id", line_no=n,
                                  entity="entity.product", key=product.sku)
        qty = positive(line.quantity, "quantity", line_no=n)
        price = to_decimal(line.unit_price, "unit_price", line_no=n)
        if price < 0:
            raise ValidationError("must_not_be_negative", field=f"lines.{n}.unit_price", line_no=n,
                                  field_label="field.unit_price")
        disc = rate(line.discount_rate, "discount_rate", line_no=n)
        parsed.append((n, product, qty, price, disc, line.promised_date))

    order = kind.order_model(
        doc_no=next_doc_no(session, kind.order_entity, order_date),
        warehouse_id=warehouse.id, order_date=order_date, status=DRAFT, note=header.note,
        created_by=user_id, **{kind.partner_field: partner.id, due_field: due}, **header.extra,
    )
    total = Decimal(0)
    for n, product, qty, price, disc, promised in parsed:
        amount = line_amount(qty, price, disc)
        total += amount
        extra = {"promised_date": promised or due} if hasattr(kind.line_model, "promised_date") else {}
        order.lines.append(kind.line_model(line_no=n, product_id=product.id, quantity=qty, unit_price=price,
                                           discount_rate=disc, amount=amount, **extra))
    order.total_amount = total
    session.add(order)
    session.flush()
    return order


def _load_order(session: Session, kind: OrderKind, order_id: int) -> Any:
    return get_or_fail(session, kind.order_model, order_id, kind.order_entity, field="order_id")


def _require_state(order: Any, allowed: tuple[str, ...], action: str) -> None:
    if order.status not in allowed:
        raise StateError("bad_state", record=order.doc_no, field="status", state=f"state.{order.status}",
                         action=action)


def confirm_order(session: Session, kind: OrderKind, order_id: int) -> Any:
    order = _load_order(session, kind, order_id)
    _require_state(order, (DRAFT,), "action.confirm")
    order.status = CONFIRMED
    session.flush()
    return order


def cancel_order(session: Session, kind: OrderKind, order_id: int) -> Any:
    """Cancel an order that nothing has been received or shipped against."""
    order = _load_order(session, kind, order_id)
    _require_state(order, (DRAFT, CONFIRMED), "action.cancel")
    order.status = CANCELLED
    session.flush()
    return order


def fulfil_order(session: Session, kind: OrderKind, order_id: int, on: Any, lines: list[FulfilLineInput],
                 *, user_id: int | None = None, note: str | None = None) -> Any:
    """Post a goods receipt or a shipment against a confirmed order (whole or partial)."""
    order = _load_order(session, kind, order_id)
    _require_state(order, (CONFIRMED, PARTIAL), kind.action)
    when = required_date(on, kind.fulfil_date_field, record=order.doc_no)
    if when < order.order_date:
        raise ValidationError("date_order", record=order.doc_no, field=kind.fulfil_date_field,
                              field_label=f"field.{kind.fulfil_date_field}", other_label="field.order_date")
    by_id = {line.id: line for line in order.lines}
    wanted = [line for n, line in enumerate(lines, start=1)
              if to_decimal(line.quantity or 0, "quantity", record=order.doc_no, line_no=n) != 0]
    if not wanted:
        raise ValidationError("no_lines", record=order.doc_no, field="lines")
    doc = kind.fulfil_model(
        doc_no=next_doc_no(session, kind.fulfil_entity, when), warehouse_id=order.warehouse_id,
        created_by=user_id, note=note,
        **{kind.fulfil_date_field: when, f"{kind.order_entity}_id": order.id,
           kind.partner_field: getattr(order, kind.partner_field)},
    )
    for n, item in enumerate(wanted, start=1):
        ol = by_id.get(item.order_line_id)
        if ol is None:
            raise ValidationError("line_not_in_order", record=order.doc_no, field=f"lines.{n}.order_line_id",
                                  line_no=n, order_no=order.doc_no)
        qty = positive(item.quantity, "quantity", record=order.doc_no, line_no=ol.line_no)
        remaining = ol.quantity - getattr(ol, kind.done_qty_field)
        if qty > remaining:
            raise ValidationError(kind.over_code, record=order.doc_no, field=f"lines.{ol.line_no}.quantity",
                                  line_no=ol.line_no, quantity=qty, remaining=remaining)
        setattr(ol, kind.done_qty_field, getattr(ol, kind.done_qty_field) + qty)
        fields: dict[str, Any] = {kind.fulfil_line_ref: ol.id}
        if kind.carries_cost:
            unit_cost = (ol.unit_price * (1 - ol.discount_rate)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
            fields.update(unit_cost=unit_cost, amount=line_amount(qty, ol.unit_price, ol.discount_rate))
        doc.lines.append(kind.fulfil_line_model(line_no=n, product_id=ol.product_id, quantity=qty, **fields))
    session.add(doc)
    session.flush()
    post_movements(session, [
        Movement(product_id=dl.product_id, warehouse_id=doc.warehouse_id, quantity=kind.sign * dl.quantity,
                 movement_type=kind.movement_type, movement_date=when, doc_type=kind.fulfil_entity,
                 doc_id=doc.id, doc_line_id=dl.id, doc_no=doc.doc_no,
                 unit_cost=getattr(dl, "unit_cost", None), line_no=by_id[getattr(dl, kind.fulfil_line_ref)].line_no,
                 record=order.doc_no)
        for dl in doc.lines
    ])
    _refresh_status(order, kind)
    session.flush()
    return doc


def _refresh_status(order: Any, kind: OrderKind) -> None:
    done = [getattr(line, kind.done_qty_field) for line in order.lines]
    if all(d >= line.quantity for d, line in zip(done, order.lines, strict=True)):
        order.status = COMPLETED
    elif any(d > 0 for d in done):
        order.status = PARTIAL
    else:
        order.status = CONFIRMED
