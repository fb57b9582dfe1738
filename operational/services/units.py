"""Units of measure (多单位): the one place for a product's units and their conversion.

A product has its base unit (``product.unit``, e.g. 个) and any number of other units, each with an
exact factor to the base unit (1 箱 = 24 个) and optionally its own barcode (the case's code);
``product.purchase_unit`` / ``sales_unit`` say which unit an order is entered in by default.

Stock, the ledger and valuation are kept in the base unit only. A document line entered in another
unit keeps that unit, the quantity typed in it and the factor (``EnteredUnit`` columns); its
``quantity`` is the base quantity, qty × factor, which must come out exact at the quantity column's
4 places (no rounding of stock, ever). An order line also keeps its price per the entered unit, so
its amount is what was typed (1 箱 at 100.00 = 100.00, not 24 × 4.1667); a receipt of it enters the
ledger with that exact value (``stock_ledger.cost_amount``) and a unit cost of 4.1667 a piece.

Lines entered with no unit (every caller written before units existed: API, importer, demo) are in
the base unit and keep NULL unit columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from operational.models import Product, ProductUnit
from operational.services.errors import ValidationError
from operational.services.validation import QUANTITY_MAX, get_or_fail, positive, within_bound

UNIT_MAX = 20  # product.unit, product_unit.unit, the lines' unit: String(20)
BARCODE_MAX = 40
QTY_PLACES = Decimal("0.0001")  # the Qty column's scale: a base quantity must be exact at it
FACTOR_MAX = Decimal(10) ** 6  # a pallet of a million pieces is plenty; 1e20 is a typo
SIDES = ("purchase", "sales")


@dataclass(frozen=True)
class UnitOption:
    """One unit a product may be entered in; the base unit has factor 1 and ``is_base``."""

    unit: str
    factor: Decimal
    barcode: str | None
    is_base: bool


@dataclass(frozen=True)
class Entered:
    """A quantity as typed and in the base unit. ``unit`` None: typed in the base unit."""

    base_qty: Decimal
    unit: str | None = None
    qty_in_unit: Decimal | None = None
    factor: Decimal | None = None

    def columns(self) -> dict[str, Any]:
        """The ``EnteredUnit`` columns of a document line."""
        return {"unit": self.unit, "qty_in_unit": self.qty_in_unit, "unit_factor": self.factor}


@dataclass(frozen=True)
class Scanned:
    """What a scanned code or typed SKU stands for: the product, and the unit its barcode is on
    (None: the base unit; a case barcode enters one case)."""

    product: Product
    unit: str | None = None
    factor: Decimal = Decimal(1)


# --- master data --------------------------------------------------------------------------------

def _unit_name(value: Any, *, record: str, field: str = "unit") -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise ValidationError("required", field=field, record=record, field_label=f"field.{field}")
    if len(text) > UNIT_MAX:
        raise ValidationError("too_long", field=field, record=record, entity="entity.product_unit",
                              field_label=f"field.{field}", max_length=UNIT_MAX, length=len(text))
    return text


def parse_factor(value: Any, *, record: str) -> Decimal:
    """A conversion factor: > 0, at most 1,000,000, exact at 4 places."""
    factor = positive(value, "unit_factor", record=record)
    within_bound(factor, "unit_factor", record=record, limit=FACTOR_MAX, typed=value)
    if factor != factor.quantize(QTY_PLACES):
        raise ValidationError("unit_factor_places", field="unit_factor", record=record, value=value)
    return factor


def units_of(session: Session, product: Product) -> list[UnitOption]:
    """The product's units: the base unit first, then the others by factor."""
    rows = session.execute(select(ProductUnit).where(ProductUnit.product_id == product.id)
                           .order_by(ProductUnit.factor, ProductUnit.unit)).scalars()
    return [UnitOption(product.unit, Decimal(1), product.barcode, True)] + [
        UnitOption(r.unit, r.factor, r.barcode, False) for r in rows]


def unit_options(session: Session, product_ids: set[int] | list[int]) -> dict[int, list[tuple[str, Decimal]]]:
    """Per product, the (unit, factor) pairs a form offers: the base unit first, then the others."""
    ids = set(product_ids)
    if not ids:
        return {}
    found = {pid: [(unit, Decimal(1))] for pid, unit in
             session.execute(select(Product.id, Product.unit).where(Product.id.in_(ids)))}
    for pid, unit, factor in session.execute(select(ProductUnit.product_id, ProductUnit.unit, ProductUnit.factor)
                                             .where(ProductUnit.product_id.in_(ids))
                                             .order_by(ProductUnit.factor, ProductUnit.unit)):
        found[pid].append((unit, factor))
    return found


