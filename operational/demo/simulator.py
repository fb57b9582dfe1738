"""The demo company's working day: goods arrive and are inspected, customers order, the warehouse
ships what it has, the purchasing clerk tops up what runs low; beside that (``stockroom.py``)
returns, transfers between warehouses and the month-end stocktake.

The simulator decides; a writer (services or bulk, see ``writers.py`` / ``bulk.py``) records.
It keeps its own mirror of stock and open orders, so it never asks the services for something
they would refuse (no shipment beyond stock, no receipt beyond the order and the supplier's
tolerance, no return of goods no longer there).

Purchasing, at low rates (each decided by ``draws`` keyed by a document number):

- Inspection: ``REJECT_RATE`` of receipt lines (of 10 units or more) have 2–10 % rejected, with a
  reason; the order line stays open and the supplier replaces the goods 3–7 days later.
- Over-delivery: suppliers with an over-receipt tolerance (3–5 %, about 30 % of them) bring a
  little more on ``OVER_RATE`` of the lines they complete, within the tolerance.
- Partial and late deliveries by each supplier's habits (``profiles.SUPPLIER_TIERS``); of the
  orders left partly received, ``CLOSE_RATE`` are closed instead (the backorder cancelled).
- Freight: ``FREIGHT_RATE`` of receipts carry 1–3 % of their value as freight, spread over the
  lines into their unit cost (by value, a quarter of them by quantity).
- Late booking: ``LATE_BOOKING_RATE`` of first deliveries are booked 2–4 days after the goods
  arrived, dated the arrival day (back-dated ledger rows).
- Price lists: every supplier revises its prices every ``PRICE_PERIOD`` days (≈ 3 % a year plus
  ±2 % noise); the clerk records a price-list row per product it supplies on the first day and on
  every revision (and when a product moves to another supplier), and orders at that price.
- ``supplier_events``: in a generated history one supplier is put on hold at 70 % of the period
  and another blocked at 85 %; no new orders go to them afterwards, the blocked one's open
  orders are cancelled or closed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Protocol

from operational.demo.calendar import event_factor, next_workday, weekday_factor
from operational.demo.profiles import (
    CustomerProfile,
    ProductProfile,
    SupplierProfile,
    draws,
    pick_products,
    poisson,
)
from operational.demo.stockroom import TRANSFER_WEEKDAYS, Stockroom
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
    World,
)
from operational.models import CANCELLED, COMPLETED, CONFIRMED, DRAFT, PARTIAL
from operational.services import credit
from operational.services.orders import LandedCosts, line_amount

ZERO = Decimal(0)
CENT = Decimal("0.01")
CANCEL_RATE = 0.03
CAN_ORDER = Decimal("1.5")  # joins a supplier's order when below 1.5 × min
COST_BASE_DAY = date(2024, 1, 1)  # purchase prices creep up ~3 % a year from here
PRICE_PERIOD = 91  # days between a supplier's price-list revisions
REJECT_RATE = 0.03
REJECT_REASONS = ("外包装破损", "临期", "数量短缺", "标签不符", "抽检不合格")
OVER_RATE = 0.15
CLOSE_RATE = 0.15
FREIGHT_RATE = 0.12
LATE_BOOKING_RATE = 0.03
HOLD_AT, BLOCK_AT = 0.70, 0.85  # share of a generated history after which a supplier is held / blocked

OrderLines = list[tuple[int, Decimal, Decimal, Decimal]]  # product id, quantity, unit price, discount


@dataclass(frozen=True)
class PurchasePlan:
    """A purchase order's future, by its supplier's habits (derived from its number)."""

    confirm_on: date
    first: date  # first delivery
    short: bool  # the first delivery brings only ``fraction`` of each line …
    fraction: Decimal
    second: date  # … and the rest comes on this day
    close_rest: bool = False  # if something is still owed then, the clerk closes the order instead
    booking_lag: int = 0  # days between the first delivery's arrival and its booking


@dataclass(frozen=True)
class CreditOverrun:
    """A sales order beyond its customer's credit limit: what the manager's approval records."""

    exposure: Decimal
    credit_limit: Decimal


CREDIT_NOTE = "老客户，经理审批放行"
BACKORDER_REASON = "供应商无法交付余量，欠货取消"  # why the purchaser closes a backorder


@dataclass(frozen=True)
class SalesPlan:
    """A sales order's future: when the office confirms it and the warehouse may ship it."""

    cancel: bool  # the customer withdraws it before anything ships
    cancel_on: date
    confirm_on: date
    ship_from: date


