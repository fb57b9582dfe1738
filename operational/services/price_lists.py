"""Price lists (价目表) of both sides, with one rule for which price applies.

A price list row says: this partner (a supplier; a customer, or a customer price group) pays this
price for this product from this date on, stated with VAT (含税价) or without (不含税价). A new
price is a new row, so the rows are the price history, and **the price in force on a date is the
latest row valid from that date or earlier** (``in_force``). The same rule serves

- the supplier price list (``supplier_price``, kept by ``purchasing.set_supplier_price``) for
  purchase orders and the replenishment drafts, and
- the customer price list (``customer_price``, kept by ``set_customer_price``) for sales orders:
  the customer's own row, else its price group's row;

as the default unit price of an order line (the order forms prefill it; an order line entered
without a price takes it: ``fill_prices``), and as how that price is stated
(``tax.prices_include_tax`` asks ``in_force``), so a tax-inclusive list price 113.00 at 13 % is
an order line of net 100.00 + tax 13.00 whatever the partner's own setting says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import Customer, CustomerPrice, Product, Supplier, SupplierPrice
from operational.services.errors import ValidationError
from operational.services.validation import get_or_fail, non_negative, required_date

if TYPE_CHECKING:  # orders imports tax, which asks this module: no import cycle at run time
    from operational.services.orders import OrderLineInput

GROUP_MAX = 20


@dataclass(frozen=True)
class ListPrice:
    """The price list row in force for a partner, product and date."""

    price: Decimal
    includes_tax: bool
    valid_from: date
    source: str  # "supplier", "customer" (the customer's own row) or "group" (its price group's)


def _latest(session: Session, model: type, product_id: int, on: date, *where: Any) -> Any:
    """The one rule: the latest row valid from ``on`` or earlier."""
    return session.execute(select(model).where(model.product_id == product_id, model.valid_from <= on, *where)
                           .order_by(model.valid_from.desc()).limit(1)).scalar_one_or_none()


def supplier_row(session: Session, supplier_id: int, product_id: int, on: date) -> SupplierPrice | None:
    return _latest(session, SupplierPrice, product_id, on, SupplierPrice.supplier_id == supplier_id)


def customer_row(session: Session, customer: Customer, product_id: int, on: date) -> CustomerPrice | None:
    """The customer's own row in force, else its price group's (a customer's own price wins, even an
    older one: it was agreed with that customer)."""
    own = _latest(session, CustomerPrice, product_id, on, CustomerPrice.customer_id == customer.id)
    if own is not None or not customer.price_group:
        return own
    return _latest(session, CustomerPrice, product_id, on, CustomerPrice.price_group == customer.price_group)


def in_force(session: Session, partner: Supplier | Customer, product_id: int, on: date) -> ListPrice | None:
    """The price list's price of ``product_id`` for ``partner`` on ``on``, or None without one."""
    if isinstance(partner, Supplier):
        row = supplier_row(session, partner.id, product_id, on)
        return None if row is None else ListPrice(row.price, bool(row.price_includes_tax), row.valid_from, "supplier")
    row = customer_row(session, partner, product_id, on)
    if row is None:
        return None
    return ListPrice(row.price, bool(row.price_includes_tax), row.valid_from,
                     "customer" if row.customer_id is not None else "group")


def default_price(session: Session, partner_model: type, partner_id: int | None, product_id: int | None,
                  on: date | None) -> ListPrice | None:
    """What an order form prefills for a line: the partner's list price on the order date."""
    if partner_id is None or product_id is None or on is None:
        return None
    partner = session.get(partner_model, partner_id)
    return None if partner is None else in_force(session, partner, product_id, on)


def fill_prices(session: Session, partner_model: type, partner_id: int | None, order_date: Any,
                lines: Sequence[OrderLineInput]) -> list[OrderLineInput]:
    """Order lines with a blank unit price take the partner's list price on the order date (a typed
    price is never replaced). Anything that cannot be looked up is left for the order's own checks,
    which name the field."""
    try:
        on = required_date(order_date, "order_date")
    except ValidationError:
        return list(lines)
    partner = session.get(partner_model, partner_id) if isinstance(partner_id, int) else None
    out = []
    for line in lines:
        blank = line.unit_price is None or (isinstance(line.unit_price, str) and not line.unit_price.strip())
        listed = (in_force(session, partner, line.product_id, on)
                  if blank and partner is not None and isinstance(line.product_id, int) else None)
        out.append(line if listed is None else replace(line, unit_price=listed.price))
    return out


