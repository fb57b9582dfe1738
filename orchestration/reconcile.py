"""Comparing stock quantities per product × warehouse between the warehouse and the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

BalanceKey = tuple[int, int]  # (product_id, warehouse_id)


@dataclass(frozen=True)
class Mismatch:
    product_id: int
    warehouse_id: int
    store: Decimal
    warehouse: Decimal

    @property
    def difference(self) -> Decimal:
        return self.warehouse - self.store

    def as_dict(self) -> dict[str, str | int]:
        return {
            "product_id": self.product_id, "warehouse_id": self.warehouse_id,
            "store": f"{self.store:f}", "warehouse": f"{self.warehouse:f}",
            "difference": f"{self.difference:f}",
        }


def compare_balances(store: Mapping[BalanceKey, Decimal],
                     warehouse: Mapping[BalanceKey, Decimal]) -> list[Mismatch]:
    """Every key whose quantities differ, exactly (Decimal, no tolerance).

    A key missing on one side counts as zero there: the store keeps a zero balance row after the
    last unit ships, and a mart may or may not keep a row for it; both mean "none on hand".
    """
    zero = Decimal(0)
    mismatches = []
    for key in sorted(set(store) | set(warehouse)):
        in_store = Decimal(store.get(key, zero) or zero)
        in_warehouse = Decimal(warehouse.get(key, zero) or zero)
        if in_store != in_warehouse:
            mismatches.append(Mismatch(key[0], key[1], in_store, in_warehouse))
    return mismatches
