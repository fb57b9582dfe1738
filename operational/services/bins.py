"""Storage bins (库位): optional locations inside a warehouse.

A warehouse either uses bins (``warehouse.uses_bins``) or is one location, exactly as before bins
existed. In a warehouse that uses bins, the stock of each product is also kept per bin
(``stock_bin_balance``) beside the product × warehouse balance, and every ledger row of that
warehouse names its bin — the same design as batches (``batches``), through the same shared
balance code (``sub_balances``):

- an inbound movement goes into the bin it names, else the warehouse's default bin (receipts,
  opening balances, transfer arrivals, customer returns, stocktake gains);
- an outbound movement without a bin is taken from the bins holding the product, largest quantity
  first (ties: bin code), split into one ledger row per bin; ``largest_first`` is the same rule as
  a picking suggestion. With a bin named, only that bin is used, and it is refused below zero;
- ``move_between_bins`` (移库) posts a ``bin_move_out`` / ``bin_move_in`` pair in one warehouse:
  value-neutral, the warehouse quantity does not change;
- enabling bins on a warehouse that already holds stock puts its whole balance into the default
  bin through the bin balances only — no ledger rows, because the warehouse quantity and value do
  not change (the ledger rows posted before have no bin). Disabling sets its bin balances to zero
  (kept, not deleted, so ingestion sees the change); the ledger keeps the bins of past rows.

A batch-tracked product's bin balance is kept per bin × batch (``stock_bin_balance.batch_id``;
NULL for other products). ``inventory`` splits an outbound movement per batch first (FEFO), then
each batch part per bin (largest quantity of that batch first); a bin move of such a product
carries its batch (or is split FEFO over the batches in the source bin); enabling bins puts each
batch's balance into the default bin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from operational.models import (
    Product,
    StockBalance,
    StockBatch,
    StockBatchBalance,
    StockBinBalance,
    StorageBin,
    Warehouse,
    utcnow,
)
from operational.services import sub_balances
from operational.services.errors import InsufficientStockError, ValidationError
from operational.services.numbering import next_doc_no
from operational.services.validation import document_date, get_or_fail, positive, required_text

DOC_TYPE = "bin_move"


@dataclass(frozen=True)
class BinTake:
    """A part of an outbound quantity taken from one bin (a picking suggestion line)."""

    bin_id: int
    code: str
    quantity: Decimal


@dataclass(frozen=True)
class BinChoice:
    id: int
    code: str
    name: str
    is_active: bool
    is_default: bool

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


# ---- master data -------------------------------------------------------------------------------

def create_bin(session: Session, warehouse_id: int | None, code: Any, name: Any = None) -> StorageBin:
    """A new active bin; the code is unique within its warehouse (the name defaults to the code)."""
    warehouse = get_or_fail(session, Warehouse, warehouse_id, "warehouse", field="warehouse_id")
    if warehouse.kind == "transit":
        raise ValidationError("bins_not_for_transit", field="warehouse_id", warehouse=warehouse.name)
    bin_code = required_text(code, "bin_code")
    if session.execute(select(StorageBin.id).where(StorageBin.warehouse_id == warehouse.id,
                                                   StorageBin.code == bin_code)).first():
        raise ValidationError("duplicate", field="bin_code", entity="entity.storage_bin", key=bin_code)
    found = StorageBin(warehouse_id=warehouse.id, code=bin_code, name=str(name or "").strip() or bin_code,
                       is_active=True)
    session.add(found)
    session.flush()
    return found


def set_bin_active(session: Session, bin_id: int | None, active: bool) -> StorageBin:
    """(De)activate a bin. An inactive bin takes nothing in but can still be emptied; the default
    bin of a warehouse that uses bins cannot be deactivated."""
    found = get_or_fail(session, StorageBin, bin_id, "storage_bin", field="bin_id")
    warehouse = session.get(Warehouse, found.warehouse_id)
    if not active and warehouse.uses_bins and warehouse.default_bin_id == found.id:
        raise ValidationError("default_bin_inactive", field="bin_id", bin=found.code, warehouse=warehouse.name)
    found.is_active = active
    session.flush()
    return found


def configure_bins(session: Session, warehouse_id: int | None, *, uses_bins: bool,
                   default_bin_id: int | None = None) -> Warehouse:
    """Turn bins on (with a default bin of the warehouse) or off, or change the default bin.

    Turning them on moves the warehouse's stock into the default bin (bin balances only, see the
    module docstring); turning them off zeroes the bin balances."""
    warehouse = get_or_fail(session, Warehouse, warehouse_id, "warehouse", field="warehouse_id")
    if not uses_bins:
        if warehouse.uses_bins:
            table = StockBinBalance.__table__
            session.execute(update(table).where(table.c.warehouse_id == warehouse.id)
                            .values(quantity=Decimal(0), updated_at=utcnow()))
        warehouse.uses_bins = False
        session.flush()
        return warehouse
    if warehouse.kind == "transit":
        raise ValidationError("bins_not_for_transit", field="warehouse_id", warehouse=warehouse.name)
    if default_bin_id is None:
        default_bin_id = warehouse.default_bin_id
    if default_bin_id is None:
        raise ValidationError("required", field="default_bin_id", field_label="field.default_bin")
    default = _bin_of(session, warehouse, default_bin_id, inbound=True, field="default_bin_id")
    if not warehouse.uses_bins:
        # Products without batches: their product × warehouse balance; batch-tracked products:
        # each batch's balance (they add up to the product × warehouse balance).
        stock = session.execute(
            select(StockBalance.product_id, StockBalance.quantity)
            .join(Product, Product.id == StockBalance.product_id)
            .where(StockBalance.warehouse_id == warehouse.id, StockBalance.quantity != 0,
                   Product.tracks_batches.is_not(True))).all()
        batch_stock = session.execute(
            select(StockBatchBalance.product_id, StockBatchBalance.batch_id, StockBatchBalance.quantity)
            .join(Product, Product.id == StockBatchBalance.product_id)
            .where(StockBatchBalance.warehouse_id == warehouse.id, StockBatchBalance.quantity != 0,
                   Product.tracks_batches.is_(True))).all()
        for product_id, batch_id, quantity in [(p, None, q) for p, q in stock] + list(batch_stock):
            sub_balances.move(session, StockBinBalance,
                              {"product_id": product_id, "bin_id": default.id, "batch_id": batch_id},
                              {"warehouse_id": warehouse.id}, quantity, allow_negative=True)
    warehouse.uses_bins, warehouse.default_bin_id = True, default.id
    session.flush()
    return warehouse


def _bin_of(session: Session, warehouse: Warehouse, bin_id: int, *, inbound: bool, field: str,
            record: str | None = None, line_no: int | None = None) -> StorageBin:
    """The bin, checked to belong to the warehouse (and to be active when stock goes into it)."""
    found = get_or_fail(session, StorageBin, bin_id, "storage_bin", field=field, record=record)
    if found.warehouse_id != warehouse.id:
        raise ValidationError("bin_not_in_warehouse", field=field, record=record, line_no=line_no, bin=found.code,
                              warehouse=warehouse.name)
    if inbound and not found.is_active:
        raise ValidationError("inactive", field=field, record=record, line_no=line_no,
                              entity="entity.storage_bin", key=found.code)
    return found


# ---- posting (called by inventory.post_movements) ---------------------------------------------

def inbound_bin(session: Session, warehouse: Warehouse, bin_id: int | None, *, field: str,
                record: str | None, line_no: int | None) -> int:
    """Where an inbound movement into a bin warehouse goes: the named bin, else the default bin."""
    chosen = bin_id if bin_id is not None else warehouse.default_bin_id
    if chosen is None:
        raise ValidationError("required", field=field, record=record, line_no=line_no, field_label="field.bin")
    return _bin_of(session, warehouse, chosen, inbound=True, field=field, record=record, line_no=line_no).id


def check_outbound_bin(session: Session, warehouse: Warehouse, bin_id: int, *, field: str,
                       record: str | None, line_no: int | None) -> None:
    _bin_of(session, warehouse, bin_id, inbound=False, field=field, record=record, line_no=line_no)


def largest_first(session: Session, product_id: int, warehouse_id: int, quantity: Decimal,
                  batch_id: int | None = None) -> list[BinTake]:
    """Which bins to pick ``quantity`` from: the bin holding the most first (ties: bin code), so an
    order empties as few bins as possible. May cover less than ``quantity``. With ``batch_id``,
    only that batch's quantity in each bin counts; without, all of the product's."""
    held = func.sum(StockBinBalance.quantity)
    query = (select(StorageBin.id, StorageBin.code, held)
             .join(StockBinBalance, StockBinBalance.bin_id == StorageBin.id)
             .where(StockBinBalance.product_id == product_id, StockBinBalance.warehouse_id == warehouse_id,
                    StockBinBalance.quantity > 0)
             .group_by(StorageBin.id, StorageBin.code)
             .order_by(held.desc(), StorageBin.code, StorageBin.id))
    if batch_id is not None:
        query = query.where(StockBinBalance.batch_id == batch_id)
    rows = session.execute(query).all()
    codes = {bin_id: code for bin_id, code, _ in rows}
    return [BinTake(bin_id, codes[bin_id], take)
            for bin_id, take in sub_balances.take_in_order(((r[0], r[2]) for r in rows), quantity)]


def move_bin(session: Session, product: Product, warehouse_id: int, bin_id: int, delta: Decimal, *,
             record: str | None, line_no: int | None, batch_id: int | None = None) -> None:
    """Move one bin's balance (of one batch, for a batch-tracked product); outbound is refused
    below zero (unless the product allows negative stock) by the same conditional UPDATE as the
    product and batch balances."""
    if not sub_balances.move(session, StockBinBalance,
                             {"product_id": product.id, "bin_id": bin_id, "batch_id": batch_id},
                             {"warehouse_id": warehouse_id}, delta, allow_negative=product.allow_negative):
        _refuse_short_bin(session, product, warehouse_id, bin_id, -delta, record=record, line_no=line_no,
                          batch_id=batch_id)


def _refuse_short_bin(session: Session, product: Product, warehouse_id: int, bin_id: int, quantity: Decimal, *,
                      record: str | None, line_no: int | None, batch_id: int | None) -> None:
    found = session.get(StorageBin, bin_id)
    warehouse = session.get(Warehouse, warehouse_id)
    raise InsufficientStockError("insufficient_bin_stock", record=record, line_no=line_no,
                                 field=f"lines.{line_no}.quantity" if line_no else "quantity", sku=product.sku,
                                 bin=found.code if found else bin_id,
                                 warehouse=warehouse.name if warehouse else warehouse_id,
                                 available=bin_quantity(session, product.id, bin_id, batch_id), quantity=quantity)


def bin_quantity(session: Session, product_id: int, bin_id: int, batch_id: int | None = None) -> Decimal:
    """What a bin holds of a product (of one batch when ``batch_id`` is given)."""
    query = select(func.sum(StockBinBalance.quantity)).where(
        StockBinBalance.product_id == product_id, StockBinBalance.bin_id == bin_id)
    if batch_id is not None:
        query = query.where(StockBinBalance.batch_id == batch_id)
    qty = session.execute(query).scalar_one_or_none()
    return qty if qty is not None else Decimal(0)


def fefo_in_bin(session: Session, product_id: int, bin_id: int, quantity: Decimal) -> list[tuple[int, Decimal]]:
    """(batch id, quantity) to take ``quantity`` of a batch-tracked product from one bin: earliest
    expiry first (no expiry last), then the oldest batch, as ``batches.fefo_allocation`` does for
    the warehouse. May cover less than ``quantity``."""
    rows = session.execute(
        select(StockBinBalance.batch_id, StockBinBalance.quantity)
        .join(StockBatch, StockBatch.id == StockBinBalance.batch_id)
        .where(StockBinBalance.product_id == product_id, StockBinBalance.bin_id == bin_id,
               StockBinBalance.quantity > 0)
        .order_by(StockBatch.expiry_date.is_(None), StockBatch.expiry_date, StockBatch.id)).all()
    return sub_balances.take_in_order(((batch_id, qty) for batch_id, qty in rows), quantity)


# ---- bin-to-bin move (移库) ---------------------------------------------------------------------

def move_between_bins(session: Session, warehouse_id: int | None, product_id: int | None, from_bin_id: int | None,
                      to_bin_id: int | None, quantity: Any, move_date: Any, batch_id: int | None = None) -> str:
    """Move stock from one bin to another of the same warehouse; returns the move's number.

    Two ledger rows (``bin_move_out`` −q from the source bin, ``bin_move_in`` +q into the
    destination) with doc_type ``bin_move``, doc_id 0 and a BM- number: value-neutral, and the
    product × warehouse balance ends where it started. A batch-tracked product moves the given
    batch, or without one the source bin's batches first-expiry-first (one pair per batch)."""
    from operational.services.inventory import Movement, post_movements  # inventory imports this module

    warehouse = get_or_fail(session, Warehouse, warehouse_id, "warehouse", field="warehouse_id")
    if not warehouse.uses_bins:
        raise ValidationError("bin_not_used", field="warehouse_id", warehouse=warehouse.name)
    product = get_or_fail(session, Product, product_id, "product", field="product_id")
    source = _bin_of(session, warehouse, from_bin_id, inbound=False, field="from_bin_id")
    target = _bin_of(session, warehouse, to_bin_id, inbound=True, field="to_bin_id")
    if source.id == target.id:
        raise ValidationError("same_bin", field="to_bin_id")
    qty = positive(quantity, "quantity")
    when: date = document_date(move_date, "move_date", session=session)
    if batch_id is not None:
        batch = get_or_fail(session, StockBatch, batch_id, "stock_batch", field="batch_id")
        if not product.tracks_batches or batch.product_id != product.id:
            raise ValidationError("invalid_choice", field="batch_id", field_label="field.batch_no",
                                  value=batch.batch_no)
        parts: list[tuple[int | None, Decimal]] = [(batch.id, qty)]
    elif product.tracks_batches:
        parts = fefo_in_bin(session, product.id, source.id, qty)
        short = qty - sum(q for _, q in parts)
        if short > 0:
            _refuse_short_bin(session, product, warehouse.id, source.id, qty, record=None, line_no=None,
                              batch_id=None)
    else:
        parts = [(None, qty)]
    doc_no = next_doc_no(session, DOC_TYPE, when)
    common = dict(product_id=product.id, warehouse_id=warehouse.id, movement_date=when, doc_type=DOC_TYPE,
                  doc_id=0, doc_no=doc_no, record=doc_no)
    post_movements(session, [
        mv for batch, part in parts for mv in (
            Movement(quantity=-part, movement_type="bin_move_out", bin_id=source.id, batch_id=batch, **common),
            Movement(quantity=part, movement_type="bin_move_in", bin_id=target.id, batch_id=batch, **common))
    ])
    return doc_no


