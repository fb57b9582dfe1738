"""Cancellations of open order quantity (取消未交数量): one row per order line and cancellation,
with who, when, on which date and why. The line's ``cancelled_qty`` is the sum of its rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, Timestamped
from operational.types import Qty

ORDER_KINDS = ("purchase_order", "sales_order")
REASON_MAX = 200


class OrderLineCancellation(Timestamped, Base):
    """Quantity of a purchase- or sales-order line that will no longer be received or shipped.
    Exactly one of the purchase / sales line references is set, as ``order_kind`` says;
    ``created_at`` is when it was entered, ``cancel_date`` the business date it took effect."""

    __tablename__ = "order_line_cancellation"
    __table_args__ = (
        CheckConstraint("order_kind in ('purchase_order', 'sales_order')", name="order_kind"),
        CheckConstraint("(purchase_order_line_id is null) <> (sales_order_line_id is null)", name="one_line"),
        CheckConstraint("quantity > 0", name="positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    order_kind: Mapped[str] = mapped_column(String(20))
    purchase_order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    purchase_order_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order_line.id"))
    sales_order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order.id"), index=True)
    sales_order_line_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order_line.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[Decimal] = mapped_column(Qty())
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    cancel_date: Mapped[date] = mapped_column(Date)
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
