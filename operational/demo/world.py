"""What the simulator knows about the company, read back from the store: master data with the
behaviour derived from it, and the live state (stock, open orders) it continues from.

``generate`` and ``simulate_days`` both start here, so a continued run follows the same rules
as the first one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.demo import catalog
from operational.demo.profiles import (
    CustomerProfile,
    ProductProfile,
    SupplierProfile,
    customer_profile,
    product_profile,
    supplier_profile,
)
from operational.models import (
    CANCELLED,
    COMPLETED,
    AppUser,
    Company,
    Customer,
    GoodsReceipt,
    Product,
    ProductCategory,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    StockBalance,
    StockLedger,
    StockLimit,
    Supplier,
    Warehouse,
)

Key = tuple[int, int]  # (product_id, warehouse_id)


@dataclass
class World:
    key: str  # the company's name: seeds every derived behaviour
    warehouse_ids: list[int]
    products: dict[int, ProductProfile]
    suppliers: dict[int, SupplierProfile]
    customers: list[CustomerProfile]
    limits: dict[Key, tuple[Decimal, Decimal]]
    users: dict[str, int]  # role → user id, for created_by
    activity: float = 1.0  # share of scheduled orders actually placed (calibrates volume to scale)


@dataclass
class Line:
    id: int
    product_id: int
    quantity: Decimal
    done: Decimal = Decimal(0)  # received or shipped

    @property
    def open(self) -> Decimal:
        return self.quantity - self.done


@dataclass
class Order:
    """An open purchase or sales order as the simulator tracks it."""

    id: int
    doc_no: str
    partner_id: int
    warehouse_id: int
    order_date: date
    due_date: date | None
    status: str
    lines: list[Line]
    plan: Any = None  # the order's future: a simulator.PurchasePlan or SalesPlan


@dataclass
class State:
    on_hand: dict[Key, Decimal]
    incoming: dict[Key, Decimal]  # open purchase quantity
    backlog: dict[Key, Decimal]  # open sales quantity still to ship
    purchase_orders: dict[int, Order]  # open ones only, by id (creation order)
    sales_orders: dict[int, Order]


def load_world(session: Session) -> World:
    company = session.execute(select(Company).order_by(Company.id)).scalars().first()
    if company is None:
        raise RuntimeError("the store has no company record: run generate() on an empty store first")
    key = company.name
    warehouses = session.execute(select(Warehouse).where(Warehouse.is_active.is_(True)).order_by(Warehouse.id)).scalars().all()
    wh_by_code = {w.code: w.id for w in warehouses}
    region_wh = {region: wh_by_code[code] for code, *_, regions in catalog.WAREHOUSES if code in wh_by_code
                 for region in regions}
    cats = session.execute(select(ProductCategory.id, ProductCategory.code).order_by(ProductCategory.id)).all()
    cat_index = {cid: (n, code) for n, (cid, code) in enumerate(cats)}
    supplier_rows = session.execute(
        select(Supplier.id, Supplier.code, Supplier.lead_time_days, Supplier.status).order_by(Supplier.id)
    ).all()
    suppliers = [supplier_profile(key, n, sid, code, lead, max(1, len(cats)))
                 for n, (sid, code, lead, _status) in enumerate(supplier_rows)]
    active_suppliers = [s for s, row in zip(suppliers, supplier_rows, strict=True) if row.status == "active"]
    products = {}
    for p in session.execute(select(Product).where(Product.is_active.is_(True)).order_by(Product.id)).scalars():
        n, code = cat_index.get(p.category_id, (0, ""))
        products[p.id] = product_profile(key, p.id, p.sku, n, code, p.list_price, p.standard_cost,
                                         p.allow_negative, active_suppliers)
    product_list = list(products.values())
    customers = [
        customer_profile(key, c.id, c.code, region_wh.get(c.region or "", warehouses[0].id), c.salesperson_id,
                         product_list, max(1, len(cats)))
        for c in session.execute(select(Customer).order_by(Customer.id)).scalars()
    ]
    limits = {(r.product_id, r.warehouse_id): (r.min_qty, r.max_qty if r.max_qty is not None else r.min_qty)
              for r in session.execute(select(StockLimit).order_by(StockLimit.id)).scalars()
              if r.product_id in products}
    users: dict[str, int] = {}
    for uid, role in session.execute(select(AppUser.id, AppUser.role).order_by(AppUser.id)):
        users.setdefault(role, uid)
    return World(key=key, warehouse_ids=[w.id for w in warehouses], products=products,
                 suppliers={s.id: s for s in suppliers}, customers=customers, limits=limits, users=users)


def load_state(session: Session) -> State:
    on_hand = {(p, w): q for p, w, q in session.execute(
        select(StockBalance.product_id, StockBalance.warehouse_id, StockBalance.quantity).order_by(StockBalance.id))}
    pos = _open_orders(session, PurchaseOrder, PurchaseOrderLine, PurchaseOrder.supplier_id,
                       PurchaseOrder.expected_date, PurchaseOrderLine.received_qty)
    sos = _open_orders(session, SalesOrder, SalesOrderLine, SalesOrder.customer_id,
                       SalesOrder.required_date, SalesOrderLine.shipped_qty)
    return State(on_hand=on_hand, incoming=_open_qty(pos), backlog=_open_qty(sos),
                 purchase_orders=pos, sales_orders=sos)


def _open_orders(session: Session, model: type, line_model: type, partner_col, due_col, done_col) -> dict[int, Order]:  # type: ignore[no-untyped-def]
    orders: dict[int, Order] = {}
    for row in session.execute(
        select(model.id, model.doc_no, partner_col, model.warehouse_id, model.order_date, due_col, model.status)
        .where(model.status.not_in((COMPLETED, CANCELLED))).order_by(model.id)
    ):
        orders[row[0]] = Order(id=row[0], doc_no=row[1], partner_id=row[2], warehouse_id=row[3],
                               order_date=row[4], due_date=row[5], status=row[6], lines=[])
    if orders:
        for lid, oid, pid, qty, done in session.execute(
            select(line_model.id, line_model.order_id, line_model.product_id, line_model.quantity, done_col)
            .join(model, model.id == line_model.order_id)
            .where(model.status.not_in((COMPLETED, CANCELLED))).order_by(line_model.id)
        ):
            orders[oid].lines.append(Line(lid, pid, qty, done))
    return orders


def _open_qty(orders: dict[int, Order]) -> dict[Key, Decimal]:
    out: dict[Key, Decimal] = {}
    for order in orders.values():
        for line in order.lines:
            k = (line.product_id, order.warehouse_id)
            out[k] = out.get(k, Decimal(0)) + line.open
    return out


def last_activity_date(session: Session) -> date | None:
    """The latest date anything happened on: an order, a receipt, a shipment or a ledger row."""
    candidates = [
        session.execute(select(func.max(col))).scalar()
        for col in (SalesOrder.order_date, PurchaseOrder.order_date, GoodsReceipt.receipt_date,
                    Shipment.ship_date, StockLedger.movement_date)
    ]
    dates = [d for d in candidates if d is not None]
    return max(dates) if dates else None
