"""Reconciliation: stock on hand (and, where the spec asks, its value) per product × warehouse in
the warehouse equals the store's.

The store side is the sum of the store's ledger rows up to the last ledger id the run extracted
(``operational.services.monitoring.stock_snapshot``), so clerks posting during a run do not fail
it; in the same read the store's ``stock_balance`` table must equal its whole ledger, so a
store whose balances drifted from its ledger fails too. Values are the store's ledger valued by
the same engine the warehouse's dbt model runs. The warehouse side comes from a mart.
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
    sql: str  # returns product_id, warehouse_id, quantity[, value]
    with_values: bool = False  # the fourth column is the value on hand, compared too


def warehouse_balances(warehouse: WarehouseResource, sql: str,
                       column: int = 2) -> dict[BalanceKey, Decimal]:
    with warehouse.connect() as con:
        return {(int(row[0]), int(row[1])): Decimal(row[column]) if row[column] is not None else Decimal(0)
                for row in con.execute(sql).fetchall()}


def extracted_ledger_id(warehouse: WarehouseResource) -> int | None:
    """The last stock-ledger id this warehouse holds (None before the first extract)."""
    with warehouse.connect() as con:
        return con.execute("SELECT max(id) FROM raw.stock_ledger").fetchone()[0]


def build_reconciliation_check(spec: ReconciliationSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=spec.asset_key, name=spec.name, description=spec.description, blocking=True)
    def _check(context: AssetCheckExecutionContext, store: dg.ResourceParam[StoreResource],
               warehouse: dg.ResourceParam[WarehouseResource]) -> dg.AssetCheckResult:
        snapshot = store.stock_snapshot(extracted_ledger_id(warehouse), with_values=spec.with_values)
        store_side = snapshot.ledger_as_of
        fingerprint_now = snapshot.fingerprint
        mismatches = compare_balances(store_side, warehouse_balances(warehouse, spec.sql))
        value_mismatches = (compare_balances(snapshot.values_as_of or {}, warehouse_balances(warehouse, spec.sql, 3))
                            if spec.with_values else [])
        drift = compare_balances(snapshot.ledger_now, snapshot.balances)
        extracted = extraction_fingerprint(context.instance)
        what = "balances and values" if spec.with_values else "balances"
        if not mismatches and not value_mismatches and not drift:
            description = f"{len(store_side)} product × warehouse {what} equal the store's"
        elif mismatches:
            description = f"{len(mismatches)} product × warehouse balances differ from the store"
        elif value_mismatches:
            description = f"{len(value_mismatches)} product × warehouse values differ from the store's valuation"
        else:
            description = f"the store's stock_balance differs from its own ledger for {len(drift)} product × warehouse"
        return dg.AssetCheckResult(
            passed=not mismatches and not value_mismatches and not drift,
            severity=dg.AssetCheckSeverity.ERROR,
            description=description,
            metadata={
                "balances_compared": dg.MetadataValue.int(len(store_side)),
                "mismatch_count": dg.MetadataValue.int(len(mismatches)),
                "mismatches": dg.MetadataValue.json([m.as_dict() for m in mismatches[:MAX_REPORTED]]),
                "value_mismatch_count": dg.MetadataValue.int(len(value_mismatches)),
                "value_mismatches": dg.MetadataValue.json([m.as_dict() for m in value_mismatches[:MAX_REPORTED]]),
                "store_balance_vs_ledger_drift": dg.MetadataValue.json([
                    {"product_id": m.product_id, "warehouse_id": m.warehouse_id, "ledger": f"{m.store:f}",
                     "stock_balance": f"{m.warehouse:f}"} for m in drift[:MAX_REPORTED]]),
                "store_fingerprint_at_extract": dg.MetadataValue.text(extracted or ""),
                "store_fingerprint_now": dg.MetadataValue.text(fingerprint_now),
            },
        )

    return _check
