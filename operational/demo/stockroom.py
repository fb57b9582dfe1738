"""The demo company's warehouse work beside orders: returns, transfers between its warehouses and
the monthly stocktake. The simulator owns the day; this part keeps the stock mirror for it.

Rates (low, as in a well-run distributor):

- Purchase returns: ``PURCHASE_RETURN_RATE`` of receipts; 3–19 days later part (10–40 %) of one line
  goes back to the supplier, if the goods are still there.
- Sales returns: about ``SALES_RETURN_RATE`` of shipment lines (at most one line per shipment);
  2–13 days later the customer sends back 10–50 % of it, restocked where it was shipped from or,
  for ``QUARANTINE_SHARE`` of the returns, put into the quarantine warehouse 待检仓 (where it stays).
- Transfers: on Tuesdays and Thursdays the clerk moves stock to a warehouse whose stock, net of
  what customers wait for, is below half its minimum, from one holding more than its can-order
  level (1.5 × its minimum); at most ``MAX_TRANSFERS_PER_DAY`` documents a day, received 1–3
  days later; ``TRANSIT_LOSS_RATE`` of them arrive 1–2 units short on one line (a transit loss).
- Stocktakes: every normal warehouse is counted on the last day of the month. ``VARIANCE_RATE`` of
  the lines differ from the book by 1–2 units (two thirds of them losses); ``LATE_POSTING_RATE`` of
  the sheets are posted 1–3 days after the count, so their gains and losses are dated before the
  shipments already posted in between (back-dated ledger rows).

Every decision comes from ``draws`` keyed by a document number, never from the day's random
stream, so the two writers and a continued run see the same ones. The mirror stays on the safe
side of the services: a return to a supplier, a transfer or a stocktake loss never takes more than
the mirror holds, and a late-posted loss no more than the lowest stock since the count (so the
ledger never dips below zero even when read in date order).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from operational.demo.profiles import draws
from operational.demo.world import Delivery, DocRef, Key, Line, Order, ReturnItem, State, World

if TYPE_CHECKING:
    from operational.demo.simulator import Writer

ZERO = Decimal(0)
PURCHASE_RETURN_RATE = 0.02
PURCHASE_RETURN_REASONS = ("质量问题退货", "临期退货", "包装破损退货", "错发货退回")
SALES_RETURN_RATE = 0.015
QUARANTINE_SHARE = 0.4
RESTOCK_REASONS = ("客户多订退回", "错发货退回", "滞销退货")
QUARANTINE_REASONS = ("客户反映质量问题", "外包装破损", "疑似临期")
TRANSFER_WEEKDAYS = (1, 3)  # Tuesday, Thursday
MAX_TRANSFERS_PER_DAY = 2
MAX_TRANSFER_LINES = 8
SHORT_LEVEL = Decimal("0.5")  # a warehouse is short below half its minimum (net of waiting orders) …
KEEP_AT_SOURCE = Decimal("1.5")  # … and another has plenty above its can-order level
TRANSIT_LOSS_RATE = 0.1
VARIANCE_RATE = 0.03
LATE_POSTING_RATE = 0.25


@dataclass(frozen=True)
class PendingReturn:
    due: date
    source: DocRef  # the receipt or shipment returned against
    items: list[ReturnItem]
    reason: str
    to_supplier: bool
    warehouse_id: int  # where the goods are taken from (to the supplier) or go (from the customer)
    disposition: str = "restock"


class Stockroom:
    """Returns, transfers and stocktakes, and the stock mirror they and the simulator share."""

    def __init__(self, world: World, state: State, writer: Writer, touched: Callable[[Key], None]) -> None:
        self.world, self.state, self.writer = world, state, writer
        self.touched = touched  # tells replenishment that a key's projected stock dropped
        self._returns: dict[date, list[PendingReturn]] = {}
        # lowest on-hand since the count of each key on a sheet not yet posted
        self._low: dict[Key, Decimal] = {}
        self._on_road: dict[Key, Decimal] = {}  # on transfers to this product × warehouse
        for transfer in state.transfers.values():
            for line in transfer.lines:
                k = (line.product_id, transfer.to_warehouse_id)
                self._on_road[k] = self._on_road.get(k, ZERO) + line.quantity
        for sheet in state.stocktakes.values():
            for _, pid, book in sheet.lines:
                k = (pid, sheet.warehouse_id)
                self._low[k] = min(book, state.on_hand.get(k, ZERO))

    # --- the stock mirror ----------------------------------------------------------------------

    def put(self, k: Key, qty: Decimal) -> None:
        self.state.on_hand[k] = self.state.on_hand.get(k, ZERO) + qty

    def take(self, k: Key, qty: Decimal) -> None:
        left = self.state.on_hand.get(k, ZERO) - qty
        self.state.on_hand[k] = left
        if k in self._low and left < self._low[k]:
            self._low[k] = left

    def resync(self, keys: Iterable[Key]) -> None:
        """The store refused something: believe its balances (someone else moved the stock)."""
        for k in keys:
            self.state.on_hand[k] = self.writer.stock(k)

    # --- returns -------------------------------------------------------------------------------

    def after_receipt(self, po: Order, day: date, ref: DocRef, deliveries: list[Delivery]) -> None:
        u = draws(f"{self.world.key}|PR|{ref.doc_no}", 5)
        if u[0] >= PURCHASE_RETURN_RATE:
            return
        lines = [d for d in deliveries if d.accepted >= 2 and not self.world.products[d.line.product_id].allow_negative]
        if not lines:
            return
        d = lines[int(u[1] * len(lines))]
        qty = max(Decimal(1), _floor(d.accepted * Decimal(str(round(0.1 + 0.3 * u[2], 3)))))
        self._plan(PendingReturn(
            due=day + timedelta(days=3 + int(u[3] * 17)), source=ref,
            items=[ReturnItem(ref.lines[d.line.id], d.line.product_id, qty)],
            reason=PURCHASE_RETURN_REASONS[int(u[4] * len(PURCHASE_RETURN_REASONS))],
            to_supplier=True, warehouse_id=po.warehouse_id))

    def after_shipment(self, so: Order, day: date, ref: DocRef, lines: list[tuple[Line, Decimal]]) -> None:
        # One draw per shipment (cheap at a million lines): a shipment of n lines has a return
        # with chance n × rate, for one of its lines, so about ``rate`` of all lines come back.
        u = draws(f"{self.world.key}|SR|{ref.doc_no}", 6)
        if u[0] >= SALES_RETURN_RATE * len(lines):
            return
        line, shipped = lines[int(u[1] * len(lines))]
        qty = max(Decimal(1), _floor(shipped * Decimal(str(round(0.1 + 0.4 * u[2], 3)))))
        quarantine = self.world.quarantine_id is not None and u[3] < QUARANTINE_SHARE
        reasons = QUARANTINE_REASONS if quarantine else RESTOCK_REASONS
        self._plan(PendingReturn(
            due=day + timedelta(days=2 + int(u[4] * 12)), source=ref,
            items=[ReturnItem(ref.lines[line.id], line.product_id, min(qty, shipped))],
            reason=reasons[int(u[5] * len(reasons))], to_supplier=False,
            warehouse_id=self.world.quarantine_id if quarantine else so.warehouse_id,  # type: ignore[arg-type]
            disposition="quarantine" if quarantine else "restock"))

    def _plan(self, pending: PendingReturn) -> None:
        self._returns.setdefault(pending.due, []).append(pending)

    def returns_due(self, day: date) -> None:
        for pending in self._returns.pop(day, []):
            if pending.to_supplier:
                self._return_to_supplier(pending, day)
            else:
                if self.writer.return_from_customer(pending.source, day, pending.items, pending.reason,
                                                    pending.disposition, pending.warehouse_id):
                    for item in pending.items:
                        self.put((item.product_id, pending.warehouse_id), item.quantity)

    def _return_to_supplier(self, pending: PendingReturn, day: date) -> None:
        # Only what is still on the shelf can go back (it may have been sold meanwhile).
        items = []
        for item in pending.items:
            qty = min(item.quantity, _floor(self.state.on_hand.get((item.product_id, pending.warehouse_id), ZERO)))
            if qty > 0:
                items.append(ReturnItem(item.doc_line_id, item.product_id, qty))
        if not items:
            return
        keys = [(item.product_id, pending.warehouse_id) for item in items]
        if not self.writer.return_to_supplier(pending.source, day, items, pending.reason):
            self.resync(keys)
            return
        for item, k in zip(items, keys, strict=True):
            self.take(k, item.quantity)
            self.touched(k)

    # --- transfers -----------------------------------------------------------------------------

    def transfer(self, day: date, keys: Iterable[Key]) -> None:
        """Where customers' orders would leave a warehouse with less than half its minimum (what
        is on the road counted), bring it up to the minimum from a warehouse holding more than its
        can-order level (so the source does not have to reorder for it): quicker than waiting
        for the supplier. Keys in the replenishment's order; one document per pair of warehouses."""
        st, world = self.state, self.world
        lanes: dict[tuple[int, int], list[tuple[int, Decimal]]] = {}  # (from, to) → lines
        for pid, wid in keys:
            if world.products[pid].allow_negative:
                continue
            k = (pid, wid)
            lo = world.limits[k][0]
            free = st.on_hand.get(k, ZERO) + self._on_road.get(k, ZERO) - st.backlog.get(k, ZERO)
            if free >= lo * SHORT_LEVEL:
                continue
            need = Decimal(math.ceil(lo - free))
            best, best_qty = None, ZERO
            for src in world.warehouse_ids:
                s_k = (pid, src)
                if src == wid or s_k not in world.limits:
                    continue
                surplus = _floor(st.on_hand.get(s_k, ZERO) - st.backlog.get(s_k, ZERO) - world.limits[s_k][0] * KEEP_AT_SOURCE)
                qty = min(need, surplus)
                if qty * 2 >= need and qty > best_qty:  # worth a trip: at least half of what is missing
                    best, best_qty = src, qty
            if best is None:
                continue
            lane = lanes.get((best, wid))
            if lane is None:
                if len(lanes) >= MAX_TRANSFERS_PER_DAY:
                    continue
                lane = lanes[(best, wid)] = []
            if len(lane) < MAX_TRANSFER_LINES:
                lane.append((pid, best_qty))
        for (src, dst), lines in lanes.items():
            self._ship_transfer(day, src, dst, lines)

    def _ship_transfer(self, day: date, src: int, dst: int, lines: list[tuple[int, Decimal]]) -> None:
        transfer = self.writer.ship_transfer(src, dst, day, lines)
        if transfer is None:
            self.resync((pid, src) for pid, _ in lines)
            return
        st = self.state
        for line in transfer.lines:
            self.take((line.product_id, src), line.quantity)
            self.put((line.product_id, transfer.transit_warehouse_id), line.quantity)
            k = (line.product_id, dst)
            st.incoming[k] = st.incoming.get(k, ZERO) + line.quantity  # counts as on order for the target
            self._on_road[k] = self._on_road.get(k, ZERO) + line.quantity
            self.touched((line.product_id, src))
        st.transfers[transfer.id] = transfer

    def receive_transfers(self, day: date) -> None:
        for transfer in list(self.state.transfers.values()):
            u = draws(f"{self.world.key}|TR|{transfer.doc_no}", 4)
            if day < transfer.ship_date + timedelta(days=1 + int(u[0] * 3)):
                continue
            lost = {}
            if u[1] < TRANSIT_LOSS_RATE:
                line = transfer.lines[int(u[2] * len(transfer.lines))]
                lost[line.id] = min(line.quantity, Decimal(1 + int(u[3] * 2)))
            received = {line.id: line.quantity - lost.get(line.id, ZERO) for line in transfer.lines}
            ok = self.writer.receive_transfer(transfer, day, received)
            del self.state.transfers[transfer.id]
            st = self.state
            for line in transfer.lines:
                k = (line.product_id, transfer.to_warehouse_id)
                st.incoming[k] = st.incoming.get(k, ZERO) - line.quantity
                self._on_road[k] = self._on_road.get(k, ZERO) - line.quantity
                if ok:
                    self.take((line.product_id, transfer.transit_warehouse_id), line.quantity)
                    self.put(k, received[line.id])
                self.touched(k)
            if not ok:
                self.resync([(line.product_id, transfer.transit_warehouse_id) for line in transfer.lines])

    # --- stocktakes ----------------------------------------------------------------------------

    def count(self, day: date) -> None:
        """Month end: open a count sheet for every normal warehouse (book quantities frozen)."""
        if (day + timedelta(days=1)).day != 1:
            return
        counting = {sheet.warehouse_id for sheet in self.state.stocktakes.values()}
        products = self.world.products
        for wid in self.world.warehouse_ids:
            if wid in counting:
                continue
            book = sorted(((pid, q) for (pid, w), q in self.state.on_hand.items() if w == wid and q != 0
                           and pid in products), key=lambda item: products[item[0]].sku)
            if not book:
                continue
            sheet = self.writer.open_stocktake(wid, day, book)
            self.state.stocktakes[sheet.id] = sheet
            for _, pid, qty in sheet.lines:
                k = (pid, wid)
                self._low[k] = min(qty, self.state.on_hand.get(k, ZERO))

    def post_counts(self, day: date) -> None:
        """Post the sheets whose day has come (the count day itself, or 1–3 days later)."""
        for sheet in list(self.state.stocktakes.values()):
            u = draws(f"{self.world.key}|ST|{sheet.doc_no}", 2)
            lag = 1 + int(u[1] * 3) if u[0] < LATE_POSTING_RATE else 0
            if day < sheet.count_date + timedelta(days=lag):
                continue
            counts: dict[int, Decimal] = {}
            for _, pid, book in sheet.lines:
                if book < 0:
                    continue  # goods sold ahead of their delivery are not counted
                k = (pid, sheet.warehouse_id)
                v = draws(f"{self.world.key}|STL|{sheet.doc_no}|{pid}", 3)
                diff = ZERO
                if v[0] < VARIANCE_RATE:
                    size = Decimal(1 + int(v[1] * 2))
                    if v[2] >= 2 / 3:
                        diff = size
                    else:  # a loss: never more than was there at any time since the count
                        there = _floor(min(book, self._low.get(k, book), self.state.on_hand.get(k, ZERO)))
                        diff = -min(size, there) if there > 0 else ZERO
                counts[pid] = book + diff
            ok = self.writer.post_stocktake(sheet, counts)
            del self.state.stocktakes[sheet.id]
            for _, pid, book in sheet.lines:
                k = (pid, sheet.warehouse_id)
                self._low.pop(k, None)
                diff = counts.get(pid, book) - book
                if not ok or diff == 0:
                    continue
                if diff > 0:
                    self.put(k, diff)
                else:
                    self.take(k, -diff)
                    self.touched(k)
            if not ok:
                self.resync((pid, sheet.warehouse_id) for _, pid, _ in sheet.lines)


def _floor(value: Decimal) -> Decimal:
    return Decimal(math.floor(value))

