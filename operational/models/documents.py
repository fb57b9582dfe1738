"""Purchase orders, goods receipts, sales orders and shipments with their lines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from operational.models.base import Base, Timestamped
from operational.models.tax import TaxedLine, TaxedOrderTotals
from operational.models.units import EnteredUnit, EnteredUnitPrice
from operational.types import Money, Qty, Rate, UnitPrice

# Order states (the same machine for purchase and sales orders).
DRAFT, CONFIRMED, PARTIAL, COMPLETED, CANCELLED = "draft", "confirmed", "partial", "completed", "cancelled"
# Closed: fulfilled in part, the remainder (backorder) cancelled. Orders closed before the line
# cancellations (migration 0017) keep it; closing now cancels the open quantity of every line, and
# the order is then completed (see ``operational.services.orders.cancel_open_quantity``).
CLOSED = "closed"
ORDER_STATES = (DRAFT, CONFIRMED, PARTIAL, COMPLETED, CLOSED, CANCELLED)
# Orders that count in the figures (ordered sales and purchases, the latest document date): neither
# a draft nor cancelled. The marts mart_sales_daily / mart_purchases_daily filter on the same states.
COUNTED_ORDER_STATES = (CONFIRMED, PARTIAL, COMPLETED, CLOSED)
# Posting documents (receipts, shipments) are posted when saved; cancelling posts reversals.
POSTED = "posted"


class CancelledStock:
    """Who cancelled (作废) a posted stock document entered in error, when and why; the status
    becomes ``cancelled`` and the stock ledger gets reversing rows
    (``operational.services.stock_cancellation``)."""

    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(300))


class DocSequence(Base):
    """Last number issued per prefix and year, for numbers like PO-2026-000123."""

    __tablename__ = "doc_sequence"
    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_no: Mapped[int] = mapped_column(Integer, default=0)


class PurchaseOrder(TaxedOrderTotals, Timestamped, Base):
    __tablename__ = "purchase_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    order_date: Mapped[date] = mapped_column(Date, index=True)
    expected_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    total_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="order", order_by="PurchaseOrderLine.line_no", cascade="all, delete-orphan"
    )


class PurchaseOrderLine(EnteredUnitPrice, TaxedLine, Timestamped, Base):
    __tablename__ = "purchase_order_line"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Qty())
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice())
    discount_rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal(0))
    amount: Mapped[Decimal] = mapped_column(Money())
    received_qty: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))
    # Open quantity cancelled (order_line_cancellation holds each cancellation); never due again.
    cancelled_qty: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0), server_default="0")
    promised_date: Mapped[date | None] = mapped_column(Date)
    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")


class GoodsReceipt(CancelledStock, Timestamped, Base):
    __tablename__ = "goods_receipt"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    receipt_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=POSTED)
    # Landed costs (到岸费用) entered with the receipt, allocated to its lines by value or quantity.
    freight_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    duty_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    allocation_basis: Mapped[str] = mapped_column(String(10), default="value", server_default="value")
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    lines: Mapped[list[GoodsReceiptLine]] = relationship(
        back_populates="receipt", order_by="GoodsReceiptLine.line_no", cascade="all, delete-orphan"
    )


class GoodsReceiptLine(EnteredUnit, TaxedLine, Timestamped, Base):
    __tablename__ = "goods_receipt_line"
    __table_args__ = (UniqueConstraint("receipt_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("goods_receipt.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    po_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    # quantity is what was accepted at inspection and entered stock; rejected goods stay the
    # supplier's and the order line remains open for them.
    quantity: Mapped[Decimal] = mapped_column(Qty())
    rejected_qty: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0), server_default="0")
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    # unit_cost = order price net of discount + landed_cost / quantity; amount is at order price.
    unit_cost: Mapped[Decimal] = mapped_column(UnitPrice())
    amount: Mapped[Decimal] = mapped_column(Money())
    landed_cost: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    returned_qty: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0), server_default="0")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("stock_batch.id"))
    receipt: Mapped[GoodsReceipt] = relationship(back_populates="lines")


class SalesOrder(TaxedOrderTotals, Timestamped, Base):
    __tablename__ = "sales_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    order_date: Mapped[date] = mapped_column(Date, index=True)
    required_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    total_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    lines: Mapped[list[SalesOrderLine]] = relationship(
        back_populates="order", order_by="SalesOrderLine.line_no", cascade="all, delete-orphan"
    )


class SalesOrderLine(EnteredUnitPrice, TaxedLine, Timestamped, Base):
    __tablename__ = "sales_order_line"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Qty())
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice())
    discount_rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal(0))
    amount: Mapped[Decimal] = mapped_column(Money())
    shipped_qty: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))
    # Open quantity cancelled (order_line_cancellation holds each cancellation); never due again.
    cancelled_qty: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0), server_default="0")
    order: Mapped[SalesOrder] = relationship(back_populates="lines")


class Shipment(CancelledStock, Timestamped, Base):
    __tablename__ = "shipment"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    sales_order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    ship_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=POSTED)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    lines: Mapped[list[ShipmentLine]] = relationship(
        back_populates="shipment", order_by="ShipmentLine.line_no", cascade="all, delete-orphan"
    )


class ShipmentLine(EnteredUnit, Timestamped, Base):
    __tablename__ = "shipment_line"
    __table_args__ = (UniqueConstraint("shipment_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipment.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    so_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    returned_qty: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0), server_default="0")
    shipment: Mapped[Shipment] = relationship(back_populates="lines")


class CreditApproval(Timestamped, Base):
    """A manager's approval to confirm a sales order beyond the customer's credit limit (信用审批)."""

    __tablename__ = "credit_approval"
    id: Mapped[int] = mapped_column(primary_key=True)
    sales_order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    approved_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    exposure: Mapped[Decimal] = mapped_column(Money())  # open receivables + open orders + this order
    credit_limit: Mapped[Decimal] = mapped_column(Money())
    note: Mapped[str | None] = mapped_column(String(500))