def set_unit(session: Session, product_id: Any, unit: Any, factor: Any, *, barcode: Any = None) -> ProductUnit:
    """Add a unit to a product, or change an existing one's factor and barcode. Lines already
    entered keep the factor they were entered with."""
    product = get_or_fail(session, Product, product_id, "product", field="product_id")
    name = _unit_name(unit, record=product.sku)
    if name == product.unit:
        raise ValidationError("unit_is_base", field="unit", record=product.sku, unit=name)
    value = parse_factor(factor, record=product.sku)
    code = "" if barcode is None else str(barcode).strip()
    if len(code) > BARCODE_MAX:
        raise ValidationError("too_long", field="barcode", record=product.sku, entity="entity.product_unit",
                              field_label="field.barcode", max_length=BARCODE_MAX, length=len(code))
    row = session.execute(select(ProductUnit).where(ProductUnit.product_id == product.id,
                                                    ProductUnit.unit == name)).scalar_one_or_none()
    if code:
        _barcode_free(session, code, record=product.sku, keep=row.id if row is not None else None)
    if row is None:
        row = ProductUnit(product_id=product.id, unit=name)
        session.add(row)
    row.factor, row.barcode = value, code or None
    session.flush()
    return row


def _barcode_free(session: Session, code: str, *, record: str, keep: int | None) -> None:
    """A barcode names one product in one unit: not on any product nor any other unit row."""
    taken = session.execute(select(Product.id).where(or_(Product.barcode == code, Product.sku == code))).first()
    other = session.execute(select(ProductUnit.id).where(ProductUnit.barcode == code,
                                                         ProductUnit.id != (keep or 0))).first()
    if taken or other:
        raise ValidationError("duplicate", field="barcode", record=record, entity="entity.product_unit", key=code)


def remove_unit(session: Session, product_id: Any, unit: Any) -> None:
    """Remove a unit that is not a default purchase or sales unit (lines keep their own factor)."""
    product = get_or_fail(session, Product, product_id, "product", field="product_id")
    name = _unit_name(unit, record=product.sku)
    if name in (product.purchase_unit, product.sales_unit):
        raise ValidationError("unit_is_default", field="unit", record=product.sku, unit=name)
    row = session.execute(select(ProductUnit).where(ProductUnit.product_id == product.id,
                                                    ProductUnit.unit == name)).scalar_one_or_none()
    if row is None:
        raise ValidationError("unit_not_of_product", field="unit", record=product.sku, unit=name, sku=product.sku)
    session.delete(row)
    session.flush()


def set_default_units(session: Session, product_id: Any, *, purchase_unit: Any = None,
                      sales_unit: Any = None) -> Product:
    """The units orders of each side are entered in by default; None / blank / the base unit: base."""
    product = get_or_fail(session, Product, product_id, "product", field="product_id")
    chosen = {}
    for side, value in (("purchase", purchase_unit), ("sales", sales_unit)):
        name = "" if value is None else str(value).strip()
        if name and name != product.unit:
            known = {u.unit for u in units_of(session, product)}
            if name not in known:
                raise ValidationError("unit_not_of_product", field=f"{side}_unit", record=product.sku,
                                      unit=name, sku=product.sku)
        chosen[side] = name if name and name != product.unit else None
    product.purchase_unit, product.sales_unit = chosen["purchase"], chosen["sales"]
    session.flush()
    return product


def purchase_units(session: Session) -> dict[int, tuple[str, Decimal]]:
    """Product id → (purchase unit, factor) of every product bought in a unit other than its base."""
    return {pid: (unit, factor) for pid, unit, factor in session.execute(
        select(Product.id, ProductUnit.unit, ProductUnit.factor)
        .join(ProductUnit, (ProductUnit.product_id == Product.id) & (ProductUnit.unit == Product.purchase_unit)))}


def in_whole_units(quantity: Decimal, factor: Decimal) -> Decimal | None:
    """``quantity`` base units as a whole number of a unit of ``factor`` (48 个 = 2 箱), else None."""
    whole = quantity / factor
    return whole if whole == whole.to_integral_value() else None


def default_unit(product: Product, side: str) -> str:
    """The unit a new order line of ``side`` ("purchase" / "sales") starts in."""
    chosen = product.purchase_unit if side == "purchase" else product.sales_unit
    return chosen or product.unit


