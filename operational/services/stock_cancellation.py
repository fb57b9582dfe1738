"""Cancelling (作废) a posted stock document entered in error: goods receipt, shipment, supplier
return, customer return, transfer or stocktake. One function, ``cancel_stock_document``, for all
six kinds; what differs per kind is described once in a ``CancelKind``.

The ledger is append-only: the cancellation posts one reversing row per ledger row of the document,
dated as that row, with the same product, warehouse, batch, bin, movement type and cost fields and
the opposite quantity, pointing at it through ``reverses_ledger_id``. Balances (and batch / bin
balances) move through ``inventory.post_movements``. The document gets status ``cancelled`` with who,
when and why; the order (receipt, shipment) or the returned document (returns) gets its quantities
back. For valuation both the original rows and their reversals are void: the product is valued as if
the document had never been posted (``valuation.LedgerMovement.void``).

Refused (StateError, nothing written) when:

* the document is not posted (a second cancel says it is already cancelled);
* a later document depends on it: a return of it (not itself cancelled), a sales invoice on the
  shipment (not cancelled), a supplier bill on the receipt (not rejected), a debit / credit note on
  the return, a landed cost on the receipt, a later stocktake that counted the same product in the
  same warehouse;
* the stock it brought in has already left and the product does not allow negative stock: the
  end-of-day balance of the product × warehouse (and of the batch) without the document must stay
  ≥ 0 on every day from the document's date on, not only today.

A transfer can be cancelled in transit (the shipping leg is reversed) and after it was received
(both legs and any transit loss are reversed; refused if the goods have left the destination).

Concurrency: the document row is claimed first by a conditional UPDATE (``status`` still what was
read), so of two cancels one waits and then finds it cancelled; then the stock balance rows of
every product × warehouse it touches are locked (``FOR UPDATE`` on PostgreSQL; SQLite serialises
writers with BEGIN IMMEDIATE) before the running balances are read, so a shipment racing the
cancel either committed before (and is counted) or waits until the cancel has committed (and then
meets the lower balance at its own conditional UPDATE). Returns, invoices and bills on a document
re-check its status after taking their own locks (``returns.create_return``,
``receivables.create_invoices``, ``payables.create_bill``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from operational.models import (
    CANCELLED,
    CLOSED,
    IN_TRANSIT,
    POSTED,
    RECEIVED,
    CreditNote,
    DebitNote,
    GoodsReceipt,
    GoodsReceiptLine,
    LandedCost,
    LandedCostAllocation,
    Product,
    PurchaseOrder,
    PurchaseReturn,
    PurchaseReturnLine,
    SalesInvoice,
    SalesInvoiceLine,
    SalesOrder,
    SalesReturn,
    SalesReturnLine,
    Shipment,
    ShipmentLine,
    StockBalance,
    StockLedger,
    Stocktake,
    StocktakeLine,
    StockTransfer,
    SupplierBill,
    SupplierBillLine,
    Warehouse,
    utcnow,
)
from operational.services import orders
from operational.services.errors import InsufficientStockError, StateError
from operational.services.inventory import Movement, post_movements
from operational.services.validation import get_or_fail, required_text

# A bill in one of these states no longer stands on the receipt.
_BILL_GONE = ("rejected", "cancelled", "reversed")



def ledger_row_is_void(*, up_to_id: int | None = None) -> ColumnElement[bool]:
    """SQL: this ``stock_ledger`` row is void (valued and dated as never posted): it reverses another
    row or another row reverses it. With ``up_to_id`` only reversals up to that ledger id count (the
    ledger as the pipeline extracted it). The warehouse applies the same rule in int_movement_valuation
    and int_posting_dates."""
    reversal = aliased(StockLedger)
    reversed_by = select(reversal.id).where(reversal.reverses_ledger_id == StockLedger.id)
    if up_to_id is not None:
        reversed_by = reversed_by.where(reversal.id <= up_to_id)
    return or_(StockLedger.reverses_ledger_id.is_not(None), reversed_by.exists())

@dataclass(frozen=True)
class Dependent:
    """A later document that stands on the one being cancelled."""

    line_no: int | None  # line of the document being cancelled
    entity: str  # catalog entity of the dependent document
    doc_no: str


@dataclass(frozen=True)
class CancelKind:
    """What differs between the six kinds of posted stock documents."""

    entity: str  # "goods_receipt": catalog entity and the doc_type of its ledger rows
    model: type
    cancellable: tuple[str, ...]  # states a document can be cancelled from
    dependents: Callable[[Session, Any], list[Dependent]]
    give_back: Callable[[Session, Any], None]  # quantities the document added elsewhere, taken back


def _receipt_dependents(session: Session, doc: Any) -> list[Dependent]:
    found = [Dependent(ln, "entity.purchase_return", no) for ln, no in session.execute(
        select(GoodsReceiptLine.line_no, PurchaseReturn.doc_no)
        .join(PurchaseReturnLine, PurchaseReturnLine.receipt_line_id == GoodsReceiptLine.id)
        .join(PurchaseReturn, PurchaseReturn.id == PurchaseReturnLine.return_id)
        .where(GoodsReceiptLine.receipt_id == doc.id, PurchaseReturn.status != CANCELLED)
        .order_by(GoodsReceiptLine.line_no, PurchaseReturn.id))]
    found += [Dependent(ln, "entity.supplier_bill", no) for ln, no in session.execute(
        select(GoodsReceiptLine.line_no, SupplierBill.doc_no)
        .join(SupplierBillLine, SupplierBillLine.receipt_line_id == GoodsReceiptLine.id)
        .join(SupplierBill, SupplierBill.id == SupplierBillLine.bill_id)
        .where(GoodsReceiptLine.receipt_id == doc.id, SupplierBill.status.not_in(_BILL_GONE))
        .order_by(GoodsReceiptLine.line_no, SupplierBill.id))]
    return found + _dependent_landed_costs(session, doc)


def _dependent_landed_costs(session: Session, doc: Any) -> list[Dependent]:
    """Landed-cost documents (freight, duty after the receipt) allocated to this receipt and not
    themselves cancelled: the receipt's cost stands on them, so they go first."""
    return [Dependent(ln, "entity.landed_cost", no) for ln, no in session.execute(
        select(GoodsReceiptLine.line_no, LandedCost.doc_no).distinct()
        .join(LandedCostAllocation, LandedCostAllocation.receipt_line_id == GoodsReceiptLine.id)
        .join(LandedCost, LandedCost.id == LandedCostAllocation.landed_cost_id)
        .where(GoodsReceiptLine.receipt_id == doc.id, LandedCost.status != CANCELLED)
        .order_by(GoodsReceiptLine.line_no, LandedCost.doc_no))]


