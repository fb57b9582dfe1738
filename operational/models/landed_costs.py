"""Landed-cost documents (到岸费用单) entered after the goods receipts they cover, and their
allocation to receipt lines, one row per receipt line (= its receipt ledger row), in cents."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from operational.models.base import Base, Timestamped
from operational.types import Money, Qty

LANDED_COST_TYPES = ("freight", "duty", "insurance", "other")  # 运费, 关税, 保险, 其他
LANDED_COST_BASES = ("value", "quantity")
# A landed-cost document is posted when saved; cancelling it (entered in error) takes its cost out
# of the receipts again: the allocation rows stay, a cancelled document's rows count for nothing.
LANDED_COST_STATES = ("posted", "cancelled")


class LandedCost(Timestamped, Base):
    """A landed cost (freight, duty, insurance, other) billed by ``supplier_id`` — a carrier, the
    customs broker or the goods' supplier — and spread over one or several posted goods receipts."""

    __tablename__ = "landed_cost"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    cost_type: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money())
    cost_date: Mapped[date] = mapped_column(Date, index=True)
    allocation_basis: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="posted", index=True)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    allocations: Mapped[list[LandedCostAllocation]] = relationship(
        back_populates="document", order_by="LandedCostAllocation.line_no", cascade="all, delete-orphan"
    )


class LandedCostAllocation(Timestamped, Base):
    """The part of a landed cost that one receipt line carries: ``amount`` in cents; the rows of a
    document add up to its amount exactly (largest remainder, see services.landed_costs)."""

    __tablename__ = "landed_cost_allocation"
    __table_args__ = (UniqueConstraint("landed_cost_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    landed_cost_id: Mapped[int] = mapped_column(ForeignKey("landed_cost.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("goods_receipt.id"), index=True)
    receipt_line_id: Mapped[int] = mapped_column(ForeignKey("goods_receipt_line.id"), index=True)
    stock_ledger_id: Mapped[int] = mapped_column(ForeignKey("stock_ledger.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    # What the split was weighed by: the accepted quantity and the line's goods value (order price
    # net of discount, as at receipt).
    basis_quantity: Mapped[Decimal] = mapped_column(Qty())
    basis_value: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())
    document: Mapped[LandedCost] = relationship(back_populates="allocations")
