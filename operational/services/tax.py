"""VAT (增值税): the one place for the tax rules — dated rates, the default rate of a product,
splitting a document line into net, tax and gross, and what a receipt costs.

The rule (DESIGN.md "What the numbers mean", docs/vat_and_units.md), per document line, each
amount rounded half-up (ROUND_HALF_UP) to the cent:

- price without tax (不含税价): net = round(quantity × unit price × (1 − discount)),
  tax = round(net × rate), gross = net + tax;
- price with tax (含税价): gross = round(quantity × unit price × (1 − discount)),
  net = round(gross ÷ (1 + rate)), tax = gross − net.

Net + tax = gross on every line and a document's totals are the sums of its lines, so there is
never a round-off difference to book. A rate change is a new dated row of the same rate code; a
line takes the rate in force on its document's date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import Company, Customer, Product, ProductCategory, Supplier, SupplierPrice, TaxRate
from operational.services.errors import ValidationError
from operational.services.validation import get_or_fail, required_date, to_decimal

CENT = Decimal("0.01")
UNIT = Decimal("0.0001")
RATE_MAX = Decimal("0.5")  # no VAT rate comes near; a typo such as 13 (for 13 %) is refused
CODE_MAX = 20
# The rates in force in mainland China, seeded by migration 0020 (code, name, rate, valid from, exempt).
STANDARD_RATES: tuple[tuple[str, str, Decimal, date, bool], ...] = (
    ("standard", "基本税率", Decimal("0.16"), date(2018, 5, 1), False),
    ("standard", "基本税率", Decimal("0.13"), date(2019, 4, 1), False),
    ("low", "低税率", Decimal("0.10"), date(2018, 5, 1), False),
    ("low", "低税率", Decimal("0.09"), date(2019, 4, 1), False),
    ("service", "现代服务", Decimal("0.06"), date(2016, 5, 1), False),
    ("simple", "简易征收", Decimal("0.03"), date(2014, 7, 1), False),
    ("zero", "零税率", Decimal("0"), date(2009, 1, 1), False),
    ("exempt", "免税", Decimal("0"), date(2009, 1, 1), True),
)


def cents(value: Decimal) -> Decimal:
    """Round half-up to the cent (the only rounding of money in this module)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineTax:
    """A line's VAT split. ``net + tax == gross`` always."""

    rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


def split_amount(amount: Decimal, rate: Decimal, *, includes_tax: bool) -> LineTax:
    """Split a line amount already rounded to the cent: the net (without tax) or the gross (with)."""
    amount, rate = cents(Decimal(amount)), Decimal(rate)
    if includes_tax:
        net = cents(amount / (1 + rate))
        return LineTax(rate, net, amount - net, amount)
    tax = cents(amount * rate)
    return LineTax(rate, amount, tax, amount + tax)


def split_line(quantity: Decimal, unit_price: Decimal, rate: Decimal, *, includes_tax: bool,
               discount_rate: Decimal = Decimal(0)) -> LineTax:
    """A document line: quantity × unit price × (1 − discount), rounded once to the cent, then split."""
    amount = cents(Decimal(quantity) * Decimal(unit_price) * (1 - Decimal(discount_rate)))
    return split_amount(amount, rate, includes_tax=includes_tax)


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal
    gross: Decimal


def totals(lines: Iterable[LineTax]) -> Totals:
    """A document's totals: the sums of its lines (never re-rounded)."""
    net = tax = Decimal("0.00")
    for line in lines:
        net += line.net
        tax += line.tax
    return Totals(net, tax, net + tax)


def by_rate(lines: Iterable[LineTax]) -> dict[Decimal, Totals]:
    """Totals per rate, as a VAT invoice lists them."""
    groups: dict[Decimal, list[LineTax]] = {}
    for line in lines:
        groups.setdefault(line.rate.normalize(), []).append(line)
    return {r: totals(ls) for r, ls in sorted(groups.items())}


def net_unit_price(unit_price: Decimal, discount_rate: Decimal, rate: Decimal, *, includes_tax: bool) -> Decimal:
    """The unit price net of discount and of VAT (unrounded)."""
    price = Decimal(unit_price) * (1 - Decimal(discount_rate))
    return price / (1 + Decimal(rate)) if includes_tax else price