def _shipment_dependents(session: Session, doc: Any) -> list[Dependent]:
    found = [Dependent(ln, "entity.sales_return", no) for ln, no in session.execute(
        select(ShipmentLine.line_no, SalesReturn.doc_no)
        .join(SalesReturnLine, SalesReturnLine.shipment_line_id == ShipmentLine.id)
        .join(SalesReturn, SalesReturn.id == SalesReturnLine.return_id)
        .where(ShipmentLine.shipment_id == doc.id, SalesReturn.status != CANCELLED)
        .order_by(ShipmentLine.line_no, SalesReturn.id))]
    found += [Dependent(ln, "entity.sales_invoice", no) for ln, no in session.execute(
        select(ShipmentLine.line_no, SalesInvoice.doc_no)
        .join(SalesInvoiceLine, SalesInvoiceLine.shipment_line_id == ShipmentLine.id)
        .join(SalesInvoice, SalesInvoice.id == SalesInvoiceLine.invoice_id)
        .where(ShipmentLine.shipment_id == doc.id, SalesInvoice.status != CANCELLED)
        .order_by(ShipmentLine.line_no, SalesInvoice.id))]
    return found


def _purchase_return_dependents(session: Session, doc: Any) -> list[Dependent]:
    return [Dependent(None, "entity.debit_note", no) for no in session.execute(
        select(DebitNote.doc_no).where(DebitNote.purchase_return_id == doc.id)).scalars()]


def _sales_return_dependents(session: Session, doc: Any) -> list[Dependent]:
    return [Dependent(None, "entity.credit_note", no) for no in session.execute(
        select(CreditNote.doc_no).where(CreditNote.sales_return_id == doc.id)).scalars()]


def _no_dependents(session: Session, doc: Any) -> list[Dependent]:
    return []


def _stocktake_dependents(session: Session, doc: Any) -> list[Dependent]:
    """A later posted count of the same product in the same warehouse measured the stock this
    stocktake set: cancelling this one would make that count's difference wrong."""
    mine = StocktakeLine.__table__.alias("mine")
    later = Stocktake.__table__.alias("later")
    return [Dependent(ln, "entity.stocktake", no) for ln, no in session.execute(
        select(mine.c.line_no, later.c.doc_no)
        .select_from(mine)
        .join(StocktakeLine, StocktakeLine.product_id == mine.c.product_id)
        .join(later, later.c.id == StocktakeLine.stocktake_id)
        .where(mine.c.stocktake_id == doc.id, mine.c.counted_qty.is_not(None), mine.c.counted_qty != mine.c.book_qty,
               StocktakeLine.counted_qty.is_not(None), later.c.id != doc.id, later.c.status == POSTED,
               later.c.warehouse_id == doc.warehouse_id, later.c.count_date >= doc.count_date)
        .order_by(mine.c.line_no, later.c.id))]


