"""Records the simulator's decisions through the operational services, one transaction per
simulated day, exactly as clerks would (every invariant the services keep holds).

Speed: master data and open orders (with their lines) are loaded once, kept by the writer and
re-attached to each day's session (no SQL), so the services' ``session.get`` calls and
``order.lines`` hit the identity map instead of the database. That is safe because the writer
is the only one changing them while it runs: the services update these very objects, and
``expire_on_commit=False`` keeps their committed state between days.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from operational.db import unit_of_work
from operational.demo.profiles import CustomerProfile
from operational.demo.simulator import OrderLines
from operational.demo.world import Key, Line, Order, State
from operational.models import Customer, Product, PurchaseOrder, SalesOrder, Supplier, Warehouse
from operational.services import inventory, purchasing, sales
from operational.services.errors import InsufficientStockError
from operational.services.orders import FulfilLineInput, OrderLineInput

CHUNK = 500  # ids per IN (...) list


class ServiceWriter:
    def __init__(self, engine: Engine, users: dict[str, int], state: State, *, guarded: bool = False) -> None:
        self.engine = engine
        self.users = users
        self.guarded = guarded  # True when others may write to the store during the run
        self._session: Session | None = None
        self._master: list[Any] = []
        self._orders: dict[tuple[str, int], Any] = {}
        with unit_of_work(engine) as session:
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
            self.session, supplier_id, warehouse_id, on, _inputs(lines), expected_date=expected,
            user_id=self.users.get("purchasing"))
        self._orders[("purchase", po.id)] = po
        return po.id, po.doc_no, [ln.id for ln in po.lines]

    def confirm_purchase_order(self, order: Order) -> None:
        purchasing.confirm_purchase_order(self.session, order.id)

    def receive(self, order: Order, on: date, lines: list[tuple[Line, Decimal]]) -> None:
        purchasing.receive_goods(self.session, order.id, on, [FulfilLineInput(ln.id, q) for ln, q in lines],
                                 user_id=self.users.get("warehouse"))

    def create_sales_order(self, customer: CustomerProfile, warehouse_id: int, on: date, required: date,
                           lines: OrderLines) -> tuple[int, str, list[int]]:
        so = sales.create_sales_order(
            self.session, customer.id, warehouse_id, on, _inputs(lines), required_date=required,
            salesperson_id=customer.salesperson_id, user_id=self.users.get("sales"))
        self._orders[("sales", so.id)] = so
        return so.id, so.doc_no, [ln.id for ln in so.lines]

    def confirm_sales_order(self, order: Order) -> None:
        sales.confirm_sales_order(self.session, order.id)

    def cancel_sales_order(self, order: Order) -> None:
        sales.cancel_sales_order(self.session, order.id)

    def ship(self, order: Order, on: date, lines: list[tuple[Line, Decimal]]) -> bool:
        inputs = [FulfilLineInput(ln.id, q) for ln, q in lines]
        if not self.guarded:
            sales.ship_goods(self.session, order.id, on, inputs, user_id=self.users.get("warehouse"))
            return True
        # Clerks may be shipping from the same store meanwhile: a refusal undoes only this shipment.
        try:
            with self.session.begin_nested():
                sales.ship_goods(self.session, order.id, on, inputs, user_id=self.users.get("warehouse"))
        except InsufficientStockError:
            return False
        return True

    def stock(self, key: Key) -> Decimal:
        return inventory.on_hand(self.session, *key)

    def close(self, order: Order, kind: str) -> None:
        """The services wrote the order's final state as it happened; stop carrying it."""
        self._orders.pop((kind, order.id), None)

    def finish(self, state: State) -> None:
        """Nothing to do: every day was committed."""


def _inputs(lines: OrderLines) -> list[OrderLineInput]:
    return [OrderLineInput(pid, qty, price, disc) for pid, qty, price, disc in lines]
