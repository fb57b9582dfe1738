"""Stocktakes (库存盘点): open a count sheet, enter counts (by product, SKU or barcode), post.

Opening the sheet freezes the book quantity of every product the warehouse holds (optionally only
one category). Posting writes ``counted − book`` as a stocktake gain or loss dated the count
date; lines never counted are left as they are. Stock moved between opening and posting does not
change the frozen book quantity, so counts should be taken while the warehouse is quiet.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import (
    CANCELLED,
    COUNTING,
    POSTED,
    Product,
    ProductCategory,
    StockBalance,
    Stocktake,
    StocktakeLine,
    Warehouse,
)
from operational.services import units
from operational.services.errors import StateError, ValidationError
from operational.services.inventory import Movement, on_hand, post_movements
from operational.services.numbering import next_doc_no
from operational.services.scanning import ScannedItem, add_scan, resolve_code
from operational.services.validation import document_date, get_or_fail, non_negative


def open_stocktake(session: Session, warehouse_id: int | None, count_date: Any, *, category_id: int | None = None,
                   note: str | None = None, user_id: int | None = None) -> Stocktake:
    warehouse = get_or_fail(session, Warehouse, warehouse_id, "warehouse", field="warehouse_id")
    if category_id is not None:
        get_or_fail(session, ProductCategory, category_id, "category", field="category_id")
    when = document_date(count_date, "count_date", session=session)
    query = (select(StockBalance.product_id, StockBalance.quantity)
             .join(Product, Product.id == StockBalance.product_id)
             .where(StockBalance.warehouse_id == warehouse.id, StockBalance.quantity != 0)
             .order_by(Product.sku))
    if category_id is not None:
        query = query.where(Product.category_id == category_id)
    sheet = Stocktake(doc_no=next_doc_no(session, "stocktake", when), warehouse_id=warehouse.id,
                      category_id=category_id, count_date=when, status=COUNTING, note=note, created_by=user_id)
    for n, (product_id, qty) in enumerate(session.execute(query).all(), start=1):
        sheet.lines.append(StocktakeLine(line_no=n, product_id=product_id, book_qty=qty))
    session.add(sheet)
    session.flush()
    return sheet


def record_counts(session: Session, stocktake_id: int | None, counts: dict[Any, Any]) -> Stocktake:
    """Enter counted quantities. Keys are product ids or codes (barcode or SKU, as scanned); a
    product not on the sheet is added with its current book quantity (goods found on the shelf).
    A count keyed by the barcode of another unit is in that unit (3 on a case barcode: 3 cases)."""
    sheet = _counting_sheet(session, stocktake_id, "action.count")
    lines = {line.product_id: line for line in sheet.lines}
    for key, value in counts.items():
        product, unit, factor = _product_for(session, key, sheet.doc_no)
        line_no = lines[product.id].line_no if product.id in lines else None
        qty = non_negative(value, "counted_qty", record=sheet.doc_no, line_no=line_no)
        qty = units.convert(qty, unit, factor, record=sheet.doc_no, line_no=line_no, field="counted_qty").base_qty
        line = lines.get(product.id)
        if line is None:
            line = StocktakeLine(line_no=len(sheet.lines) + 1, product_id=product.id,
                                 book_qty=on_hand(session, product.id, sheet.warehouse_id))
            sheet.lines.append(line)
            lines[product.id] = line
        line.counted_qty = qty
    session.flush()
    return sheet


def count_scan(session: Session, stocktake_id: int | None, code: Any) -> tuple[StocktakeLine, ScannedItem]:
    """One scan of ``code`` on the sheet: its product's count goes up by what the code stands for
    (``scanning.resolve_code``; one of the product, not counted yet = 0). A product not on the sheet
    is added like ``record_counts`` does. Returns the line (with its new count) and the item."""
    sheet = _counting_sheet(session, stocktake_id, "action.count")
    item = resolve_code(session, code, record=sheet.doc_no)
    counted = {line.product_id: line.counted_qty for line in sheet.lines}
    record_counts(session, sheet.id, {item.product_id: add_scan(counted, item.product_id, item.quantity)[item.product_id]})
    line = next(line for line in sheet.lines if line.product_id == item.product_id)
    return line, item


def post_stocktake(session: Session, stocktake_id: int | None, *, user_id: int | None = None) -> Stocktake:
    """Write the gains and losses. A loss larger than what is now on hand is refused like a shipment."""
    sheet = _counting_sheet(session, stocktake_id, "action.post")
    movements = []
    for line in sheet.lines:
        if line.counted_qty is None:
            continue
        diff = line.counted_qty - line.book_qty
        if diff == 0:
            continue
        movements.append(Movement(
            product_id=line.product_id, warehouse_id=sheet.warehouse_id, quantity=diff,
            movement_type="stocktake_gain" if diff > 0 else "stocktake_loss", movement_date=sheet.count_date,
            doc_type="stocktake", doc_id=sheet.id, doc_line_id=line.id, doc_no=sheet.doc_no,
            line_no=line.line_no, record=sheet.doc_no,
        ))
    post_movements(session, movements)
    sheet.status, sheet.posted_date = POSTED, sheet.count_date
    session.flush()
    return sheet


def cancel_stocktake(session: Session, stocktake_id: int | None) -> Stocktake:
    sheet = _counting_sheet(session, stocktake_id, "action.cancel")
    sheet.status = CANCELLED
    session.flush()
    return sheet


def variance(sheet: Stocktake) -> list[dict[str, Any]]:
    """Counted lines with their difference (quantity only: the value comes from the warehouse)."""
    return [{"line_no": line.line_no, "product_id": line.product_id, "book_qty": line.book_qty,
             "counted_qty": line.counted_qty, "difference": line.counted_qty - line.book_qty}
            for line in sheet.lines if line.counted_qty is not None]


def _counting_sheet(session: Session, stocktake_id: int | None, action: str) -> Stocktake:
    sheet = get_or_fail(session, Stocktake, stocktake_id, "stocktake", field="stocktake_id")
    if sheet.status != COUNTING:
        raise StateError("bad_state", record=sheet.doc_no, field="status", state=f"state.{sheet.status}",
                         action=action)
    return sheet


def _product_for(session: Session, key: Any, record: str) -> tuple[Product, str | None, Decimal]:
    """(product, unit, factor) of a count's key: a product id or SKU / barcode (base unit), or the
    barcode of another unit of a product."""
    if isinstance(key, int):
        return get_or_fail(session, Product, key, "product", field="product_id", record=record), None, Decimal(1)
    found = units.scan(session, str(key))
    if found is None:
        raise ValidationError("not_found", record=record, field="barcode", entity="entity.product", key=key)
    return found.product, found.unit, found.factor

