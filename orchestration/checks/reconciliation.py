"""Reconciliation: stock on hand per product × warehouse in the warehouse equals the store's.

The store side comes from ``operational.services.monitoring.stock_balances`` at check time, the
warehouse side from a mart. If the store moved after the extraction the two can differ for a
good reason; the check still fails (nothing unverified is published) but says so, and the
sensor's next run will reconcile.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

from dataclasses import dataclass
from decimal import Decimal

import dagster as dg
from dagster import AssetCheckExecutionContext

from orchestration.assets.raw import extraction_fingerprint
from orchestration.reconcile import BalanceKey, compare_balances
from orchestration.resources import StoreResource, WarehouseResource

MAX_REPORTED = 50


@dataclass(frozen=True)
class ReconciliationSpec:
    asset_key: dg.AssetKey
    name: str
    description: str
    sql: str  # returns product_id, warehouse_id, quantity


def warehouse_balances(warehouse: WarehouseResource, sql: str) -> dict[BalanceKey, Decimal]:
    with warehouse.connect() as con:
        return {(int(p), int(w)): Decimal(q) if q is not None else Decimal(0)
                for p, w, q in con.execute(sql).fetchall()}


def build_reconciliation_check(spec: ReconciliationSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=spec.asset_key, name=spec.name, description=spec.description, blocking=True)
    def _check(context: AssetCheckExecutionContext, store: StoreResource,
               warehouse: WarehouseResource) -> dg.AssetCheckResult:
        store_side = store.stock_balances()
        fingerprint_now = store.fingerprint()
        mismatches = compare_balances(store_side, warehouse_balances(warehouse, spec.sql))
        extracted = extraction_fingerprint(context.instance)
        moved = extracted is not None and extracted != fingerprint_now
        if not mismatches:
            description = f"{len(store_side)} product × warehouse balances equal the store's"
        else:
            description = f"{len(mismatches)} product × warehouse balances differ from the store"
            if moved:
                description += " (the store changed after extraction; the next run will catch up)"
        return dg.AssetCheckResult(
            passed=not mismatches,
            severity=dg.AssetCheckSeverity.ERROR,
            description=description,
            metadata={
                "balances_compared": dg.MetadataValue.int(len(store_side)),
                "mismatch_count": dg.MetadataValue.int(len(mismatches)),
                "mismatches": dg.MetadataValue.json([m.as_dict() for m in mismatches[:MAX_REPORTED]]),
                "store_fingerprint_at_extract": dg.MetadataValue.text(extracted or ""),
                "store_fingerprint_now": dg.MetadataValue.text(fingerprint_now),
            },
        )

    return _check
