"""The valuation engine (moving average and FIFO) against hand-computed figures.

Every expected figure has its arithmetic next to it. Unless a test says otherwise, movements are
in warehouse 1 and day n is 2026-03-n.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, localcontext

import pytest

from operational.services.valuation import (
    METHODS,
    Closing,
    Layer,
    LedgerMovement,
    ProductValuation,
    daily_closings,
    final_closings,
    value_ledger,
    value_product,
)

D = Decimal
MA, FIFO = "moving_average", "fifo"


def day(n: int) -> date:
    return date(2026, 3, n)


def mv(ledger_id: int, on: int, kind: str, qty: str | int, cost: str | None = None,
       source: int | None = None, wh: int = 1) -> LedgerMovement:
    return LedgerMovement(ledger_id, day(on), wh, kind, D(qty), None if cost is None else D(cost), source)


def values(pv: ProductValuation) -> list[Decimal]:
    return [m.value for m in pv.movements]


def layers(pv: ProductValuation) -> list[tuple[date, Decimal, Decimal, int]]:
    return [(lay.received_on, lay.quantity, lay.unit_cost, lay.source_ledger_id) for lay in pv.layers]


TWO_RECEIPTS = [mv(1, 1, "receipt", 10, "10.00"), mv(2, 2, "receipt", 10, "12.00")]


# --- receipts at different costs, then a shipment ---------------------------------------------


def test_receipts_then_shipment_moving_average():
    pv = value_product(TWO_RECEIPTS + [mv(3, 3, "shipment", -15)], MA)
    # 10 × 10.00 = 100.00; 10 × 12.00 = 120.00; average 220.00 / 20 = 11; 15 × 11 = 165.00
    assert values(pv) == [D("100.00"), D("120.00"), D("-165.00")]
    assert pv.movements[2].unit_cost == D("11.0000")
    # 20 − 15 = 5 left, 220.00 − 165.00 = 55.00 (5 × 11)
    assert (pv.quantity, pv.value) == (D(5), D("55.00"))
    # ageing: receipt 1 is used up first, 5 of receipt 2 remain, priced at the average 11
    assert layers(pv) == [(day(2), D(5), D("11.0000"), 2)]
    assert not any(m.provisional for m in pv.movements)


def test_receipts_then_shipment_fifo():
    pv = value_product(TWO_RECEIPTS + [mv(3, 3, "shipment", -15)], FIFO)
    # oldest first: 10 × 10.00 + 5 × 12.00 = 100.00 + 60.00 = 160.00
    assert values(pv) == [D("100.00"), D("120.00"), D("-160.00")]
    assert pv.movements[2].unit_cost == D("10.6667")  # 160.00 / 15 = 10.66666… → 10.6667
    # left 5 @ 12.00 = 60.00
    assert (pv.quantity, pv.value) == (D(5), D("60.00"))
    assert layers(pv) == [(day(2), D(5), D("12.0000"), 2)]


# --- returns to the supplier -------------------------------------------------------------------


def test_purchase_return_moving_average_leaves_at_average():
    pv = value_product(TWO_RECEIPTS + [mv(3, 3, "purchase_return", -4, source=2)], MA)
    # average (100.00 + 120.00) / 20 = 11, not receipt 2's 12.00: 4 × 11 = 44.00
    assert values(pv)[2] == D("-44.00")
    # 16 left, 220.00 − 44.00 = 176.00, average still 176.00 / 16 = 11
    assert (pv.quantity, pv.value) == (D(16), D("176.00"))
    # the 4 leave receipt 2's arrival layer: 10 − 4 = 6 of it remain
    assert layers(pv) == [(day(1), D(10), D("11.0000"), 1), (day(2), D(6), D("11.0000"), 2)]


def test_purchase_return_fifo_leaves_at_returned_receipts_cost():
    pv = value_product(TWO_RECEIPTS + [mv(3, 3, "purchase_return", -4, source=2)], FIFO)
    # out of receipt 2's own layer at its cost: 4 × 12.00 = 48.00 (FIFO order would say 40.00)
    assert values(pv)[2] == D("-48.00")
    # 10 × 10.00 + 6 × 12.00 = 100.00 + 72.00 = 172.00
    assert (pv.quantity, pv.value) == (D(16), D("172.00"))
    assert layers(pv) == [(day(1), D(10), D("10.0000"), 1), (day(2), D(6), D("12.0000"), 2)]


@pytest.mark.parametrize("source", [None, 999])
def test_purchase_return_without_known_source_is_like_a_shipment(source):
    pv = value_product(TWO_RECEIPTS + [mv(3, 3, "purchase_return", -4, source=source)], FIFO)
    assert values(pv)[2] == D("-40.00")  # oldest layer: 4 × 10.00
    assert layers(pv) == [(day(1), D(6), D("10.0000"), 1), (day(2), D(10), D("12.0000"), 2)]


def test_purchase_return_fifo_from_a_partly_consumed_layer():
    shipped = TWO_RECEIPTS + [mv(3, 3, "shipment", -15), mv(4, 4, "receipt", 10, "15.00")]
    # the shipment took 10 × 10.00 + 5 × 12.00 = 160.00; receipt 2's layer holds 5 @ 12.00

    enough = value_product(shipped + [mv(5, 5, "purchase_return", -4, source=2)], FIFO)
    assert values(enough) == [D("100.00"), D("120.00"), D("-160.00"), D("150.00"),  # 10 × 15.00
                              D("-48.00")]  # layer still holds 4: 4 × 12.00
    # 220.00 − 160.00 + 150.00 − 48.00 = 162.00 = 1 × 12.00 + 10 × 15.00
    assert (enough.quantity, enough.value) == (D(11), D("162.00"))
    assert layers(enough) == [(day(2), D(1), D("12.0000"), 2), (day(4), D(10), D("15.0000"), 4)]

    short = value_product(shipped + [mv(5, 5, "purchase_return", -8, source=2)], FIFO)
    # the 5 left in receipt 2's layer at 12.00, the other 3 from the oldest layer (receipt 4) at 15.00:
    # 5 × 12.00 + 3 × 15.00 = 60.00 + 45.00 = 105.00
    assert values(short)[4] == D("-105.00")
    assert short.movements[4].unit_cost == D("13.1250")  # 105.00 / 8
    # 220.00 − 160.00 + 150.00 − 105.00 = 105.00 = 7 × 15.00
    assert (short.quantity, short.value) == (D(7), D("105.00"))
    assert layers(short) == [(day(4), D(7), D("15.0000"), 4)]


def test_purchase_return_moving_average_from_a_partly_consumed_layer():
    pv = value_product(TWO_RECEIPTS + [mv(3, 3, "shipment", -15), mv(4, 4, "receipt", 10, "15.00"),
                                       mv(5, 5, "purchase_return", -8, source=2)], MA)
    # 220.00 / 20 = 11 → ship 15 × 11 = 165.00 → 5 left worth 55.00
    # + 10 × 15.00 = 150.00 → 15 worth 205.00, average 13.6666…
    # return 8 × 205.00 / 15 = 109.3333… → 109.33
    assert values(pv) == [D("100.00"), D("120.00"), D("-165.00"), D("150.00"), D("-109.33")]
    # 205.00 − 109.33 = 95.67 for 7
    assert (pv.quantity, pv.value) == (D(7), D("95.67"))
    # arrival layers: receipt 2's remaining 5 go first, the other 3 come out of receipt 4 (10 − 3 = 7),
    # priced at the average 95.67 / 7 = 13.667142… → 13.6671
    assert layers(pv) == [(day(4), D(7), D("13.6671"), 4)]


# --- customer returns --------------------------------------------------------------------------


def test_customer_return_moving_average_at_the_shipments_cost():
    pv = value_product(TWO_RECEIPTS + [
        mv(3, 3, "shipment", -15),
        mv(4, 4, "receipt", 10, "14.00"),
        mv(5, 5, "sales_return", 6, source=3),
        mv(6, 6, "sales_return", 9, source=3),
    ], MA)
    assert values(pv) == [
        D("100.00"), D("120.00"),
        D("-165.00"),  # 15 × 220.00 / 20
        D("140.00"),  # 10 × 14.00 → 15 worth 55.00 + 140.00 = 195.00, average 13
        D("66.00"),  # 6 × 165.00 / 15 = 66.00: at the shipment's 11, not the current average 13
        D("99.00"),  # 9 × 165.00 / 15 = 99.00; 66.00 + 99.00 = 165.00, the whole shipment
    ]
    assert pv.movements[4].unit_cost == D("11.0000")
    # 195.00 + 66.00 + 99.00 = 360.00 for 5 + 10 + 6 + 9 = 30, average 12
    assert (pv.quantity, pv.value) == (D(30), D("360.00"))
    assert layers(pv) == [(day(2), D(5), D("12.0000"), 2), (day(4), D(10), D("12.0000"), 4),
                          (day(5), D(6), D("12.0000"), 5), (day(6), D(9), D("12.0000"), 6)]


def test_customer_return_fifo_becomes_a_new_layer_at_the_shipments_cost():
    pv = value_product(TWO_RECEIPTS + [
        mv(3, 3, "shipment", -15),
        mv(4, 4, "receipt", 10, "14.00"),
        mv(5, 5, "sales_return", 6, source=3),
        mv(6, 6, "shipment", -7),
    ], FIFO)
    assert values(pv) == [
        D("100.00"), D("120.00"),
        D("-160.00"),  # 10 × 10.00 + 5 × 12.00
        D("140.00"),  # 10 × 14.00
        D("64.00"),  # 6 × 160.00 / 15 = 64.00
        D("-88.00"),  # oldest first: 5 × 12.00 + 2 × 14.00 = 60.00 + 28.00; the return layer is newest
    ]
    # 60.00 + 140.00 + 64.00 − 88.00 = 176.00 = 8 × 14.00 + 64.00
    assert (pv.quantity, pv.value) == (D(14), D("176.00"))
    # the return layer is dated the return date at 160.00 / 15 = 10.6666… → 10.6667
    assert layers(pv) == [(day(4), D(8), D("14.0000"), 4), (day(5), D(6), D("10.6667"), 5)]


@pytest.mark.parametrize("method", METHODS)
def test_customer_return_partial_and_whole(method):
    sold = [mv(1, 1, "receipt", 1, "10.00"), mv(2, 1, "receipt", 2, "11.00"), mv(3, 2, "shipment", -3)]
    # both methods ship all 3: 10.00 + 2 × 11.00 = 32.00
    partial = value_product(sold + [mv(4, 3, "sales_return", 1, source=3),
                                    mv(5, 4, "sales_return", 2, source=3)], method)
    assert values(partial) == [D("10.00"), D("22.00"), D("-32.00"),
                               D("10.67"),  # 1 × 32.00 / 3 = 10.6666… → 10.67
                               D("21.33")]  # 2 × 32.00 / 3 = 21.3333… → 21.33
    assert (partial.quantity, partial.value) == (D(3), D("32.00"))  # 10.67 + 21.33

    whole = value_product(sold + [mv(4, 3, "sales_return", 3, source=3)], method)
    assert values(whole)[3] == D("32.00")  # 3 × 32.00 / 3: exactly the shipment's value
    assert whole.movements[3].unit_cost == D("10.6667")


def test_customer_return_without_source_comes_back_at_the_current_cost():
    movements = TWO_RECEIPTS + [mv(3, 3, "shipment", -5), mv(4, 4, "sales_return", 2),
                                mv(5, 4, "sales_return", 1, source=999)]
    ma = value_product(movements, MA)
    assert values(ma)[2:] == [D("-55.00"),  # 5 × 11
                              D("22.00"), D("11.00")]  # current average 11: 2 × 11, 1 × 11
    fifo = value_product(movements, FIFO)
    assert values(fifo)[2:] == [D("-50.00"),  # 5 × 10.00
                                D("24.00"), D("12.00")]  # latest inbound cost 12.00: 2 × 12, 1 × 12
    assert layers(fifo)[-2:] == [(day(4), D(2), D("12.0000"), 4), (day(4), D(1), D("12.0000"), 5)]
    for method in METHODS:  # nothing has come in yet: fallback 4.50 × 2 = 9.00
        assert values(value_product([mv(1, 1, "sales_return", 2)], method, D("4.50"))) == [D("9.00")]


# --- transfers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "moved", "shipped", "left", "final_layers"), [
    # average 220.00 / 20 = 11: 4 × 11 = 44.00; ship 3 × 11 = 33.00; 220.00 − 33.00 = 187.00
    (MA, "44.00", "-33.00", "187.00",
     [(day(1), D(7), D("11.0000"), 1), (day(1), D(10), D("11.0000"), 2)]),
    # latest inbound cost 12.00: 4 × 12 = 48.00; ship from the oldest layer 3 × 10.00 = 30.00;
    # 220.00 − 30.00 = 190.00 = 7 × 10.00 + 10 × 12.00
    (FIFO, "48.00", "-30.00", "190.00",
     [(day(1), D(7), D("10.0000"), 1), (day(1), D(10), D("12.0000"), 2)]),
])
def test_transfers_are_value_neutral(method, moved, shipped, left, final_layers):
    receipts = [mv(1, 1, "receipt", 10, "10.00"), mv(2, 1, "receipt", 10, "12.00")]
    transfers = [
        mv(3, 2, "transfer_out", -4, wh=1), mv(4, 2, "transfer_in", 4, wh=9),  # WH1 → in transit (9)
        mv(5, 3, "transfer_out", -4, wh=9), mv(6, 3, "transfer_in", 4, wh=2),  # in transit → WH2
    ]
    ship = [mv(7, 4, "shipment", -3, wh=2)]
    pv = value_product(receipts + transfers + ship, method)
    assert values(pv)[2:6] == [-D(moved), D(moved), -D(moved), D(moved)]
    assert values(pv)[6] == D(shipped)
    assert (pv.quantity, pv.value) == (D(17), D(left))
    assert layers(pv) == final_layers
    # without the transfers the product comes out the same
    alone = value_product(receipts + ship, method)
    assert (alone.quantity, alone.value, alone.layers) == (pv.quantity, pv.value, pv.layers)
    assert values(alone) == values(pv)[:2] + values(pv)[6:]
    # while the quantities move between the warehouses
    per_day = {(c.closing_date, c.warehouse_id): c.quantity for c in daily_closings(pv.movements)}
    assert per_day == {
        (day(1), 1): D(20),
        (day(2), 1): D(16), (day(2), 9): D(4),
        (day(3), 1): D(16), (day(3), 2): D(4), (day(3), 9): D(0),  # in transit emptied: a zero row
        (day(4), 1): D(16), (day(4), 2): D(1),
    }


# --- stocktake ---------------------------------------------------------------------------------


def test_stocktake_moving_average():
    pv = value_product(TWO_RECEIPTS + [mv(3, 3, "stocktake_gain", 2), mv(4, 4, "stocktake_loss", -3),
                                       mv(5, 5, "transit_loss", -1)], MA)
    assert values(pv)[2:] == [
        D("22.00"),  # at the average 220.00 / 20 = 11: 2 × 11 → 22 worth 242.00, average 11
        D("-33.00"),  # like a shipment: 3 × 11
        D("-11.00"),  # 1 × 11
    ]
    assert (pv.quantity, pv.value) == (D(18), D("198.00"))  # 242.00 − 33.00 − 11.00


def test_stocktake_fifo():
    pv = value_product(TWO_RECEIPTS + [mv(3, 3, "stocktake_gain", 2), mv(4, 4, "stocktake_loss", -3),
                                       mv(5, 5, "transit_loss", -1)], FIFO)
    assert values(pv)[2:] == [
        D("24.00"),  # at the latest cost (receipt 2): 2 × 12.00
        D("-30.00"),  # like a shipment, oldest layer: 3 × 10.00
        D("-10.00"),  # 1 × 10.00
    ]
    # 220.00 + 24.00 − 30.00 − 10.00 = 204.00 = 6 × 10 + 10 × 12 + 2 × 12
    assert (pv.quantity, pv.value) == (D(18), D("204.00"))
    assert layers(pv) == [(day(1), D(6), D("10.0000"), 1), (day(2), D(10), D("12.0000"), 2),
                          (day(3), D(2), D("12.0000"), 3)]


@pytest.mark.parametrize("method", METHODS)
def test_stocktake_gain_before_any_cost_uses_the_fallback(method):
    pv = value_product([mv(1, 1, "stocktake_gain", 2)], method, D("3.00"))
    assert values(pv) == [D("6.00")]  # 2 × 3.00


# --- a mixed sequence, every intermediate figure -----------------------------------------------

MIXED = [
    mv(1, 1, "receipt", 10, "8.00"),
    mv(2, 2, "receipt", 5, "9.50"),
    mv(3, 3, "shipment", -6),
    mv(4, 4, "sales_return", 2, source=3),
    mv(5, 5, "receipt", 9, "10.00"),
    mv(6, 6, "shipment", -12),
]


def test_mixed_sequence_moving_average():
    expected = [
        # (value, quantity after, value after)
        (D("80.00"), D(10), D("80.00")),  # 10 × 8.00; average 8
        (D("47.50"), D(15), D("127.50")),  # 5 × 9.50; average 127.50 / 15 = 8.5
        (D("-51.00"), D(9), D("76.50")),  # 6 × 8.5; average 76.50 / 9 = 8.5
        (D("17.00"), D(11), D("93.50")),  # 2 × 51.00 / 6; average 93.50 / 11 = 8.5
        (D("90.00"), D(20), D("183.50")),  # 9 × 10.00; average 183.50 / 20 = 9.175
        (D("-110.10"), D(8), D("73.40")),  # 12 × 9.175 = 110.10; average 73.40 / 8 = 9.175
    ]
    for n, (value, qty, total) in enumerate(expected, start=1):
        pv = value_product(MIXED[:n], MA)
        assert (pv.movements[-1].value, pv.quantity, pv.value) == (value, qty, total), n
    assert [m.unit_cost for m in pv.movements] == [D("8.0000"), D("9.5000"), D("8.5000"), D("8.5000"),
                                                   D("10.0000"), D("9.1750")]
    assert layers(pv) == [(day(5), D(8), D("9.1750"), 5)]


def test_mixed_sequence_fifo():
    expected = [
        (D("80.00"), D(10), D("80.00"), [(day(1), D(10), D("8.0000"), 1)]),  # 10 × 8.00
        (D("47.50"), D(15), D("127.50"),  # 5 × 9.50
         [(day(1), D(10), D("8.0000"), 1), (day(2), D(5), D("9.5000"), 2)]),
        (D("-48.00"), D(9), D("79.50"),  # 6 × 8.00
         [(day(1), D(4), D("8.0000"), 1), (day(2), D(5), D("9.5000"), 2)]),
        (D("16.00"), D(11), D("95.50"),  # 2 × 48.00 / 6, a new layer dated day 4
         [(day(1), D(4), D("8.0000"), 1), (day(2), D(5), D("9.5000"), 2), (day(4), D(2), D("8.0000"), 4)]),
        (D("90.00"), D(20), D("185.50"),  # 9 × 10.00
         [(day(1), D(4), D("8.0000"), 1), (day(2), D(5), D("9.5000"), 2), (day(4), D(2), D("8.0000"), 4),
          (day(5), D(9), D("10.0000"), 5)]),
        # 4 × 8.00 + 5 × 9.50 + 2 × 8.00 + 1 × 10.00 = 32.00 + 47.50 + 16.00 + 10.00 = 105.50
        (D("-105.50"), D(8), D("80.00"), [(day(5), D(8), D("10.0000"), 5)]),
    ]
    for n, (value, qty, total, lays) in enumerate(expected, start=1):
        pv = value_product(MIXED[:n], FIFO)
        assert (pv.movements[-1].value, pv.quantity, pv.value, layers(pv)) == (value, qty, total, lays), n
    assert pv.movements[-1].unit_cost == D("8.7917")  # 105.50 / 12 = 8.791666… → 8.7917


# --- negative stock ----------------------------------------------------------------------------

WORKED = [mv(1, 1, "receipt", 2, "10.00"), mv(2, 2, "shipment", -5), mv(3, 3, "receipt", 10, "12.00")]


@pytest.mark.parametrize("method", METHODS)
def test_negative_stock_worked_example(method):
    before = value_product(WORKED[:2], method)
    # 2 from stock at 10.00 = 20.00 + 3 short, provisionally at 10.00 = 30.00
    assert before.movements[1].value == D("-50.00")
    assert before.movements[1].provisional
    assert (before.quantity, before.value) == (D(-3), D("-30.00"))  # 20.00 − 50.00
    assert before.layers == []

    after = value_product(WORKED, method)
    # the receipt fills the 3 first at 12.00: −(20.00 + 3 × 12.00) = −56.00
    assert values(after) == [D("20.00"), D("-56.00"), D("120.00")]
    assert after.movements[1].unit_cost == D("11.2000")  # 56.00 / 5
    assert not after.movements[1].provisional
    # 2 − 5 + 10 = 7; 20.00 − 56.00 + 120.00 = 84.00 = 7 × 12
    assert (after.quantity, after.value) == (D(7), D("84.00"))
    assert after.layers == [Layer(day(3), D(7), D("12.0000"), 3)]


@pytest.mark.parametrize(("method", "second", "owed"), [
    # moving average: the short part is provisional at the last average, 10 (stock has not been
    # positive since); FIFO: at the latest inbound cost, 12.00 from receipt 3
    (MA, "-10.00", "-30.00"),
    (FIFO, "-12.00", "-32.00"),
])
def test_negative_stock_partly_settled(method, second, owed):
    movements = WORKED[:2] + [mv(3, 3, "receipt", 1, "12.00"), mv(4, 4, "shipment", -1),
                              mv(5, 5, "receipt", 4, "13.00")]
    partly = value_product(movements[:3], method)
    # 1 of the 3 short settled at 12.00, 2 still at 10.00: −(20.00 + 12.00 + 20.00) = −52.00
    assert values(partly) == [D("20.00"), D("-52.00"), D("12.00")]
    assert partly.movements[1].provisional
    assert (partly.quantity, partly.value) == (D(-2), D("-20.00"))  # 20.00 − 52.00 + 12.00

    more = value_product(movements[:4], method)
    assert more.movements[3].value == D(second)
    assert more.movements[3].provisional
    assert (more.quantity, more.value) == (D(-3), D(owed))  # −20.00 + second

    done = value_product(movements, method)
    # 4 @ 13.00 = 52.00 fills the oldest first: 2 for shipment 2 (26.00), 1 for shipment 4 (13.00)
    assert values(done) == [D("20.00"),
                            D("-58.00"),  # −(20.00 + 12.00 + 26.00)
                            D("12.00"),
                            D("-13.00"),
                            D("52.00")]
    assert not any(m.provisional for m in done.movements)
    # 20.00 − 58.00 + 12.00 − 13.00 + 52.00 = 13.00 = the 1 left at 13.00
    assert (done.quantity, done.value) == (D(1), D("13.00"))
    assert layers(done) == [(day(5), D(1), D("13.0000"), 5)]


@pytest.mark.parametrize("method", METHODS)
def test_deficit_of_several_shipments_settled_to_exactly_zero(method):
    pv = value_product([mv(1, 1, "shipment", -1), mv(2, 1, "shipment", -1), mv(3, 1, "shipment", -1),
                        mv(4, 2, "receipt", 3, "10.005")], method, D("10.00"))
    # no stock: each provisionally at the fallback 10.00; then 3 × 10.005 = 30.015 → 30.02, handed out
    # cumulatively: round(1 × 10.005) = 10.01; round(2 × 10.005) = 20.01 → 10.00; 30.02 − 20.01 = 10.01
    assert values(pv) == [D("-10.01"), D("-10.00"), D("-10.01"), D("30.02")]
    assert not any(m.provisional for m in pv.movements)
    assert (pv.quantity, pv.value) == (D(0), D("0.00"))


# --- back-dated posting ------------------------------------------------------------------------


def test_back_dated_receipt_changes_a_later_shipments_cost():
    # The receipt at 20.00 is posted last (ledger id 3) but dated day 1, before everything else.
    posted_late = [mv(1, 2, "receipt", 10, "10.00"), mv(2, 3, "shipment", -5), mv(3, 1, "receipt", 10, "20.00")]
    # The same movements numbered in date order.
    posted_on_time = [mv(2, 2, "receipt", 10, "10.00"), mv(3, 3, "shipment", -5), mv(1, 1, "receipt", 10, "20.00")]
    # The same receipt dated after the shipment (what ledger-id order alone would mean).
    dated_after = [mv(1, 2, "receipt", 10, "10.00"), mv(2, 3, "shipment", -5), mv(3, 4, "receipt", 10, "20.00")]

    for movements in (posted_late, posted_on_time, list(reversed(posted_late))):
        # average (200.00 + 100.00) / 20 = 15: 5 × 15 = 75.00
        ma = value_product(movements, MA)
        assert next(m.value for m in ma.movements if m.movement_type == "shipment") == D("-75.00")
        # FIFO: the back-dated layer is the oldest: 5 × 20.00 = 100.00
        fifo = value_product(movements, FIFO)
        assert next(m.value for m in fifo.movements if m.movement_type == "shipment") == D("-100.00")
    for method in METHODS:  # only the 10.00 is there yet: 5 × 10.00
        pv = value_product(dated_after, method)
        assert pv.movements[1].value == D("-50.00")
    # whatever order they are given in, the processing order is (movement_date, ledger_id)
    assert [m.ledger_id for m in value_product(posted_late, MA).movements] == [3, 1, 2]
    assert value_product(posted_late, FIFO) == value_product(list(reversed(posted_late)), FIFO)


def test_same_day_the_ledger_id_decides():
    receipt_first = [mv(1, 1, "receipt", 10, "10.00"), mv(2, 2, "receipt", 10, "20.00"), mv(3, 2, "shipment", -5)]
    shipment_first = [mv(1, 1, "receipt", 10, "10.00"), mv(3, 2, "receipt", 10, "20.00"), mv(2, 2, "shipment", -5)]
    ship = "shipment"
    # receipt first: average 300.00 / 20 = 15 → 75.00; shipment first: 5 × 10.00 = 50.00
    assert next(m.value for m in value_product(receipt_first, MA).movements if m.movement_type == ship) == D("-75.00")
    assert next(m.value for m in value_product(shipment_first, MA).movements if m.movement_type == ship) == D("-50.00")


# --- rounding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "shipped"), [
    # average 60.03 / 6 = 10.005 → 10.01; 50.02 / 5 = 10.004 → 10.00; 40.02 / 4 = 10.005 → 10.01;
    # 30.01 / 3 = 10.00333… → 10.00; 20.01 / 2 = 10.005 → 10.01; the last takes what is left, 10.00
    (MA, ["-10.01", "-10.00", "-10.01", "-10.00", "-10.01", "-10.00"]),
    # layer by layer: three at 10.00, three at 10.01
    (FIFO, ["-10.00", "-10.00", "-10.00", "-10.01", "-10.01", "-10.01"]),
])
def test_rounding_ship_one_by_one_until_empty(method, shipped):
    pv = value_product([mv(1, 1, "receipt", 3, "10.00"), mv(2, 1, "receipt", 3, "10.01")]
                       + [mv(10 + n, 2, "shipment", -1) for n in range(6)], method)
    # 30.00 + 30.03 = 60.03 in, and exactly 60.03 out
    assert values(pv)[2:] == [D(s) for s in shipped]
    assert (pv.quantity, pv.value) == (D(0), D("0.00"))
    assert pv.layers == []


@pytest.mark.parametrize(("method", "shipped"), [
    # 10.00 / 3 = 3.3333… → 3.33; 6.67 / 2 = 3.335 → 3.34 (half up); the last takes the 3.33 left
    (MA, ["-3.33", "-3.34", "-3.33"]),
    # 1 × 3.3333 = 3.33 twice, then the last unit takes what is left of the layer: 10.00 − 6.66 = 3.34
    (FIFO, ["-3.33", "-3.33", "-3.34"]),
])
def test_rounding_a_third(method, shipped):
    pv = value_product([mv(1, 1, "receipt", 3, "3.3333")] + [mv(2 + n, 2, "shipment", -1) for n in range(3)],
                       method)
    assert values(pv) == [D("10.00")] + [D(s) for s in shipped]  # 3 × 3.3333 = 9.9999 → 10.00
    assert pv.value == D("0.00")
    assert all(m.value.as_tuple().exponent == -2 for m in pv.movements)
    assert all(m.unit_cost.as_tuple().exponent == -4 for m in pv.movements)


def test_the_callers_decimal_context_does_not_matter():
    movements = MIXED + [mv(7, 7, "receipt", 3, "3.3333"), mv(8, 8, "shipment", -4)]
    expected = [value_product(movements, method) for method in METHODS]
    with localcontext() as ctx:
        ctx.prec = 5
        ctx.rounding = ROUND_DOWN
        assert [value_product(movements, method) for method in METHODS] == expected


# --- opening balances --------------------------------------------------------------------------


def test_opening_without_unit_cost_uses_the_fallback():
    movements = [mv(1, 1, "opening", 5), mv(2, 2, "stocktake_gain", 1)]
    ma = value_product(movements, MA, D("2.40"))
    assert values(ma) == [D("12.00"),  # 5 × 2.40
                          D("2.40")]  # at the average 12.00 / 5
    fifo = value_product(movements, FIFO, D("2.40"))
    assert values(fifo) == [D("12.00"), D("2.40")]  # the opening's cost is the latest cost
    assert layers(fifo) == [(day(1), D(5), D("2.4000"), 1), (day(2), D(1), D("2.4000"), 2)]
    own = value_product([mv(1, 1, "opening", 5, "3.00")], FIFO, D("2.40"))
    assert values(own) == [D("15.00")]  # its own cost wins: 5 × 3.00


def test_zero_quantity_movements():
    pv = value_product(TWO_RECEIPTS + [mv(3, 3, "shipment", 0), mv(4, 3, "receipt", 0, "99.00")], FIFO)
    assert values(pv)[2:] == [D("0.00"), D("0.00")]
    assert [m.unit_cost for m in pv.movements[2:]] == [D("0.0000"), D("0.0000")]
    # the empty receipt does not become the latest cost: a gain still comes in at 12.00
    gain = value_product(TWO_RECEIPTS + [mv(4, 3, "receipt", 0, "99.00"), mv(5, 4, "stocktake_gain", 1)], FIFO)
    assert values(gain)[-1] == D("12.00")


# --- daily closings ----------------------------------------------------------------------------


def test_daily_closings_two_warehouses():
    pv = value_product([
        mv(1, 1, "receipt", 1, "40.00", wh=1),
        mv(2, 1, "receipt", 2, "30.00", wh=2),  # 40.00 + 60.00 = 100.00 for 3
        mv(3, 2, "transfer_out", -1, wh=2),
        mv(4, 2, "transfer_in", 1, wh=1),
        mv(5, 3, "shipment", -1, wh=2),  # 100.00 / 3 = 33.333… → 33.33; 66.67 left for 2, average 33.335
        mv(6, 4, "shipment", -1, wh=1),  # 1 × 33.335 → 33.34; 33.33 left for 1
    ], MA)
    assert values(pv) == [D("40.00"), D("60.00"), D("-33.33"), D("33.33"), D("-33.33"), D("-33.34")]
    assert daily_closings(pv.movements) == [
        # 100.00 × 1 / 3 = 33.333… → 33.33; WH2 holds most and takes the rest 100.00 − 33.33 = 66.67
        Closing(1, day(1), D(1), D("33.33")),
        Closing(2, day(1), D(2), D("66.67")),
        # transfer day: the value stays 100.00 (transfers excluded); now WH1 holds 2 and takes the rest
        Closing(1, day(2), D(2), D("66.67")),  # 100.00 − 33.33
        Closing(2, day(2), D(1), D("33.33")),  # 100.00 × 1 / 3
        # WH2 drops to zero and still gets a row; 100.00 − 33.33 = 66.67 all in WH1
        Closing(1, day(3), D(2), D("66.67")),
        Closing(2, day(3), D(0), D("0.00")),
        # WH2 is empty and did not move: no row; 66.67 − 33.34 = 33.33
        Closing(1, day(4), D(1), D("33.33")),
    ]


def test_daily_closings_ties_and_zero_company_quantity():
    pv = value_product([
        mv(1, 1, "receipt", 1, "5.00", wh=1),
        mv(2, 1, "receipt", 1, "5.01", wh=2),  # 10.01 for 2, average 5.005
        mv(3, 2, "shipment", -3, wh=1),  # 2 from stock (10.01) + 1 short; settled below at 6.00
        mv(4, 3, "receipt", 1, "6.00", wh=1),
    ], MA)
    # the final value of the shipment is −(10.01 + 6.00) = −16.01 (provisionally it was −15.02)
    assert values(pv) == [D("5.00"), D("5.01"), D("-16.01"), D("6.00")]
    assert daily_closings(pv.movements) == [
        # equal quantities: the lower warehouse id takes the rest; 10.01 × 1 / 2 = 5.005 → 5.01 for WH2,
        # 10.01 − 5.01 = 5.00 for WH1
        Closing(1, day(1), D(1), D("5.00")),
        Closing(2, day(1), D(1), D("5.01")),
        # company: −1 worth 10.01 − 16.01 = −6.00; WH2: −6.00 × 1 / −1 = 6.00; WH1 (|−2|): −6.00 − 6.00
        Closing(1, day(2), D(-2), D("-12.00")),
        Closing(2, day(2), D(1), D("6.00")),
        # company quantity 0 worth −6.00 + 6.00 = 0.00: the largest |quantity| (a tie, so WH1) carries it
        Closing(1, day(3), D(-1), D("0.00")),
        Closing(2, day(3), D(1), D("0.00")),
    ]


def test_daily_closings_rejects_movements_out_of_date_order():
    pv = value_product(TWO_RECEIPTS, MA)
    with pytest.raises(ValueError, match="date order"):
        daily_closings(list(reversed(pv.movements)))


# --- value_ledger ------------------------------------------------------------------------------


def _row(product_id, ledger_id, on, kind, qty, cost=None, source=None, wh=1):
    return (product_id, ledger_id, day(on), wh, kind, qty, cost, source)


def test_value_ledger_groups_products_by_their_own_method():
    rows = [
        # product 7, moving average, rows in any order within the product
        _row(7, 3, 3, "shipment", D(-15)), _row(7, 1, 1, "receipt", D(10), D("10.00")),
        _row(7, 2, 2, "receipt", D(10), D("12.00")),
        # product 8, FIFO, quantities as plain ints are accepted
        _row(8, 4, 1, "receipt", 10, D("10.00")), _row(8, 5, 2, "receipt", 10, D("12.00")),
        _row(8, 6, 3, "shipment", -15),
        # product 9 is not in the mapping: moving average, fallback 0
        _row(9, 7, 1, "opening", D(4)),
    ]
    products = {7: (MA, D("1.00")), 8: (FIFO, D("1.00"))}
    result = dict(value_ledger(rows, products))
    assert list(result) == [7, 8, 9]
    assert values(result[7]) == [D("100.00"), D("120.00"), D("-165.00")]  # 15 × 220.00 / 20
    assert (result[7].quantity, result[7].value) == (D(5), D("55.00"))
    assert values(result[8]) == [D("100.00"), D("120.00"), D("-160.00")]  # 10 × 10.00 + 5 × 12.00
    assert (result[8].quantity, result[8].value) == (D(5), D("60.00"))
    assert values(result[9]) == [D("0.00")]  # 4 × 0
    assert (result[9].quantity, result[9].value) == (D(4), D("0.00"))


def test_value_ledger_rejects_rows_not_grouped_by_product():
    rows = [_row(7, 1, 1, "receipt", D(1), D(1)), _row(8, 2, 1, "receipt", D(1), D(1)),
            _row(7, 3, 2, "shipment", D(-1))]
    with pytest.raises(ValueError, match="sorted by product_id"):
        list(value_ledger(rows, {}))


# --- bad input ---------------------------------------------------------------------------------


def test_unknown_method_raises():
    with pytest.raises(ValueError, match="unknown valuation method"):
        value_product(TWO_RECEIPTS, "lifo")
    with pytest.raises(ValueError, match="unknown valuation method"):
        list(value_ledger([_row(1, 1, 1, "receipt", D(1), D(1))], {1: ("standard", D(0))}))


def test_unknown_movement_type_or_wrong_sign_raises():
    with pytest.raises(ValueError, match="unknown movement type"):
        value_product([mv(1, 1, "adjustment", 1)], MA)
    with pytest.raises(ValueError, match="wrong sign"):
        value_product([mv(1, 1, "receipt", -1, "1.00")], FIFO)
    with pytest.raises(ValueError, match="wrong sign"):
        value_product([mv(1, 1, "shipment", 1)], MA)


# --- a synthetic ledger: invariants only -------------------------------------------------------


def _synthetic_rows(products: int, per_product: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    rows: list[tuple] = []
    ledger_id = 0
    start = date(2025, 1, 1)
    for product_id in range(1, products + 1):
        receipts: list[int] = []
        shipments: list[int] = []
        offset = 0
        count = 0
        while count < per_product:
            offset += rng.random() < 0.3
            # now and then a back-dated posting
            on = start + timedelta(days=rng.randint(0, offset) if rng.random() < 0.02 else offset)
            wh = rng.randint(1, 3)
            ledger_id += 1
            count += 1
            r = rng.random()
            if r < 0.30:
                cost = D(rng.randint(5000, 15000)) / 1000  # 3 decimal places: cent rounding matters
                rows.append((product_id, ledger_id, on, wh, "receipt", D(rng.randint(1, 40)), cost, None))
                receipts.append(ledger_id)
            elif r < 0.58:
                rows.append((product_id, ledger_id, on, wh, "shipment", -D(rng.randint(1, 30)), None, None))
                shipments.append(ledger_id)
            elif r < 0.64:
                source = rng.choice(receipts) if receipts and rng.random() < 0.9 else None
                rows.append((product_id, ledger_id, on, wh, "purchase_return", -D(rng.randint(1, 8)), None, source))
            elif r < 0.71:
                source = rng.choice(shipments) if shipments and rng.random() < 0.9 else None
                rows.append((product_id, ledger_id, on, wh, "sales_return", D(rng.randint(1, 5)), None, source))
            elif r < 0.81:
                qty = D(rng.randint(1, 10))
                other = wh % 3 + 1
                rows.append((product_id, ledger_id, on, wh, "transfer_out", -qty, None, None))
                ledger_id += 1
                count += 1
                rows.append((product_id, ledger_id, on, other, "transfer_in", qty, None, None))
            elif r < 0.85:
                rows.append((product_id, ledger_id, on, wh, "stocktake_gain", D(rng.randint(1, 3)), None, None))
            elif r < 0.89:
                rows.append((product_id, ledger_id, on, wh, "stocktake_loss", -D(rng.randint(1, 3)), None, None))
            elif r < 0.92:
                rows.append((product_id, ledger_id, on, wh, "transit_loss", -D(rng.randint(1, 2)), None, None))
            elif r < 0.95:
                rows.append((product_id, ledger_id, on, wh, "shipment", D(0), None, None))
            else:
                cost = None if rng.random() < 0.5 else D(rng.randint(500, 1500)) / 100
                rows.append((product_id, ledger_id, on, wh, "opening", D(rng.randint(1, 20)), cost, None))
                receipts.append(ledger_id)
    return rows


def test_synthetic_ledger_invariants():
    rows = _synthetic_rows(products=100, per_product=1000, seed=20260301)
    assert len(rows) >= 100_000
    # odd products FIFO, even moving average; every tenth is left out and defaults
    products = {pid: (FIFO if pid % 2 else MA, D("7.50")) for pid in range(1, 101) if pid % 10}
    seen = 0
    for _product_id, pv in value_ledger(rows, products):
        seen += 1
        mvs = pv.movements
        assert pv.quantity == sum(m.quantity for m in mvs)
        assert pv.value == sum(m.value for m in mvs if not m.movement_type.startswith("transfer"))
        assert pv.value.as_tuple().exponent == -2
        assert all(m.value.as_tuple().exponent == -2 and m.unit_cost.as_tuple().exponent == -4 for m in mvs)
        assert all(m.unit_cost >= 0 for m in mvs)
        assert sum(lay.quantity for lay in pv.layers) == max(pv.quantity, D(0))
        assert any(m.provisional for m in mvs) == (pv.quantity < 0)
        if pv.quantity == 0:
            assert pv.value == 0
        closings = daily_closings(mvs)
        last_day = closings[-1].closing_date
        last = [c for c in closings if c.closing_date == last_day]
        assert sum(c.value for c in last) == pv.value
        assert sum(c.quantity for c in last) == pv.quantity
        assert final_closings(mvs) == last  # the shortcut the reconciliation uses
    assert seen == 100


# --- cancelled documents (作废): void rows ----------------------------------------------------------

def void(m: LedgerMovement) -> LedgerMovement:
    return LedgerMovement(m.ledger_id, m.movement_date, m.warehouse_id, m.movement_type, m.quantity, m.unit_cost,
                          m.source_ledger_id, void=True)


def test_void_receipt_and_its_reversal_moving_average():
    """Receipts 100 @ 1.00 (day 2) and 100 @ 2.00 (day 3, cancelled: row 2 and its reversal row 5,
    −100 'receipt'), shipment 50 on day 4. As never posted: 50 × 1.00 = 50.00; 50 left worth 50.00.
    (Without the void flags the reversal's sign would be an error: a receipt of −100.)"""
    rows = [mv(1, 2, "receipt", 100, "1.00"), void(mv(2, 3, "receipt", 100, "2.00")), mv(3, 4, "shipment", -50),
            void(mv(5, 3, "receipt", -100, "2.00"))]
    pv = value_product(rows, MA)
    assert [(m.ledger_id, m.value, m.void) for m in pv.movements] == [
        (1, D("100.00"), False), (2, D("0.00"), True), (5, D("0.00"), True), (3, D("-50.00"), False)]
    assert (pv.quantity, pv.value) == (D(50), D("50.00"))
    assert layers(pv) == [(day(2), D(50), D("1.0000"), 1)]
    with pytest.raises(ValueError):
        value_product([mv(1, 2, "receipt", -100, "2.00")], MA)


def test_void_shipment_fifo_gives_the_layers_back():
    """FIFO: 10 @ 2.00 (day 2), shipment 4 (day 3, cancelled), 10 @ 3.00 (day 4), shipment 10 (day 5).
    As never posted the second shipment takes 10 @ 2.00 = 20.00 (with the first: 6 × 2 + 4 × 3 = 24.00)."""
    rows = [mv(1, 2, "receipt", 10, "2.00"), void(mv(2, 3, "shipment", -4)), mv(3, 4, "receipt", 10, "3.00"),
            mv(4, 5, "shipment", -10), void(mv(5, 3, "shipment", 4))]
    pv = value_product(rows, FIFO)
    assert {m.ledger_id: m.value for m in pv.movements}[4] == D("-20.00")
    assert (pv.quantity, pv.value) == (D(10), D("30.00"))
    assert value_product([r for r in rows if not r.void], FIFO).movements[-1].value == D("-20.00")


def test_void_rows_are_in_no_closing_and_value_ledger_reads_index_9():
    """Day 3 has only the cancelled receipt and its reversal: no closing row for day 3, as if never
    posted. value_ledger takes the 10-element rows (index 8, the added cost, is not read here)."""
    rows = [(7, 1, day(2), 1, "receipt", D(10), D("1.00"), None, None, False),
            (7, 2, day(3), 2, "receipt", D(5), D("9.00"), None, D("99.00"), True),
            (7, 3, day(3), 2, "receipt", D(-5), D("9.00"), None, None, True),
            (7, 4, day(4), 1, "shipment", D(-4), None, None)]
    ((pid, pv),) = list(value_ledger(rows, {7: (MA, D(0))}))
    assert (pid, pv.quantity, pv.value) == (7, D(6), D("6.00"))
    assert daily_closings(pv.movements) == [Closing(1, day(2), D(10), D("10.00")), Closing(1, day(4), D(6), D("6.00"))]
    assert final_closings(pv.movements) == [Closing(1, day(4), D(6), D("6.00"))]
