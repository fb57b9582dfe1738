"""What the simulator knows about the company, read back from the store: master data with the
behaviour derived from it, and the live state (stock, open orders, transfers on the road, count
sheets not yet posted) it continues from.

``generate`` and ``simulate_days`` both start here, so a continued run follows the same rules
as the first one. Returns the simulator has planned but not yet made are not stored anywhere, so
a run that ends before their day simply never makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    CLOSED,
    COMPLETED,
    COUNTING,
    IN_TRANSIT,
    QUARANTINE,
    AppUser,
    Company,
    Customer,
    GoodsReceipt,
    Product,
    ProductCategory,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    Shipment,
    StockBalance,
    StockLedger,
    StockLimit,
    Stocktake,
    StocktakeLine,
    StockTransfer,
    StockTransferLine,
    Supplier,
    Warehouse,
)

Key = tuple[int, int]  # (product_id, warehouse_id)


@dataclass
class World:
    key: str  # the company's name: seeds every derived behaviour
    warehouse_ids: list[int]  # the normal (selling) warehouses
    products: dict[int, ProductProfile]
    suppliers: dict[int, SupplierProfile]
    customers: list[CustomerProfile]
    limits: dict[Key, tuple[Decimal, Decimal]]
    users: dict[str, int]  # role → user id, for created_by
    activity: float = 1.0  # share of scheduled orders actually placed (calibrates volume to scale)
    quarantine_id: int | None = None  # 待检仓 for customer returns awaiting inspection, if the store has one

    def set_supplier_status(self, supplier_id: int, status: str) -> None:
        """A supplier on hold or blocked takes no more orders: its products are bought from their
        other source, or from the first active supplier when they have none."""
        self.suppliers[supplier_id].status = status
        if status == "active":
            return
        fallback = next((s.id for s in self.suppliers.values() if s.status == "active"), None)
        for product in self.products.values():
            if supplier_id in product.supplier_ids:
                product.supplier_ids = [s for s in product.supplier_ids if s != supplier_id]
                if not product.supplier_ids and fallback is not None:
                    product.supplier_ids = [fallback]


@dataclass
class Line:
    id: int
    product_id: int
    quantity: Decimal
    done: Decimal = Decimal(0)  # received or shipped
    amount: Decimal = Decimal(0)  # net line amount (sales orders: the credit check's exposure)
    cancelled: Decimal = Decimal(0)  # open quantity cancelled (a closed backorder): never due

    @property
    def open(self) -> Decimal:
        return self.quantity - self.done - self.cancelled


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
    # when the rest of a partly received order is due again (goods rejected at inspection are
    # replaced); not stored, so a continued run falls back to the plan's second delivery
    next_delivery: date | None = None


@dataclass(frozen=True)
class Delivery:
    """One line of a goods receipt: accepted into stock, and rejected at inspection with a reason."""

    line: Line
    accepted: Decimal
    rejected: Decimal = Decimal(0)
    reason: str | None = None


@dataclass
class DocRef:
    """A posted receipt or shipment, kept by the simulator only while a return against it is due."""

    id: int
    doc_no: str
    partner_id: int
    warehouse_id: int
    lines: dict[int, int]  # order line id → document line id
    ledger: dict[int, int] = field(default_factory=dict)  # document line id → its ledger row (bulk writer)


@dataclass(frozen=True)
class ReturnItem:
    """One line of a return: which receipt/shipment line goes back, how much of it."""

    doc_line_id: int
    product_id: int
    quantity: Decimal


@dataclass
class TransferLine:
    id: int
    product_id: int
    quantity: Decimal


@dataclass
class Transfer:
    """A transfer shipped and not yet received (on the road, in the in-transit warehouse)."""

    id: int
    doc_no: str
    from_warehouse_id: int
    to_warehouse_id: int
    transit_warehouse_id: int
    ship_date: date
    lines: list[TransferLine]


@dataclass
class CountSheet:
    """A stocktake opened (book quantities frozen) and not yet posted."""

    id: int
    doc_no: str
    warehouse_id: int
    count_date: date
    lines: list[tuple[int, int, Decimal]]  # line id, product id, book quantity


@dataclass
class State:
    on_hand: dict[Key, Decimal]
    incoming: dict[Key, Decimal]  # open purchase quantity (and transfers on their way in)
    backlog: dict[Key, Decimal]  # open sales quantity still to ship
    purchase_orders: dict[int, Order]  # open ones only, by id (creation order)
    sales_orders: dict[int, Order]
    transfers: dict[int, Transfer] = field(default_factory=dict)  # in transit, by id
    stocktakes: dict[int, CountSheet] = field(default_factory=dict)  # counting, by id


def load_world(session: Session) -> World:
    company = session.execute(select(Company).order_by(Company.id)).scalars().first()
    if company is None:
        raise RuntimeError("the store has no company record: run generate() on an empty store first")
    key = company.name
    active = session.execute(select(Warehouse).where(Warehouse.is_active.is_(True)).order_by(Warehouse.id)).scalars().all()
    # Only normal warehouses sell and buy; in-transit and quarantine are stock locations of their own.
    warehouses = [w for w in active if w.kind == "normal"]
    quarantine = next((w.id for w in active if w.kind == QUARANTINE), None)
    wh_by_code = {w.code: w.id for w in warehouses}
    region_wh = {region: wh_by_code[code] for code, *_, regions in catalog.WAREHOUSES if code in wh_by_code
                 for region in regions}
    cats = session.execute(select(ProductCategory.id, ProductCategory.code).order_by(ProductCategory.id)).all()
    cat_index = {cid: (n, code) for n, (cid, code) in enumerate(cats)}
    supplier_rows = session.execute(
        select(Supplier.id, Supplier.code, Supplier.lead_time_days, Supplier.status, Supplier.over_receipt_tolerance)
        .order_by(Supplier.id)
    ).all()
    suppliers = [supplier_profile(key, n, sid, code, lead, max(1, len(cats)), status=status, tolerance=tolerance)
                 for n, (sid, code, lead, status, tolerance) in enumerate(supplier_rows)]
    products = {}
    for p in session.execute(select(Product).where(Product.is_active.is_(True)).order_by(Product.id)).scalars():
        n, code = cat_index.get(p.category_id, (0, ""))
        products[p.id] = product_profile(key, p.id, p.sku, n, code, p.list_price, p.standard_cost,
                                         p.allow_negative, suppliers)
    product_list = list(products.values())
    customers = [
        customer_profile(key, c.id, c.code, region_wh.get(c.region or "", warehouses[0].id), c.salesperson_id,
                         product_list, max(1, len(cats)), credit_limit=c.credit_limit)
        for c in session.execute(select(Customer).order_by(Customer.id)).scalars()
    ]
    limits = {(r.product_id, r.warehouse_id): (r.min_qty, r.max_qty if r.max_qty is not None else r.min_qty)
              for r in session.execute(select(StockLimit).order_by(StockLimit.id)).scalars()
              if r.product_id in products}
    users: dict[str, int] = {}
    for uid, role in session.execute(select(AppUser.id, AppUser.role).order_by(AppUser.id)):
        users.setdefault(role, uid)
    world = World(key=key, warehouse_ids=[w.id for w in warehouses], products=products,
                  suppliers={s.id: s for s in suppliers}, customers=customers, limits=limits, users=users,
                  quarantine_id=quarantine)
    # The same rule as when the simulator itself puts a supplier on hold, so a continued run
    # buys each product where the first run would have.
    for s in suppliers:
        world.set_supplier_status(s.id, s.status)
    return world


def load_state(session: Session) -> State:
    on_hand = {(p, w): q for p, w, q in session.execute(
        select(StockBalance.product_id, StockBalance.warehouse_id, StockBalance.quantity).order_by(StockBalance.id))}
    pos = _open_orders(session, PurchaseOrder, PurchaseOrderLine, PurchaseOrder.supplier_id,
                       PurchaseOrder.expected_date, PurchaseOrderLine.received_qty)
    sos = _open_orders(session, SalesOrder, SalesOrderLine, SalesOrder.customer_id,
                       SalesOrder.required_date, SalesOrderLine.shipped_qty)
    transfers = _open_transfers(session)
    incoming = _open_qty(pos)
    for tr in transfers.values():  # on their way to the receiving warehouse
        for line in tr.lines:
            k = (line.product_id, tr.to_warehouse_id)
            incoming[k] = incoming.get(k, Decimal(0)) + line.quantity
    return State(on_hand=on_hand, incoming=incoming, backlog=_open_qty(sos), purchase_orders=pos,
                 sales_orders=sos, transfers=transfers, stocktakes=_open_stocktakes(session))


def _open_transfers(session: Session) -> dict[int, Transfer]:
    transfers = {t.id: Transfer(t.id, t.doc_no, t.from_warehouse_id, t.to_warehouse_id, t.transit_warehouse_id,
                                t.ship_date, [])
                 for t in session.execute(select(StockTransfer).where(StockTransfer.status == IN_TRANSIT)
                                          .order_by(StockTransfer.id)).scalars()}
    if transfers:
        for line in session.execute(select(StockTransferLine).join(StockTransfer)
                                    .where(StockTransfer.status == IN_TRANSIT).order_by(StockTransferLine.id)).scalars():
            transfers[line.transfer_id].lines.append(TransferLine(line.id, line.product_id, line.quantity))
    return transfers


def _open_stocktakes(session: Session) -> dict[int, CountSheet]:
    sheets = {t.id: CountSheet(t.id, t.doc_no, t.warehouse_id, t.count_date, [])
              for t in session.execute(select(Stocktake).where(Stocktake.status == COUNTING)
                                       .order_by(Stocktake.id)).scalars()}
    if sheets:
        for line in session.execute(select(StocktakeLine).join(Stocktake)
                                    .where(Stocktake.status == COUNTING).order_by(StocktakeLine.id)).scalars():
            sheets[line.stocktake_id].lines.append((line.id, line.product_id, line.book_qty))
    return sheets


def _open_orders(session: Session, model: type, line_model: type, partner_col, due_col, done_col) -> dict[int, Order]:  # type: ignore[no-untyped-def]
    orders: dict[int, Order] = {}
    for row in session.execute(
        select(model.id, model.doc_no, partner_col, model.warehouse_id, model.order_date, due_col, model.status)
        .where(model.status.not_in((COMPLETED, CANCELLED, CLOSED))).order_by(model.id)
    ):
        orders[row[0]] = Order(id=row[0], doc_no=row[1], partner_id=row[2], warehouse_id=row[3],
                               order_date=row[4], due_date=row[5], status=row[6], lines=[])
    if orders:
        for lid, oid, pid, qty, done, amount, cancelled in session.execute(
            select(line_model.id, line_model.order_id, line_model.product_id, line_model.quantity, done_col,
                   line_model.amount, line_model.cancelled_qty)
            .join(model, model.id == line_model.order_id)
            .where(model.status.not_in((COMPLETED, CANCELLED, CLOSED))).order_by(line_model.id)
        ):
            orders[oid].lines.append(Line(lid, pid, qty, done, amount, cancelled or Decimal(0)))
    return orders


def _open_qty(orders: dict[int, Order]) -> dict[Key, Decimal]:
    out: dict[Key, Decimal] = {}
    for order in orders.values():
        for line in order.lines:
            k = (line.product_id, order.warehouse_id)
            out[k] = out.get(k, Decimal(0)) + max(line.open, Decimal(0))  # over-delivered lines owe nothing
    return out


def last_activity_date(session: Session) -> date | None:
    """The latest date anything happened on: an order, a receipt, a shipment, a return, a
    transfer, a stocktake or a ledger row (a count without differences leaves no ledger row)."""
    candidates = [
        session.execute(select(func.max(col))).scalar()
        for col in (SalesOrder.order_date, PurchaseOrder.order_date, GoodsReceipt.receipt_date,
                    Shipment.ship_date, StockLedger.movement_date, PurchaseReturn.return_date,
                    SalesReturn.return_date, StockTransfer.ship_date, StockTransfer.receive_date,
                    Stocktake.count_date)
    ]
    dates = [d for d in candidates if d is not None]
    return max(dates) if dates else None