# --- the customer price list -----------------------------------------------------------------------

def _group(value: Any, field: str = "price_group") -> str | None:
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if len(text) > GROUP_MAX:
        raise ValidationError("too_long", field=field, entity="entity.customer_price", field_label=f"field.{field}",
                              max_length=GROUP_MAX, length=len(text))
    return text


def set_customer_price_group(session: Session, customer_id: Any, group: Any) -> Customer:
    """Put a customer in a price group (批发, 零售, …), or take it out with a blank group."""
    customer = get_or_fail(session, Customer, customer_id, "customer", field="customer_id")
    customer.price_group = _group(group)
    session.flush()
    return customer


def price_groups(session: Session) -> list[str]:
    """Every price group in use, by customers or by price-list rows."""
    found = set(session.execute(select(Customer.price_group).where(Customer.price_group.is_not(None))).scalars())
    found |= set(session.execute(select(CustomerPrice.price_group)
                                 .where(CustomerPrice.price_group.is_not(None))).scalars())
    return sorted(found)


def set_customer_price(session: Session, product_id: Any, price: Any, valid_from: Any, *,
                       customer_id: Any = None, price_group: Any = None, currency: str = "CNY",
                       price_includes_tax: bool | None = None) -> CustomerPrice:
    """Record a selling price for one customer or one price group (exactly one) from a date on.
    Earlier rows stay as the price history; a second price for the same day replaces that day's row.
    ``price_includes_tax``: the price is 含税价; None: as the customer states its prices (a group:
    without tax)."""
    group = _group(price_group)
    if (customer_id in (None, "")) == (group is None):
        raise ValidationError("customer_or_group", field="customer_id", field_label="field.customer")
    customer = (get_or_fail(session, Customer, customer_id, "customer", field="customer_id")
                if group is None else None)
    product = get_or_fail(session, Product, product_id, "product", field="product_id")
    when = required_date(valid_from, "valid_from")
    includes = (bool(price_includes_tax) if price_includes_tax is not None
                else bool(customer.prices_include_tax) if customer is not None else False)
    values = dict(price=non_negative(price, "unit_price"), currency=(currency or "CNY").strip().upper()[:3] or "CNY",
                  price_includes_tax=includes)
    who = (CustomerPrice.customer_id == customer.id if customer is not None
           else CustomerPrice.price_group == group)
    row = session.execute(select(CustomerPrice).where(who, CustomerPrice.product_id == product.id,
                                                      CustomerPrice.valid_from == when)).scalar_one_or_none()
    if row is None:
        row = CustomerPrice(customer_id=customer.id if customer is not None else None, price_group=group,
                            product_id=product.id, valid_from=when, **values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.flush()
    return row


@dataclass(frozen=True)
class CustomerPriceRow:
    """One row of a customer's or group's price list; ``state`` is current (in force on the day
    asked about), scheduled (valid from a later day) or superseded (an earlier price)."""

    product_id: int
    sku: str
    product_name: str
    unit: str
    valid_from: date
    price: Decimal
    currency: str
    price_includes_tax: bool
    state: str


def customer_price_list(session: Session, on: date, *, customer_id: int | None = None,
                        price_group: str | None = None) -> list[CustomerPriceRow]:
    """The whole price history of a customer's own rows or of a group's, by SKU and newest first."""
    who = (CustomerPrice.customer_id == customer_id if customer_id is not None
           else CustomerPrice.price_group == price_group)
    rows = session.execute(select(CustomerPrice, Product.sku, Product.name, Product.unit)
                           .join(Product, Product.id == CustomerPrice.product_id).where(who)
                           .order_by(Product.sku, CustomerPrice.valid_from.desc())).all()
    states = history_states([(price.product_id, price.valid_from) for price, *_ in rows], on)
    return [CustomerPriceRow(price.product_id, sku, name, unit, price.valid_from, price.price, price.currency,
                             bool(price.price_includes_tax), state)
            for (price, sku, name, unit), state in zip(rows, states, strict=True)]


def history_states(rows: Sequence[tuple[int, date]], on: date) -> list[str]:
    """The state on ``on`` of each row of a price history given as (product id, valid from), by
    product and newest first: ``scheduled`` (not yet valid), ``current`` (the latest valid row of its
    product) or ``superseded``. One rule for the supplier and the customer price lists."""
    states, seen = [], set()
    for product_id, valid_from in rows:
        if valid_from > on:
            states.append("scheduled")
        elif product_id in seen:
            states.append("superseded")
        else:
            states.append("current")
            seen.add(product_id)
    return states
