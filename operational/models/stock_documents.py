"""Documents that move stock without an order: returns (to suppliers, from customers), transfers
between warehouses and stocktakes (库存盘点)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from operational.models.base import Base, Timestamped
from operational.models.documents import CancelledStock
from operational.models.units import EnteredUnit
from operational.types import Qty

# Transfer states: shipped from the source into the in-transit warehouse, then received.
IN_TRANSIT, RECEIVED = "in_transit", "received"
# Stocktake states: the book quantity is frozen when the sheet opens; posting writes the differences.
COUNTING = "counting"
# Where a customer return goes.
RESTOCK, QUARANTINE = "restock", "quarantine"
RETURN_DISPOSITIONS = (RESTOCK, QUARANTINE)


class PurchaseReturn(CancelledStock, Timestamped, Base):
    """Goods sent back to the supplier against one goods receipt (采购退货)."""

    __tablename__ = "purchase_return"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("goods_receipt.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    return_date: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="posted")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    lines: Mapped[list[PurchaseReturnLine]] = relationship(
        back_populates="document", order_by="PurchaseReturnLine.line_no", cascade="all, delete-orphan"
    )


class PurchaseReturnLine(EnteredUnit, Timestamped, Base):
    __tablename__ = "purchase_return_line"
    __table_args__ = (UniqueConstraint("return_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("purchase_return.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    receipt_line_id: Mapped[int] = mapped_column(ForeignKey("goods_receipt_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    document: Mapped[PurchaseReturn] = relationship(back_populates="lines")


class SalesReturn(CancelledStock, Timestamped, Base):
    """Goods a customer sends back against one shipment (销售退货), restocked or quarantined."""

    __tablename__ = "sales_return"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipment.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    return_date: Mapped[date] = mapped_column(Date, index=True)
    disposition: Mapped[str] = mapped_column(String(20), default=RESTOCK)
    reason: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="posted")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    lines: Mapped[list[SalesReturnLine]] = relationship(
        back_populates="document", order_by="SalesReturnLine.line_no", cascade="all, delete-orphan"
    )


class SalesReturnLine(EnteredUnit, Timestamped, Base):
    __tablename__ = "sales_return_line"
    __table_args__ = (UniqueConstraint("return_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("sales_return.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    shipment_line_id: Mapped[int] = mapped_column(ForeignKey("shipment_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    document: Mapped[SalesReturn] = relationship(back_populates="lines")


class StockTransfer(CancelledStock, Timestamped, Base):
    """A move between two warehouses through the in-transit warehouse (调拨)."""

    __tablename__ = "stock_transfer"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    from_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    to_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    transit_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    ship_date: Mapped[date] = mapped_column(Date, index=True)
    receive_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=IN_TRANSIT, index=True)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    lines: Mapped[list[StockTransferLine]] = relationship(
        back_populates="transfer", order_by="StockTransferLine.line_no", cascade="all, delete-orphan"
    )


class StockTransferLine(EnteredUnit, Timestamped, Base):
    __tablename__ = "stock_transfer_line"
    __table_args__ = (UniqueConstraint("transfer_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("stock_transfer.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    # Set on receipt; quantity − received_qty is the transit loss.
    received_qty: Mapped[Decimal | None] = mapped_column(Qty())
    transfer: Mapped[StockTransfer] = relationship(back_populates="lines")


class Stocktake(CancelledStock, Timestamped, Base):
    """A count sheet for one warehouse, optionally one category (盘点单)."""

    __tablename__ = "stocktake"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("product_category.id"))
    count_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=COUNTING, index=True)
    posted_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    lines: Mapped[list[StocktakeLine]] = relationship(
        back_populates="stocktake", order_by="StocktakeLine.line_no", cascade="all, delete-orphan"
    )


class StocktakeLine(Timestamped, Base):
    __tablename__ = "stocktake_line"
    __table_args__ = (UniqueConstraint("stocktake_id", "product_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktake.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    book_qty: Mapped[Decimal] = mapped_column(Qty())  # frozen when the sheet opened
    counted_qty: Mapped[Decimal | None] = mapped_column(Qty())  # None: not counted yet
    stocktake: Mapped[Stocktake] = relationship(back_populates="lines")
