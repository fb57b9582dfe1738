"""Units of measure (多单位): a product's other units with their exact conversion to its base unit
(``product.unit``), and the unit a document line was entered in.

Stock, the ledger and valuation are kept in the base unit only; a line keeps what the clerk typed
(unit, quantity in that unit, the factor, and on an order line the price per that unit) beside
its base-unit ``quantity``. The rules are in ``operational.services.units``.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, Timestamped
from operational.types import Qty, UnitPrice


class ProductUnit(Timestamped, Base):
    """One other unit of a product: 1 ``unit`` = ``factor`` base units (1 箱 = 24 个), with the
    barcode printed on that packaging (scanning it enters one of this unit)."""

    __tablename__ = "product_unit"
    __table_args__ = (UniqueConstraint("product_id", "unit"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    unit: Mapped[str] = mapped_column(String(20))
    factor: Mapped[Decimal] = mapped_column(Qty())  # base units in one of this unit, > 0
    barcode: Mapped[str | None] = mapped_column(String(40), unique=True)


class EnteredUnit:
    """The unit a document line was entered in. NULL unit: entered in the base unit (every line
    written before units existed, and every writer that passes no unit), so ``quantity`` is what
    was typed. Otherwise ``quantity`` (base units) = ``qty_in_unit`` × ``unit_factor`` exactly."""

    unit: Mapped[str | None] = mapped_column(String(20))
    qty_in_unit: Mapped[Decimal | None] = mapped_column(Qty())
    unit_factor: Mapped[Decimal | None] = mapped_column(Qty())


class EnteredUnitPrice(EnteredUnit):
    """An order line entered in another unit also keeps the price per that unit, exactly as typed:
    its amount is ``qty_in_unit`` × ``price_in_unit``; ``unit_price`` is the base-unit price rounded
    to its 4 places (100.00 a case of 24 → 4.1667), for whatever reads a price per base unit."""

    price_in_unit: Mapped[Decimal | None] = mapped_column(UnitPrice())
