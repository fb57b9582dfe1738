"""Returns against a posted fulfilment document: to the supplier against a goods receipt
(采购退货) and from the customer against a shipment (销售退货). One implementation, described per
side by a ``ReturnKind``.

A return line names the receipt/shipment line it returns; it may not return more than that line
moved less what earlier returns took back. Its ledger row points at the source line's ledger row
(``source_ledger_id``) so valuation gives it back at that row's cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import (
    CANCELLED,
    QUARANTINE,
    RESTOCK,
    RETURN_DISPOSITIONS,
    GoodsReceipt,
    Product,
    PurchaseReturn,
    PurchaseReturnLine,
    SalesReturn,
    SalesReturnLine,
    Shipment,
    StockLedger,
    Warehouse,
)
from operational.services import units
from operational.services.errors import StateError, ValidationError
from operational.services.inventory import Movement, post_movements
from operational.services.numbering import next_doc_no
from operational.services.validation import (
    choice,
    document_date,
    get_or_fail,
    required_text,
    to_decimal,
)


@dataclass(frozen=True)
class ReturnKind:
    entity: str  # "purchase_return"
    model: type
    line_model: type
    source_entity: str  # "goods_receipt": also the source ledger rows' doc_type
    source_model: type
    source_fk: str  # "receipt_id"
    source_date_field: str  # "receipt_date"
    line_ref: str  # "receipt_line_id"
    partner_field: str  # "supplier_id"
    movement_type: str
    source_movement_type: str
    sign: int  # −1 out of stock (to the supplier), +1 back into stock (from the customer)


PURCHASE_RETURN = ReturnKind(
    entity="purchase_return", model=PurchaseReturn, line_model=PurchaseReturnLine,
    source_entity="goods_receipt", source_model=GoodsReceipt, source_fk="receipt_id",
    source_date_field="receipt_date", line_ref="receipt_line_id", partner_field="supplier_id",
    movement_type="purchase_return", source_movement_type="receipt", sign=-1,
)
SALES_RETURN = ReturnKind(
    entity="sales_return", model=SalesReturn, line_model=SalesReturnLine,
    source_entity="shipment", source_model=Shipment, source_fk="shipment_id",
    source_date_field="ship_date", line_ref="shipment_line_id", partner_field="customer_id",
    movement_type="sales_return", source_movement_type="shipment", sign=1,
)


@dataclass
class ReturnLineInput:
    source_line_id: int
    quantity: Any
    unit: str | None = None  # the unit quantity is typed in (one of the product's units); None: base


def returnable_quantity(source_line: Any) -> Decimal:
    return source_line.quantity - source_line.returned_qty


def create_return(session: Session, kind: ReturnKind, source_id: int | None, on: Any,
                  lines: list[ReturnLineInput], *, reason: str | None = None, disposition: str = RESTOCK,
                  user_id: int | None = None) -> Any:
    """Post a return. Validates every line first; nothing is written if one is wrong."""
    source = get_or_fail(session, kind.source_model, source_id, kind.source_entity, field=kind.source_fk)
    # Lock the returned document and read its status fresh: a cancellation (作废) racing this
    # return either committed first (refused here) or waits for it (and then sees the return).
    session.execute(select(kind.source_model.id).where(kind.source_model.id == source.id).with_for_update())
    session.refresh(source)
    if source.status == CANCELLED:
        raise StateError("source_cancelled", record=source.doc_no, field=kind.source_fk,
                         entity=f"entity.{kind.source_entity}", doc_no=source.doc_no)
    when = document_date(on, "return_date", session=session, record=source.doc_no)
    if when < getattr(source, kind.source_date_field):
        raise ValidationError("date_order", record=source.doc_no, field="return_date",
                              field_label="field.return_date", other_label=f"field.{kind.source_date_field}")
    disposition = choice(disposition, RETURN_DISPOSITIONS, "disposition", record=source.doc_no)
    reason = required_text(reason, "return_reason", record=source.doc_no)
    warehouse_id = _return_warehouse(session, kind, source, disposition)
    by_id = {line.id: line for line in source.lines}
    parsed = []
    for n, item in enumerate(lines, start=1):
        qty = to_decimal(item.quantity or 0, "quantity", record=source.doc_no, line_no=n)
        if qty == 0:
            continue
        src = by_id.get(item.source_line_id)
        if src is None:
            raise ValidationError("line_not_in_document", record=source.doc_no, line_no=n,
                                  field=f"lines.{n}.source_line_id", doc_no=source.doc_no)
        if qty < 0:
            raise ValidationError("must_be_positive", record=source.doc_no, line_no=src.line_no,
                                  field=f"lines.{src.line_no}.quantity", field_label="field.quantity")
        entered = units.Entered(qty)
        if item.unit not in (None, ""):  # typed in another unit (a case): converted to base, exactly
            unit_name, factor = units.factor_of(session, session.get(Product, src.product_id), item.unit,
                                                record=source.doc_no, line_no=src.line_no)
            entered = units.convert(qty, unit_name, factor, record=source.doc_no, line_no=src.line_no)
            qty = entered.base_qty
        if qty > returnable_quantity(src):
            raise ValidationError("over_return", record=source.doc_no, line_no=src.line_no,
                                  field=f"lines.{src.line_no}.quantity", quantity=qty,
                                  remaining=returnable_quantity(src))
        parsed.append((src, qty, entered))
    if not parsed:
        raise ValidationError("no_lines", record=source.doc_no, field="lines")

    doc = kind.model(
        doc_no=next_doc_no(session, kind.entity, when), warehouse_id=warehouse_id, return_date=when,
        reason=reason, created_by=user_id,
        **{kind.source_fk: source.id, kind.partner_field: getattr(source, kind.partner_field)},
        **({"disposition": disposition} if kind is SALES_RETURN else {}),
    )
    for n, (src, qty, entered) in enumerate(parsed, start=1):
        src.returned_qty = src.returned_qty + qty
        doc.lines.append(kind.line_model(line_no=n, product_id=src.product_id, quantity=qty,
                                         **entered.columns(), **{kind.line_ref: src.id}))
    session.add(doc)
    session.flush()
    sources = _source_ledger_ids(session, kind, [src.id for src, *_ in parsed])
    post_movements(session, [
        Movement(product_id=line.product_id, warehouse_id=warehouse_id, quantity=kind.sign * line.quantity,
                 movement_type=kind.movement_type, movement_date=when, doc_type=kind.entity, doc_id=doc.id,
                 doc_line_id=line.id, doc_no=doc.doc_no, line_no=by_id[getattr(line, kind.line_ref)].line_no,
                 record=source.doc_no,
                 source_ledger_id=sources.get(getattr(line, kind.line_ref), (None, None))[0],
                 batch_id=sources.get(getattr(line, kind.line_ref), (None, None))[1])
        for line in doc.lines
    ])
    return doc


def _return_warehouse(session: Session, kind: ReturnKind, source: Any, disposition: str) -> int:
    """Supplier returns leave from the receiving warehouse; customer returns are restocked where
    they were shipped from, or sent to the quarantine warehouse."""
    if kind is PURCHASE_RETURN or disposition == RESTOCK:
        return source.warehouse_id
    quarantine = session.execute(
        select(Warehouse.id).where(Warehouse.kind == QUARANTINE, Warehouse.is_active.is_(True)).order_by(Warehouse.id)
    ).scalars().first()
    if quarantine is None:
        raise ValidationError("no_quarantine_warehouse", record=source.doc_no, field="disposition")
    return quarantine


def _source_ledger_ids(session: Session, kind: ReturnKind, line_ids: list[int]) -> dict[int, tuple[int, int | None]]:
    """Source line → (its ledger row, that row's batch). A shipment line of a batch-tracked product
    that left from several batches has several rows; the return goes back into the first one's."""
    rows = session.execute(
        select(StockLedger.doc_line_id, StockLedger.id, StockLedger.batch_id).where(
            StockLedger.doc_type == kind.source_entity,
            StockLedger.movement_type == kind.source_movement_type,
            StockLedger.doc_line_id.in_(line_ids),
        ).order_by(StockLedger.id)
    ).all()
    found: dict[int, tuple[int, int | None]] = {}
    for line_id, ledger_id, batch_id in rows:
        found.setdefault(line_id, (ledger_id, batch_id))
    return found


def return_to_supplier(session: Session, receipt_id: int | None, return_date: date | str,
                       lines: list[ReturnLineInput], *, reason: str | None = None,
                       user_id: int | None = None) -> PurchaseReturn:
    """Send goods back against a goods receipt (no more than was accepted and not yet returned)."""
    return create_return(session, PURCHASE_RETURN, receipt_id, return_date, lines, reason=reason, user_id=user_id)


def return_from_customer(session: Session, shipment_id: int | None, return_date: date | str,
                         lines: list[ReturnLineInput], *, reason: str | None = None,
                         disposition: str = RESTOCK, user_id: int | None = None) -> SalesReturn:
    """Take goods back against a shipment, restocked or into the quarantine warehouse."""
    return create_return(session, SALES_RETURN, shipment_id, return_date, lines, reason=reason,
                         disposition=disposition, user_id=user_id)
