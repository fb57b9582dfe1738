"""The demo company's working day: goods arrive, customers order, the warehouse ships what it
has, the purchasing clerk tops up what runs low.

The simulator decides; a writer (services or bulk, see ``writers.py`` / ``bulk.py``) records.
It keeps its own mirror of stock and open orders, so it never asks the services for something
they would refuse (no shipment beyond stock, no receipt beyond the order).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Protocol

from operational.demo.calendar import event_factor, next_workday, weekday_factor
from operational.demo.profiles import CustomerProfile, draws, pick_products, poisson
from operational.demo.world import Key, Line, Order, State, World
from operational.models import CANCELLED, COMPLETED, CONFIRMED, DRAFT, PARTIAL

ZERO = Decimal(0)
CENT = Decimal("0.01")
CANCEL_RATE = 0.03
CAN_ORDER = Decimal("1.5")  # joins a supplier's order when below 1.5 × min
COST_BASE_DAY = date(2024, 1, 1)  # purchase prices creep up ~3 % a year from here

OrderLines = list[tuple[int, Decimal, Decimal, Decimal]]  # product id, quantity, unit price, discount


@dataclass(frozen=True)
class PurchasePlan:
    """A purchase order's future, by its supplier's habits (derived from its number)."""

    confirm_on: date
    first: date  # first delivery
    short: bool  # the first delivery brings only ``fraction`` of each line …
    fraction: Decimal
    second: date  # … and the rest comes on this day


@dataclass(frozen=True)
class SalesPlan:
    """A sales order's future: when the office confirms it and the warehouse may ship it."""

    cancel: bool  # the customer withdraws it before anything ships
    cancel_on: date
    confirm_on: date
    ship_from: date


class Writer(Protocol):
    """Records what the simulator decided. Ids come back so later documents can refer to them."""

    def day(self, on: date) -> AbstractContextManager[None]: ...
    def create_purchase_order(self, supplier_id: int, warehouse_id: int, on: date, expected: date,
                              lines: OrderLines) -> tuple[int, str, list[int]]: ...
    def confirm_purchase_order(self, order: Order) -> None: ...
    def receive(self, order: Order, on: date, lines: list[tuple[Line, Decimal]]) -> None: ...
    def create_sales_order(self, customer: CustomerProfile, warehouse_id: int, on: date, required: date,
                           lines: OrderLines) -> tuple[int, str, list[int]]: ...
    def confirm_sales_order(self, order: Order) -> None: ...
    def cancel_sales_order(self, order: Order) -> None: ...
    def ship(self, order: Order, on: date, lines: list[tuple[Line, Decimal]]) -> bool:
        """Post a shipment; False if the store refused it (someone else took the stock)."""
    def stock(self, key: Key) -> Decimal:
        """On hand in the store, to resynchronise the mirror after a refusal."""
    def close(self, order: Order, kind: str) -> None: ...
    def finish(self, state: State) -> None: ...


