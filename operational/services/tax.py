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
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.models import (
    Company,
    Customer,
    GoodsReceipt,
    Product,
    ProductCategory,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    Supplier,
    SupplierBill,
    SupplierBillLine,
    TaxRate,
)
from operational.services import price_lists
from operational.services.errors import ValidationError
from operational.services.validation import current_day, get_or_fail, required_date, to_decimal
from operational.settings import get_settings

CENT = Decimal("0.01")
UNIT = Decimal("0.0001")
RATE_MAX = Decimal("0.5")  # no VAT rate comes near; a typo such as 13 (for 13 %) is refused
CODE_MAX = 20
NAME_MAX = 100
EFFECTIVE_AHEAD_DAYS = 366
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
    """Record the rate of a code from a date on (a rate change is a new row; the same day replaces
    it). History that documents used is never rewritten: a date on or before the latest document
    line at this code is refused (``last_used``), so a rate can only change from after it."""
    key = _code(code)
    value = to_decimal(rate, "tax_rate")
    if value < 0 or value > RATE_MAX:
        raise ValidationError("tax_rate_out_of_range", field="tax_rate", record=key, value=value)
    if is_exempt and value != 0:
        raise ValidationError("tax_exempt_not_zero", field="tax_rate", record=key)
    when = effective_date(valid_from, "valid_from", record=key)
    label = "" if name is None else str(name).strip()
    if len(label) > NAME_MAX:
        raise ValidationError("too_long", field="tax_rate_name", entity="entity.tax_rate",
                              field_label="field.tax_rate_name", max_length=NAME_MAX, length=len(label))
    used = last_used(session, key)
    if used is not None and when <= used:
        raise ValidationError("tax_rate_history_used", field="valid_from", record=key, value=when.isoformat(),
                              last=used.isoformat())
    row = session.execute(select(TaxRate).where(TaxRate.code == key, TaxRate.valid_from == when)).scalar_one_or_none()
    if not label:  # a new row of a known code keeps the code's name
        label = session.execute(select(TaxRate.name).where(TaxRate.code == key)
                                .order_by(TaxRate.valid_from.desc()).limit(1)).scalar_one_or_none() or key
    if row is None:
        row = TaxRate(code=key, valid_from=when, name=label, rate=value, is_exempt=is_exempt)
        session.add(row)
    else:
        row.rate, row.is_exempt, row.name = value, is_exempt, label
    session.flush()
    return row


def rate_from_percent(value: Any) -> Decimal:
    """A rate typed in percent on a page ("13" for 13 %) as the fraction the store keeps (0.13);
    within 0 to 50 %, so a rate typed as a fraction by habit ("0.13" = 0.13 %) is still accepted
    but a typo such as "130" is refused."""
    percent = to_decimal(value, "tax_rate", limit=Decimal(10) ** 6)
    if percent < 0 or percent > RATE_MAX * 100:
        raise ValidationError("tax_percent_out_of_range", field="tax_rate", value=percent)
    return percent / 100


def effective_date(value: Any, field: str, *, record: str | None = None) -> date:
    """The date a tax setting applies from: not before the earliest date the system accepts and at
    most ``EFFECTIVE_AHEAD_DAYS`` ahead (a rate change is announced months, not years, ahead)."""
    when = required_date(value, field, record=record)
    where = {"field": field, "record": record, "field_label": f"field.{field}", "value": when.isoformat()}
    earliest = get_settings().earliest_date
    if when < earliest:
        raise ValidationError("date_too_early", earliest=earliest.isoformat(), **where)
    latest = current_day() + timedelta(days=EFFECTIVE_AHEAD_DAYS)
    if when > latest:
        raise ValidationError("date_in_future", days=EFFECTIVE_AHEAD_DAYS, latest=latest.isoformat(), **where)
    return when


# Document lines whose rate was looked up on their document's date: orders (receipts, invoices and
# notes carry their order line's rate) and supplier bills (a bill line may state its own rate code).
_RATE_USERS = ((PurchaseOrderLine, PurchaseOrderLine.order_id, PurchaseOrder, PurchaseOrder.order_date),
               (SalesOrderLine, SalesOrderLine.order_id, SalesOrder, SalesOrder.order_date),
               (SupplierBillLine, SupplierBillLine.bill_id, SupplierBill, SupplierBill.bill_date))


def last_used(session: Session, code: str) -> date | None:
    """The latest document date of a line at rate ``code`` (any state: a draft used it too)."""
    return last_used_by_code(session, code).get(code)


def last_used_by_code(session: Session, code: str | None = None) -> dict[str, date]:
    """The latest document date per rate code (one grouped query per kind of line), or of ``code``."""
    found: dict[str, date] = {}
    for line, ref, header, day in _RATE_USERS:
        stmt = (select(line.tax_rate_code, func.max(day)).select_from(line).join(header, ref == header.id)
                .where(line.tax_rate_code.is_not(None)).group_by(line.tax_rate_code))
        if code is not None:
            stmt = stmt.where(line.tax_rate_code == code)
        for key, latest in session.execute(stmt):
            if latest is not None and (key not in found or latest > found[key]):
                found[key] = latest
    return found