def _order_back(kind: orders.OrderKind, order_model: type, order_fk: str) -> Callable[[Session, Any], None]:
    """Receipts and shipments: the order lines' received / shipped quantity goes down by what the
    document moved, and the order's status follows what is left (``orders._refresh_status``); a
    closed order stays closed (its backorder was cancelled on purpose)."""
    def give_back(session: Session, doc: Any) -> None:
        order = session.get(order_model, getattr(doc, order_fk))
        by_id = {line.id: line for line in order.lines}
        for dl in doc.lines:
            ol = by_id[getattr(dl, kind.fulfil_line_ref)]
            setattr(ol, kind.done_qty_field, getattr(ol, kind.done_qty_field) - dl.quantity)
        if order.status != CLOSED:
            orders._refresh_status(order, kind)
    return give_back


def _returned_back(source_line_model: type, line_ref: str) -> Callable[[Session, Any], None]:
    """Returns: the returned line's ``returned_qty`` goes down, so it can be returned again."""
    def give_back(session: Session, doc: Any) -> None:
        for line in doc.lines:
            src = session.get(source_line_model, getattr(line, line_ref))
            src.returned_qty = src.returned_qty - line.quantity
    return give_back


def _nothing_back(session: Session, doc: Any) -> None:
    return None


def _kinds() -> dict[str, CancelKind]:
    # Imported here: purchasing / sales import orders, which this module's importers may import.
    from operational.services.purchasing import PURCHASE
    from operational.services.sales import SALES

    return {k.entity: k for k in (
        CancelKind("goods_receipt", GoodsReceipt, (POSTED,), _receipt_dependents,
                   _order_back(PURCHASE, PurchaseOrder, "purchase_order_id")),
        CancelKind("shipment", Shipment, (POSTED,), _shipment_dependents,
                   _order_back(SALES, SalesOrder, "sales_order_id")),
        CancelKind("purchase_return", PurchaseReturn, (POSTED,), _purchase_return_dependents,
                   _returned_back(GoodsReceiptLine, "receipt_line_id")),
        CancelKind("sales_return", SalesReturn, (POSTED,), _sales_return_dependents,
                   _returned_back(ShipmentLine, "shipment_line_id")),
        CancelKind("stock_transfer", StockTransfer, (IN_TRANSIT, RECEIVED), _no_dependents, _nothing_back),
        CancelKind("stocktake", Stocktake, (POSTED,), _stocktake_dependents, _nothing_back),
    )}


KINDS = ("goods_receipt", "shipment", "purchase_return", "sales_return", "stock_transfer", "stocktake")


def cancel_stock_document(session: Session, entity: str, doc_id: Any, reason: Any, *,
                          user_id: int | None = None) -> Any:
    """Cancel (作废) the posted document ``entity`` #``doc_id`` (``entity`` one of ``KINDS``) with
    a required reason; returns the document, now ``cancelled``. All or nothing: on any refusal the
    caller's unit of work rolls back whatever was written."""
    kind = _kinds().get(entity)
    if kind is None:
        raise ValueError(f"not a cancellable stock document: {entity!r}")
    doc = get_or_fail(session, kind.model, doc_id, entity, field="doc_id")
    reason = required_text(reason, "cancel_reason", record=doc.doc_no)
    _claim(session, kind, doc, reason, user_id)

    rows = session.execute(select(StockLedger).where(
        StockLedger.doc_type == entity, StockLedger.doc_id == doc.id, StockLedger.reverses_ledger_id.is_(None))
        .order_by(StockLedger.id)).scalars().all()
    _lock_counters(session, entity, doc)
    _lock_balances(session, rows)
    line_nos = _line_nos(doc)
    dependents = kind.dependents(session, doc)
    if dependents:
        first = dependents[0]
        raise StateError("cancel_has_dependents", record=doc.doc_no, field="status", line_no=first.line_no,
                         dependent_entity=first.entity, dependent=", ".join(sorted({d.doc_no for d in dependents})))
    _check_stock_stays(session, doc, rows, line_nos)
    post_movements(session, [
        Movement(product_id=r.product_id, warehouse_id=r.warehouse_id, quantity=-r.quantity,
                 movement_type=r.movement_type, movement_date=r.movement_date, doc_type=r.doc_type, doc_id=r.doc_id,
                 doc_no=r.doc_no, doc_line_id=r.doc_line_id, unit_cost=r.unit_cost,
                 line_no=line_nos.get(r.doc_line_id), record=doc.doc_no, source_ledger_id=r.source_ledger_id,
                 batch_id=r.batch_id, bin_id=r.bin_id, reverses_ledger_id=r.id)
        # Rows that give stock back first, so a leg through in-transit never dips below zero today.
        for r in sorted(rows, key=lambda r: (r.quantity > 0, r.id)) if r.quantity != 0])
    kind.give_back(session, doc)
    session.flush()
    return doc


