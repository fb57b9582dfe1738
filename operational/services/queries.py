"""Read-only queries for forms and document lists (the Streamlit pages call these, never SQL).

Nothing here writes. Order queries take the ``OrderKind`` of a side (``purchasing.PURCHASE``
or ``sales.SALES``) so purchase and sales screens share one implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from operational.models import (
    CONFIRMED,
    COUNTING,
    DRAFT,
    IN_TRANSIT,
    PARTIAL,
    POSTED,
    AppUser,
    Customer,
    OrderLineCancellation,
    Product,
    ProductCategory,
    PurchaseOrder,
    SalesOrder,
    StockBatch,
    StockLedger,
    Stocktake,
    StockTransfer,
    Supplier,
    SupplierPrice,
    Warehouse,
)
from operational.models.cash import CashLedger
from operational.models.documents import COUNTED_ORDER_STATES
from operational.models.payables import SupplierBill
from operational.models.receivables import SalesInvoice
from operational.services import price_lists
from operational.services.orders import OrderKind
from operational.services.returns import ReturnKind
from operational.services.stock_cancellation import ledger_row_is_void

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
    tracks_batches: bool = False

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
    product_id: int = 0
    tracks_batches: bool = False
    cancelled_quantity: Decimal = Decimal(0)
    # Units of measure: the unit the order line was entered in and the quantity typed (10 箱);
    # None when it was entered in the base unit. Quantities above are base units.
    entered_unit: str | None = None
    entered_quantity: Decimal | None = None

    @property
    def open_quantity(self) -> Decimal:
        """Ordered − fulfilled − cancelled (cancelled quantity is never due)."""
        return self.quantity - self.done_quantity - self.cancelled_quantity


def user_by_id(session: Session, user_id: int | None) -> AppUser | None:
    return session.get(AppUser, user_id) if user_id is not None else None


def product_choices(session: Session) -> list[ProductChoice]:
    """Active products for a line editor's select box, by SKU."""
    rows = session.execute(
        select(Product).where(Product.is_active.is_(True)).order_by(Product.sku)
    ).scalars()
    return [ProductChoice(p.id, p.sku, p.name, p.barcode, p.unit, p.list_price, p.standard_cost, p.tracks_batches)
            for p in rows]


