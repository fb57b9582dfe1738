"""Batches / lots with expiry dates (批次管理) for products that track them.

A batch-tracked product's stock is also kept per batch and warehouse (``stock_batch_balance``),
beside the per product × warehouse balance. Every ledger row of such a product names its batch:

- receipts and opening balances bring a batch number and an expiry date (the expiry defaults to
  the receipt date + the product's shelf life; the number to the receipt's document number);
- outbound movements without a batch (shipments, stocktake losses, transfers out, transit losses)
  take the batch that expires first (first-expiry-first-out, FEFO), splitting into one ledger row
  per batch when one batch is not enough; ``fefo_allocation`` is that same rule as a picking
  suggestion;
- a return to the supplier leaves from the receipt's batch, a customer return comes back into the
  batch it was shipped from, and a transfer arrives in the batches it left;
- a stocktake gain goes into the batch of the warehouse that expires last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import Product, StockBatch, StockBatchBalance, Warehouse
from operational.services import sub_balances
from operational.services.errors import InsufficientStockError, ValidationError
from operational.services.validation import required_date


@dataclass(frozen=True)
class BatchTake:
    """A part of an outbound quantity taken from one batch (a picking suggestion line)."""

    batch_id: int
    batch_no: str
    expiry_date: date | None
    quantity: Decimal


def batch_for_receipt(session: Session, product: Product, batch_no: str | None, expiry_date: Any,
                      received_on: date, *, default_no: str, record: str | None = None,
                      line_no: int | None = None) -> StockBatch:
    """The batch a receipt line brings in: found by number, or created with its expiry date."""
    number = (batch_no or "").strip() or default_no
    field = f"lines.{line_no}.expiry_date" if line_no else "expiry_date"
    if expiry_date in (None, ""):
        if product.shelf_life_days is None:
            raise ValidationError("required", record=record, field=field, field_label="field.expiry_date",
                                  line_no=line_no)
        expiry = received_on + timedelta(days=product.shelf_life_days)
    else:
        expiry = required_date(expiry_date, "expiry_date", record=record)
    batch = session.execute(select(StockBatch).where(StockBatch.product_id == product.id,
                                                     StockBatch.batch_no == number)).scalar_one_or_none()
    if batch is None:
        batch = StockBatch(product_id=product.id, batch_no=number, expiry_date=expiry)
        session.add(batch)
        session.flush()
    elif expiry_date not in (None, "") and batch.expiry_date != expiry:
        raise ValidationError("batch_expiry_mismatch", record=record, field=field, line_no=line_no,
                              batch_no=number, expiry=batch.expiry_date)
    return batch


def fefo_allocation(session: Session, product_id: int, warehouse_id: int, quantity: Decimal) -> list[BatchTake]:
    """Which batches to pick ``quantity`` from: earliest expiry first (no expiry last), then the
    oldest batch. May cover less than ``quantity`` if the batches hold less."""
    rows = session.execute(
        select(StockBatch.id, StockBatch.batch_no, StockBatch.expiry_date, StockBatchBalance.quantity)
        .join(StockBatchBalance, StockBatchBalance.batch_id == StockBatch.id)
        .where(StockBatchBalance.product_id == product_id, StockBatchBalance.warehouse_id == warehouse_id,
               StockBatchBalance.quantity > 0)
        .order_by(StockBatch.expiry_date.is_(None), StockBatch.expiry_date, StockBatch.id)
    ).all()
    found = {batch_id: (batch_no, expiry) for batch_id, batch_no, expiry, _ in rows}
    return [BatchTake(batch_id, *found[batch_id], take)
            for batch_id, take in sub_balances.take_in_order(((r[0], r[3]) for r in rows), quantity)]


def latest_expiring_batch(session: Session, product_id: int, warehouse_id: int) -> int | None:
    """Where a stocktake gain goes: the warehouse's batch of the product that expires last, else
    the product's newest batch anywhere."""
    here = session.execute(
        select(StockBatch.id).join(StockBatchBalance, StockBatchBalance.batch_id == StockBatch.id)
        .where(StockBatchBalance.product_id == product_id, StockBatchBalance.warehouse_id == warehouse_id)
        .order_by(StockBatch.expiry_date.desc().nulls_first(), StockBatch.id.desc()).limit(1)
    ).scalar_one_or_none()
    if here is not None:
        return here
    return session.execute(select(StockBatch.id).where(StockBatch.product_id == product_id)
                           .order_by(StockBatch.id.desc()).limit(1)).scalar_one_or_none()


def move_batch(session: Session, product: Product, warehouse_id: int, batch_id: int, delta: Decimal, *,
               record: str | None, line_no: int | None) -> None:
    """Move one batch's balance; outbound is refused below zero (unless the product allows negative
    stock) by the same conditional UPDATE as the product balance."""
    if not sub_balances.move(session, StockBatchBalance, {"warehouse_id": warehouse_id, "batch_id": batch_id},
                             {"product_id": product.id}, delta, allow_negative=product.allow_negative):
        batch = session.get(StockBatch, batch_id)
        warehouse = session.get(Warehouse, warehouse_id)
        available = session.execute(select(StockBatchBalance.quantity).where(
            StockBatchBalance.warehouse_id == warehouse_id, StockBatchBalance.batch_id == batch_id)).scalar() or 0
        raise InsufficientStockError("insufficient_batch_stock", record=record, line_no=line_no,
                                     field=f"lines.{line_no}.quantity" if line_no else None, sku=product.sku,
                                     batch_no=batch.batch_no if batch else batch_id,
                                     warehouse=warehouse.name if warehouse else warehouse_id,
                                     available=available, quantity=-delta)


def expiring(session: Session, *, on: date, within_days: int = 30) -> list[dict[str, Any]]:
    """Batches on hand that have expired or expire within ``within_days`` of ``on`` (临期预警)."""
    rows = session.execute(
        select(Product.sku, Product.name, Warehouse.name, StockBatch.batch_no, StockBatch.expiry_date,
               StockBatchBalance.quantity)
        .join(StockBatchBalance, StockBatchBalance.batch_id == StockBatch.id)
        .join(Product, Product.id == StockBatch.product_id)
        .join(Warehouse, Warehouse.id == StockBatchBalance.warehouse_id)
        .where(StockBatchBalance.quantity > 0, StockBatch.expiry_date <= on + timedelta(days=within_days))
        .order_by(StockBatch.expiry_date, Product.sku)
    ).all()
    return [{"sku": sku, "product": name, "warehouse": wh, "batch_no": no, "expiry_date": expiry,
             "days_left": (expiry - on).days, "quantity": qty} for sku, name, wh, no, expiry, qty in rows]
