"""The stock ledger (append-only) and the per product × warehouse balances it maintains."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, Timestamped, utcnow
from operational.types import Money, Qty, UnitPrice

MOVEMENT_TYPES = (
    "opening",
    "receipt",
    "purchase_return",
    "shipment",
    "sales_return",
    "transfer_out",
    "transfer_in",
    "stocktake_gain",
    "stocktake_loss",
    "transit_loss",
    # A move between two storage bins of one warehouse (移库): a pair of rows, value-neutral.
    "bin_move_out",
    "bin_move_in",
)


class StockLedger(Base):
    """One row per stock change. Never updated: a cancellation appends a reversing row.

    ``quantity`` is signed (+ in, − out). ``unit_cost`` is known for inbound movements that
    carry their own cost (receipts, opening balances); outbound costs are computed in the
    warehouse by the product's valuation method.
    """

    __tablename__ = "stock_ledger"
    __table_args__ = (
        Index("ix_stock_ledger_product_wh_date", "product_id", "warehouse_id", "movement_date"),
        # returns and transfers look up the rows a document line posted
        Index("ix_stock_ledger_doc_line", "doc_type", "doc_line_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    movement_date: Mapped[date] = mapped_column(Date, index=True)
    posted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    movement_type: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    unit_cost: Mapped[Decimal | None] = mapped_column(UnitPrice())
    # The exact value of an inbound row whose unit cost is a rounded quotient: a receipt entered in
    # another unit (1 箱 at 100.00 = 24 个, unit_cost 4.1667) is worth 100.00, not 24 × 4.1667 =
    # 100.0008, nor 1,000.01 for 10 cases. NULL: quantity × unit_cost, as every other row.
    cost_amount: Mapped[Decimal | None] = mapped_column(Money())
    doc_type: Mapped[str] = mapped_column(String(20))
    doc_id: Mapped[int] = mapped_column(Integer)
    doc_line_id: Mapped[int | None] = mapped_column(Integer)
    doc_no: Mapped[str] = mapped_column(String(30))
    # A return points at the ledger row it returns (the receipt or the shipment), so valuation
    # can give it back at that row's cost.
    source_ledger_id: Mapped[int | None] = mapped_column(ForeignKey("stock_ledger.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("stock_batch.id"))
    # Set on every row of a warehouse that uses storage bins (the bin it moved in or out of).
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("storage_bin.id"))
    # A cancellation (作废) posts one reversing row per row of the document, dated as the original,
    # same product, warehouse, batch, bin and movement type, opposite quantity, pointing here at
    # the row it reverses. Unique: a row is reversed at most once. Both rows are void for valuation.
    reverses_ledger_id: Mapped[int | None] = mapped_column(ForeignKey("stock_ledger.id"), unique=True)


class StockBalance(Base):
    """Quantity on hand per product × warehouse; always the sum of its ledger rows."""

    __tablename__ = "stock_balance"
    __table_args__ = (UniqueConstraint("product_id", "warehouse_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, index=True)


class StockBatch(Base):
    """A batch / lot of a batch-tracked product (批次), with its expiry date."""

    __tablename__ = "stock_batch"
    __table_args__ = (UniqueConstraint("product_id", "batch_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    batch_no: Mapped[str] = mapped_column(String(40))
    expiry_date: Mapped[date | None] = mapped_column(Date, index=True)
    production_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class StockBatchBalance(Base):
    """Quantity of one batch in one warehouse; the batch rows of a product × warehouse add up to
    its StockBalance (for batch-tracked products)."""

    __tablename__ = "stock_batch_balance"
    __table_args__ = (UniqueConstraint("warehouse_id", "batch_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("stock_batch.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, index=True)


class StorageBin(Timestamped, Base):
    """A storage bin / location (库位) inside a warehouse that uses bins."""

    __tablename__ = "storage_bin"
    __table_args__ = (UniqueConstraint("warehouse_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class StockBinBalance(Base):
    """Quantity of one product (of one batch, for a batch-tracked product) in one bin; in a
    warehouse that uses bins, the bin rows of a product × warehouse add up to its StockBalance
    (and those of one batch to its StockBatchBalance)."""

    __tablename__ = "stock_bin_balance"
    __table_args__ = (
        UniqueConstraint("product_id", "bin_id", "batch_id"),
        # A unique constraint treats NULLs as distinct, so rows without a batch need their own
        # (partial) unique index, or two racing first receipts could both create one.
        Index("uq_stock_bin_balance_product_bin_no_batch", "product_id", "bin_id", unique=True,
              sqlite_where=text("batch_id IS NULL"), postgresql_where=text("batch_id IS NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("storage_bin.id"), index=True)
    # NULL for products without batches.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("stock_batch.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, index=True)