def _order_rows(session: Session, kind: OrderKind, *, statuses: tuple[str, ...] | None, search: str,
                limit: int, offset: int = 0) -> list[Any]:
    order, partner = kind.order_model, kind.partner_model
    stmt = (
        select(order, partner.name, Warehouse.name)
        .join(partner, partner.id == getattr(order, kind.partner_field))
        .join(Warehouse, Warehouse.id == order.warehouse_id)
        .options(selectinload(order.lines))
        .order_by(order.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if statuses:
        stmt = stmt.where(order.status.in_(statuses))
    if search.strip():
        stmt = stmt.where(order.doc_no.contains(search.strip()))
    return list(session.execute(stmt))


def recent_orders(session: Session, kind: OrderKind, *, statuses: tuple[str, ...] | None = None,
                  search: str = "", limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Newest orders first with partner, warehouse, status, amount and fulfilment progress."""
    result = []
    for order, partner_name, warehouse_name in _order_rows(session, kind, statuses=statuses, search=search,
                                                           limit=limit, offset=offset):
        ordered = sum((line.quantity for line in order.lines), Decimal(0))
        done = sum((getattr(line, kind.done_qty_field) for line in order.lines), Decimal(0))
        cancelled = sum((line.cancelled_qty or Decimal(0) for line in order.lines), Decimal(0))
        result.append({
            "id": order.id, "doc_no": order.doc_no, "order_date": order.order_date, "partner_name": partner_name,
            "warehouse_name": warehouse_name, "status": order.status, "line_count": len(order.lines),
            "total_amount": order.total_amount, "ordered_quantity": ordered, "done_quantity": done,
            "cancelled_qty": cancelled,
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
                 products[line.product_id].unit, line.quantity, getattr(line, kind.done_qty_field),
                 line.product_id, products[line.product_id].tracks_batches, line.cancelled_qty or Decimal(0),
                 line.unit, line.qty_in_unit)
        for line in order.lines
    ]


def order_cancellations(session: Session, kind: OrderKind, order_id: int | None) -> list[dict[str, Any]]:
    """The order's cancellation history, oldest first: line, product, quantity, reason, the
    business date, who entered it and when."""
    if order_id is None:
        return []
    c, line = OrderLineCancellation, kind.line_model
    line_ref = getattr(c, f"{kind.order_entity}_line_id")
    rows = session.execute(
        select(c.line_no, Product.sku, Product.name, c.quantity, c.reason, c.cancel_date, AppUser.username,
               c.created_at)
        .join(line, line.id == line_ref).join(Product, Product.id == line.product_id)
        .outerjoin(AppUser, AppUser.id == c.cancelled_by)
        .where(getattr(c, f"{kind.order_entity}_id") == order_id).order_by(c.id))
    return [{"line_no": n, "sku": sku, "product_name": name, "cancelled_qty": qty, "cancel_reason": reason,
             "cancel_date": on, "cancelled_by": who, "cancelled_at": at}
            for n, sku, name, qty, reason, on, who, at in rows]


def order_warehouse(session: Session, kind: OrderKind, order_id: int | None) -> int | None:
    order = session.get(kind.order_model, order_id) if order_id is not None else None
    return order.warehouse_id if order is not None else None


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
    """The newest date of data that counts in the store, to compare with what the pipeline has
    published (``dashboards.serving.pipeline_status``, by the same rule): the order date of a
    confirmed, partial, completed or closed order, and the last posted date (a stock-ledger row, a
    posted sales invoice or supplier bill, a cash entry: the warehouse's int_posting_dates). Drafts
    and cancelled orders never count: a draft dated 2036 is no newer document."""
    queries = [
        select(func.max(PurchaseOrder.order_date)).where(PurchaseOrder.status.in_(COUNTED_ORDER_STATES)),
        select(func.max(SalesOrder.order_date)).where(SalesOrder.status.in_(COUNTED_ORDER_STATES)),
        # A cancelled (作废) document's rows and their reversals never count, as in int_posting_dates.
        select(func.max(StockLedger.movement_date)).where(~ledger_row_is_void()),
        select(func.max(SalesInvoice.invoice_date)).where(SalesInvoice.status == POSTED),
        select(func.max(SupplierBill.bill_date)).where(SupplierBill.status == POSTED),
        select(func.max(CashLedger.entry_date)),
    ]
    dates = [session.execute(q).scalar() for q in queries]
    return max((d for d in dates if d is not None), default=None)


# ---------------------------------------------------------------- returns, transfers, stocktakes

@dataclass(frozen=True)
class ReturnableLine:
    """One goods receipt / shipment line as a return form shows it."""

    line_id: int
    line_no: int
    sku: str
    product_name: str
    unit: str
    quantity: Decimal  # what the receipt accepted / the shipment shipped
    returned_qty: Decimal  # taken back by earlier returns
    entered_unit: str | None = None  # the unit the line was entered in (多单位); None: the base unit
    entered_quantity: Decimal | None = None

    @property
    def returnable(self) -> Decimal:
        return self.quantity - self.returned_qty


@dataclass(frozen=True)
class TransferLineView:
    line_id: int
    line_no: int
    sku: str
    product_name: str
    unit: str
    quantity: Decimal  # shipped
    product_id: int  # what a scan on the arrival matches (dashboards/components/transfer_form.py)


@dataclass(frozen=True)
class CountLine:
    """One stocktake line: the frozen book quantity and the count so far (None: not counted)."""

    line_id: int
    line_no: int
    product_id: int
    sku: str
    product_name: str
    unit: str
    book_qty: Decimal
    counted_qty: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        return None if self.counted_qty is None else self.counted_qty - self.book_qty


_RETURN_PARTNERS = {"supplier_id": Supplier, "customer_id": Customer}


def _line_model(model: type) -> type:
    return model.lines.property.mapper.class_


def return_source_choices(session: Session, kind: ReturnKind, *, search: str = "",
                          limit: int = 200) -> list[tuple[int, str]]:
    """(id, "doc_no partner date") of posted goods receipts / shipments with something left to
    return, newest first; ``search`` matches the document number or the partner's code or name."""
    doc, partner = kind.source_model, _RETURN_PARTNERS[kind.partner_field]
    line = _line_model(doc)
    stmt = (
        select(doc.id, doc.doc_no, partner.name, getattr(doc, kind.source_date_field))
        .join(partner, partner.id == getattr(doc, kind.partner_field))
        .where(doc.status == POSTED, doc.lines.any(line.quantity > line.returned_qty))
        .order_by(doc.id.desc())
        .limit(limit)
    )
    text = search.strip()
    if text:
        stmt = stmt.where(or_(doc.doc_no.contains(text), partner.name.contains(text), partner.code.contains(text)))
    return [(row[0], f"{row[1]} {row[2]} {row[3]}") for row in session.execute(stmt)]


def return_source_label(session: Session, kind: ReturnKind, source_id: int) -> str | None:
    """The select-box label of one receipt / shipment (kept when a search no longer matches it)."""
    doc, partner = kind.source_model, _RETURN_PARTNERS[kind.partner_field]
    row = session.execute(
        select(doc.doc_no, partner.name, getattr(doc, kind.source_date_field))
        .join(partner, partner.id == getattr(doc, kind.partner_field))
        .where(doc.id == source_id)
    ).first()
    return f"{row[0]} {row[1]} {row[2]}" if row else None


def _products(session: Session, ids: list[int]) -> dict[int, Product]:
    return {p.id: p for p in session.execute(select(Product).where(Product.id.in_(ids))).scalars()}


def returnable_lines(session: Session, kind: ReturnKind, source_id: int) -> list[ReturnableLine]:
    """The receipt's / shipment's lines with what was moved and what earlier returns took back."""
    source = session.get(kind.source_model, source_id)
    if source is None:
        return []
    products = _products(session, [line.product_id for line in source.lines])
    return [
        ReturnableLine(line.id, line.line_no, products[line.product_id].sku, products[line.product_id].name,
                       products[line.product_id].unit, line.quantity, line.returned_qty, line.unit, line.qty_in_unit)
        for line in source.lines
    ]


def stock_warehouses(session: Session) -> list[tuple[int, str]]:
    """(id, "code name") of active warehouses that hold stock (not the in-transit warehouse)."""
    rows = session.execute(
        select(Warehouse.id, Warehouse.code, Warehouse.name)
        .where(Warehouse.is_active.is_(True), Warehouse.kind != "transit")
        .order_by(Warehouse.code)
    )
    return [(row[0], f"{row[1]} {row[2]}") for row in rows]


def in_transit_transfers(session: Session) -> list[tuple[int, str]]:
    """(id, "doc_no from → to ship_date") of transfers shipped and not yet received, newest first."""
    return _transfers_in(session, IN_TRANSIT)


def draft_transfers(session: Session) -> list[tuple[int, str]]:
    """(id, "doc_no from → to planned date") of draft transfers (from the supply plan), newest first."""
    return _transfers_in(session, DRAFT)


def _transfers_in(session: Session, status: str) -> list[tuple[int, str]]:
    source, target = aliased(Warehouse), aliased(Warehouse)
    rows = session.execute(
        select(StockTransfer.id, StockTransfer.doc_no, source.name, target.name, StockTransfer.ship_date)
        .join(source, source.id == StockTransfer.from_warehouse_id)
        .join(target, target.id == StockTransfer.to_warehouse_id)
        .where(StockTransfer.status == status)
        .order_by(StockTransfer.id.desc())
    )
    return [(row[0], f"{row[1]} {row[2]} → {row[3]} {row[4]}") for row in rows]


def transfer_lines(session: Session, transfer_id: int) -> list[TransferLineView]:
    doc = session.get(StockTransfer, transfer_id)
    if doc is None:
        return []
    products = _products(session, [line.product_id for line in doc.lines])
    return [TransferLineView(line.id, line.line_no, products[line.product_id].sku, products[line.product_id].name,
                             products[line.product_id].unit, line.quantity, line.product_id) for line in doc.lines]


def open_stocktakes(session: Session) -> list[tuple[int, str]]:
    """(id, "doc_no warehouse count_date [category]") of count sheets still being counted, newest first."""
    rows = session.execute(
        select(Stocktake.id, Stocktake.doc_no, Warehouse.name, Stocktake.count_date, ProductCategory.name)
        .join(Warehouse, Warehouse.id == Stocktake.warehouse_id)
        .outerjoin(ProductCategory, ProductCategory.id == Stocktake.category_id)
        .where(Stocktake.status == COUNTING)
        .order_by(Stocktake.id.desc())
    )
    return [(row[0], " ".join(str(part) for part in row[1:] if part is not None)) for row in rows]


def stocktake_lines(session: Session, sheet_id: int) -> list[CountLine]:
    """The sheet's lines in line order with book quantity and count so far."""
    sheet = session.get(Stocktake, sheet_id)
    if sheet is None:
        return []
    products = _products(session, [line.product_id for line in sheet.lines])
    return [CountLine(line.id, line.line_no, line.product_id, products[line.product_id].sku,
                      products[line.product_id].name, products[line.product_id].unit, line.book_qty,
                      line.counted_qty) for line in sheet.lines]


# ---------------------------------------------------------------- supplier maintenance

@dataclass(frozen=True)
class SupplierChoice:
    id: int
    code: str
    name: str
    status: str
    over_receipt_tolerance: Decimal

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


def supplier_choices(session: Session) -> list[SupplierChoice]:
    """Every supplier (whatever its status), by code, with what the maintenance page edits."""
    rows = session.execute(select(Supplier).order_by(Supplier.code)).scalars()
    return [SupplierChoice(s.id, s.code, s.name, s.status, s.over_receipt_tolerance) for s in rows]


@dataclass(frozen=True)
class PriceRow:
    """One row of a supplier's price list; ``state`` is current (in force on the day asked about),
    scheduled (valid from a later day) or superseded (an earlier price)."""

    product_id: int
    sku: str
    product_name: str
    unit: str
    valid_from: date
    price: Decimal
    currency: str
    min_order_qty: Decimal
    order_multiple: Decimal
    lead_time_days: int | None
    is_preferred: bool
    state: str


def supplier_price_list(session: Session, supplier_id: int, on: date) -> list[PriceRow]:
    """The supplier's whole price history, by SKU and newest ``valid_from`` first; per product the
    latest row valid on ``on`` or earlier is the current price."""
    rows = session.execute(
        select(SupplierPrice, Product.sku, Product.name, Product.unit)
        .join(Product, Product.id == SupplierPrice.product_id)
        .where(SupplierPrice.supplier_id == supplier_id)
        .order_by(Product.sku, SupplierPrice.valid_from.desc())
    ).all()
    states = price_lists.history_states([(price.product_id, price.valid_from) for price, *_ in rows], on)
    return [PriceRow(price.product_id, sku, name, unit, price.valid_from, price.price, price.currency,
                     price.min_order_qty, price.order_multiple, price.lead_time_days, price.is_preferred, state)
            for (price, sku, name, unit), state in zip(rows, states, strict=True)]


# ---------------------------------------------------------------- opening balances

@dataclass(frozen=True)
class OpeningRow:
    movement_date: date
    warehouse_name: str
    sku: str
    product_name: str
    unit: str
    quantity: Decimal
    unit_cost: Decimal | None
    batch_no: str | None
    expiry_date: date | None


def opening_balances(session: Session, *, limit: int = 200) -> list[OpeningRow]:
    """The opening-balance (期初库存) ledger rows, newest first."""
    rows = session.execute(
        select(StockLedger, Warehouse.name, Product.sku, Product.name, Product.unit, StockBatch.batch_no,
               StockBatch.expiry_date)
        .join(Warehouse, Warehouse.id == StockLedger.warehouse_id)
        .join(Product, Product.id == StockLedger.product_id)
        .outerjoin(StockBatch, StockBatch.id == StockLedger.batch_id)
        .where(StockLedger.movement_type == "opening")
        .order_by(StockLedger.id.desc())
        .limit(limit)
    ).all()
    return [OpeningRow(row.movement_date, wh, sku, name, unit, row.quantity, row.unit_cost, batch_no, expiry)
            for row, wh, sku, name, unit, batch_no, expiry in rows]
