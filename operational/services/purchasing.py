"""Purchasing (进货): supplier price lists, purchase orders, goods receipts with inspection and
landed costs, cancelling open quantity and closing backorders. Returns to suppliers are in ``returns``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    OrderLineCancellation,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    SupplierPrice,
)
from operational.services import orders, price_lists
from operational.services.errors import ValidationError
from operational.services.orders import (
    CancelLineInput,
    FulfilLineInput,
    LandedCosts,
    OrderHeader,
    OrderLineInput,
    open_quantity,
)
from operational.services.validation import get_or_fail, non_negative, positive, required_date

PURCHASE = orders.OrderKind(
    order_entity="purchase_order", order_model=PurchaseOrder, line_model=PurchaseOrderLine,
    partner_model=Supplier, partner_field="supplier_id", partner_entity="supplier",
    fulfil_entity="goods_receipt", fulfil_model=GoodsReceipt, fulfil_line_model=GoodsReceiptLine,
    fulfil_date_field="receipt_date", fulfil_line_ref="po_line_id", done_qty_field="received_qty",
    movement_type="receipt", sign=1, over_code="over_receipt", action="action.receive", carries_cost=True,
)


def create_purchase_order(session: Session, supplier_id: int | None, warehouse_id: int | None, order_date: Any,
                          lines: list[OrderLineInput], *, expected_date: Any = None, note: str | None = None,
                          user_id: int | None = None) -> PurchaseOrder:
    header = OrderHeader(partner_id=supplier_id, warehouse_id=warehouse_id, order_date=order_date,
                         due_date=expected_date, note=note)
    lines = price_lists.fill_prices(session, Supplier, supplier_id, order_date, lines)  # blank: the list price
    return orders.create_order(session, PURCHASE, header, lines, user_id=user_id, due_field="expected_date")


def confirm_purchase_order(session: Session, order_id: int) -> PurchaseOrder:
    return orders.confirm_order(session, PURCHASE, order_id)


def cancel_purchase_order(session: Session, order_id: int) -> PurchaseOrder:
    return orders.cancel_order(session, PURCHASE, order_id)


def close_purchase_order(session: Session, order_id: int, *, reason: Any, on: Any,
                         user_id: int | None = None) -> PurchaseOrder:
    """Close a partly received order: the backorder is cancelled line by line, with ``reason``."""
    return orders.close_order(session, PURCHASE, order_id, reason=reason, on=on, user_id=user_id)


def cancel_purchase_lines(session: Session, order_id: int, *, reason: Any, on: Any,
                          lines: list[CancelLineInput] | None = None,
                          user_id: int | None = None) -> list[OrderLineCancellation]:
    """Cancel open quantity of a confirmed or partly received order: the given lines (all that is
    open on a line when its quantity is blank), or every open line when ``lines`` is None."""
    return orders.cancel_open_quantity(session, PURCHASE, order_id, reason=reason, on=on, lines=lines,
                                       user_id=user_id)


def receive_goods(session: Session, order_id: int, receipt_date: date | str, lines: list[FulfilLineInput],
                  *, user_id: int | None = None, note: str | None = None,
                  landed: LandedCosts | None = None) -> GoodsReceipt:
    """Post a goods receipt (whole or partial) against a confirmed purchase order. Each line says
    what was accepted at inspection (enters stock) and what was rejected, with a reason; landed
    costs are spread over the accepted lines into their unit cost."""
    return orders.fulfil_order(session, PURCHASE, order_id, receipt_date, lines, user_id=user_id, note=note,
                               landed=landed)


def receive_all(session: Session, order_id: int, receipt_date: date | str, *, user_id: int | None = None) -> GoodsReceipt:
    """Receive everything still open on the order."""
    order = session.get(PurchaseOrder, order_id)
    lines = [FulfilLineInput(line.id, open_quantity(line, PURCHASE)) for line in order.lines] if order else []
    return receive_goods(session, order_id, receipt_date, lines, user_id=user_id)


def set_supplier_price(session: Session, supplier_id: int | None, product_id: int | None, price: Any,
                       valid_from: Any, *, currency: str = "CNY", min_order_qty: Any = 0, order_multiple: Any = 1,
                       lead_time_days: int | None = None, is_preferred: bool = False,
                       price_includes_tax: bool | None = None) -> SupplierPrice:
    """Record a supplier's price for a product from a date on. Earlier rows stay as its price
    history; a second price for the same day replaces that day's row. Marking a price preferred
    clears the flag on the product's other suppliers. ``price_includes_tax``: the price is 含税价;
    None: as the supplier states its prices."""
    supplier = get_or_fail(session, Supplier, supplier_id, "supplier", field="supplier_id")
    product = get_or_fail(session, Product, product_id, "product", field="product_id")
    when = required_date(valid_from, "valid_from")
    values = dict(price=non_negative(price, "unit_price"), currency=(currency or "CNY").upper()[:3],
                  min_order_qty=non_negative(min_order_qty or 0, "min_order_qty"),
                  order_multiple=positive(order_multiple or 1, "order_multiple"),
                  lead_time_days=lead_time_days, is_preferred=is_preferred,
                  price_includes_tax=(supplier.prices_include_tax if price_includes_tax is None
                                      else bool(price_includes_tax)))
    if lead_time_days is not None and lead_time_days < 0:
        raise ValidationError("must_not_be_negative", field="lead_time_days", field_label="field.lead_time_days")
    row = session.execute(select(SupplierPrice).where(
        SupplierPrice.supplier_id == supplier.id, SupplierPrice.product_id == product.id,
        SupplierPrice.valid_from == when)).scalar_one_or_none()
    if row is None:
        row = SupplierPrice(supplier_id=supplier.id, product_id=product.id, valid_from=when, **values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    if is_preferred:
        for other in session.execute(select(SupplierPrice).where(
                SupplierPrice.product_id == product.id, SupplierPrice.supplier_id != supplier.id,
                SupplierPrice.is_preferred.is_(True))).scalars():
            other.is_preferred = False
    session.flush()
    return row


def supplier_price(session: Session, supplier_id: int, product_id: int, on: date) -> SupplierPrice | None:
    """The price in force on a date: the latest row valid from that date or earlier (price_lists)."""
    return price_lists.supplier_row(session, supplier_id, product_id, on)


def default_price(session: Session, supplier_id: int | None, product_id: int | None,
                  on: date | None) -> price_lists.ListPrice | None:
    """The unit price a purchase order line starts from: the supplier's price list on the order date."""
    return price_lists.default_price(session, Supplier, supplier_id, product_id, on)


def round_to_order_terms(quantity: Decimal, price: SupplierPrice | None) -> Decimal:
    """Raise a wanted quantity to the supplier's minimum order and then to a whole order multiple."""
    if price is None or quantity <= 0:
        return quantity
    qty = max(quantity, price.min_order_qty)
    multiple = price.order_multiple or Decimal(1)
    steps = (qty / multiple).to_integral_value(rounding="ROUND_CEILING")
    return steps * multiple