@dataclass(frozen=True)
class RateRow:
    """One dated rate as the tax settings page lists it; ``state``: current (in force today),
    scheduled (from a later day) or superseded; ``last_used``: the latest document date at the code."""

    code: str
    name: str
    rate: Decimal
    valid_from: date
    is_exempt: bool
    state: str
    last_used: date | None


def rate_history(session: Session, on: date | None = None) -> list[RateRow]:
    """Every dated rate, by code and newest first."""
    day = on or current_day()
    rows = session.execute(select(TaxRate).order_by(TaxRate.code, TaxRate.valid_from.desc())).scalars().all()
    used = last_used_by_code(session)
    out, seen = [], set()
    for r in rows:
        if r.valid_from > day:
            state = "scheduled"
        elif r.code in seen:
            state = "superseded"
        else:
            state = "current"
            seen.add(r.code)
        out.append(RateRow(r.code, r.name, r.rate, r.valid_from, bool(r.is_exempt), state, used.get(r.code)))
    return out


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


def set_category_rate(session: Session, category_id: Any, code: Any) -> ProductCategory:
    """A category's default rate code (blank: none; its products then look at the parent category)."""
    category = get_or_fail(session, ProductCategory, category_id, "product_category", field="category_id")
    set_default_code(session, category, code)
    return category


def set_product_rate(session: Session, product_id: Any, code: Any) -> Product:
    """A product's own default rate code (blank: its category's)."""
    product = get_or_fail(session, Product, product_id, "product", field="product_id")
    set_default_code(session, product, code)
    return product


def is_small_scale(session: Session, on: date | None = None) -> bool:
    """The company setting 小规模纳税人 (input VAT is part of the cost) on ``on``: the flag from its
    effective date (``company.small_scale_from``) on, the other status before it; without a date
    (or ``on``) the flag as it stands."""
    row = session.execute(select(Company.small_scale_taxpayer, Company.small_scale_from)
                          .order_by(Company.id).limit(1)).first()
    if row is None:
        return False
    flag, since = bool(row[0]), row[1]
    if on is not None and since is not None and on < since:
        return not flag
    return flag


@dataclass(frozen=True)
class TaxpayerStatus:
    small_scale: bool
    effective_from: date | None
    last_receipt: date | None  # the latest posted goods receipt: a change must be dated after it


def taxpayer_status(session: Session) -> TaxpayerStatus:
    row = session.execute(select(Company.small_scale_taxpayer, Company.small_scale_from)
                          .order_by(Company.id).limit(1)).first()
    last = session.execute(select(func.max(GoodsReceipt.receipt_date))).scalar_one_or_none()
    return TaxpayerStatus(bool(row[0]) if row else False, row[1] if row else None, last)


def set_small_scale(session: Session, value: bool, effective_from: Any = None) -> Company:
    """Change the company's status from a date on: small-scale (True: input VAT enters the cost of
    every receipt from that date) or general taxpayer (False: receipts enter net of VAT).
    Receipts already posted keep their cost, so the date must be after the latest posted receipt;
    without a date the status holds from the start, which only a company without receipts may say."""
    company = session.execute(select(Company).order_by(Company.id).limit(1)).scalar_one_or_none()
    if company is None:
        raise ValidationError("not_found", field="company", entity="entity.company", key="")
    last = session.execute(select(func.max(GoodsReceipt.receipt_date))).scalar_one_or_none()
    if bool(value) == bool(company.small_scale_taxpayer):
        raise ValidationError("small_scale_unchanged", field="small_scale_taxpayer")
    if effective_from in (None, ""):
        if last is not None:
            raise ValidationError("required", field="small_scale_from", field_label="field.small_scale_from")
        when = None
    else:
        when = effective_date(effective_from, "small_scale_from")
        if last is not None and when <= last:
            raise ValidationError("small_scale_after_receipts", field="small_scale_from", value=when.isoformat(),
                                  last=last.isoformat())
    company.small_scale_taxpayer, company.small_scale_from = bool(value), when
    session.flush()
    return company


def prices_include_tax(session: Session, partner: Supplier | Customer, *, product_id: int | None = None,
                       on: date | None = None) -> bool:
    """How a partner states prices: the price-list row in force for the product says it (a supplier's
    row; a customer's own row, else its price group's: ``price_lists.in_force``), else the
    supplier's or customer's own setting."""
    if product_id is not None and on is not None:
        listed = price_lists.in_force(session, partner, product_id, on)
        if listed is not None:
            return listed.includes_tax
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