# --- document lines -----------------------------------------------------------------------------

def factor_of(session: Session, product: Product, unit: Any, *, record: str | None = None,
              line_no: int | None = None, field: str = "unit") -> tuple[str | None, Decimal]:
    """(unit, factor) of a line: None / blank / the base unit → (None, 1); a unit the product does
    not have is a field error naming the line."""
    name = "" if unit is None else str(unit).strip()
    if not name or name == product.unit:
        return None, Decimal(1)
    factor = session.execute(select(ProductUnit.factor).where(ProductUnit.product_id == product.id,
                                                              ProductUnit.unit == name)).scalar_one_or_none()
    if factor is None:
        raise ValidationError("unit_not_of_product", record=record, line_no=line_no,
                              field=f"lines.{line_no}.{field}" if line_no is not None else field,
                              unit=name[:UNIT_MAX + 1], sku=product.sku)
    return name, factor


def convert(quantity: Decimal, unit: str | None, factor: Decimal, *, record: str | None = None,
            line_no: int | None = None, field: str = "quantity") -> Entered:
    """A parsed quantity typed in ``unit`` (factor ``factor``) as an ``Entered``: the base quantity
    is exact at 4 places and within the quantity bound, or a field error."""
    if unit is None:
        return Entered(quantity)
    base = quantity * factor
    path = f"lines.{line_no}.{field}" if line_no is not None else field
    if base != base.quantize(QTY_PLACES):
        raise ValidationError("unit_qty_not_exact", record=record, line_no=line_no, field=path,
                              quantity=quantity, unit=unit, factor=factor)
    within_bound(base, field, record=record, line_no=line_no, limit=QUANTITY_MAX)
    return Entered(base, unit, quantity, factor)


def base_price(price_in_unit: Decimal, factor: Decimal) -> Decimal:
    """The price of one base unit, rounded to 4 places (100.00 a case of 24 → 4.1667)."""
    return (price_in_unit / factor).quantize(QTY_PLACES)


def shown(line: Any, base_unit: str) -> tuple[str, Decimal, Decimal]:
    """(unit, quantity, factor) a line is shown with: as entered, else the base quantity in the base unit."""
    if getattr(line, "unit", None) and getattr(line, "qty_in_unit", None) is not None and line.unit_factor:
        return line.unit, line.qty_in_unit, line.unit_factor
    return base_unit, line.quantity, Decimal(1)


def shown_price(priced: Any, factor: Decimal = Decimal(1)) -> Decimal:
    """The unit price of a priced (order) line per a unit of ``factor`` base units: exactly as typed
    when that is the unit it was priced in (100.00 a case), else converted from the exact price."""
    per_unit, priced_factor = getattr(priced, "price_in_unit", None), getattr(priced, "unit_factor", None)
    if per_unit is not None and priced_factor:
        if factor == priced_factor:
            return per_unit
        return (per_unit * factor / priced_factor).quantize(QTY_PLACES)
    return priced.unit_price if factor == 1 else (priced.unit_price * factor).quantize(QTY_PLACES)


def amount_at_price(priced: Any, base_qty: Decimal) -> Decimal:
    """``base_qty`` at a priced line's price less its discount, to the cent, as typed (with or
    without tax): exact for a line priced per another unit (24 个 of 1 箱 at 100.00 is 100.00)."""
    per_unit, factor = getattr(priced, "price_in_unit", None), getattr(priced, "unit_factor", None)
    if per_unit is not None and factor:
        value = base_qty * per_unit * (1 - priced.discount_rate) / factor
    else:
        value = base_qty * priced.unit_price * (1 - priced.discount_rate)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- scanning -----------------------------------------------------------------------------------

def scan(session: Session, code: Any) -> Scanned | None:
    """What a scanner or a clerk typed: a product's barcode or SKU (base unit), or the barcode of
    one of its other units (one of that unit). None if nothing matches."""
    text = "" if code is None else str(code).strip()
    if not text:
        return None
    product = session.execute(select(Product).where(or_(Product.barcode == text, Product.sku == text))
                              ).scalars().first()
    if product is not None:
        return Scanned(product)
    row = session.execute(select(ProductUnit).where(ProductUnit.barcode == text)).scalar_one_or_none()
    if row is None:
        return None
    return Scanned(session.get(Product, row.product_id), row.unit, row.factor)
