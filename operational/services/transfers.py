"""Transfers between warehouses (调拨) with an in-transit state.

Shipping moves the goods from the source warehouse into the in-transit warehouse (在途仓); receiving
moves what arrived from in-transit into the destination. If less arrives than was shipped, the
difference leaves in-transit as a ``transit_loss``. Each leg is a pair of ledger rows that balance,
so transfers never change the company-wide quantity or value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import (
    CANCELLED,
    DRAFT,
    IN_TRANSIT,
    RECEIVED,
    Product,
    StockLedger,
    StockTransfer,
    StockTransferLine,
    Warehouse,
)
from operational.services import units
from operational.services.errors import StateError, ValidationError
from operational.services.inventory import Movement, post_movements
from operational.services.numbering import next_doc_no
from operational.services.validation import document_date, get_or_fail, non_negative, positive


@dataclass
class TransferLineInput:
    product_id: int | None
    quantity: Any
    bin_id: int | None = None  # source warehouse uses bins: the bin it leaves from (default: largest first)
    unit: str | None = None  # the unit quantity is typed in (one of the product's units); None: base


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
    doc, bins = _new_transfer(session, from_warehouse_id, to_warehouse_id, ship_date, lines, note=note,
                              user_id=user_id, status=IN_TRANSIT)
    _post_shipping(session, doc, bins)
    return doc


def create_draft_transfer(session: Session, from_warehouse_id: int | None, to_warehouse_id: int | None,
                          planned_date: Any, lines: list[TransferLineInput], *, note: str | None = None,
                          user_id: int | None = None) -> StockTransfer:
    """A planned transfer (草稿, e.g. from the supply plan): checked like a shipment but nothing moves
    until ``ship_draft_transfer``; ``ship_date`` holds the planned date until then."""
    doc, _ = _new_transfer(session, from_warehouse_id, to_warehouse_id, planned_date, lines, note=note,
                           user_id=user_id, status=DRAFT)
    return doc


def ship_draft_transfer(session: Session, transfer_id: int | None, ship_date: Any) -> StockTransfer:
    """Ship a draft transfer on ``ship_date``: the same shipping leg as ``ship_transfer``."""
    doc = get_or_fail(session, StockTransfer, transfer_id, "stock_transfer", field="transfer_id")
    if doc.status != DRAFT:
        raise StateError("bad_state", record=doc.doc_no, field="status", state=f"state.{doc.status}",
                         action="action.ship")
    doc.ship_date = document_date(ship_date, "ship_date", session=session, record=doc.doc_no)
    doc.status = IN_TRANSIT
    _post_shipping(session, doc, {line.id: None for line in doc.lines})
    return doc


def cancel_draft_transfer(session: Session, transfer_id: int | None) -> StockTransfer:
    """Drop a draft transfer (nothing was posted, so nothing is reversed)."""
    doc = get_or_fail(session, StockTransfer, transfer_id, "stock_transfer", field="transfer_id")
    if doc.status != DRAFT:
        raise StateError("bad_state", record=doc.doc_no, field="status", state=f"state.{doc.status}",
                         action="action.cancel")
    doc.status = CANCELLED
    session.flush()
    return doc


def _new_transfer(session: Session, from_warehouse_id: int | None, to_warehouse_id: int | None, on: Any,
                  lines: list[TransferLineInput], *, note: str | None, user_id: int | None,
                  status: str) -> tuple[StockTransfer, dict[int, int | None]]:
    """The checked transfer document with its lines (flushed), and each line's source bin."""
    source = _usable_warehouse(session, from_warehouse_id, "from_warehouse_id")
    target = _usable_warehouse(session, to_warehouse_id, "to_warehouse_id")
    if source.id == target.id:
        raise ValidationError("same_warehouse", field="to_warehouse_id")
    when = document_date(on, "ship_date", session=session)
    parsed = []
    for n, line in enumerate(lines, start=1):
        product = get_or_fail(session, Product, line.product_id, "product", field="product_id", line_no=n)
        qty = positive(line.quantity, "quantity", line_no=n)
        unit_name, factor = units.factor_of(session, product, line.unit, line_no=n)
        parsed.append((product, units.convert(qty, unit_name, factor, line_no=n), line.bin_id))
    if not parsed:
        raise ValidationError("no_lines", field="lines")
    transit = transit_warehouse(session)
    doc = StockTransfer(doc_no=next_doc_no(session, "stock_transfer", when), from_warehouse_id=source.id,
                        to_warehouse_id=target.id, transit_warehouse_id=transit.id, ship_date=when,
                        status=status, note=note, created_by=user_id)
    for n, (product, entered, _) in enumerate(parsed, start=1):
        doc.lines.append(StockTransferLine(line_no=n, product_id=product.id, quantity=entered.base_qty,
                                           **entered.columns()))
    session.add(doc)
    session.flush()
    return doc, {line.id: bin_id for line, (_, _, bin_id) in zip(doc.lines, parsed, strict=True)}