def _claim(session: Session, kind: CancelKind, doc: Any, reason: str, user_id: int | None) -> None:
    """Set the status to cancelled, conditional on it still being what was read: the first of two
    racing cancels wins, the second waits (PostgreSQL row lock) and finds nothing to update."""
    if doc.status == CANCELLED:
        raise StateError("already_cancelled", record=doc.doc_no, field="status")
    if doc.status not in kind.cancellable:
        raise StateError("bad_state", record=doc.doc_no, field="status", state=f"state.{doc.status}",
                         action="action.void")
    table = kind.model.__table__
    done = session.connection().execute(
        update(table).where(table.c.id == doc.id, table.c.status == doc.status)
        .values(status=CANCELLED, updated_at=utcnow()))
    if done.rowcount != 1:
        raise StateError("already_cancelled", record=doc.doc_no, field="status")
    session.refresh(doc)
    # Through the ORM, so the reason's length is checked like any typed text (``check_column_limits``).
    doc.cancelled_by, doc.cancelled_at, doc.cancel_reason = user_id, utcnow(), reason
    session.flush()


def _lock_balances(session: Session, rows: list[StockLedger]) -> None:
    """Lock the stock balance row of every product × warehouse the document touched, in a fixed
    order (no deadlock between two cancels): every posting moves that row first and holds it to
    its commit, so once we hold it no other posting of the pair is in flight."""
    pairs = sorted({(r.product_id, r.warehouse_id) for r in rows})
    for product_id, warehouse_id in pairs:
        session.execute(select(StockBalance.id).where(
            StockBalance.product_id == product_id, StockBalance.warehouse_id == warehouse_id).with_for_update())


def _line_nos(doc: Any) -> dict[int, int]:
    return {line.id: line.line_no for line in doc.lines}


def _check_stock_stays(session: Session, doc: Any, rows: list[StockLedger], line_nos: dict[int, int]) -> None:
    """Refuse when taking the document's rows out would leave a product that does not allow
    negative stock below zero at the end of any day from the document's date on (per product ×
    warehouse, and per batch for a batch-tracked product)."""
    ids = {r.id for r in rows}
    groups: dict[tuple[int, int, int | None], list[StockLedger]] = defaultdict(list)
    for r in rows:
        groups[(r.product_id, r.warehouse_id, None)].append(r)
        if r.batch_id is not None:
            groups[(r.product_id, r.warehouse_id, r.batch_id)].append(r)
    for (product_id, warehouse_id, batch_id), mine in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1],
                                                                                             kv[0][2] or 0)):
        if sum((r.quantity for r in mine), Decimal(0)) <= 0 and all(r.quantity <= 0 for r in mine):
            continue  # the document only took stock out: giving it back can only raise the balance
        product = session.get(Product, product_id)
        if product.allow_negative:
            continue
        short = _first_short_day(session, product_id, warehouse_id, batch_id, ids, min(r.movement_date for r in mine))
        if short is None:
            continue
        day, balance = short
        inbound = next((r for r in mine if r.quantity > 0), mine[0])
        warehouse = session.get(Warehouse, warehouse_id)
        raise InsufficientStockError(
            "cancel_stock_gone", record=doc.doc_no, line_no=line_nos.get(inbound.doc_line_id), field="status",
            sku=product.sku, warehouse=warehouse.name if warehouse else warehouse_id, day=day.isoformat(),
            balance=balance)