class Writer(Protocol):
    """Records what the simulator decided. Ids come back so later documents can refer to them.
    Methods returning a bool or None report a refusal by the store (only when others write to it
    meanwhile); the simulator then believes the store's stock."""

    def day(self, on: date) -> AbstractContextManager[None]: ...
    def create_purchase_order(self, supplier_id: int, warehouse_id: int, on: date, expected: date,
                              lines: OrderLines) -> tuple[int, str, list[int]]: ...
    def confirm_purchase_order(self, order: Order) -> None: ...
    def cancel_purchase_order(self, order: Order) -> None: ...
    def close_purchase_order(self, order: Order, on: date) -> None:
        """Cancel the open quantity of every line (``BACKORDER_REASON``); the order completes."""
    def receive(self, order: Order, on: date, lines: list[Delivery], landed: LandedCosts | None) -> DocRef: ...
    def create_sales_order(self, customer: CustomerProfile, warehouse_id: int, on: date, required: date,
                           lines: OrderLines) -> tuple[int, str, list[int]]: ...
    def confirm_sales_order(self, order: Order, credit: CreditOverrun | None = None) -> None:
        """Confirm; with ``credit``, the manager approves the order beyond the customer's limit."""
    def cancel_sales_order(self, order: Order) -> None: ...
    def ship(self, order: Order, on: date, lines: list[tuple[Line, Decimal]]) -> DocRef | None:
        """Post a shipment; None if the store refused it (someone else took the stock)."""
    def stock(self, key: Key) -> Decimal:
        """On hand in the store, to resynchronise the mirror after a refusal."""
    def close(self, order: Order, kind: str) -> None: ...
    def set_supplier_price(self, supplier_id: int, product_id: int, price: Decimal, valid_from: date, *,
                           order_multiple: int, lead_time: int, preferred: bool) -> None: ...
    def set_supplier_status(self, supplier_id: int, status: str) -> None: ...
    def return_to_supplier(self, receipt: DocRef, on: date, items: list[ReturnItem], reason: str) -> bool: ...
    def return_from_customer(self, shipment: DocRef, on: date, items: list[ReturnItem], reason: str,
                             disposition: str, warehouse_id: int) -> bool: ...
    def ship_transfer(self, from_warehouse_id: int, to_warehouse_id: int, on: date,
                      lines: list[tuple[int, Decimal]]) -> Transfer | None: ...
    def receive_transfer(self, transfer: Transfer, on: date, received: dict[int, Decimal]) -> bool: ...
    def open_stocktake(self, warehouse_id: int, on: date, book: list[tuple[int, Decimal]]) -> CountSheet:
        """Open a count sheet. ``book`` is the mirror's stock by SKU; the services freeze the
        store's own balances (the same unless someone else moved stock)."""
    def post_stocktake(self, sheet: CountSheet, counts: dict[int, Decimal]) -> bool: ...
    def finish(self, state: State) -> None: ...