def _post_shipping(session: Session, doc: StockTransfer, bins: dict[int, int | None]) -> None:
    outs = post_movements(session, [
        Movement(warehouse_id=doc.from_warehouse_id, quantity=-line.quantity, movement_type="transfer_out",
                 product_id=line.product_id, movement_date=doc.ship_date, doc_type="stock_transfer", doc_id=doc.id,
                 doc_line_id=line.id, doc_no=doc.doc_no, line_no=line.line_no, bin_id=bins.get(line.id))
        for line in doc.lines])
    post_movements(session, [_arrival(row, doc.transit_warehouse_id) for row in outs])
    session.flush()


def _arrival(out: StockLedger, warehouse_id: int) -> Movement:
    """The inbound leg mirroring an outbound ledger row: same product, quantity and batch."""
    return Movement(warehouse_id=warehouse_id, quantity=-out.quantity, movement_type="transfer_in",
                    product_id=out.product_id, movement_date=out.movement_date, doc_type=out.doc_type,
                    doc_id=out.doc_id, doc_line_id=out.doc_line_id, doc_no=out.doc_no, batch_id=out.batch_id)


def _in_transit_batches(session: Session, doc: StockTransfer) -> dict[int, list[tuple[int | None, Decimal]]]:
    """Per transfer line, the batches (and quantities) its shipping leg put into in-transit."""
    rows = session.execute(
        select(StockLedger.doc_line_id, StockLedger.batch_id, StockLedger.quantity)
        .where(StockLedger.doc_type == "stock_transfer", StockLedger.doc_id == doc.id,
               StockLedger.warehouse_id == doc.transit_warehouse_id, StockLedger.movement_type == "transfer_in")
        .order_by(StockLedger.id)).all()
    found: dict[int, list[tuple[int | None, Decimal]]] = {}
    for line_id, batch_id, qty in rows:
        found.setdefault(line_id, []).append((batch_id, qty))
    return found


def receive_transfer(session: Session, transfer_id: int | None, receive_date: Any,
                     received: dict[int, Any] | None = None, *, user_id: int | None = None,
                     bin_id: int | None = None) -> StockTransfer:
    """Post the receiving leg. ``received`` maps transfer line id → quantity that arrived (default:
    everything shipped); a shortfall is written off as transit loss, more than shipped is refused.
    ``bin_id``: where the goods go in a destination that uses bins (default: its default bin)."""
    doc = get_or_fail(session, StockTransfer, transfer_id, "stock_transfer", field="transfer_id")
    # Locked and read fresh, so a cancellation racing the receipt is seen (or waits for it).
    session.execute(select(StockTransfer.id).where(StockTransfer.id == doc.id).with_for_update())
    session.refresh(doc)
    if doc.status != IN_TRANSIT:
        raise StateError("bad_state", record=doc.doc_no, field="status", state=f"state.{doc.status}",
                         action="action.receive")
    when = document_date(receive_date, "receive_date", session=session, record=doc.doc_no)
    if when < doc.ship_date:
        raise ValidationError("date_order", record=doc.doc_no, field="receive_date",
                              field_label="field.receive_date", other_label="field.ship_date")
    received = received or {}
    shipped_batches = _in_transit_batches(session, doc)
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
        # What arrives comes out of the batches this transfer shipped, in order; the rest is lost.
        left = got
        for batch_id, qty in shipped_batches.get(line.id, [(None, line.quantity)]):
            arrived, lost = min(qty, left), qty - min(qty, left)
            left -= arrived
            if arrived:
                movements += [
                    Movement(warehouse_id=doc.transit_warehouse_id, quantity=-arrived, movement_type="transfer_out",
                             batch_id=batch_id, **common),
                    Movement(warehouse_id=doc.to_warehouse_id, quantity=arrived, movement_type="transfer_in",
                             batch_id=batch_id, bin_id=bin_id, **common),
                ]
            if lost:
                movements.append(Movement(warehouse_id=doc.transit_warehouse_id, quantity=-lost,
                                          movement_type="transit_loss", batch_id=batch_id, **common))
    post_movements(session, movements)
    doc.status, doc.receive_date = RECEIVED, when
    session.flush()
    return doc


def _usable_warehouse(session: Session, warehouse_id: int | None, field: str) -> Warehouse:
    warehouse = get_or_fail(session, Warehouse, warehouse_id, "warehouse", field=field)
    if not warehouse.is_active or warehouse.kind == "transit":
        raise ValidationError("inactive", field=field, entity="entity.warehouse", key=warehouse.code)
    return warehouse