def _first_short_day(session: Session, product_id: int, warehouse_id: int, batch_id: int | None, excluded: set[int],
                     since: date) -> tuple[date, Decimal] | None:
    """The first day from ``since`` on whose closing balance, without the ledger rows ``excluded``,
    is below zero while it was higher with them; None when there is none."""
    where = [StockLedger.product_id == product_id, StockLedger.warehouse_id == warehouse_id]
    if batch_id is not None:
        where.append(StockLedger.batch_id == batch_id)
    mine_expr = StockLedger.id.in_(excluded)
    opening = session.execute(select(
        func.coalesce(func.sum(StockLedger.quantity), 0),
        func.coalesce(func.sum(StockLedger.quantity).filter(mine_expr), 0),
    ).where(*where, StockLedger.movement_date < since)).one()
    with_doc, doc_part = Decimal(opening[0]), Decimal(opening[1])
    days = session.execute(select(
        StockLedger.movement_date, func.sum(StockLedger.quantity),
        func.coalesce(func.sum(StockLedger.quantity).filter(mine_expr), 0),
    ).where(*where, StockLedger.movement_date >= since)
        .group_by(StockLedger.movement_date).order_by(StockLedger.movement_date)).all()
    for day, total, part in days:
        with_doc += Decimal(total)
        doc_part += Decimal(part)
        without = with_doc - doc_part
        if without < 0 and without < with_doc:
            return day, without
    return None


def cancellable(doc: Any) -> bool:
    """Whether a page should offer the cancel action on this document (its state allows it; the
    dependents and stock are checked when the user confirms)."""
    kind = _kinds().get(_entity_of(doc))
    return kind is not None and doc.status in kind.cancellable


def _entity_of(doc: Any) -> str | None:
    return next((name for name, k in _kinds().items() if isinstance(doc, k.model)), None)


def refuse_cancelled_lines(session: Session, entity: str, line_ids: list[int], *, record: str | None = None) -> None:
    """Refuse (StateError ``source_cancelled``) when a goods-receipt or shipment line of ``line_ids``
    belongs to a cancelled document. Invoices and bills call it after their counter UPDATE has
    locked the lines' counter rows, which a cancellation locks too: so the status read here is the
    committed one, and a cancel and an invoice / bill of the same line never both go through."""
    if not line_ids:
        return
    model, line_model, fk = ((GoodsReceipt, GoodsReceiptLine, GoodsReceiptLine.receipt_id) if entity == "goods_receipt"
                             else (Shipment, ShipmentLine, ShipmentLine.shipment_id))
    gone = session.execute(select(model.doc_no).join(line_model, fk == model.id)
                           .where(line_model.id.in_(line_ids), model.status == CANCELLED)
                           .execution_options(populate_existing=True)).scalars().first()
    if gone is not None:
        raise StateError("source_cancelled", record=record or gone, field="lines", entity=f"entity.{entity}",
                         doc_no=gone)


def _lock_counters(session: Session, entity: str, doc: Any) -> None:
    """Receipts and shipments: create-if-absent and lock the billed / invoiced counter rows of the
    document's lines, the rows a bill or an invoice on them moves first."""
    from operational.db import insert_if_absent
    from operational.models import BilledReceiptLine, InvoicedShipmentLine

    if entity == "goods_receipt":
        model, key, zero = BilledReceiptLine, "receipt_line_id", {"billed_qty": Decimal(0), "debited_qty": Decimal(0)}
    elif entity == "shipment":
        model, key, zero = InvoicedShipmentLine, "shipment_line_id", {"invoiced_qty": Decimal(0)}
    else:
        return
    column = getattr(model, key)
    for line in sorted(doc.lines, key=lambda ln: ln.id):
        now = utcnow()
        values = {key: line.id, **zero}
        if hasattr(model, "created_at"):
            values.update(created_at=now, updated_at=now)
        insert_if_absent(session, model, values, [key])
        session.execute(select(column).where(column == line.id).with_for_update())


# --- for the pages ----------------------------------------------------------------------------------

_DATE_FIELDS = {"goods_receipt": "receipt_date", "shipment": "ship_date", "purchase_return": "return_date",
                "sales_return": "return_date", "stock_transfer": "ship_date", "stocktake": "count_date"}


def recent_documents(session: Session, entity: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """The latest posted or cancelled documents of one kind, newest first, for the cancel action
    and the document view: id, doc_no, date, status, whether it may be cancelled, and for a
    cancelled one who cancelled it, when and why."""
    from operational.models import AppUser

    kind = _kinds()[entity]
    model = kind.model
    when = getattr(model, _DATE_FIELDS[entity])
    states = (*kind.cancellable, CANCELLED)
    rows = session.execute(
        select(model.id, model.doc_no, when, model.status, model.cancelled_at, model.cancel_reason,
               AppUser.display_name)
        .outerjoin(AppUser, AppUser.id == model.cancelled_by)
        .where(model.status.in_(states)).order_by(when.desc(), model.id.desc()).limit(limit)).all()
    return [{"id": r[0], "doc_no": r[1], "doc_date": r[2], "status": r[3], "cancellable": r[3] in kind.cancellable,
             "cancelled_at": r[4], "cancel_reason": r[5], "cancelled_by": r[6]} for r in rows]
