"""A landed cost entered after its receipt (``LedgerMovement.added_cost``) in the valuation engine,
against hand-computed figures, for moving average and FIFO.

The receipt is valued as if it had cost that much from the start: value = cents(qty × unit_cost +
added_cost), and everything that took cost from it follows. Every expected figure has its
arithmetic next to it. Movements are in warehouse 1 unless a test says otherwise; day n is 2026-03-n.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from operational.services.valuation import (
    LedgerMovement,
    ProductValuation,
    final_closings,
    value_ledger,
    value_product,
)

D = Decimal
MA, FIFO = "moving_average", "fifo"


def day(n: int) -> date:
    return date(2026, 3, n)


def mv(ledger_id: int, on: int, kind: str, qty: str | int, cost: str | None = None, source: int | None = None,
       wh: int = 1, added: str = "0") -> LedgerMovement:
    return LedgerMovement(ledger_id, day(on), wh, kind, D(qty), None if cost is None else D(cost), source, D(added))


def values(pv: ProductValuation) -> list[Decimal]:
    return [m.value for m in pv.movements]


# --- goods partly still on hand -----------------------------------------------------------------


def test_partial_stock_left_moving_average():
    # receipt 10 @ 10.00 + 20.00 landed = 120.00 (average 12); then a second receipt 10 @ 11.00 = 110.00
    # average (120.00 + 110.00) / 20 = 11.50; ship 15 → 15 × 11.50 = 172.50; 5 left worth 57.50
    pv = value_product([mv(1, 1, "receipt", 10, "10.00", added="20.00"), mv(2, 2, "receipt", 10, "11.00"),
                        mv(3, 3, "shipment", -15)], MA)
    assert values(pv) == [D("120.00"), D("110.00"), D("-172.50")]
    assert pv.movements[0].unit_cost == D("12.0000")
    assert (pv.quantity, pv.value) == (D(5), D("57.50"))
    # without the landed cost: (100.00 + 110.00) / 20 = 10.50 → 157.50 shipped, 52.50 left
    before = value_product([mv(1, 1, "receipt", 10, "10.00"), mv(2, 2, "receipt", 10, "11.00"),
                            mv(3, 3, "shipment", -15)], MA)
    assert values(before) == [D("100.00"), D("110.00"), D("-157.50")]


def test_partial_stock_left_fifo():
    # layer 1: 10 @ 12.00 (100.00 + 20.00); layer 2: 10 @ 11.00. Ship 15 → 120.00 (all of layer 1)
    # + 5 × 11.00 = 175.00; 5 left @ 11.00 = 55.00
    pv = value_product([mv(1, 1, "receipt", 10, "10.00", added="20.00"), mv(2, 2, "receipt", 10, "11.00"),
                        mv(3, 3, "shipment", -15)], FIFO)
    assert values(pv) == [D("120.00"), D("110.00"), D("-175.00")]
    assert (pv.quantity, pv.value) == (D(5), D("55.00"))


def test_fifo_layer_carries_the_higher_cost_into_a_partial_draw():
    # 3 @ 10.00 + 1.00 landed = 31.00, unit cost 10.3333…; ship 1 → round(10.3333…) = 10.33;
    # ship 2 more empties the layer and takes the rest: 31.00 − 10.33 = 20.67
    pv = value_product([mv(1, 1, "receipt", 3, "10.00", added="1.00"), mv(2, 2, "shipment", -1),
                        mv(3, 3, "shipment", -2)], FIFO)
    assert values(pv) == [D("31.00"), D("-10.33"), D("-20.67")]
    assert pv.layers == [] and pv.value == D("0.00")


# --- goods all gone -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", [MA, FIFO])
def test_all_gone_the_shipments_cost_of_goods_rises(method):
    # 10 @ 10.00 + 15.00 landed = 115.00; ship 4 (4 × 11.50 = 46.00), then 6 (the rest: 69.00)
    pv = value_product([mv(1, 1, "receipt", 10, "10.00", added="15.00"), mv(2, 2, "shipment", -4),
                        mv(3, 3, "shipment", -6)], method)
    assert values(pv) == [D("115.00"), D("-46.00"), D("-69.00")]
    assert (pv.quantity, pv.value) == (D(0), D("0.00"))  # COGS 46.00 + 69.00 = 115.00, nothing left


# --- negative stock settled by the receipt ------------------------------------------------------


@pytest.mark.parametrize("method", [MA, FIFO])
def test_negative_stock_settled_by_the_receipt_with_landed_cost(method):
    # receive 2 @ 10.00, ship 5: 20.00 from stock + 3 × 10.00 provisional = 50.00.
    # receive 10 @ 12.00 + 6.00 landed = 126.00, unit cost 12.60: it settles the 3 missing at 3 × 12.60 = 37.80,
    # so the shipment costs 20.00 + 37.80 = 57.80 (not 56.00 as without the landed cost), and the
    # 7 left are worth 126.00 − 37.80 = 88.20.
    pv = value_product([mv(1, 1, "receipt", 2, "10.00"), mv(2, 2, "shipment", -5),
                        mv(3, 3, "receipt", 10, "12.00", added="6.00")], method)
    assert values(pv) == [D("20.00"), D("-57.80"), D("126.00")]
    assert not pv.movements[1].provisional
    assert (pv.quantity, pv.value) == (D(7), D("88.20"))


# --- returns: to the supplier and from a customer -----------------------------------------------


def _with_returns() -> list[LedgerMovement]:
    return [mv(1, 1, "receipt", 10, "10.00", added="10.00"),  # 110.00
            mv(2, 2, "receipt", 10, "13.00"),  # 130.00
            mv(3, 3, "shipment", -5),
            mv(4, 4, "purchase_return", -2, source=1),  # 2 of receipt 1 back to the supplier
            mv(5, 5, "sales_return", 2, source=3)]  # 2 of the shipment back from the customer


def test_supplier_and_customer_returns_moving_average():
    pv = value_product(_with_returns(), MA)
    # average (110.00 + 130.00) / 20 = 12.00; ship 5 → 60.00; supplier return at the average 2 × 12 = 24.00;
    # customer return at the shipment's cost 2 × 60.00 / 5 = 24.00
    assert values(pv) == [D("110.00"), D("130.00"), D("-60.00"), D("-24.00"), D("24.00")]
    assert (pv.quantity, pv.value) == (D(15), D("180.00"))  # 240 − 60 − 24 + 24


def test_supplier_and_customer_returns_fifo():
    pv = value_product(_with_returns(), FIFO)
    # receipt 1's layer 10 @ 11.00; ship 5 → 55.00; the supplier return takes 2 from receipt 1's layer
    # at 11.00 = 22.00; the customer return comes back at 55.00 / 5 × 2 = 22.00
    assert values(pv) == [D("110.00"), D("130.00"), D("-55.00"), D("-22.00"), D("22.00")]
    assert (pv.quantity, pv.value) == (D(15), D("185.00"))  # 240 − 55 − 22 + 22


# --- a transfer in between ----------------------------------------------------------------------


@pytest.mark.parametrize("method", [MA, FIFO])
def test_transfer_moves_the_higher_cost(method):
    # 10 @ 10.00 + 5.00 landed = 105.00 (10.50 each) in warehouse 1; 4 moved to warehouse 2 at
    # 4 × 10.50 = 42.00; shipped from warehouse 2 at 42.00; 6 left in warehouse 1 worth 63.00
    pv = value_product([mv(1, 1, "receipt", 10, "10.00", added="5.00"),
                        mv(2, 2, "transfer_out", -4), mv(3, 2, "transfer_in", 4, wh=2),
                        mv(4, 3, "shipment", -4, wh=2)], method)
    assert values(pv) == [D("105.00"), D("-42.00"), D("42.00"), D("-42.00")]
    assert (pv.quantity, pv.value) == (D(6), D("63.00"))
    closings = {c.warehouse_id: (c.quantity, c.value) for c in final_closings(pv.movements)}
    assert closings == {1: (D(6), D("63.00")), 2: (D(0), D("0.00"))}


# --- two receipts sharing one landed cost -------------------------------------------------------


def _two_receipts(first: str, second: str) -> list[LedgerMovement]:
    # receipt 1: 10 @ 10.00 = 100.00; receipt 2: 30 @ 20.00 = 600.00; ship 20 on day 3
    return [mv(1, 1, "receipt", 10, "10.00", added=first), mv(2, 2, "receipt", 30, "20.00", added=second),
            mv(3, 3, "shipment", -20)]


def test_shared_landed_cost_by_value():
    # 70.00 by value 100 : 600 → 10.00 and 60.00. FIFO: 110.00 (11.00 each) and 660.00 (22.00 each);
    # ship 20 → 110.00 + 10 × 22.00 = 330.00; 20 left × 22.00 = 440.00
    fifo = value_product(_two_receipts("10.00", "60.00"), FIFO)
    assert values(fifo) == [D("110.00"), D("660.00"), D("-330.00")]
    assert fifo.value == D("440.00")
    # moving average: (110.00 + 660.00) / 40 = 19.25; ship 20 → 385.00; 385.00 left
    ma = value_product(_two_receipts("10.00", "60.00"), MA)
    assert values(ma) == [D("110.00"), D("660.00"), D("-385.00")]
    assert ma.value == D("385.00")


def test_shared_landed_cost_by_quantity():
    # 70.00 by quantity 10 : 30 → 17.50 and 52.50. FIFO: 117.50 (11.75 each) and 652.50 (21.75 each);
    # ship 20 → 117.50 + 10 × 21.75 = 335.00; 20 left × 21.75 = 435.00
    fifo = value_product(_two_receipts("17.50", "52.50"), FIFO)
    assert values(fifo) == [D("117.50"), D("652.50"), D("-335.00")]
    assert fifo.value == D("435.00")
    # moving average: the same 770.00 over 40 → 19.25 whichever the basis: 385.00 shipped, 385.00 left
    ma = value_product(_two_receipts("17.50", "52.50"), MA)
    assert values(ma) == [D("117.50"), D("652.50"), D("-385.00")]


# --- value_ledger: the optional ninth element -----------------------------------------------------


def test_value_ledger_takes_added_cost_at_index_8_and_still_accepts_rows_of_8():
    rows = [
        (7, 1, day(1), 1, "receipt", D(10), D("10.00"), None, D("20.00")),  # 120.00
        (7, 2, day(2), 1, "shipment", D(-4), None, None, None),  # None added cost = 0
        (8, 3, day(1), 1, "receipt", D(10), D("10.00"), None),  # a row of 8: no landed cost
        (8, 4, day(2), 1, "shipment", D(-4), None, None),
    ]
    result = dict(value_ledger(rows, {7: (MA, D(0)), 8: (FIFO, D(0))}))
    assert values(result[7]) == [D("120.00"), D("-48.00")]  # 4 × 12.00
    assert values(result[8]) == [D("100.00"), D("-40.00")]
    assert (result[7].quantity, result[7].value) == (D(6), D("72.00"))
