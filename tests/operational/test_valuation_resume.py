"""Continuing a valuation from a saved state (docs/valuation.md "Incremental valuation").

The engine saves its book after the last movement of every month and after the last movement; a
later run starts from one of those states and values only the movements after it. Every test
checks the continuation against hand-worked figures and against the whole-history valuation.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from operational.services.valuation import (
    BookState,
    LedgerMovement,
    ProductValuation,
    ValuedMovement,
    daily_closings,
    value_product,
)

D = Decimal
MA, FIFO = "moving_average", "fifo"


def mv(ledger_id: int, on: date, kind: str, qty: str | int, cost: str | None = None,
       source: int | None = None, wh: int = 1, added: str = "0", void: bool = False) -> LedgerMovement:
    return LedgerMovement(ledger_id, on, wh, kind, D(qty), None if cost is None else D(cost), source, D(added), void)


def state_at(pv: ProductValuation, ledger_id: int) -> BookState:
    """The saved state after ``ledger_id``, through its JSON form as the warehouse keeps it."""
    state = next(s for s in pv.states if s.as_of[1] == ledger_id)
    return BookState.from_json(state.to_json())


def shipments_before(pv: ProductValuation, state: BookState) -> dict[int, ValuedMovement]:
    return {m.ledger_id: m for m in pv.movements
            if m.movement_type == "shipment" and not m.void and m.quantity
            and (m.movement_date, m.ledger_id) <= state.as_of}


def assert_tail_equal(full: ProductValuation, part: ProductValuation) -> None:
    by_id = {m.ledger_id: m for m in full.movements}
    for m in part.movements:
        assert m == by_id[m.ledger_id]
    assert (part.quantity, part.value, part.layers) == (full.quantity, full.value, full.layers)
    if part.states:
        assert [s.to_json() for s in part.states] == [s.to_json() for s in full.states[-len(part.states):]]


# March: receive 10 @ 10.00, 10 @ 13.00; April: ship 5, receive 10 @ 14.00.
MARCH = [mv(1, date(2026, 3, 1), "receipt", 10, "10.00"), mv(2, date(2026, 3, 2), "receipt", 10, "13.00")]
APRIL = [mv(3, date(2026, 4, 1), "shipment", -5), mv(4, date(2026, 4, 2), "receipt", 10, "14.00")]


def test_states_at_month_ends_and_at_the_end():
    pv = value_product(MARCH + APRIL, MA, checkpoints=True)
    assert [s.as_of for s in pv.states] == [(date(2026, 3, 2), 2), (date(2026, 4, 2), 4)]
    march = pv.states[0]
    # 100.00 + 130.00 = 230.00 for 20; the average 11.5 kept unrounded
    assert (march.quantity, march.value, march.average) == (D(20), D("230.00"), D("11.5"))
    assert [(lay[1], lay[3], lay[5]) for lay in march.layers] == [(D(10), 1, True), (D(10), 2, True)]


def test_moving_average_continues_from_month_end():
    full = value_product(MARCH + APRIL, MA, checkpoints=True)
    state = state_at(full, 2)
    part = value_product(APRIL, MA, start=state, checkpoints=True)
    # ship 5 at 11.50 = 57.50; 15 left worth 172.50; receive 140.00 -> 25 worth 312.50 (average 12.50)
    assert [m.value for m in part.movements] == [D("-57.50"), D("140.00")]
    assert (part.quantity, part.value) == (D(25), D("312.50"))
    assert [(lay.quantity, lay.unit_cost, lay.source_ledger_id) for lay in part.layers] == [
        (D(5), D("12.5000"), 1), (D(10), D("12.5000"), 2), (D(10), D("12.5000"), 4)]
    assert_tail_equal(full, part)


def test_fifo_continues_with_its_layers_and_a_purchase_return():
    moves = MARCH + [mv(3, date(2026, 4, 1), "shipment", -5),
                     mv(4, date(2026, 4, 2), "purchase_return", -2, source=2)]
    full = value_product(moves, FIFO, checkpoints=True)
    part = value_product(moves[2:], FIFO, start=state_at(full, 2))
    # ship 5 from layer 1 at 10.00 = 50.00; the return of receipt 2 takes 2 of its layer at 13.00 = 26.00
    assert [m.value for m in part.movements] == [D("-50.00"), D("-26.00")]
    # left: 5 @ 10.00 + 8 @ 13.00 = 50.00 + 104.00 = 154.00
    assert (part.quantity, part.value) == (D(13), D("154.00"))
    assert_tail_equal(full, part)


@pytest.mark.parametrize("method", [MA, FIFO])
def test_negative_stock_settled_after_the_state(method):
    # receive 2 @ 10.00, ship 5 in March (3 short, provisional at 10.00: -50.00); receive 10 @ 12.00 in April
    moves = [mv(1, date(2026, 3, 1), "receipt", 2, "10.00"), mv(2, date(2026, 3, 5), "shipment", -5),
             mv(3, date(2026, 4, 1), "receipt", 10, "12.00")]
    full = value_product(moves, method, checkpoints=True)
    state = state_at(full, 2)
    assert [(d[0].ledger_id, d[1]) for d in state.deficits] == [(2, D(3))]
    part = value_product(moves[2:], method, start=state)
    # the state's open shipment comes first and is settled: 20.00 + 3 × 12.00 = 56.00; 7 left worth 84.00
    assert [(m.ledger_id, m.value, m.provisional) for m in part.movements] == [
        (2, D("-56.00"), False), (3, D("120.00"), False)]
    assert (part.quantity, part.value) == (D(7), D("84.00"))
    assert_tail_equal(full, part)


def test_customer_return_of_a_shipment_before_the_state():
    moves = MARCH + [mv(3, date(2026, 3, 3), "shipment", -4),
                     mv(4, date(2026, 4, 1), "receipt", 10, "20.00"),
                     mv(5, date(2026, 4, 2), "sales_return", 2, source=3)]
    full = value_product(moves, MA, checkpoints=True)
    state = state_at(full, 3)
    part = value_product(moves[3:], MA, start=state, prior_shipments=shipments_before(full, state))
    # the shipment left at 11.50 (4 × 11.50 = 46.00); the return of 2 comes back at 23.00, not at the
    # April average
    assert part.movements[-1].value == D("23.00")
    assert_tail_equal(full, part)


def test_landed_cost_and_void_rows_after_the_state():
    moves = MARCH + [mv(3, date(2026, 4, 1), "receipt", 10, "10.00", added="5.00"),
                     mv(4, date(2026, 4, 2), "shipment", -30, void=True),
                     mv(5, date(2026, 4, 2), "shipment", 30, void=True),
                     mv(6, date(2026, 4, 3), "shipment", -3)]
    full = value_product(moves, MA, checkpoints=True)
    part = value_product(moves[2:], MA, start=state_at(full, 2))
    # 230.00 + 105.00 = 335.00 for 30; void rows 0.00; 3 × 11.1666.. = 33.50
    assert [m.value for m in part.movements] == [D("105.00"), D("0.00"), D("0.00"), D("-33.50")]
    assert_tail_equal(full, part)


def test_a_state_of_another_method_or_an_earlier_movement_is_refused():
    full = value_product(MARCH + APRIL, MA, checkpoints=True)
    state = state_at(full, 2)
    with pytest.raises(ValueError, match="from the start"):
        value_product(APRIL, FIFO, start=state)
    with pytest.raises(ValueError, match="from the start"):
        value_product(APRIL, MA, D("3.00"), start=state)
    with pytest.raises(ValueError, match="not after"):
        value_product([mv(9, date(2026, 3, 1), "shipment", -1)], MA, start=state)


def _random_product(seed: int) -> list[LedgerMovement]:
    rng = random.Random(seed)
    moves: list[LedgerMovement] = []
    receipts: list[int] = []
    shipments: list[int] = []
    on = date(2025, 11, 20)
    for ledger_id in range(1, 301):
        on += timedelta(days=rng.random() < 0.3)
        r = rng.random()
        wh = rng.randint(1, 2)
        if r < 0.3:
            added = str(D(rng.randint(0, 900)) / 100) if rng.random() < 0.1 else "0"
            moves.append(mv(ledger_id, on, "receipt", rng.randint(1, 30), str(D(rng.randint(5000, 15000)) / 1000),
                            wh=wh, added=added, void=rng.random() < 0.03))
            receipts.append(ledger_id)
        elif r < 0.65:
            moves.append(mv(ledger_id, on, "shipment", -rng.randint(1, 30), wh=wh, void=rng.random() < 0.03))
            shipments.append(ledger_id)
        elif r < 0.72 and receipts:
            moves.append(mv(ledger_id, on, "purchase_return", -rng.randint(1, 6), source=rng.choice(receipts), wh=wh))
        elif r < 0.82 and shipments:
            moves.append(mv(ledger_id, on, "sales_return", rng.randint(1, 4), source=rng.choice(shipments), wh=wh))
        elif r < 0.9:
            moves.append(mv(ledger_id, on, "stocktake_gain", rng.randint(1, 3), wh=wh))
        else:
            moves.append(mv(ledger_id, on, "transfer_out", -rng.randint(1, 3), wh=wh))
    return moves


@pytest.mark.parametrize("method", [MA, FIFO])
@pytest.mark.parametrize("seed", range(4))
def test_continuing_from_every_state_equals_the_whole_history(method, seed):
    moves = _random_product(seed)  # negative stock included: shipments are not limited to what is on hand
    full = value_product(moves, method, D("9.50"), checkpoints=True)
    assert len(full.states) >= 4
    assert any(s.deficits for s in full.states) or method == FIFO
    for state in full.states:
        state = BookState.from_json(state.to_json())
        later = [m for m in moves if (m.movement_date, m.ledger_id) > state.as_of]
        part = value_product(later, method, D("9.50"), start=state, checkpoints=True,
                             prior_shipments=shipments_before(full, state))
        assert len(part.movements) == len(later) + len(state.deficits)
        assert_tail_equal(full, part)


def test_daily_closings_continue_from_the_day_before():
    # 03-01 receive 10 @ 10.00 in WH1 and 5 @ 10.00 in WH2; 03-02 WH1 ships 4; 03-03 WH2 ships 5
    # (WH2 at zero keeps a row that day), WH1 receives 2 @ 16.00.
    moves = [mv(1, date(2026, 3, 1), "receipt", 10, "10.00"), mv(2, date(2026, 3, 1), "receipt", 5, "10.00", wh=2),
             mv(3, date(2026, 3, 2), "shipment", -4), mv(4, date(2026, 3, 3), "shipment", -5, wh=2),
             mv(5, date(2026, 3, 3), "receipt", 2, "16.00")]
    valued = value_product(moves, MA).movements
    whole = daily_closings(valued)
    opening = [c for c in whole if c.closing_date == date(2026, 3, 2)]
    # 03-02: 11 worth 110.00: WH1 6 → 60.00, WH2 5 → 50.00
    assert [(c.warehouse_id, c.quantity, c.value) for c in opening] == [(1, D(6), D("60.00")), (2, D(5), D("50.00"))]
    later = daily_closings([v for v in valued if v.movement_date > date(2026, 3, 2)], opening)
    # 03-03: 110.00 − 50.00 + 32.00 = 92.00 for 8 in WH1; WH2 0 → 0.00
    assert [(c.warehouse_id, c.quantity, c.value) for c in later] == [(1, D(8), D("92.00")), (2, D(0), D("0.00"))]
    assert later == [c for c in whole if c.closing_date > date(2026, 3, 2)]
    with pytest.raises(ValueError, match="date order"):
        daily_closings([v for v in valued if v.movement_date == date(2026, 3, 2)], opening)
