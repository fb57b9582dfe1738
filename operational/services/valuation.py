"""Inventory valuation engine: values one product's stock ledger company-wide by moving average
(移动加权平均) or FIFO (先进先出), keeps ageing layers, and splits each day's closing value over the
warehouses.

Pure Python on the standard library, with no database access, so that the dbt Python model over the
warehouse ledger and the reconciliation check over the operational store run the very same code.
The result depends only on the inputs: movements are put in (movement_date, ledger_id) order here,
and all arithmetic runs in a private Decimal context, whatever context the caller has set.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from itertools import groupby

METHODS = ("moving_average", "fifo")

# +1: may only add stock, −1: may only take it. A movement against its type's sign is a data error
# (the store never posts one), and valuing it anyway would produce plausible but wrong figures.
_SIGN = {
    "opening": 1,
    "receipt": 1,
    "purchase_return": -1,
    "shipment": -1,
    "sales_return": 1,
    "transfer_out": -1,
    "transfer_in": 1,
    "stocktake_gain": 1,
    "stocktake_loss": -1,
    "transit_loss": -1,
    "bin_move_out": -1,
    "bin_move_in": 1,
}
# Value-neutral movements: between warehouses (transfers) and between bins of one warehouse.
_TRANSFERS = frozenset({"transfer_out", "transfer_in", "bin_move_out", "bin_move_in"})
_OWN_COST = frozenset({"opening", "receipt"})

_ZERO = Decimal(0)
_CENT = Decimal("0.01")
_UNIT = Decimal("0.0001")
# Outbound values are written 0.00 − x rather than −x so that a free outbound is 0.00, not −0.00.
_NO_VALUE = Decimal("0.00")
_NO_UNIT_COST = Decimal("0.0000")
_DEFAULT_PRODUCT = ("moving_average", Decimal(0))

# 34 significant digits keep the unrounded average and the ratios exact far beyond the cent; a
# private context makes the figures independent of whatever precision or traps the caller set.
_CTX = Context(prec=34, rounding=ROUND_HALF_EVEN, Emax=999_999, Emin=-999_999,
               traps=[InvalidOperation, DivisionByZero, Overflow])

# Positions in a layer (a mutable list, because layers are drawn down in place on every outbound).
_L_DATE, _L_QTY, _L_COST, _L_SOURCE, _L_VALUE = range(5)
# Positions in a deficit entry: the outbound movement (index into the output) whose part beyond
# the stock on hand is not yet matched by an inbound, how much of it, at which provisional cost,
# the value taken from stock, and the value of the part already settled.
_D_INDEX, _D_OPEN, _D_COST, _D_STOCK, _D_SETTLED = range(5)


@dataclass(frozen=True, slots=True)
class LedgerMovement:
    ledger_id: int
    movement_date: date
    warehouse_id: int
    movement_type: str
    quantity: Decimal  # signed: + into stock, − out
    unit_cost: Decimal | None = None  # receipts / openings carry their own cost
    source_ledger_id: int | None = None  # returns: the receipt / shipment they return
    # Receipts / openings: an exact amount added to the movement's value (landed cost entered after
    # the receipt, allocated to it in cents), so that its value is cents(qty × unit_cost + added_cost).
    added_cost: Decimal = Decimal(0)
    # A row of a cancelled (作废) document or its reversal: valued 0.00, changes nothing, so the
    # product is valued as if the document had never been posted.
    void: bool = False
    # Receipts / openings: the exact value when unit_cost is a rounded quotient (a receipt entered
    # in another unit: 1 箱 at 100.00 = 24 个 at 4.1667 is worth 100.00). None: qty × unit_cost.
    cost_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ValuedMovement:
    ledger_id: int
    movement_date: date
    warehouse_id: int
    movement_type: str
    quantity: Decimal
    unit_cost: Decimal  # 4 places, >= 0
    value: Decimal  # signed, 2 places: + into stock, − out (cost of goods for a shipment is −value)
    provisional: bool  # part of it is still valued at a provisional cost (unsettled negative stock)
    void: bool = False  # a cancelled document's row or its reversal: 0.00, in no closing


@dataclass(frozen=True, slots=True)
class Layer:
    received_on: date
    quantity: Decimal
    unit_cost: Decimal  # 4 places; for moving average, the current average
    source_ledger_id: int


@dataclass(frozen=True, slots=True)
class Closing:
    warehouse_id: int
    closing_date: date
    quantity: Decimal
    value: Decimal  # 2 places


@dataclass
class ProductValuation:
    movements: list[ValuedMovement]  # in processing order
    layers: list[Layer]  # on hand at the end, oldest first
    quantity: Decimal  # company-wide at the end
    value: Decimal  # company-wide at the end, 2 places
    # With checkpoints=True: the book after the last movement of each calendar month and after the
    # last movement, in processing order (see BookState).
    states: list[BookState] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BookState:
    """Where one product's valuation stands after a movement (``as_of``: its (movement_date,
    ledger_id)): everything the rules need to continue over the later movements and produce exactly
    the figures a whole-history valuation would.

    ``layers``: (received_on, quantity, unrounded unit cost, source ledger id, value in cents, whether
    a purchase return can find it by its receipt's ledger id). ``deficits``: the outbound movements
    whose part beyond the stock on hand is not settled yet — (the movement as valued so far, open
    quantity, provisional cost, value taken from stock, value settled so far); a later inbound
    rewrites them. Numbers are kept unrounded (the moving average has up to 34 digits), and
    ``to_json`` / ``from_json`` carry them as decimal strings, so a saved state continues exactly.
    """

    method: str
    fallback: Decimal
    as_of: tuple[date, int]
    quantity: Decimal
    value: Decimal
    average: Decimal | None
    latest_cost: Decimal | None
    layers: tuple[tuple[date, Decimal, Decimal, int, Decimal, bool], ...]
    deficits: tuple[tuple[ValuedMovement, Decimal, Decimal, Decimal, Decimal], ...]

    def to_json(self) -> str:
        def dec(x: Decimal | None) -> str | None:
            return None if x is None else str(x)

        return json.dumps({
            "method": self.method, "fallback": dec(self.fallback),
            "as_of": [self.as_of[0].isoformat(), self.as_of[1]],
            "quantity": dec(self.quantity), "value": dec(self.value),
            "average": dec(self.average), "latest_cost": dec(self.latest_cost),
            "layers": [[d.isoformat(), dec(q), dec(c), src, dec(v), reg] for d, q, c, src, v, reg in self.layers],
            "deficits": [[[m.ledger_id, m.movement_date.isoformat(), m.warehouse_id, m.movement_type, dec(m.quantity),
                           dec(m.unit_cost), dec(m.value), m.provisional], dec(o), dec(c), dec(st), dec(se)]
                         for m, o, c, st, se in self.deficits],
        }, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> BookState:
        j = json.loads(text)

        def dec(x: str | None) -> Decimal | None:
            return None if x is None else Decimal(x)

        return cls(
            j["method"], Decimal(j["fallback"]), (date.fromisoformat(j["as_of"][0]), j["as_of"][1]),
            Decimal(j["quantity"]), Decimal(j["value"]), dec(j["average"]), dec(j["latest_cost"]),
            tuple((date.fromisoformat(d), Decimal(q), Decimal(c), src, Decimal(v), reg)
                  for d, q, c, src, v, reg in j["layers"]),
            tuple((ValuedMovement(m[0], date.fromisoformat(m[1]), m[2], m[3], Decimal(m[4]), Decimal(m[5]),
                                  Decimal(m[6]), m[7]), Decimal(o), Decimal(c), Decimal(st), Decimal(se))
                  for m, o, c, st, se in j["deficits"]),
        )


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def _unit_cost(value: Decimal, quantity: Decimal) -> Decimal:
    if not quantity:
        return _NO_UNIT_COST
    return (value.copy_abs() / quantity.copy_abs()).quantize(_UNIT, rounding=ROUND_HALF_UP)


def _valued(m: LedgerMovement, value: Decimal, provisional: bool = False) -> ValuedMovement:
    return ValuedMovement(m.ledger_id, m.movement_date, m.warehouse_id, m.movement_type, m.quantity,
                          _unit_cost(value, m.quantity), value, provisional, m.void)


class _Book:
    """The running state of one product while its movements are posted in order.

    Invariants between movements: ``value`` is the sum of the output values (whole cents); layers
    hold max(qty, 0) and deficit entries hold max(−qty, 0), so at most one of them is non-empty;
    for FIFO the layer values add up to ``value`` whenever qty >= 0.
    """

    __slots__ = ("fifo", "fallback", "qty", "value", "average", "latest_cost", "layers",
                 "receipt_layers", "deficits", "out", "shipments", "prior_shipments")

    def __init__(self, fifo: bool, fallback: Decimal) -> None:
        self.fifo = fifo
        self.fallback = fallback
        self.qty = _ZERO
        self.value = _NO_VALUE
        self.average: Decimal | None = None  # moving average: the last one while stock was positive
        self.latest_cost: Decimal | None = None  # cost of the latest receipt / opening
        self.layers: deque[list] = deque()
        self.receipt_layers: dict[int, list] = {}  # a purchase return finds its receipt's layer here
        self.deficits: deque[list] = deque()
        self.out: list[ValuedMovement] = []
        self.shipments: dict[int, int] = {}  # ledger id -> index in out, for customer returns
        # Shipments valued before a saved state this run continues from (their final values).
        self.prior_shipments: Mapping[int, ValuedMovement] = {}

    def restore(self, state: BookState) -> None:
        """Continue from a saved state: its open deficits' movements become the first output rows
        (a later inbound may rewrite them), everything else as it stood."""
        self.qty, self.value = state.quantity, state.value
        self.average, self.latest_cost = state.average, state.latest_cost
        for d, q, c, src, v, reg in state.layers:
            layer = [d, q, c, src, v]
            self.layers.append(layer)
            if reg:
                self.receipt_layers[src] = layer
        for m, open_qty, cost, stock, settled in state.deficits:
            self.deficits.append([len(self.out), open_qty, cost, stock, settled])
            if m.movement_type == "shipment":
                self.shipments[m.ledger_id] = len(self.out)
            self.out.append(m)

    def snapshot(self, method: str, as_of: tuple[date, int]) -> BookState:
        registered = {id(layer) for layer in self.receipt_layers.values()}
        return BookState(
            method, self.fallback, as_of, self.qty, self.value, self.average, self.latest_cost,
            tuple((lay[_L_DATE], lay[_L_QTY], lay[_L_COST], lay[_L_SOURCE], lay[_L_VALUE], id(lay) in registered)
                  for lay in self.layers if lay[_L_QTY]),
            tuple((self.out[e[_D_INDEX]], e[_D_OPEN], e[_D_COST], e[_D_STOCK], e[_D_SETTLED]) for e in self.deficits))

    def current_cost(self) -> Decimal:
        cost = self.latest_cost if self.fifo else self.average
        return self.fallback if cost is None else cost

    def post(self, m: LedgerMovement) -> None:
        kind = m.movement_type
        sign = _SIGN.get(kind)
        if sign is None:
            raise ValueError(f"unknown movement type {kind!r} (ledger {m.ledger_id})")
        if m.void:
            # Before the sign check: a reversal carries its original's type with the opposite sign.
            self.out.append(_valued(m, _NO_VALUE))
            return
        qty = m.quantity
        if not qty:
            self.out.append(_valued(m, _NO_VALUE))
            return
        if (qty > 0) != (sign > 0):
            raise ValueError(f"{kind} with quantity {qty} has the wrong sign (ledger {m.ledger_id})")
        if kind in _TRANSFERS:
            # Value-neutral company-wide: report what moved, leave the book alone.
            moved = _cents(qty.copy_abs() * self.current_cost())
            self.out.append(_valued(m, moved if qty > 0 else _NO_VALUE - moved))
            return
        if sign < 0:
            source = None
            if kind == "purchase_return" and m.source_ledger_id is not None:
                source = self.receipt_layers.get(m.source_ledger_id)
            self._take(m, -qty, source)
            if kind == "shipment":
                self.shipments[m.ledger_id] = len(self.out) - 1
            return
        if kind in _OWN_COST:
            cost = self.fallback if m.unit_cost is None else m.unit_cost
            if m.cost_amount is not None:
                # The exact value (units of measure), plus any later landed cost; the layer and
                # the average carry the unrounded cost, so drawing it all gives the value back.
                total = m.cost_amount + m.added_cost
                cost = total / qty
                value = _cents(total)
            elif m.added_cost:
                # A later landed cost raises the receipt's cost as if it had cost that much from
                # the start: its layer, the average and every draw on it carry the higher cost.
                total = qty * cost + m.added_cost
                cost = total / qty
                value = _cents(total)
            else:
                value = _cents(qty * cost)
            self.latest_cost = cost
            self._put(m, qty, value, cost, register=True)
        elif kind == "sales_return":
            shipped = self._returned_shipment(m.source_ledger_id)
            if shipped is None:
                cost = self.current_cost()
                self._put(m, qty, _cents(qty * cost), cost)
            else:
                # Multiply before dividing so that returning the whole shipment gives back its
                # value to the cent.
                s_qty, s_value = shipped.quantity.copy_abs(), shipped.value.copy_abs()
                self._put(m, qty, _cents(qty * s_value / s_qty), s_value / s_qty)
        else:  # stocktake_gain
            cost = self.current_cost()
            self._put(m, qty, _cents(qty * cost), cost)

    def _returned_shipment(self, source_ledger_id: int | None) -> ValuedMovement | None:
        if source_ledger_id is None:
            return None
        index = self.shipments.get(source_ledger_id)
        # The shipment's value as settled so far: a later settlement does not reach back to its returns.
        return self.prior_shipments.get(source_ledger_id) if index is None else self.out[index]

    def _take(self, m: LedgerMovement, qty: Decimal, source: list | None) -> None:
        on_hand = self.qty if self.qty > 0 else _ZERO
        from_stock = qty if qty <= on_hand else on_hand
        if not from_stock:
            stock_value = _NO_VALUE
        elif from_stock == on_hand:
            # Emptying the stock takes all of its value, so no cent residue is left behind.
            stock_value = self.value
            self.layers.clear()
            self.receipt_layers.clear()
        elif self.fifo:
            stock_value = self._draw(from_stock, source)
        else:
            self._draw(from_stock, source)
            stock_value = _cents(from_stock * self.average)
        short = qty - from_stock
        if short:
            cost = self.current_cost()
            value = _NO_VALUE - (stock_value + _cents(short * cost))
            self.deficits.append([len(self.out), short, cost, stock_value, _NO_VALUE])
        else:
            value = _NO_VALUE - stock_value
        self.qty -= qty
        self.value += value
        if not self.fifo and self.qty > 0:
            self.average = self.value / self.qty
        self.out.append(_valued(m, value, provisional=bool(short)))

    def _draw(self, qty: Decimal, source: list | None) -> Decimal:
        """Take qty out of the layers, the source layer first, then oldest first; return the value
        removed (FIFO; meaningless for moving average, whose layers only carry quantities)."""
        drawn = _NO_VALUE
        if source is not None and source[_L_QTY]:
            part = qty if qty <= source[_L_QTY] else source[_L_QTY]
            drawn += self._draw_layer(source, part)
            qty -= part
        layers = self.layers
        while qty:
            layer = layers[0]
            if not layer[_L_QTY]:  # emptied earlier by a purchase return
                layers.popleft()
                continue
            part = qty if qty <= layer[_L_QTY] else layer[_L_QTY]
            drawn += self._draw_layer(layer, part)
            if not layer[_L_QTY]:
                layers.popleft()
            qty -= part
        return drawn

    def _draw_layer(self, layer: list, qty: Decimal) -> Decimal:
        if not self.fifo:
            layer[_L_QTY] -= qty
            if not layer[_L_QTY]:
                self.receipt_layers.pop(layer[_L_SOURCE], None)
            return _NO_VALUE
        if qty == layer[_L_QTY]:
            # The piece that empties a layer takes what is left of it, so layer values stay whole
            # cents that add up to the product's value.
            piece = layer[_L_VALUE]
            layer[_L_QTY] = _ZERO
            layer[_L_VALUE] = _NO_VALUE
            self.receipt_layers.pop(layer[_L_SOURCE], None)
            return piece
        piece = _cents(qty * layer[_L_COST])
        layer[_L_QTY] -= qty
        layer[_L_VALUE] -= piece
        return piece

    def _put(self, m: LedgerMovement, qty: Decimal, value: Decimal, cost: Decimal,
             register: bool = False) -> None:
        settled = _NO_VALUE
        filled = _ZERO
        if self.qty < 0:
            filled = qty if qty <= -self.qty else -self.qty
            settled = self._settle(filled, qty, value, cost)
        rest = qty - filled
        if rest:
            layer = [m.movement_date, rest, cost, m.ledger_id, value - settled]
            self.layers.append(layer)
            if register:
                self.receipt_layers[m.ledger_id] = layer
        self.qty += qty
        self.value += value
        if not self.fifo and self.qty > 0:
            self.average = self.value / self.qty
        self.out.append(_valued(m, value))

    def _settle(self, filled: Decimal, qty: Decimal, value: Decimal, cost: Decimal) -> Decimal:
        """Fill the oldest deficits with ``filled`` of an inbound's ``qty`` and re-value the outbound
        movements that created them at the inbound's cost; return the value handed over."""
        # Cumulative rounding: the pieces handed to successive deficits add up to the rounded value
        # of everything filled, and to the inbound's own value when it is used up entirely, so a
        # receipt that exactly clears the deficit leaves the product at 0.00.
        deficits, out = self.deficits, self.out
        cumulative = _ZERO
        handed = _NO_VALUE
        while filled:
            entry = deficits[0]
            part = filled if filled <= entry[_D_OPEN] else entry[_D_OPEN]
            filled -= part
            cumulative += part
            total = value if cumulative == qty else _cents(cumulative * cost)
            entry[_D_SETTLED] += total - handed
            handed = total
            entry[_D_OPEN] -= part
            if not entry[_D_OPEN]:
                deficits.popleft()
            index = entry[_D_INDEX]
            old = out[index]
            new_value = _NO_VALUE - (entry[_D_STOCK] + entry[_D_SETTLED] + _cents(entry[_D_OPEN] * entry[_D_COST]))
            out[index] = ValuedMovement(old.ledger_id, old.movement_date, old.warehouse_id, old.movement_type,
                                        old.quantity, _unit_cost(new_value, old.quantity), new_value,
                                        bool(entry[_D_OPEN]))
            self.value += new_value - old.value
        return handed

    def result(self) -> ProductValuation:
        if self.fifo:
            layers = [Layer(lay[_L_DATE], lay[_L_QTY], lay[_L_COST].quantize(_UNIT, rounding=ROUND_HALF_UP),
                            lay[_L_SOURCE]) for lay in self.layers if lay[_L_QTY]]
        else:
            average = self.current_cost().quantize(_UNIT, rounding=ROUND_HALF_UP)
            layers = [Layer(lay[_L_DATE], lay[_L_QTY], average, lay[_L_SOURCE])
                      for lay in self.layers if lay[_L_QTY]]
        return ProductValuation(self.out, layers, self.qty, self.value)


def _processing_order(m: LedgerMovement) -> tuple[date, int]:
    return m.movement_date, m.ledger_id


def value_product(movements: Iterable[LedgerMovement], method: str,
                  fallback_cost: Decimal = Decimal(0), *, start: BookState | None = None,
                  prior_shipments: Mapping[int, ValuedMovement] | None = None,
                  checkpoints: bool = False) -> ProductValuation:
    """Value one product's movements (all warehouses) by ``method``, in (movement_date, ledger_id)
    order whatever the order given.

    Each movement value is rounded half-up to the cent; the running value is the sum of those
    values. A FIFO layer carries its value in whole cents: a draw on it is rounded once, and the
    draw that empties it takes exactly what is left, so the layers always add up to the product's
    value (a FIFO movement drawing on several layers is the sum of its per-layer pieces).

    Purchase returns under FIFO take their quantity out of the layer of the receipt named by
    ``source_ledger_id`` as far as that layer still holds it; the rest comes out of the oldest
    layers, and the movement's value is what was actually removed (receipt cost for the first part,
    the oldest layers' costs for the rest). An unknown or missing source makes it a plain outbound.
    Under moving average a purchase return leaves at the average, and the same source-first rule
    only decides which arrival layer (for ageing) loses the quantity.

    Negative stock: the part of an outbound beyond the stock on hand is valued provisionally at the
    current unit cost and marked ``provisional``. The next inbound fills the oldest deficits first
    and re-values them at its own unit cost: a receipt or opening balance at its cost, as the rules
    require; a customer return or stocktake gain arriving while stock is negative physically fills
    the deficit too, so it settles it at the cost it enters at (for a stocktake gain that is the
    provisional cost anyway). A customer return takes the returned shipment's value as it stands when
    the return is posted; a later settlement of that shipment does not reach back to the return.

    Under moving average the average is recomputed (value ÷ quantity) after every movement that
    leaves the stock positive; otherwise the last one stands (it is the provisional cost of a deficit).

    Zero-quantity movements are valued 0.00 and change nothing (a zero receipt does not become the
    latest cost). Void movements (``void``: the rows of a cancelled document and their reversing
    rows, which carry the original's movement type with the opposite sign) are valued 0.00 and
    change neither quantity, average, layers nor deficits: the product is valued as if the
    cancelled document had never been posted, from its date on. Raises ValueError for an unknown method or movement type, or a quantity whose
    sign contradicts its movement type.

    Continuing (docs/valuation.md "Incremental valuation"): with ``start`` (a state saved by an earlier
    run with ``checkpoints=True``) only the movements after ``start.as_of`` are given, and the result
    is exactly the tail of a whole-history valuation: ``movements`` are the open deficits' outbound
    movements of the state (re-valued if an inbound settles them) followed by the given movements;
    ``layers``, ``quantity`` and ``value`` are those at the end. ``prior_shipments`` holds the
    product's shipments valued before the state (ledger id -> its valued row; non-void, non-zero),
    for customer returns of them. Raises ValueError if ``start`` was saved under another method or
    fallback cost (that needs a valuation from the start) or a movement is not after ``start.as_of``.
    ``checkpoints=True`` fills ``states`` with the state after the last movement of every month and
    after the last movement.
    """
    if method not in METHODS:
        raise ValueError(f"unknown valuation method {method!r}; expected one of {METHODS}")
    ordered = sorted(movements, key=_processing_order)
    with localcontext(_CTX):
        book = _Book(method == "fifo", fallback_cost)
        if start is not None:
            if (start.method, start.fallback) != (method, fallback_cost):
                raise ValueError(f"state saved under {start.method} / {start.fallback}, asked for "
                                 f"{method} / {fallback_cost}: value from the start")
            if ordered and _processing_order(ordered[0]) <= start.as_of:
                raise ValueError(f"movement {ordered[0].ledger_id} is not after the state's {start.as_of}")
            book.restore(start)
        if prior_shipments:
            book.prior_shipments = prior_shipments
        states: list[BookState] = []
        last = len(ordered) - 1
        for i, m in enumerate(ordered):
            book.post(m)
            if checkpoints and (i == last or (ordered[i + 1].movement_date.year, ordered[i + 1].movement_date.month)
                                != (m.movement_date.year, m.movement_date.month)):
                states.append(book.snapshot(method, _processing_order(m)))
        result = book.result()
        result.states = states
        return result


def _split(day: date, rows: list[int], wh_qty: dict[int, Decimal], company_qty: Decimal,
           company_value: Decimal) -> list[Closing]:
    # The largest holding absorbs the rounding, so the shares add up to the company value exactly.
    anchor = min(rows, key=lambda wh: (-wh_qty.get(wh, _ZERO).copy_abs(), wh))
    shares: dict[int, Decimal] = {}
    if company_qty:
        rest = company_value
        for wh in rows:
            if wh != anchor:
                share = _cents(company_value * wh_qty.get(wh, _ZERO) / company_qty)
                shares[wh] = share
                rest -= share
        shares[anchor] = rest
    else:
        shares[anchor] = company_value
    return [Closing(wh, day, wh_qty.get(wh, _ZERO), shares.get(wh, _NO_VALUE)) for wh in rows]


def daily_closings(valued: Sequence[ValuedMovement], opening: Sequence[Closing] = ()) -> list[Closing]:
    """Closing quantity and value per warehouse for each day with a movement, sorted by
    (closing_date, warehouse_id).

    ``valued`` is one product's movements in processing order (``ProductValuation.movements``).
    A day's rows are the warehouses holding a non-zero quantity at its end plus every warehouse that
    had a movement that day (so one that drops to zero gets a zero row, and every day has a row to
    carry the company value). The company value is the running sum of the values of all but the
    transfer movements (which are value-neutral). Every row but one gets
    round_half_up(company value × its quantity ÷ company quantity, 2); the row with the largest
    absolute quantity (lowest warehouse id on ties) gets the rest, or the whole value when the
    company quantity is 0. Raises ValueError if the movements are not in date order.

    ``opening``: to continue from a day already closed, that day's closings (all its rows); then
    ``valued`` holds only the later movements, and the result is the later days' closings.
    """
    closings: list[Closing] = []
    with localcontext(_CTX):
        # A day's rows are every warehouse holding stock plus the zero ones that moved, and they add
        # up to the company value: exactly the position the next day starts from.
        wh_qty: dict[int, Decimal] = {c.warehouse_id: c.quantity for c in opening if c.quantity}
        company_qty = sum((c.quantity for c in opening), _ZERO)
        company_value = sum((c.value for c in opening), _NO_VALUE)
        previous: date | None = max((c.closing_date for c in opening), default=None)
        # Void rows (a cancelled document and its reversal) are left out: as if never posted.
        for day, group in groupby((v for v in valued if not v.void), key=lambda v: v.movement_date):
            if previous is not None and day <= previous:
                raise ValueError(f"movements are not in date order ({day} after {previous})")
            previous = day
            moved: set[int] = set()
            for v in group:
                wh_qty[v.warehouse_id] = wh_qty.get(v.warehouse_id, _ZERO) + v.quantity
                company_qty += v.quantity
                if v.movement_type not in _TRANSFERS:
                    company_value += v.value
                moved.add(v.warehouse_id)
            rows = sorted(wh for wh, qty in wh_qty.items() if qty or wh in moved)
            closings.extend(_split(day, rows, wh_qty, company_qty, company_value))
            # Empty warehouses are dropped so each day's work stays proportional to what is held.
            for wh in [wh for wh, qty in wh_qty.items() if not qty]:
                del wh_qty[wh]
    return closings


def final_closings(valued: Sequence[ValuedMovement]) -> list[Closing]:
    """The closings of the product's last day only — exactly the last day's rows of
    ``daily_closings`` — in one pass, without building every earlier day (the reconciliation needs
    only where the product stands now)."""
    valued = [v for v in valued if not v.void]
    if not valued:
        return []
    with localcontext(_CTX):
        last = valued[-1].movement_date
        wh_qty: dict[int, Decimal] = {}
        company_qty = _ZERO
        company_value = _NO_VALUE
        moved: set[int] = set()
        for v in valued:
            wh_qty[v.warehouse_id] = wh_qty.get(v.warehouse_id, _ZERO) + v.quantity
            company_qty += v.quantity
            if v.movement_type not in _TRANSFERS:
                company_value += v.value
            if v.movement_date == last:
                moved.add(v.warehouse_id)
        rows = sorted(wh for wh, qty in wh_qty.items() if qty or wh in moved)
        return _split(last, rows, wh_qty, company_qty, company_value)


def _dec(x: object) -> Decimal:
    # Via str so that a float from a driver becomes the decimal it prints as, not its binary value.
    return x if type(x) is Decimal else Decimal(str(x))


def _added(row: tuple) -> Decimal:
    # Index 8 is optional so that rows of 8 (no landed cost) are still accepted.
    added = row[8] if len(row) > 8 else None
    return _ZERO if added is None else _dec(added)


def _cost_amount(row: tuple) -> Decimal | None:
    # Index 10 is optional: rows without it (or None) are valued at quantity × unit_cost.
    amount = row[10] if len(row) > 10 else None
    return None if amount is None else _dec(amount)


def value_ledger(rows: Iterable[tuple],
                 products: Mapping[int, tuple[str, Decimal]], *,
                 starts: Mapping[int, BookState] | None = None,
                 prior_shipments: Mapping[int, Mapping[int, ValuedMovement]] | None = None,
                 checkpoints: bool = False) -> Iterator[tuple[int, ProductValuation]]:
    """rows: (product_id, ledger_id, movement_date, warehouse_id, movement_type, quantity, unit_cost, source_ledger_id
    [, added_cost [, void [, cost_amount]]]) already sorted by product_id (then any order); products: product_id -> (method,
    fallback_cost). ``added_cost`` (index 8, optional; None or missing = 0) is the later landed cost
    allocated to a receipt / opening row (``LedgerMovement.added_cost``); index 9 ``void`` marks a
    cancelled document's row or its reversal (absent or None: not void); index 10 ``cost_amount`` the
    exact value of a receipt entered in another unit (``LedgerMovement.cost_amount``).
    Yields (product_id, ProductValuation) per product, grouping consecutive rows with itertools.groupby.

    A product missing from ``products`` is valued by moving average with fallback cost 0. Raises
    ValueError when a product's rows are not consecutive, since valuing each run on its own would
    silently give wrong figures.

    ``starts`` (product_id -> saved state), ``prior_shipments`` (product_id -> its shipments before that
    state) and ``checkpoints`` are passed to ``value_product`` per product: a product with a start
    gets only its rows after the state (see ``value_product``).
    """
    starts = starts or {}
    prior_shipments = prior_shipments or {}
    seen: set[int] = set()
    for product_id, group in groupby(rows, key=lambda row: row[0]):
        if product_id in seen:
            raise ValueError(f"rows are not sorted by product_id: product {product_id} appears twice")
        seen.add(product_id)
        method, fallback = products.get(product_id, _DEFAULT_PRODUCT)
        movements = [
            LedgerMovement(r[1], r[2], r[3], r[4], _dec(r[5]), None if r[6] is None else _dec(r[6]), r[7],
                           _added(r), len(r) > 9 and bool(r[9]), _cost_amount(r))
            for r in group
        ]
        yield product_id, value_product(movements, method, _dec(fallback) if fallback is not None else _ZERO,
                                        start=starts.get(product_id), prior_shipments=prior_shipments.get(product_id),
                                        checkpoints=checkpoints)