class Simulator:
    def __init__(self, world: World, state: State, writer: Writer, seed: int) -> None:
        self.world, self.state, self.writer, self.seed = world, state, writer, seed
        for po in state.purchase_orders.values():
            po.plan = self._purchase_plan(po)
        for so in state.sales_orders.values():
            so.plan = self._sales_plan(so)
        # Replenishment looks only at product × warehouse pairs whose projected stock may have
        # dropped (a new sales order) or that wait for their supplier's review day.
        self._rank = {k: n for n, k in enumerate(world.limits)}
        self._watch: dict[Key, None] = dict.fromkeys(world.limits)

    def run(self, days: list[date], progress: Callable[[int, int], None] | None = None) -> None:
        for n, day in enumerate(days, start=1):
            with self.writer.day(day):
                self.run_day(day)
            if progress:
                progress(n, len(days))
        self.writer.finish(self.state)

    def run_day(self, day: date) -> None:
        rng = random.Random(f"{self.seed}|{day.isoformat()}")
        self._advance_purchases(day)
        self._new_sales_orders(day, rng)
        self._advance_sales(day)
        if day.weekday() != 6:  # the purchasing clerk rests on Sunday
            self._replenish(day, rng)

    # --- purchasing ----------------------------------------------------------------------------

    def _purchase_plan(self, po: Order) -> PurchasePlan:
        """When this supplier confirms, delivers and delivers the rest, by its habits."""
        sup = self.world.suppliers[po.partner_id]
        u = draws(f"{self.world.key}|PO|{po.doc_no}", 6)
        confirm_on = po.order_date + timedelta(days=0 if u[0] < 0.8 else 1)
        if u[1] < sup.on_time_rate:
            lateness = -1 if u[2] < 0.15 else 0
        else:
            lateness = 1 + int(-sup.late_mean * math.log(1 - u[2]))
        base = po.due_date or po.order_date + timedelta(days=sup.lead_time)
        first = next_workday(max(base + timedelta(days=lateness), confirm_on + timedelta(days=1)))
        return PurchasePlan(confirm_on=confirm_on, first=first, short=u[3] < sup.short_rate,
                            fraction=Decimal(str(round(0.4 + 0.5 * u[4], 2))),
                            second=next_workday(first + timedelta(days=3 + int(u[5] * 18))))

    def _advance_purchases(self, day: date) -> None:
        closed = []
        for po in self.state.purchase_orders.values():
            plan = po.plan
            if po.status == DRAFT and day >= plan.confirm_on:
                self.writer.confirm_purchase_order(po)
                po.status = CONFIRMED
            if po.status == CONFIRMED and day >= plan.first:
                lines = [(ln, ln.open) for ln in po.lines if ln.open > 0]
                if plan.short:
                    frac = plan.fraction
                    short = [(ln, (q * frac).to_integral_value(rounding=ROUND_FLOOR)) for ln, q in lines]
                    short = [(ln, q) for ln, q in short if q > 0]
                    lines = short or lines
                self._receive(po, day, lines)
            elif po.status == PARTIAL and day >= plan.second:
                self._receive(po, day, [(ln, ln.open) for ln in po.lines if ln.open > 0])
            if po.status == COMPLETED:
                closed.append(po)
        for po in closed:
            del self.state.purchase_orders[po.id]
            self.writer.close(po, "purchase")

    def _receive(self, po: Order, day: date, lines: list[tuple[Line, Decimal]]) -> None:
        self.writer.receive(po, day, lines)
        st = self.state
        for ln, qty in lines:
            k = (ln.product_id, po.warehouse_id)
            ln.done += qty
            st.on_hand[k] = st.on_hand.get(k, ZERO) + qty
            st.incoming[k] = st.incoming.get(k, ZERO) - qty
        po.status = _status(po)

    def _replenish(self, day: date, rng: random.Random) -> None:
        """Order up to max where projected stock (on hand + on order − to ship) is below min.

        The clerk reviews each supplier's products on that supplier's weekday: once one of them is
        below min, everything from that supplier below the can-order level (1.5 × min) goes on
        the same order. Between reviews she orders only what customers are already waiting for.
        """
        st, world = self.state, self.world
        weekday = day.weekday()
        short: list[tuple[int, int, Decimal, Decimal, bool]] = []  # pid, wid, projected, max, below min
        triggered: dict[tuple[int, int], bool] = {}  # (primary supplier, warehouse) reviewed today
        for k in sorted(self._watch, key=self._rank.__getitem__):
            pid, wid = k
            lo, hi = world.limits[k]
            projected = st.on_hand.get(k, ZERO) + st.incoming.get(k, ZERO) - st.backlog.get(k, ZERO)
            if projected >= lo * CAN_ORDER or not world.products[pid].supplier_ids:
                del self._watch[k]  # only a new sales order can bring it down again
                continue
            primary = world.suppliers[world.products[pid].supplier_ids[0]]
            below = projected < lo
            short.append((pid, wid, projected, hi, below))
            if below and (projected <= 0 or primary.review_weekday == weekday):
                triggered[(primary.id, wid)] = True
        wanted: dict[tuple[int, int], list[tuple[int, Decimal]]] = {}
        for pid, wid, projected, hi, below in short:
            ids = world.products[pid].supplier_ids
            if not triggered.get((ids[0], wid)) or (not below and world.suppliers[ids[0]].review_weekday != weekday):
                continue
            mult = Decimal(world.products[pid].order_multiple)
            qty = ((hi - projected) / mult).to_integral_value(rounding=ROUND_CEILING) * mult
            supplier = ids[0] if len(ids) == 1 or rng.random() < 0.85 else ids[1]
            wanted.setdefault((supplier, wid), []).append((pid, qty))
            del self._watch[(pid, wid)]
        drift = 1 + 0.03 * (day - COST_BASE_DAY).days / 365
        for (sid, wid), items in wanted.items():
            sup = world.suppliers[sid]
            lines: OrderLines = []
            for pid, qty in items:
                factor = Decimal(str(round(sup.price_factor * drift * rng.uniform(0.99, 1.01), 4)))
                price = (world.products[pid].standard_cost * factor).quantize(CENT)
                lines.append((pid, qty, price, Decimal("0.02") if qty * price > 20000 else ZERO))
            expected = day + timedelta(days=sup.lead_time)
            oid, doc_no, line_ids = self.writer.create_purchase_order(sid, wid, day, expected, lines)
            po = Order(oid, doc_no, sid, wid, day, expected, DRAFT,
                       [Line(lid, pid, qty) for lid, (pid, qty, _, _) in zip(line_ids, lines, strict=True)])
            po.plan = self._purchase_plan(po)
            for pid, qty, _, _ in lines:
                st.incoming[(pid, wid)] = st.incoming.get((pid, wid), ZERO) + qty
            st.purchase_orders[oid] = po
            if po.plan.confirm_on == day:
                self.writer.confirm_purchase_order(po)
                po.status = CONFIRMED

    # --- sales ---------------------------------------------------------------------------------

    def _sales_plan(self, so: Order) -> SalesPlan:
        """The customer's and the office's timing for this order (and whether it gets cancelled)."""
        u = draws(f"{self.world.key}|SO|{so.doc_no}", 4)
        confirm_on = so.order_date + timedelta(days=0 if u[2] < 0.55 else 1 if u[2] < 0.9 else 2)
        ship_after = 0 if u[3] < 0.3 else 1 if u[3] < 0.75 else 2 if u[3] < 0.9 else 3 + int((u[3] - 0.9) * 20)
        return SalesPlan(cancel=u[0] < CANCEL_RATE, cancel_on=so.order_date + timedelta(days=int(u[1] * 4)),
                         confirm_on=confirm_on, ship_from=confirm_on + timedelta(days=ship_after))

    def _new_sales_orders(self, day: date, rng: random.Random) -> None:
        world, st = self.world, self.state
        e, w = event_factor(day), weekday_factor(day)
        boost = 1 + 0.4 * max(0.0, e - 1)
        promo = e > 1
        for customer in world.customers:
            chance = customer.probability(day, e, w, world.activity)
            if chance <= 0 or rng.random() >= chance or not customer.basket:
                continue
            lines: OrderLines = []
            for pid in pick_products(rng, customer, 1 + poisson(rng, customer.lines_mean)):
                p = world.products[pid]
                qty = max(1, round(p.typical_qty * customer.size * p.wave(day) * boost * rng.lognormvariate(0, 0.4)))
                price = (p.list_price * customer.price_tier).quantize(CENT)
                disc = ("0.05" if promo and rng.random() < 0.3 else
                        "0.02" if customer.size > 1.8 and rng.random() < 0.2 else "0")
                lines.append((pid, Decimal(qty), price, Decimal(disc)))
            wid = customer.warehouse_id
            required = day + timedelta(days=rng.randint(2, 7))
            oid, doc_no, line_ids = self.writer.create_sales_order(customer, wid, day, required, lines)
            so = Order(oid, doc_no, customer.id, wid, day, required, DRAFT,
                       [Line(lid, pid, qty) for lid, (pid, qty, _, _) in zip(line_ids, lines, strict=True)])
            so.plan = self._sales_plan(so)
            for pid, qty, _, _ in lines:
                st.backlog[(pid, wid)] = st.backlog.get((pid, wid), ZERO) + qty
                if (pid, wid) in self._rank:
                    self._watch[(pid, wid)] = None
            st.sales_orders[oid] = so

    def _advance_sales(self, day: date) -> None:
        """Cancel, confirm and ship, oldest order first; ship what is there, the rest later."""
        closed = []
        for so in self.state.sales_orders.values():
            plan = so.plan
            if plan.cancel:
                if day >= plan.cancel_on and so.status in (DRAFT, CONFIRMED):
                    self._cancel(so)
                    closed.append(so)
                elif so.status == DRAFT and day >= plan.confirm_on:
                    self.writer.confirm_sales_order(so)
                    so.status = CONFIRMED
                continue
            if so.status == DRAFT and day >= plan.confirm_on:
                self.writer.confirm_sales_order(so)
                so.status = CONFIRMED
            if so.status in (CONFIRMED, PARTIAL) and day >= plan.ship_from:
                self._ship(so, day)
                if so.status == COMPLETED:
                    closed.append(so)
        for so in closed:
            del self.state.sales_orders[so.id]
            self.writer.close(so, "sales")

    def _ship(self, so: Order, day: date) -> None:
        st, products = self.state, self.world.products
        lines = []
        for ln in so.lines:
            if ln.open <= 0:
                continue
            k = (ln.product_id, so.warehouse_id)
            available = st.on_hand.get(k, ZERO)
            qty = ln.open if products[ln.product_id].allow_negative else min(ln.open, available)
            if qty > 0:
                lines.append((ln, qty))
        if not lines:
            return
        if not self.writer.ship(so, day, lines):
            for ln, _ in lines:  # another clerk got there first: believe the store and retry later
                k = (ln.product_id, so.warehouse_id)
                st.on_hand[k] = self.writer.stock(k)
            return
        for ln, qty in lines:
            k = (ln.product_id, so.warehouse_id)
            ln.done += qty
            st.on_hand[k] = st.on_hand.get(k, ZERO) - qty
            st.backlog[k] = st.backlog.get(k, ZERO) - qty
        so.status = _status(so)

    def _cancel(self, so: Order) -> None:
        self.writer.cancel_sales_order(so)
        so.status = CANCELLED
        for ln in so.lines:
            k = (ln.product_id, so.warehouse_id)
            self.state.backlog[k] = self.state.backlog.get(k, ZERO) - ln.open


def _status(order: Order) -> str:
    """Same rule as the services: all done → completed, something done → partial."""
    if all(ln.done >= ln.quantity for ln in order.lines):
        return COMPLETED
    return PARTIAL if any(ln.done > 0 for ln in order.lines) else CONFIRMED
