"""Live stock look-ups for the pages a clerk works in: on hand now, per product × warehouse.

These read the store (``stock_balance``, kept in the same transaction as every ledger row), so a
receipt or shipment shows the moment it is posted — no pipeline run in between. Quantities only:
the value of stock is the valuation's (moving average / FIFO over the whole ledger), which the
pipeline computes and publishes; pages show it as an analysis figure with its publish time.

The min/max alerts apply the same rule as ``mart_stock_alerts``: active products in active
warehouses whose on-hand quantity is below the minimum (suggest up to the maximum, else the
minimum) or above the maximum; a limit without any stock counts as 0 on hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from operational.models import (
    Product,
    ProductCategory,
    StockBalance,
    StockBatch,
    StockBatchBalance,
    StockBinBalance,
    StockLedger,
    StockLimit,
    StorageBin,
    Warehouse,
)

BELOW_MIN, ABOVE_MAX = "below_min", "above_max"


@dataclass(frozen=True)
class StockRow:
    """One product × warehouse balance as the inventory page's "now" table shows it."""

    product_id: int
    warehouse_id: int
    sku: str
    product_name: str
    barcode: str | None
    category_name: str | None
    warehouse_name: str
    on_hand_quantity: Decimal
    unit: str
    min_qty: Decimal | None
    max_qty: Decimal | None
    last_movement_date: date | None


@dataclass(frozen=True)
class StockAlert:
    product_id: int
    warehouse_id: int
    sku: str
    product_name: str
    warehouse_name: str
    alert_type: str  # BELOW_MIN or ABOVE_MAX
    on_hand_quantity: Decimal
    min_qty: Decimal
    max_qty: Decimal | None
    suggested_quantity: Decimal


def _matches(search: str):  # type: ignore[no-untyped-def]
    """SKU, name or barcode contains ``search`` (case-insensitive), as the published search."""
    text = f"%{search.strip().lower()}%"
    return or_(func.lower(Product.sku).like(text), func.lower(Product.name).like(text),
               func.lower(func.coalesce(Product.barcode, "")).like(text))


def current_stock(session: Session, *, warehouse_id: int | None = None, search: str = "",
                  limit: int = 1000, offset: int = 0) -> list[StockRow]:
    """On hand now per product × warehouse (every pair that ever moved), largest quantity first,
    with the pair's min/max and the date of its latest movement."""
    # The latest movement date per pair: a seek to the end of the ledger's (product, warehouse, date)
    # index for each row, not a GROUP BY over the whole ledger (1M rows at scale 20).
    last_moved = (select(func.max(StockLedger.movement_date))
                  .where(StockLedger.product_id == StockBalance.product_id,
                         StockLedger.warehouse_id == StockBalance.warehouse_id)
                  .correlate(StockBalance).scalar_subquery())
    query = (select(StockBalance.product_id, StockBalance.warehouse_id, Product.sku, Product.name, Product.barcode,
                    ProductCategory.name, Warehouse.name, StockBalance.quantity, Product.unit,
                    StockLimit.min_qty, StockLimit.max_qty, last_moved)
             .join(Product, Product.id == StockBalance.product_id)
             .join(Warehouse, Warehouse.id == StockBalance.warehouse_id)
             .outerjoin(ProductCategory, ProductCategory.id == Product.category_id)
             .outerjoin(StockLimit, and_(StockLimit.product_id == StockBalance.product_id,
                                         StockLimit.warehouse_id == StockBalance.warehouse_id))
             .order_by(StockBalance.quantity.desc(), Product.sku, Warehouse.code)
             .limit(limit).offset(offset))
    if warehouse_id is not None:
        query = query.where(StockBalance.warehouse_id == warehouse_id)
    if search.strip():
        query = query.where(_matches(search))
    return [StockRow(*r) for r in session.execute(query)]


def stock_alerts(session: Session, *, warehouse_id: int | None = None) -> list[StockAlert]:
    """Min/max alerts now: below the minimum first (largest suggestion first), then above the maximum."""
    on_hand = func.coalesce(StockBalance.quantity, 0)
    query = (select(StockLimit.product_id, StockLimit.warehouse_id, Product.sku, Product.name, Warehouse.name,
                    StockBalance.quantity, StockLimit.min_qty, StockLimit.max_qty)
             .join(Product, Product.id == StockLimit.product_id)
             .join(Warehouse, Warehouse.id == StockLimit.warehouse_id)
             .outerjoin(StockBalance, and_(StockBalance.product_id == StockLimit.product_id,
                                           StockBalance.warehouse_id == StockLimit.warehouse_id))
             .where(Product.is_active.is_(True), Warehouse.is_active.is_(True),
                    or_(on_hand < StockLimit.min_qty,
                        and_(StockLimit.max_qty.is_not(None), on_hand > StockLimit.max_qty))))
    if warehouse_id is not None:
        query = query.where(StockLimit.warehouse_id == warehouse_id)
    alerts = []
    for pid, wid, sku, name, wh, qty, lo, hi in session.execute(query):
        qty = qty if qty is not None else Decimal(0)
        below = qty < lo
        suggested = ((hi if hi is not None else lo) - qty) if below else Decimal(0)
        alerts.append(StockAlert(pid, wid, sku, name, wh, BELOW_MIN if below else ABOVE_MAX, qty, lo, hi, suggested))
    # as the published alerts: alert_type descending (below_min first), then the biggest suggestion
    return sorted(alerts, key=lambda a: (a.alert_type != BELOW_MIN, -a.suggested_quantity, a.sku))


