"""Exact decimal column types.

PostgreSQL stores them as NUMERIC. SQLite has no exact decimal type (NUMERIC affinity turns
values into floats), so there they are stored as scaled integers: 12.3456 at scale 4 is
123456. SQL arithmetic and comparisons on a column stay exact on both, which is what the
oversell guard (``quantity >= :q``) needs. Python always sees ``Decimal``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class ScaledDecimal(TypeDecorator[Decimal]):
    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int, precision: int = 18) -> None:
        super().__init__()
        self.scale = scale
        self.precision = precision
        self._quantum = Decimal(1).scaleb(-scale)
        self._factor = 10**scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def quantize(self, value: Any) -> Decimal:
        return Decimal(str(value)).quantize(self._quantum, rounding=ROUND_HALF_UP)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        q = self.quantize(value)
        if dialect.name == "sqlite":
            return int(q.scaleb(self.scale))
        return q

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)).scaleb(-self.scale)).quantize(self._quantum)
        return self.quantize(value)

    def __repr__(self) -> str:  # Alembic writes this into migrations
        return f"ScaledDecimal(scale={self.scale}, precision={self.precision})"

    @property
    def python_type(self) -> type:
        return Decimal


def Money() -> ScaledDecimal:  # noqa: N802 - reads like a type in column definitions
    """Amounts in currency: 2 places."""
    return ScaledDecimal(2)


def Qty() -> ScaledDecimal:  # noqa: N802
    """Quantities: 4 places (kilograms, metres and pieces alike)."""
    return ScaledDecimal(4)


def UnitPrice() -> ScaledDecimal:  # noqa: N802
    """Unit prices and unit costs: 4 places."""
    return ScaledDecimal(4)


def Rate() -> ScaledDecimal:  # noqa: N802
    """Ratios such as a discount rate (0.1250 = 12.5 %)."""
    return ScaledDecimal(4, precision=9)
