"""Reconciliation: stock on hand per product × warehouse in the warehouse equals the store's.

The store side is the sum of the store's ledger rows up to the last ledger id the run extracted
(``operational.services.monitoring.stock_snapshot``), so clerks posting during a run do not fail
it; in the same read the store's ``stock_balance`` table must equal its whole ledger, so a
store whose balances drifted from its ledger fails too. The warehouse side comes from a mart.
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


def extracted_ledger_id(warehouse: WarehouseResource) -> int | None:
    """The last stock-ledger id this warehouse holds (None before the first extract)."""
    with warehouse.connect() as con:
        return con.execute("SELECT max(id) FROM raw.stock_ledger").fetchone()[0]


def build_reconciliation_check(spec: ReconciliationSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=spec.asset_key, name=spec.name, description=spec.description, blocking=True)
    def _check(context: AssetCheckExecutionContext, store: StoreResource,
               warehouse: WarehouseResource) -> dg.AssetCheckResult:
        snapshot = store.stock_snapshot(extracted_ledger_id(warehouse))
        store_side = snapshot.ledger_as_of
        fingerprint_now = snapshot.fingerprint
        mismatches = compare_balances(store_side, warehouse_balances(warehouse, spec.sql))
        drift = compare_balances(snapshot.ledger_now, snapshot.balances)
        extracted = extraction_fingerprint(context.instance)
        if not mismatches and not drift:
            description = f"{len(store_side)} product × warehouse balances equal the store's"
        elif mismatches:
            description = f"{len(mismatches)} product × warehouse balances differ from the store"
        else:
            description = f"the store's stock_balance differs from its own ledger for {len(drift)} product × warehouse"
        return dg.AssetCheckResult(
            passed=not mismatches and not drift,
            severity=dg.AssetCheckSeverity.ERROR,
            description=description,
            metadata={
                "balances_compared": dg.MetadataValue.int(len(store_side)),
                "mismatch_count": dg.MetadataValue.int(len(mismatches)),
                "mismatches": dg.MetadataValue.json([m.as_dict() for m in mismatches[:MAX_REPORTED]]),
                "store_balance_vs_ledger_drift": dg.MetadataValue.json([
                    {"product_id": m.product_id, "warehouse_id": m.warehouse_id, "ledger": f"{m.store:f}",
                     "stock_balance": f"{m.warehouse:f}"} for m in drift[:MAX_REPORTED]]),
                "store_fingerprint_at_extract": dg.MetadataValue.text(extracted or ""),
                "store_fingerprint_now": dg.MetadataValue.text(fingerprint_now),
            },
        )

    return _check
