"""Helpers for the receivables tests: cash accounts, users, and shipments worth a stated amount."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from operational.models import AppUser, Shipment
from operational.services import auth, cash, purchasing, sales
from operational.services.orders import OrderLineInput as L


def bank(session: Session, code: str = "B01") -> int:
    return cash.create_account(session, code, f"{code} 工商银行", kind="bank").id


def user(session: Session, role: str) -> AppUser:
    return auth.create_user(session, f"{role}_user", "secret-pass-1", role, role, iterations=1000)


def ship(session: Session, t, quantity: int | str, price: str, on: str, *, product: int | None = None,
         customer: int | None = None) -> Shipment:
    """Receive ``quantity`` of water and ship it to the customer at ``price`` on ``on``."""
    product = product or t.water
    po = purchasing.create_purchase_order(session, t.supplier, t.wh1, on, [L(product, quantity, "1")])
    purchasing.confirm_purchase_order(session, po.id)
    purchasing.receive_all(session, po.id, on)
    so = sales.create_sales_order(session, customer or t.customer, t.wh1, on, [L(product, quantity, price, 0)])
    sales.confirm_sales_order(session, so.id)
    return sales.ship_all(session, so.id, on)


def d(value: str) -> Decimal:
    return Decimal(value)