def on_hand_by_product(session: Session, warehouse_id: int | None, product_ids: Iterable[int]) -> dict[int, Decimal]:
    """On hand now of ``product_ids`` in one warehouse (all stock-holding warehouses when None);
    products that never moved there are 0. For the entry forms' "on hand" hints."""
    ids = set(product_ids)
    if not ids:
        return {}
    query = (select(StockBalance.product_id, func.sum(StockBalance.quantity))
             .join(Warehouse, Warehouse.id == StockBalance.warehouse_id)
             .where(StockBalance.product_id.in_(ids)))
    if warehouse_id is not None:
        query = query.where(StockBalance.warehouse_id == warehouse_id)
    else:  # goods on the road are not on hand anywhere
        query = query.where(Warehouse.kind != "transit")
    found = {pid: Decimal(q or 0) for pid, q in session.execute(query.group_by(StockBalance.product_id))}
    return {pid: found.get(pid, Decimal(0)) for pid in ids}


@dataclass(frozen=True)
class LocationStock:
    """What one place holds of a product now: a warehouse, and in it a bin (warehouses that use
    bins) and / or a batch (batch-tracked products); ``bin_code`` / ``batch_no`` None when not kept."""

    warehouse_id: int
    warehouse_name: str
    bin_code: str | None
    batch_no: str | None
    expiry_date: date | None
    quantity: Decimal


def stock_by_location(session: Session, product_id: int) -> list[LocationStock]:
    """On hand now of one product, by warehouse, bin and batch (the phone stock lookup), read live
    from the balances the postings keep: per bin (× batch) in a warehouse that uses bins, per batch
    for a batch-tracked product elsewhere, else the warehouse total. Warehouses by code; places
    holding nothing are left out."""
    warehouses = session.execute(
        select(Warehouse.id, Warehouse.name, Warehouse.uses_bins, StockBalance.quantity)
        .join(StockBalance, StockBalance.warehouse_id == Warehouse.id)
        .where(StockBalance.product_id == product_id, StockBalance.quantity != 0)
        .order_by(Warehouse.code)).all()
    if not warehouses:
        return []
    tracks_batches = bool(session.scalar(select(Product.tracks_batches).where(Product.id == product_id)))
    ids = [w.id for w in warehouses]
    by_bin: dict[int, list[tuple[str | None, str | None, date | None, Decimal]]] = {}
    for wid, code, batch_no, expiry, qty in session.execute(
            select(StockBinBalance.warehouse_id, StorageBin.code, StockBatch.batch_no, StockBatch.expiry_date,
                   StockBinBalance.quantity)
            .join(StorageBin, StorageBin.id == StockBinBalance.bin_id)
            .outerjoin(StockBatch, StockBatch.id == StockBinBalance.batch_id)
            .where(StockBinBalance.product_id == product_id, StockBinBalance.warehouse_id.in_(ids),
                   StockBinBalance.quantity != 0)
            .order_by(StorageBin.code, StockBatch.expiry_date, StockBatch.batch_no)):
        by_bin.setdefault(wid, []).append((code, batch_no, expiry, qty))
    by_batch: dict[int, list[tuple[str | None, str | None, date | None, Decimal]]] = {}
    if tracks_batches:
        for wid, batch_no, expiry, qty in session.execute(
                select(StockBatchBalance.warehouse_id, StockBatch.batch_no, StockBatch.expiry_date,
                       StockBatchBalance.quantity)
                .join(StockBatch, StockBatch.id == StockBatchBalance.batch_id)
                .where(StockBatchBalance.product_id == product_id, StockBatchBalance.warehouse_id.in_(ids),
                       StockBatchBalance.quantity != 0)
                .order_by(StockBatch.expiry_date, StockBatch.batch_no)):
            by_batch.setdefault(wid, []).append((None, batch_no, expiry, qty))
    rows = []
    for wid, name, uses_bins, total in warehouses:
        parts = (by_bin.get(wid) if uses_bins else None) or by_batch.get(wid) or [(None, None, None, total)]
        rows.extend(LocationStock(wid, name, *part) for part in parts)
    return rows