# ---- form queries -------------------------------------------------------------------------------

def bin_choices(session: Session, warehouse_id: int | None, *, active_only: bool = True) -> list[BinChoice]:
    """The bins of a warehouse that uses bins, by code (empty for a warehouse without bins)."""
    if warehouse_id is None:
        return []
    warehouse = session.get(Warehouse, warehouse_id)
    if warehouse is None or not warehouse.uses_bins:
        return []
    return list_bins(session, warehouse_id, active_only=active_only)


def list_bins(session: Session, warehouse_id: int, *, active_only: bool = False) -> list[BinChoice]:
    """All bins of a warehouse (whether or not it uses them yet), default bin flagged."""
    warehouse = session.get(Warehouse, warehouse_id)
    query = select(StorageBin).where(StorageBin.warehouse_id == warehouse_id).order_by(StorageBin.code)
    if active_only:
        query = query.where(StorageBin.is_active.is_(True))
    default = warehouse.default_bin_id if warehouse is not None and warehouse.uses_bins else None
    return [BinChoice(b.id, b.code, b.name, b.is_active, b.id == default) for b in session.scalars(query)]


def bin_warehouse_ids(session: Session) -> set[int]:
    """The warehouses that use bins (forms show a bin selector only for these)."""
    return set(session.scalars(select(Warehouse.id).where(Warehouse.uses_bins.is_(True))))


def bin_stock(session: Session, warehouse_id: int) -> list[dict[str, Any]]:
    """What each bin of a warehouse holds now (operational view for the maintenance page)."""
    rows = session.execute(
        select(StorageBin.code, Product.sku, Product.name, func.sum(StockBinBalance.quantity))
        .join(StockBinBalance, StockBinBalance.bin_id == StorageBin.id)
        .join(Product, Product.id == StockBinBalance.product_id)
        .where(StockBinBalance.warehouse_id == warehouse_id, StockBinBalance.quantity != 0)
        .group_by(StorageBin.code, Product.sku, Product.name)
        .order_by(StorageBin.code, Product.sku)).all()
    return [{"bin_code": code, "sku": sku, "product_name": name, "quantity": qty} for code, sku, name, qty in rows]
