"""compare_balances: exact, zero-tolerant on missing keys, reports both sides."""

from __future__ import annotations

from decimal import Decimal

from orchestration.reconcile import compare_balances


def test_equal_maps_have_no_mismatch() -> None:
    store = {(1, 1): Decimal("120.0000"), (2, 1): Decimal("5")}
    warehouse = {(1, 1): Decimal("120"), (2, 1): Decimal("5.0000")}
    assert compare_balances(store, warehouse) == []


def test_exact_comparison_catches_the_smallest_difference() -> None:
    [mismatch] = compare_balances({(1, 1): Decimal("10.0000")}, {(1, 1): Decimal("10.0001")})
    assert (mismatch.product_id, mismatch.warehouse_id) == (1, 1)
    assert mismatch.difference == Decimal("0.0001")
    assert mismatch.as_dict() == {"product_id": 1, "warehouse_id": 1, "store": "10.0000",
                                  "warehouse": "10.0001", "difference": "0.0001"}


def test_missing_key_counts_as_zero() -> None:
    # the store keeps a zero row after the last unit ships; the mart may not have that row
    assert compare_balances({(1, 2): Decimal(0)}, {}) == []
    assert compare_balances({}, {(1, 2): Decimal("0.0000")}) == []
    [only_in_warehouse] = compare_balances({}, {(3, 1): Decimal("7")})
    assert only_in_warehouse.store == 0 and only_in_warehouse.warehouse == 7


def test_mismatches_are_sorted_by_product_then_warehouse() -> None:
    store = {(2, 1): Decimal(1), (1, 2): Decimal(1), (1, 1): Decimal(1)}
    mismatches = compare_balances(store, {})
    assert [(m.product_id, m.warehouse_id) for m in mismatches] == [(1, 1), (1, 2), (2, 1)]