def cost_unit_price(unit_price: Decimal, discount_rate: Decimal, rate: Decimal, *, includes_tax: bool,
                    small_scale: bool) -> Decimal:
    """What one unit received costs the inventory (unrounded): the price net of VAT, since input
    VAT is recoverable; for a small-scale taxpayer (小规模纳税人) input VAT is not deductible, so
    the price with VAT. A price stated without tax keeps exactly its old cost (price × (1 − discount))."""
    price = Decimal(unit_price) * (1 - Decimal(discount_rate))
    if small_scale:
        return price if includes_tax else price * (1 + Decimal(rate))
    return price / (1 + Decimal(rate)) if includes_tax else price


# --- master data --------------------------------------------------------------------------------

def _code(value: Any, field: str = "tax_rate_code", *, line_no: int | None = None) -> str:
    text = "" if value is None else str(value).strip()
    path = f"lines.{line_no}.{field}" if line_no is not None else field
    if not text:
        raise ValidationError("required", field=path, field_label=f"field.{field}", line_no=line_no)
    if len(text) > CODE_MAX:
        raise ValidationError("too_long", field=path, entity="entity.tax_rate", field_label=f"field.{field}",
                              max_length=CODE_MAX, length=len(text), line_no=line_no)
    return text


def set_rate(session: Session, code: Any, rate: Any, valid_from: Any, *, name: Any = None,
             is_exempt: bool = False) -> TaxRate:
    """Record the rate of a code from a date on (a rate change is a new row; the same day replaces it)."""
    key = _code(code)
    value = to_decimal(rate, "tax_rate")
    if value < 0 or value > RATE_MAX:
        raise ValidationError("tax_rate_out_of_range", field="tax_rate", record=key, value=value)
    if is_exempt and value != 0:
        raise ValidationError("tax_exempt_not_zero", field="tax_rate", record=key)
    when = required_date(valid_from, "valid_from")
    label = (str(name).strip() if name else "") or key
    row = session.execute(select(TaxRate).where(TaxRate.code == key, TaxRate.valid_from == when)).scalar_one_or_none()
    if row is None:
        row = TaxRate(code=key, valid_from=when, name=label[:100], rate=value, is_exempt=is_exempt)
        session.add(row)
    else:
        row.rate, row.is_exempt = value, is_exempt
        if name:
            row.name = label[:100]
    session.flush()
    return row


def ensure_standard_rates(session: Session) -> None:
    """Add the standard rates where a code has none (a store created without migration 0020's seed)."""
    have = set(session.execute(select(TaxRate.code, TaxRate.valid_from)).all())
    for code, name, rate, valid_from, exempt in STANDARD_RATES:
        if (code, valid_from) not in have:
            session.add(TaxRate(code=code, name=name, rate=rate, valid_from=valid_from, is_exempt=exempt))
    session.flush()


def rate_codes(session: Session) -> list[str]:
    return list(session.execute(select(TaxRate.code).distinct().order_by(TaxRate.code)).scalars())


def rate_on(session: Session, code: str, on: date, *, line_no: int | None = None,
            field: str = "tax_rate_code") -> Decimal:
    """The rate of ``code`` in force on ``on``; a clear error if the code is unknown or not yet valid."""
    row = session.execute(select(TaxRate.rate).where(TaxRate.code == code, TaxRate.valid_from <= on)
                          .order_by(TaxRate.valid_from.desc()).limit(1)).scalar_one_or_none()
    if row is None:
        known = session.execute(select(TaxRate.id).where(TaxRate.code == code).limit(1)).first()
        raise ValidationError("tax_rate_not_in_force" if known else "tax_rate_unknown",
                              field=f"lines.{line_no}.{field}" if line_no is not None else field,
                              line_no=line_no, key=code, on=on.isoformat())
    return row


def default_code(session: Session, product: Product) -> str | None:
    """The product's own rate code, else its category's, else the nearest parent category's."""
    if product.tax_rate_code:
        return product.tax_rate_code
    seen: set[int] = set()
    category_id = product.category_id
    while category_id is not None and category_id not in seen:
        seen.add(category_id)
        category = session.get(ProductCategory, category_id)
        if category is None:
            return None
        if category.tax_rate_code:
            return category.tax_rate_code
        category_id = category.parent_id
    return None


