"""Transfers between warehouses (调拨) with an in-transit state.

Shipping moves the goods from the source warehouse into the in-transit warehouse (在途仓); receiving
moves what arrived from in-transit into the destination. If less arrives than was shipped, the
difference leaves in-transit as a ``transit_loss``. Each leg is a pair of ledger rows that balance,
so transfers never change the company-wide quantity or value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import IN_TRANSIT, RECEIVED, Product, StockTransfer, StockTransferLine, Warehouse
from operational.services.errors import StateError, ValidationError
from operational.services.inventory import Movement, post_movements
from operational.services.numbering import next_doc_no
from operational.services.validation import get_or_fail, non_negative, positive, required_date


@dataclass
class TransferLineInput:
    product_id: int | None
    quantity: Any


def transit_warehouse(session: Session) -> Warehouse:
    """The in-transit warehouse; created on first use so every company has exactly one."""
    found = session.execute(
        select(Warehouse).where(Warehouse.kind == "transit").order_by(Warehouse.id)
    ).scalars().first()
    if found is None:
        found = Warehouse(code="TRANSIT", name="在途仓", kind="transit")
        session.add(found)
        session.flush()
    return found


def ship_transfer(session: Session, from_warehouse_id: int | None, to_warehouse_id: int | None, ship_date: Any,
                  lines: list[TransferLineInput], *, note: str | None = None,
                  user_id: int | None = None) -> StockTransfer:
    """Post the shipping leg: out of the source, into in-transit. Refused if the source lacks stock."""
    source = _usable_warehouse(session, from_warehouse_id, "from_warehouse_id")
    target = _usable_warehouse(session, to_warehouse_id, "to_warehouse_id")
    if source.id == target.id:
        raise ValidationError("same_warehouse", field="to_warehouse_id")
    when = required_date(ship_date, "ship_date")
    parsed = []
    for n, line in enumerate(lines, start=1):
        product = get_or_fail(session, Product, line.product_id, "product", field="product_id", line_no=n)
        parsed.append((product, positive(line.quantity, "quantity", line_no=n)))
    if not parsed:
        raise ValidationError("no_lines", field="lines")
    transit = transit_warehouse(session)
    doc = StockTransfer(doc_no=next_doc_no(session, "stock_transfer", when), from_warehouse_id=source.id,
                        to_warehouse_id=target.id, transit_warehouse_id=transit.id, ship_date=when,
                        status=IN_TRANSIT, note=note, created_by=user_id)
    for n, (product, qty) in enumerate(parsed, start=1):
        doc.lines.append(StockTransferLine(line_no=n, product_id=product.id, quantity=qty))
    session.add(doc)
    session.flush()
    movements = []
    for line in doc.lines:
        common = dict(product_id=line.product_id, movement_date=when, doc_type="stock_transfer", doc_id=doc.id,
                      doc_line_id=line.id, doc_no=doc.doc_no, line_no=line.line_no)
        movements += [Movement(warehouse_id=source.id, quantity=-line.quantity, movement_type="transfer_out", **common),
                      Movement(warehouse_id=transit.id, quantity=line.quantity, movement_type="transfer_in", **common)]
    post_movements(session, movements)
    return doc


def receive_transfer(session: Session, transfer_id: int | None, receive_date: Any,
                     received: dict[int, Any] | None = None, *, user_id: int | None = None) -> StockTransfer:
    """Post the receiving leg. ``received`` maps transfer line id → quantity that arrived (default:
    everything shipped); a shortfall is written off as transit loss, more than shipped is refused."""
    doc = get_or_fail(session, StockTransfer, transfer_id, "stock_transfer", field="transfer_id")
    if doc.status != IN_TRANSIT:
        raise StateError("bad_state", record=doc.doc_no, field="status", state=f"state.{doc.status}",
                         action="action.receive")
    when = required_date(receive_date, "receive_date", record=doc.doc_no)
    if when < doc.ship_date:
        raise ValidationError("date_order", record=doc.doc_no, field="receive_date",
                              field_label="field.receive_date", other_label="field.ship_date")
    received = received or {}
    movements = []
    for line in doc.lines:
        got = non_negative(received.get(line.id, line.quantity), "received_qty", record=doc.doc_no,
                           line_no=line.line_no)
        if got > line.quantity:
            raise ValidationError("over_transfer_receipt", record=doc.doc_no, line_no=line.line_no,
                                  field=f"lines.{line.line_no}.received_qty", quantity=got, shipped=line.quantity)
        line.received_qty = got
        common = dict(product_id=line.product_id, movement_date=when, doc_type="stock_transfer", doc_id=doc.id,
                      doc_line_id=line.id, doc_no=doc.doc_no, line_no=line.line_no, record=doc.doc_no)
        if got:
            movements += [
                Movement(warehouse_id=doc.transit_warehouse_id, quantity=-got, movement_type="transfer_out", **common),
                Movement(warehouse_id=doc.to_warehouse_id, quantity=got, movement_type="transfer_in", **common),
            ]
        if got < line.quantity:
            movements.append(Movement(warehouse_id=doc.transit_warehouse_id, quantity=got - line.quantity,
                                      movement_type="transit_loss", **common))
    post_movements(session, movements)
    doc.status, doc.receive_date = RECEIVED, when
    session.flush()
    return doc


def _usable_warehouse(session: Session, warehouse_id: int | None, field: str) -> Warehouse:
    warehouse = get_or_fail(session, Warehouse, warehouse_id, "warehouse", field=field)
    if not warehouse.is_active or warehouse.kind == "transit":
        raise ValidationError("inactive", field=field, entity="entity.warehouse", key=warehouse.code)
    return warehouse
