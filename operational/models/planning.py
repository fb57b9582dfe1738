"""Supply planning (供应计划) records a planner enters: demand adjustments on top of the forecast,
the target service level per ABC class, and the link from a plan suggestion to the draft purchase
order or transfer made from it (so an open document is not suggested a second time)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, Timestamped
from operational.types import Qty, Rate

ADJUSTMENT_MODES = ("delta", "override")
ABC_CLASSES = ("A", "B", "C")
PLAN_LINK_KINDS = ("purchase", "transfer")
REASON_MAX = 200


class DemandAdjustment(Timestamped, Base):
    """A planner's change to the demand plan of one product × warehouse × ISO week (Monday).

    ``delta`` adds ``quantity`` (may be negative) to the forecast; ``override`` replaces the
    forecast by ``quantity``. Rows are never edited: the newest row of a key is the one in force,
    the older ones are its history (who, when, why)."""

    __tablename__ = "demand_adjustment"
    __table_args__ = (
        CheckConstraint("mode in ('delta', 'override')", name="mode"),
        CheckConstraint("mode <> 'override' or quantity >= 0", name="override_not_negative"),
        Index("ix_demand_adjustment_key", "product_id", "warehouse_id", "week_start"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    week_start: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class PlanningServiceLevel(Timestamped, Base):
    """Target cycle service level (probability of no stock-out in a lead time) for an ABC class;
    a class without a row uses the default in ``planning.policy``."""

    __tablename__ = "planning_service_level"
    # The range (0.5, 1) is checked by the service: on SQLite the decimal is stored scaled, so a
    # CHECK on its value would not mean the same on both backends.
    abc_class: Mapped[str] = mapped_column(String(1), primary_key=True)
    service_level: Mapped[Decimal] = mapped_column(Rate())
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class PlanDocumentLink(Timestamped, Base):
    """A plan suggestion turned into a draft document: a purchase-order line or a transfer line.

    ``suggestion_key`` identifies the plan line (kind / product / warehouse / source); while the
    document is open (order draft, confirmed or partly received; transfer draft or in transit) the
    plan does not suggest that line again."""

    __tablename__ = "plan_document_link"
    __table_args__ = (
        CheckConstraint("kind in ('purchase', 'transfer')", name="kind"),
        CheckConstraint("(purchase_order_id is null) <> (stock_transfer_id is null)", name="one_document"),
        CheckConstraint("quantity > 0", name="positive"),
        Index("ix_plan_document_link_item", "product_id", "warehouse_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_as_of: Mapped[date] = mapped_column(Date)
    suggestion_key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    from_warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouse.id"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    purchase_order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    purchase_order_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order_line.id"))
    stock_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("stock_transfer.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