def resolve(session: Session, product: Product, on: date, override: Any = None, *,
            line_no: int | None = None) -> tuple[str | None, Decimal]:
    """The (code, rate) of a document line: the line's own code if given, else the product's
    default; no code at all means no VAT (rate 0), as on every line entered before VAT was kept."""
    code = _code(override, line_no=line_no) if override not in (None, "") else default_code(session, product)
    if code is None:
        return None, Decimal(0)
    return code, rate_on(session, code, on, line_no=line_no)


def set_default_code(session: Session, target: Product | ProductCategory, code: Any) -> None:
    """Set (or clear with None / blank) the default rate code of a product or category."""
    if code in (None, ""):
        target.tax_rate_code = None
    else:
        key = _code(code)
        if not session.execute(select(TaxRate.id).where(TaxRate.code == key).limit(1)).first():
            raise ValidationError("tax_rate_unknown", field="tax_rate_code", key=key, on="")
        target.tax_rate_code = key
    session.flush()


def is_small_scale(session: Session) -> bool:
    """The company setting: 小规模纳税人 (input VAT is part of the cost)."""
    flag = session.execute(select(Company.small_scale_taxpayer).order_by(Company.id).limit(1)).scalar_one_or_none()
    return bool(flag)


def set_small_scale(session: Session, value: bool) -> None:
    company = session.execute(select(Company).order_by(Company.id).limit(1)).scalar_one_or_none()
    if company is None:
        raise ValidationError("not_found", field="company", entity="entity.company", key="")
    company.small_scale_taxpayer = bool(value)
    session.flush()


def prices_include_tax(session: Session, partner: Supplier | Customer, *, product_id: int | None = None,
                       on: date | None = None) -> bool:
    """How a partner states prices: a supplier's price-list row in force says it for its product,
    else the supplier's or customer's own setting."""
    if isinstance(partner, Supplier) and product_id is not None and on is not None:
        row = session.execute(select(SupplierPrice.price_includes_tax).where(
            SupplierPrice.supplier_id == partner.id, SupplierPrice.product_id == product_id,
            SupplierPrice.valid_from <= on).order_by(SupplierPrice.valid_from.desc()).limit(1)).first()
        if row is not None:
            return bool(row[0])
    return bool(getattr(partner, "prices_include_tax", False))


def set_partner_prices_include_tax(session: Session, model: type, partner_id: Any, value: bool) -> Any:
    """Say whether a supplier's or customer's prices are 含税价 (True) or 不含税价 (False)."""
    entity = "supplier" if model is Supplier else "customer"
    partner = get_or_fail(session, model, partner_id, entity, field=f"{entity}_id")
    partner.prices_include_tax = bool(value)
    session.flush()
    return partner


def line_values(split: LineTax, code: str | None, *, includes_tax: bool) -> dict[str, Any]:
    """The VAT columns of a document line (``amount`` is the net)."""
    return {"amount": split.net, "tax_amount": split.tax, "gross_amount": split.gross,
            "tax_rate": split.rate, "tax_rate_code": code, "price_includes_tax": includes_tax}


def stored_split(line: Any) -> LineTax:
    """The split a stored line carries."""
    return LineTax(line.tax_rate, line.amount, line.tax_amount, line.gross_amount)


def resplit(line: Any, quantity: Decimal) -> LineTax:
    """Part of a stored priced line (an order line's price, discount, rate and how its price was
    stated) for another quantity: what a receipt, an invoice, a bill or a return of it carries.
    A line priced per another unit (``price_in_unit``, units of measure) is split at that exact
    price for ``quantity`` ÷ factor of it, so the whole line gives back its own amount to the cent
    (24 个 of 1 箱 at 100.00 is 100.00, not 24 × 4.1667)."""
    per_unit = getattr(line, "price_in_unit", None)
    factor = getattr(line, "unit_factor", None)
    if per_unit is not None and factor:
        amount = cents(Decimal(quantity) * per_unit * (1 - Decimal(line.discount_rate)) / factor)
        return split_amount(amount, line.tax_rate, includes_tax=bool(line.price_includes_tax))
    return split_line(quantity, line.unit_price, line.tax_rate, includes_tax=bool(line.price_includes_tax),
                      discount_rate=line.discount_rate)
