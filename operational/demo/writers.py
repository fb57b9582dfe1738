"""Records the simulator's decisions through the operational services, one transaction per
simulated day, exactly as clerks would (every invariant the services keep holds).

Speed: master data and open orders (with their lines) are loaded once, kept by the writer and
re-attached to each day's session (no SQL), so the services' ``session.get`` calls and
``order.lines`` hit the identity map instead of the database. That is safe because the writer
is the only one changing them while it runs: the services update these very objects, and
``expire_on_commit=False`` keeps their committed state between days.

Receipts, shipments, returns, transfers and stocktakes are not kept: a return or a late-posted
count loads its document again (they are few). With ``guarded`` (others may write meanwhile) a
document the store refuses is undone alone (a savepoint) and reported to the simulator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from operational.db import unit_of_work
from operational.demo.profiles import CustomerProfile
from operational.demo.simulator import BACKORDER_REASON, CREDIT_NOTE, CreditOverrun, OrderLines
from operational.demo.world import (
    CountSheet,
    Delivery,
    DocRef,
    Key,
    Line,
    Order,
    ReturnItem,
    State,
    Transfer,
    TransferLine,
)
from operational.models import Customer, Product, PurchaseOrder, SalesOrder, Supplier, Warehouse
from operational.services import (
    inventory,
    masterdata,
    purchasing,
    returns,
    sales,
    stocktakes,
    transfers,
    units,
)
from operational.services.credit import CreditLimitError
from operational.services.errors import DomainError, InsufficientStockError
from operational.services.orders import FulfilLineInput, LandedCosts, OrderLineInput

CHUNK = 500  # ids per IN (...) list
T = TypeVar("T")


class ServiceWriter:
    def __init__(self, engine: Engine, users: dict[str, int], state: State, *, guarded: bool = False) -> None:
        self.engine = engine
        self.users = users
        self.guarded = guarded  # True when others may write to the store during the run
        self._session: Session | None = None
        self._master: list[Any] = []
        self._orders: dict[tuple[str, int], Any] = {}
        with unit_of_work(engine) as session:
            self.cases = units.purchase_units(session)  # bought by the case (多单位)
            for model in (Product, Warehouse, Supplier, Customer):
                self._master.extend(session.execute(select(model)).scalars())
            for model, kind, ids in ((PurchaseOrder, "purchase", list(state.purchase_orders)),
                                     (SalesOrder, "sales", list(state.sales_orders))):
                for start in range(0, len(ids), CHUNK):
                    for order in session.execute(select(model).where(model.id.in_(ids[start:start + CHUNK]))
                                                 .options(selectinload(model.lines))).scalars():
                        self._orders[(kind, order.id)] = order

    @contextmanager
    def day(self, on: date) -> Iterator[None]:
        # no_autoflush: the services flush explicitly after each document; autoflush would add a
        # flush before every statement (one INSERT per ledger row instead of one per document)
        with unit_of_work(self.engine) as session, session.no_autoflush:
            session.add_all(self._master)
            session.add_all(self._orders.values())
            self._session = session
            try:
                yield
            finally:
                self._session = None

    @property
    def session(self) -> Session:
        assert self._session is not None, "writer used outside a simulated day"
        return self._session

    def create_purchase_order(self, supplier_id: int, warehouse_id: int, on: date, expected: date,
                              lines: OrderLines) -> tuple[int, str, list[int]]:
        po = purchasing.create_purchase_order(
            self.session, supplier_id, warehouse_id, on, purchase_inputs(lines, self.cases), expected_date=expected,
            user_id=self.users.get("purchasing"))
        self._orders[("purchase", po.id)] = po
        return po.id, po.doc_no, [ln.id for ln in po.lines]

    def confirm_purchase_order(self, order: Order) -> None:
        purchasing.confirm_purchase_order(self.session, order.id)

    def cancel_purchase_order(self, order: Order) -> None:
        purchasing.cancel_purchase_order(self.session, order.id)

    def close_purchase_order(self, order: Order, on: date) -> None:
        purchasing.close_purchase_order(self.session, order.id, reason=BACKORDER_REASON, on=on,
                                        user_id=self.users.get("purchasing"))

    def receive(self, order: Order, on: date, lines: list[Delivery], landed: LandedCosts | None) -> DocRef:
        receipt = purchasing.receive_goods(
            self.session, order.id, on, [FulfilLineInput(d.line.id, d.accepted, d.rejected, d.reason) for d in lines],
            user_id=self.users.get("warehouse"), landed=landed)
        return DocRef(receipt.id, receipt.doc_no, order.partner_id, order.warehouse_id,
                      {rl.po_line_id: rl.id for rl in receipt.lines})

    def create_sales_order(self, customer: CustomerProfile, warehouse_id: int, on: date, required: date,
                           lines: OrderLines) -> tuple[int, str, list[int]]:
        so = sales.create_sales_order(
            self.session, customer.id, warehouse_id, on, _inputs(lines), required_date=required,
            salesperson_id=customer.salesperson_id, user_id=self.users.get("sales"))
        self._orders[("sales", so.id)] = so
        return so.id, so.doc_no, [ln.id for ln in so.lines]

    def confirm_sales_order(self, order: Order, credit: CreditOverrun | None = None) -> None:
        if credit is None:
            try:
                sales.confirm_sales_order(self.session, order.id)
                return
            except CreditLimitError:
                # The simulator's mirror knows orders only; the store also counts open invoices
                # (receivables pass, on continued days). The manager approves, as for any overrun.
                pass
        sales.approve_and_confirm(self.session, order.id, self.users["manager"], note=CREDIT_NOTE)

    def cancel_sales_order(self, order: Order) -> None:
        sales.cancel_sales_order(self.session, order.id)

    def ship(self, order: Order, on: date, lines: list[tuple[Line, Decimal]]) -> DocRef | None:
        inputs = [FulfilLineInput(ln.id, q) for ln, q in lines]
        shipment = self._attempt(lambda: sales.ship_goods(self.session, order.id, on, inputs,
                                                          user_id=self.users.get("warehouse")),
                                 (InsufficientStockError,))
        if shipment is None:
            return None
        return DocRef(shipment.id, shipment.doc_no, order.partner_id, order.warehouse_id,
                      {sl.so_line_id: sl.id for sl in shipment.lines})

    def _attempt(self, post: Callable[[], T], refusals: tuple[type[Exception], ...] = (DomainError,)) -> T | None:
        """Post a document; when others write to the store meanwhile (clerks may have taken the
        stock), a refusal undoes only this document and comes back as None."""
        if not self.guarded:
            return post()
        try:
            with self.session.begin_nested():
                return post()
        except refusals:
            return None

    def set_supplier_price(self, supplier_id: int, product_id: int, price: Decimal, valid_from: date, *,
                           order_multiple: int, lead_time: int, preferred: bool) -> None:
        purchasing.set_supplier_price(self.session, supplier_id, product_id, price, valid_from,
                                      min_order_qty=order_multiple, order_multiple=order_multiple,
                                      lead_time_days=lead_time, is_preferred=preferred)

    def set_supplier_status(self, supplier_id: int, status: str) -> None:
        masterdata.set_supplier_status(self.session, supplier_id, status)

    def return_to_supplier(self, receipt: DocRef, on: date, items: list[ReturnItem], reason: str) -> bool:
        lines = [returns.ReturnLineInput(item.doc_line_id, item.quantity) for item in items]
        return self._attempt(lambda: returns.return_to_supplier(
            self.session, receipt.id, on, lines, reason=reason, user_id=self.users.get("purchasing"))) is not None

    def return_from_customer(self, shipment: DocRef, on: date, items: list[ReturnItem], reason: str,
                             disposition: str, warehouse_id: int) -> bool:
        """The services find the quarantine warehouse themselves (``warehouse_id`` is the same one)."""
        lines = [returns.ReturnLineInput(item.doc_line_id, item.quantity) for item in items]
        return self._attempt(lambda: returns.return_from_customer(
            self.session, shipment.id, on, lines, reason=reason, disposition=disposition,
            user_id=self.users.get("warehouse"))) is not None

    def ship_transfer(self, from_warehouse_id: int, to_warehouse_id: int, on: date,
                      lines: list[tuple[int, Decimal]]) -> Transfer | None:
        doc = self._attempt(lambda: transfers.ship_transfer(
            self.session, from_warehouse_id, to_warehouse_id, on,
            [transfers.TransferLineInput(pid, qty) for pid, qty in lines], user_id=self.users.get("warehouse")))
        if doc is None:
            return None
        return Transfer(doc.id, doc.doc_no, doc.from_warehouse_id, doc.to_warehouse_id, doc.transit_warehouse_id,
                        doc.ship_date, [TransferLine(tl.id, tl.product_id, tl.quantity) for tl in doc.lines])

    def receive_transfer(self, transfer: Transfer, on: date, received: dict[int, Decimal]) -> bool:
        return self._attempt(lambda: transfers.receive_transfer(
            self.session, transfer.id, on, received, user_id=self.users.get("warehouse"))) is not None

    def open_stocktake(self, warehouse_id: int, on: date, book: list[tuple[int, Decimal]]) -> CountSheet:
        sheet = stocktakes.open_stocktake(self.session, warehouse_id, on, user_id=self.users.get("warehouse"))
        return CountSheet(sheet.id, sheet.doc_no, warehouse_id, on,
                          [(line.id, line.product_id, line.book_qty) for line in sheet.lines])

    def post_stocktake(self, sheet: CountSheet, counts: dict[int, Decimal]) -> bool:
        def post() -> Any:
            stocktakes.record_counts(self.session, sheet.id, counts)
            return stocktakes.post_stocktake(self.session, sheet.id, user_id=self.users.get("warehouse"))
        if self._attempt(post) is not None:
            return True
        with suppress(DomainError):  # counted against stock that has moved since: void the sheet
            stocktakes.cancel_stocktake(self.session, sheet.id)
        return False

    def stock(self, key: Key) -> Decimal:
        return inventory.on_hand(self.session, *key)

    def close(self, order: Order, kind: str) -> None:
        """The services wrote the order's final state as it happened; stop carrying it."""
        self._orders.pop((kind, order.id), None)

    def finish(self, state: State) -> None:
        """Nothing to do: every day was committed."""


def _inputs(lines: OrderLines) -> list[OrderLineInput]:
    return [OrderLineInput(pid, qty, price, disc) for pid, qty, price, disc in lines]


def purchase_inputs(lines: OrderLines, cases: dict[int, tuple[str, Decimal]]) -> list[OrderLineInput]:
    """Purchase order lines as the buyer types them: a product bought by the case in whole cases at
    the price of a case (40 瓶 at 2.50 → 4 箱 of 10 at 25.00)."""
    return [OrderLineInput(**case_line(pid, qty, price, cases), discount_rate=disc)
            for pid, qty, price, disc in lines]


def case_line(pid: int, qty: Decimal, price: Decimal, cases: dict[int, tuple[str, Decimal]]) -> dict[str, Any]:
    """The product, quantity, price and unit of a purchase line: in the product's purchase unit when
    the quantity is a whole number of it, else in the base unit. Both writers use it."""
    unit, factor = cases.get(pid, (None, Decimal(1)))
    whole = units.in_whole_units(qty, factor) if unit is not None else None
    if whole is None:
        return {"product_id": pid, "quantity": qty, "unit_price": price}
    return {"product_id": pid, "quantity": whole, "unit_price": price * factor, "unit": unit}