def supplier_events(world: World, days: list[date]) -> dict[date, list[tuple[int, str]]]:
    """Late in a generated history one supplier goes on hold and another is blocked. Chosen among
    those whose products all have a second source (so nothing is left without a supplier)."""
    active = [s for s in world.suppliers.values() if s.status == "active"][1:]  # the first stays: the fallback
    if len(days) < 10 or len(active) < 2:
        return {}
    primary_of: dict[int, list[int]] = {}
    for p in world.products.values():
        if p.supplier_ids:
            primary_of.setdefault(p.supplier_ids[0], []).append(len(p.supplier_ids))
    pool = [s for s in active if all(n > 1 for n in primary_of.get(s.id, []))]
    pool = pool if len(pool) >= 2 else active
    u = draws(f"{world.key}|supplier events", 2)
    held = pool.pop(int(u[0] * len(pool)))
    blocked = pool[int(u[1] * len(pool))]
    events: dict[date, list[tuple[int, str]]] = {}
    events.setdefault(days[int(len(days) * HOLD_AT)], []).append((held.id, "on_hold"))
    events.setdefault(days[int(len(days) * BLOCK_AT)], []).append((blocked.id, "blocked"))
    return events


class Simulator:
    def __init__(self, world: World, state: State, writer: Writer, seed: int, *,
                 supplier_events: dict[date, list[tuple[int, str]]] | None = None,
                 first_price_list: bool = False) -> None:
        """``supplier_events``: status changes by day (``supplier_events()``, for a generated
        history); ``first_price_list``: record every supplier's prices on the first day."""
        self.world, self.state, self.writer, self.seed = world, state, writer, seed
        self.events = supplier_events or {}
        self.first_price_list = first_price_list
        self._prices: dict[tuple[int, int, int], Decimal] = {}  # (supplier, product, price period) → price
        self._listed: dict[tuple[int, int], date] = {}  # (supplier, product) → day of its last price row
        for po in state.purchase_orders.values():
            po.plan = self._purchase_plan(po)
        for so in state.sales_orders.values():
            so.plan = self._sales_plan(so)
        # Replenishment looks only at product × warehouse pairs whose projected stock may have
        # dropped (a new sales order, a return, a transfer out, a count) or that wait for their
        # supplier's review day.
        self._rank = {k: n for n, k in enumerate(world.limits)}
        self._credit_limits = {c.id: c.credit_limit for c in world.customers}
        self._watch: dict[Key, None] = dict.fromkeys(world.limits)
        self.room = Stockroom(world, state, writer, self._touched)

    def _touched(self, k: Key) -> None:
        if k in self._rank:
            self._watch[k] = None

    def run(self, days: list[date], progress: Callable[[int, int], None] | None = None) -> None:
        for n, day in enumerate(days, start=1):
            with self.writer.day(day):
                self.run_day(day, first=n == 1)
            if progress:
                progress(n, len(days))
        self.writer.finish(self.state)

    def run_day(self, day: date, *, first: bool = False) -> None:
        rng = random.Random(f"{self.seed}|{day.isoformat()}")
        for sid, status in self.events.get(day, []):
            self._set_supplier_status(sid, status, day)
        self._review_prices(day, everything=first and self.first_price_list)
        self._advance_purchases(day)
        self.room.receive_transfers(day)
        self.room.returns_due(day)
        self._new_sales_orders(day, rng)
        self._advance_sales(day)
        if day.weekday() != 6:  # the purchasing clerk rests on Sunday
            if day.weekday() in TRANSFER_WEEKDAYS:
                self.room.transfer(day, self.world.limits)
            self._replenish(day, rng)
        self.room.count(day)
        self.room.post_counts(day)

    # --- suppliers -----------------------------------------------------------------------------

    def _set_supplier_status(self, sid: int, status: str, day: date) -> None:
        """On hold: no new orders. Blocked: neither orders nor receipts, so its open orders are
        cancelled (nothing received yet) or closed (the rest cancelled)."""
        self.writer.set_supplier_status(sid, status)
        before = {p.id: set(p.supplier_ids) for p in self.world.products.values()}
        self.world.set_supplier_status(sid, status)
        for p in self.world.products.values():  # a product now bought elsewhere: the clerk lists that price
            for other in p.supplier_ids:
                if other not in before[p.id]:
                    self._list_price(self.world.suppliers[other], p, day)
        if status != "blocked":
            return
        st = self.state
        for po in [po for po in st.purchase_orders.values() if po.partner_id == sid]:
            if po.status == PARTIAL:
                self._close_backorder(po, day)
            else:
                self.writer.cancel_purchase_order(po)
                po.status = CANCELLED
            self._forget_rest(po)
            del st.purchase_orders[po.id]
            self.writer.close(po, "purchase")

    def _close_backorder(self, po: Order, day: date) -> None:
        """The rest will not come: the store cancels every line's open quantity (the order is then
        completed); the mirror does the same after forgetting it as incoming."""
        self.writer.close_purchase_order(po, day)
        self._forget_rest(po)
        for ln in po.lines:
            ln.cancelled += max(ln.open, ZERO)
        po.status = COMPLETED

    def _forget_rest(self, po: Order) -> None:
        for ln in po.lines:
            k = (ln.product_id, po.warehouse_id)
            self.state.incoming[k] = self.state.incoming.get(k, ZERO) - max(ln.open, ZERO)
            self._touched(k)

    def _price(self, sid: int, pid: int, day: date) -> Decimal:
        """The supplier's list price in force on ``day``: fixed for each price period."""
        sup = self.world.suppliers[sid]
        period = (day.toordinal() + sup.price_phase) // PRICE_PERIOD
        key = (sid, pid, period)
        if key not in self._prices:
            start = date.fromordinal(period * PRICE_PERIOD - sup.price_phase)
            drift = 1 + 0.03 * (start - COST_BASE_DAY).days / 365
            u = draws(f"{self.world.key}|SP|{sup.code}|{pid}|{period}", 1)[0]
            factor = Decimal(str(round(sup.price_factor * drift * (0.98 + 0.04 * u), 4)))
            self._prices[key] = (self.world.products[pid].standard_cost * factor).quantize(CENT)
        return self._prices[key]

    def _review_prices(self, day: date, *, everything: bool) -> None:
        """Record the price list of each supplier whose prices change today (all on day one)."""
        world = self.world
        for sup in world.suppliers.values():
            if sup.status != "active" or not (everything or (day.toordinal() + sup.price_phase) % PRICE_PERIOD == 0):
                continue
            for p in world.products.values():
                if sup.id not in p.supplier_ids:
                    continue
                if everything or self._price(sup.id, p.id, day) != self._price(sup.id, p.id, day - timedelta(days=1)):
                    self._list_price(sup, p, day)

    def _list_price(self, sup: SupplierProfile, p: ProductProfile, day: date) -> None:
        if self._listed.get((sup.id, p.id)) == day:
            return  # one row per supplier × product × day (a second one would replace the first)
        self._listed[(sup.id, p.id)] = day
        self.writer.set_supplier_price(sup.id, p.id, self._price(sup.id, p.id, day), day,
                                       order_multiple=p.order_multiple, lead_time=sup.lead_time,
                                       preferred=p.supplier_ids[0] == sup.id)

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
        # new habits draw from a key of their own, so the ones above stay as they were
        v = draws(f"{self.world.key}|PO+|{po.doc_no}", 3)
        return PurchasePlan(confirm_on=confirm_on, first=first, short=u[3] < sup.short_rate,
                            fraction=Decimal(str(round(0.4 + 0.5 * u[4], 2))),
                            second=next_workday(first + timedelta(days=3 + int(u[5] * 18))),
                            close_rest=v[0] < CLOSE_RATE,
                            booking_lag=2 + int(v[2] * 3) if v[1] < LATE_BOOKING_RATE else 0)

    def _advance_purchases(self, day: date) -> None:
        closed = []
        for po in self.state.purchase_orders.values():
            plan = po.plan
            if po.status == DRAFT and day >= plan.confirm_on:
                self.writer.confirm_purchase_order(po)
                po.status = CONFIRMED
            if po.status == CONFIRMED and day >= plan.first + timedelta(days=plan.booking_lag):
                lines = [(ln, ln.open) for ln in po.lines if ln.open > 0]
                if plan.short:
                    frac = plan.fraction
                    short = [(ln, (q * frac).to_integral_value(rounding=ROUND_FLOOR)) for ln, q in lines]
                    short = [(ln, q) for ln, q in short if q > 0]
                    lines = short or lines
                # Booked late: the receipt keeps the day the goods arrived (unless a continued
                # run only now catches up with a delivery long past).
                late = plan.booking_lag and day - plan.first <= timedelta(days=plan.booking_lag)
                self._receive(po, day, plan.first if late else day, lines)
            elif po.status == PARTIAL and day >= (po.next_delivery or plan.second):
                if plan.close_rest:
                    self._close_backorder(po, day)
                else:
                    self._receive(po, day, day, [(ln, ln.open) for ln in po.lines if ln.open > 0])
            if po.status == COMPLETED:
                closed.append(po)
        for po in closed:
            del self.state.purchase_orders[po.id]
            self.writer.close(po, "purchase")

    def _receive(self, po: Order, day: date, dated: date, lines: list[tuple[Line, Decimal]]) -> None:
        deliveries = self._inspect(po, lines)
        ref = self.writer.receive(po, dated, deliveries, self._freight(po, deliveries))
        st = self.state
        for d in deliveries:
            ln = d.line
            k = (ln.product_id, po.warehouse_id)
            owed = max(ln.open, ZERO)
            ln.done += d.accepted
            self.room.put(k, d.accepted)
            st.incoming[k] = st.incoming.get(k, ZERO) - min(d.accepted, owed)
        po.status = _status(po)
        if po.status == PARTIAL:
            if any(d.rejected for d in deliveries):  # the supplier replaces what was rejected
                u = draws(f"{self.world.key}|GR+|{ref.doc_no}", 1)[0]
                po.next_delivery = next_workday(day + timedelta(days=3 + int(u * 5)))
            else:
                po.next_delivery = None
        self.room.after_receipt(po, day, ref, deliveries)

    def _inspect(self, po: Order, lines: list[tuple[Line, Decimal]]) -> list[Delivery]:
        """What the warehouse accepts: now and then part of a line is rejected; a supplier with a
        tolerance now and then completes a line with a little more than ordered."""
        sup = self.world.suppliers[po.partner_id]
        out = []
        for ln, qty in lines:
            u = draws(f"{self.world.key}|GRL|{po.doc_no}|{ln.id}|{ln.done}", 4)
            if qty >= 10 and u[0] < REJECT_RATE:  # (on fewer, one unit is more than 10 %)
                rejected = max(Decimal(1), (qty * Decimal(str(round(0.02 + 0.08 * u[1], 3))))
                               .to_integral_value(rounding=ROUND_FLOOR))
                out.append(Delivery(ln, qty - rejected, rejected, REJECT_REASONS[int(u[2] * len(REJECT_REASONS))]))
                continue
            if sup.tolerance and qty == ln.open and u[0] >= 1 - OVER_RATE:
                allowed = ((ln.quantity * (1 + sup.tolerance)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
                           - ln.done).to_integral_value(rounding=ROUND_FLOOR)
                extra = max(Decimal(1), (ln.quantity * sup.tolerance * Decimal(str(round(u[3], 3))))
                            .to_integral_value(rounding=ROUND_FLOOR))
                qty = max(qty, min(qty + extra, allowed))
            out.append(Delivery(ln, qty))
        return out

    def _freight(self, po: Order, deliveries: list[Delivery]) -> LandedCosts | None:
        """Now and then the supplier charges freight: 1–3 % of the goods' value, in whole yuan."""
        done = sum((ln.done for ln in po.lines), ZERO)
        u = draws(f"{self.world.key}|FR|{po.doc_no}|{done}", 3)
        if u[0] >= FREIGHT_RATE:
            return None
        products = self.world.products
        value = sum((d.accepted * products[d.line.product_id].standard_cost for d in deliveries), ZERO)
        freight = max(Decimal(20), (value * Decimal(str(round(0.01 + 0.02 * u[1], 3)))).quantize(Decimal(1)))
        return LandedCosts(freight=freight, basis="quantity" if u[2] < 0.25 else "value")

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
            supplier = ids[0] if len(ids) == 1 or rng.random() < 0.85 else ids[1]  # ids: active ones only
            wanted.setdefault((supplier, wid), []).append((pid, qty))
            del self._watch[(pid, wid)]
        for (sid, wid), items in wanted.items():
            sup = world.suppliers[sid]
            lines: OrderLines = []
            for pid, qty in items:
                price = self._price(sid, pid, day)  # the price list in force
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
                       [Line(lid, pid, qty, amount=line_amount(qty, price, disc))
                        for lid, (pid, qty, price, disc) in zip(line_ids, lines, strict=True)])
            so.plan = self._sales_plan(so)
            for pid, qty, _, _ in lines:
                st.backlog[(pid, wid)] = st.backlog.get((pid, wid), ZERO) + qty
                if (pid, wid) in self._rank:
                    self._watch[(pid, wid)] = None
            st.sales_orders[oid] = so

    def _credit_over_limit(self, so: Order) -> CreditOverrun | None:
        """The store's credit check (``operational.services.credit``) on the mirror: the customer's
        other open orders' unshipped value plus this order, against its limit. Beyond it, the
        manager approves (the sales office never lets a customer's order wait for that)."""
        open_value = credit.unshipped_value(
            (line.quantity, line.done + line.cancelled, line.amount)
            for other in self.state.sales_orders.values()
            if other.partner_id == so.partner_id and other.id != so.id and other.status in (CONFIRMED, PARTIAL)
            for line in other.lines)
        check = credit.CreditCheck(credit_limit=self._credit_limits.get(so.partner_id, ZERO), open_orders=open_value,
                                   this_order=sum((line.amount for line in so.lines), ZERO))
        return None if check.within_limit else CreditOverrun(check.exposure, check.credit_limit)

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
                    self.writer.confirm_sales_order(so, self._credit_over_limit(so))
                    so.status = CONFIRMED
                continue
            if so.status == DRAFT and day >= plan.confirm_on:
                self.writer.confirm_sales_order(so, self._credit_over_limit(so))
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
        ref = self.writer.ship(so, day, lines)
        if ref is None:  # another clerk got there first: believe the store and retry later
            self.room.resync((ln.product_id, so.warehouse_id) for ln, _ in lines)
            return
        for ln, qty in lines:
            k = (ln.product_id, so.warehouse_id)
            ln.done += qty
            self.room.take(k, qty)
            st.backlog[k] = st.backlog.get(k, ZERO) - qty
        so.status = _status(so)
        self.room.after_shipment(so, day, ref, lines)

    def _cancel(self, so: Order) -> None:
        self.writer.cancel_sales_order(so)
        so.status = CANCELLED
        for ln in so.lines:
            k = (ln.product_id, so.warehouse_id)
            self.state.backlog[k] = self.state.backlog.get(k, ZERO) - ln.open


def _status(order: Order) -> str:
    """Same rule as the services: all done or cancelled → completed (cancelled if nothing was
    done), something done → partial."""
    if all(ln.open <= 0 for ln in order.lines):
        return COMPLETED if any(ln.done > 0 for ln in order.lines) else CANCELLED
    return PARTIAL if any(ln.done > 0 for ln in order.lines) else CONFIRMED
